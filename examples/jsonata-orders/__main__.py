"""A team's own order pricing, written in JSONata with Variables, run by the package's Workflow (its role, logs,
tracing and alarms) and recorded in the team's own table.

The state machine follows AWS's JSONata and Variables pages
(https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html,
https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html): `Assign` keeps the customer, the
lines and the total for later states, a Choice `Condition` gives a discount, a DynamoDB task's `Arguments` write the
priced order, and `Output` shapes the result. An order without lines ends `InvalidOrder`, naming what was sent.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws
from sfn_patterns import AlarmTopic, CommonSettings, Workflow, WorkflowArgs, policies

#: Orders of this total or more get DISCOUNT_RATE off.
DISCOUNT_FROM = 100
DISCOUNT_RATE = 0.1


def definition(table_name: str) -> dict[str, Any]:
    """The pricing state machine, in JSONata: every field below is AWS's JSONata or Variables syntax."""
    return {
        "Comment": "Price an order: total its lines, discount large orders, record it",
        "QueryLanguage": "JSONata",
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": "{% $exists($states.input.lines) and $count($states.input.lines) > 0 %}",
                        "Assign": {
                            "customer": "{% $states.input.customer %}",
                            "lines": "{% $states.input.lines %}",
                            "total": "{% $sum($states.input.lines.(quantity * price)) %}",
                        },
                        "Next": "Discount?",
                    }
                ],
                "Default": "InvalidOrder",
            },
            "Discount?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Condition": f"{{% $total >= {DISCOUNT_FROM} %}}",
                        "Assign": {"discount": f"{{% $round($total * {DISCOUNT_RATE}, 2) %}}"},
                        "Next": "Record",
                    }
                ],
                "Default": "NoDiscount",
            },
            "NoDiscount": {"Type": "Pass", "Assign": {"discount": 0}, "Next": "Record"},
            "Record": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Arguments": {
                    "TableName": table_name,
                    "Item": {
                        "orderId": {"S": "{% $states.context.Execution.Name %}"},
                        "customer": {"S": "{% $customer %}"},
                        "total": {"N": "{% $string($total - $discount) %}"},
                    },
                },
                "Output": {
                    "orderId": "{% $states.context.Execution.Name %}",
                    "customer": "{% $customer %}",
                    "skus": "{% $lines.sku %}",
                    "subtotal": "{% $total %}",
                    "discount": "{% $discount %}",
                    "total": "{% $total - $discount %}",
                },
                "End": True,
            },
            "InvalidOrder": {
                "Type": "Fail",
                "Error": "InvalidOrder",
                "Cause": "{% 'an order needs a non-empty lines list, got ' & $string($states.input) %}",
            },
        },
    }


priced = aws.dynamodb.Table(
    "priced-orders",
    billing_mode="PAY_PER_REQUEST",
    hash_key="orderId",
    attributes=[{"name": "orderId", "type": "S"}],
    server_side_encryption={"enabled": True},
    point_in_time_recovery={"enabled": True},
)
alarms = AlarmTopic("jsonata-orders-alarms", alarm_email=None)
pricing = Workflow(
    "price-orders",
    WorkflowArgs(
        definition=priced.name.apply(lambda name: json.dumps(definition(name))),
        # Exactly what the definition does: one PutItem into this table.
        statements=priced.arn.apply(lambda arn: [policies.allow("RecordPricedOrder", ["dynamodb:PutItem"], [arn])]),
        settings=CommonSettings(),
        alarm_topic_arn=alarms.arn,
    ),
)

pulumi.export("stateMachineArn", pricing.arn)
pulumi.export("pricedOrdersTableName", priced.name)
