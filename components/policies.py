"""IAM policy helpers, and the one list of places where a `*` is allowed, each with AWS's reason."""

from __future__ import annotations

import json
from typing import Any

Statement = dict[str, Any]

#: Actions that AWS only grants on Resource "*": no narrower form exists. Tests refuse any other `*`.
WILDCARD_RESOURCE_ACTIONS: dict[str, str] = {
    # Step Functions (and Lambda advanced logging) deliver logs through CloudWatch vended log delivery,
    # whose API has no resource-level permissions (Step Functions developer guide, "IAM policies for logging").
    "logs:CreateLogDelivery": "vended log delivery has no resource-level permissions",
    "logs:GetLogDelivery": "vended log delivery has no resource-level permissions",
    "logs:UpdateLogDelivery": "vended log delivery has no resource-level permissions",
    "logs:DeleteLogDelivery": "vended log delivery has no resource-level permissions",
    "logs:ListLogDeliveries": "vended log delivery has no resource-level permissions",
    "logs:PutResourcePolicy": "vended log delivery has no resource-level permissions",
    "logs:DescribeResourcePolicies": "vended log delivery has no resource-level permissions",
    "logs:DescribeLogGroups": "vended log delivery has no resource-level permissions",
    # X-Ray accepts trace data only with Resource "*" (X-Ray has no resource types for these actions).
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions for sending traces",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions for sending traces",
    "xray:GetSamplingRules": "X-Ray has no resource-level permissions for sampling rules",
    "xray:GetSamplingTargets": "X-Ray has no resource-level permissions for sampling rules",
}

#: Resources with a `*` that are the narrowest form AWS offers; tests accept them only under this program's own
#: resources (tests/support/iam_rules.py).
SCOPED_WILDCARDS: dict[str, str] = {
    "<log group ARN>:*": "CreateLogStream/PutLogEvents act on log streams, which are named at run time",
    "<bucket ARN>/<prefix>*": "objects are named at run time; the bucket and its key prefix are the narrowest form",
    "<execution ARN prefix>:<state machine>/*:*": "a Distributed Map names its child executions at run time",
    "<execution ARN prefix>:<state machine>:*": "TaskTracker's starter describes its runs, named at run time",
}

XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]


def allow(sid: str, actions: list[str], resources: list[str]) -> Statement:
    """One Allow statement."""
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": sorted(resources)}


def invoke_functions(function_arns: list[str], sid: str = "InvokeFunctions") -> Statement:
    """What a state machine needs to run its Lambda tasks: InvokeFunction on exactly these functions."""
    return allow(sid, ["lambda:InvokeFunction"], list(function_arns))


def document(statements: list[Statement]) -> str:
    """A policy document as the JSON IAM takes."""
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def log_stream_arn(log_group_arn: str) -> str:
    """The ARN form that covers a log group's streams (CreateLogStream/PutLogEvents act on streams)."""
    return log_group_arn if log_group_arn.endswith(":*") else f"{log_group_arn}:*"
