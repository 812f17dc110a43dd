"""Workflow: a state machine with a least-privilege role, vended logging, X-Ray tracing and alarms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from . import policies
from .settings import CommonSettings

#: Step Functions metrics that page someone when they are above zero.
ALARM_METRICS = ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionThrottled")


@dataclass
class WorkflowArgs:
    """A definition (JSON), the service permissions its tasks need, and where alarms go."""

    definition: pulumi.Input[str]
    statements: pulumi.Input[list[policies.Statement]]
    settings: CommonSettings
    alarm_topic_arn: pulumi.Input[str]
    workflow_type: str = "STANDARD"
    #: Permissions on the state machine itself (a Distributed Map starts its own child executions); they name
    #: its ARN, so they go in a second policy attached once the state machine exists.
    self_statements: Callable[[str], list[policies.Statement]] | None = None


class Workflow(pulumi.ComponentResource):
    """The state machine of one workflow and everything that keeps it observable."""

    state_machine: aws.sfn.StateMachine
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    alarms: list[aws.cloudwatch.MetricAlarm]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: WorkflowArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("sfn-patterns:index:Workflow", name, None, opts)
        if args.workflow_type not in ("STANDARD", "EXPRESS"):
            raise ValueError(f"workflow_type must be STANDARD or EXPRESS, not {args.workflow_type!r}")
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/vendedlogs/states/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            retention_in_days=args.settings.log_retention_days,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=policies.assume_role_policy("states.amazonaws.com"),
            description=f"State machine {name}: exactly the service calls its definition makes",
            opts=child,
        )
        policy = pulumi.Output.from_input(args.statements).apply(
            lambda statements: policies.document(
                [
                    *statements,
                    policies.allow("LogDelivery", policies.LOG_DELIVERY_ACTIONS, ["*"]),
                    policies.allow("Tracing", policies.XRAY_ACTIONS, ["*"]),
                ]
            )
        )
        role_policy = aws.iam.RolePolicy(f"{name}-policy", role=self.role.id, policy=policy, opts=child)
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            definition=args.definition,
            role_arn=self.role.arn,
            type=args.workflow_type,
            logging_configuration={
                "level": args.settings.log_level,
                "include_execution_data": False,
                "log_destination": self.log_group.arn.apply(policies.log_stream_arn),
            },
            tracing_configuration={"enabled": True},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )
        if args.self_statements is not None:
            build = args.self_statements
            aws.iam.RolePolicy(
                f"{name}-self-policy",
                role=self.role.id,
                policy=self.state_machine.arn.apply(lambda arn: policies.document(build(arn))),
                opts=child,
            )
        self.alarms = [
            aws.cloudwatch.MetricAlarm(
                f"{name}-{metric}",
                alarm_description=f"{name}: {metric} above zero",
                namespace="AWS/States",
                metric_name=metric,
                dimensions={"StateMachineArn": self.state_machine.arn},
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=[args.alarm_topic_arn],
                opts=child,
            )
            for metric in ALARM_METRICS
        ]
        self.arn = self.state_machine.arn
        self.name = self.state_machine.name
        self.register_outputs({"arn": self.arn, "name": self.name})
