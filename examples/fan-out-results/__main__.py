"""A team's own fan-out: each order in the execution input is scored by the team's Lambda into the team's table."""

import pulumi
import pulumi_aws as aws
from sfn_patterns import MapFanOut, MapFanOutArgs, policies

config = pulumi.Config()

# The team's own results table: the component knows nothing of it, the item function is given access to it.
results = aws.dynamodb.Table(
    "order-scores",
    billing_mode="PAY_PER_REQUEST",
    hash_key="orderId",
    attributes=[{"name": "orderId", "type": "S"}],
    server_side_encryption={"enabled": True},
    point_in_time_recovery={"enabled": True},
)

scoring = MapFanOut(
    "score-orders",
    MapFanOutArgs(
        item_source="input",
        items_path="$.orders",
        item_handler={
            "code": "handlers/score",
            "handler": "score.handler",
            "environment": {"RESULTS_TABLE": results.name},
            # Exactly what the function does: one PutItem per order, into this table.
            "statements": results.arn.apply(lambda arn: [policies.allow("WriteScores", ["dynamodb:PutItem"], [arn])]),
            "timeout_seconds": 10,
        },
        max_concurrency=config.get_int("maxConcurrency") or 4,
        wait_duration_seconds=0,
        timeout_duration_seconds=120,
        tags={"team": "orders"},
    ),
)

pulumi.export("stateMachineArn", scoring.state_machine_arn)
pulumi.export("resultsTableName", results.name)
