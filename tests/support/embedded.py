"""Small state machines run in a bare embedded AWS (no program deployed): the sandbox's quota tests use them."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from tools.sandbox.aws import EmbeddedAws

#: A trust policy letting Lambda assume a role (what every function role of the program has).
TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def policy(*actions: str) -> str:
    """An identity policy allowing these actions on every resource."""
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def create_role(aws: EmbeddedAws, service: str, role_policy: str) -> str:
    """A role `service` (e.g. "states") may assume, with one inline policy; returns its ARN."""
    trust = {"Effect": "Allow", "Principal": {"Service": f"{service}.amazonaws.com"}, "Action": "sts:AssumeRole"}
    iam = aws.client("iam")
    name = f"{service}-{uuid.uuid4().hex[:12]}"
    document = json.dumps({"Version": "2012-10-17", "Statement": [trust]})
    role_arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"])
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=role_policy)
    return role_arn


def create_state_machine(aws: EmbeddedAws, definition: dict[str, Any], role_policy: str = policy("*")) -> str:
    """A state machine whose role may do what `role_policy` says; returns its ARN."""
    name = f"quota-{uuid.uuid4().hex[:12]}"
    role_arn = create_role(aws, "states", role_policy)
    created = aws.client("stepfunctions").create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=role_arn
    )
    return str(created["stateMachineArn"])


def wait(aws: EmbeddedAws, execution_arn: str, timeout_seconds: float = 30) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    deadline = time.monotonic() + timeout_seconds
    while True:
        description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] != "RUNNING" or time.monotonic() > deadline:
            return description
        time.sleep(0.05)


def run(
    aws: EmbeddedAws, definition: dict[str, Any], document: str = "{}", role_policy: str = policy("*")
) -> dict[str, Any]:
    """Start one execution of a new state machine and return its final description."""
    arn = create_state_machine(aws, definition, role_policy)
    execution_arn = aws.client("stepfunctions").start_execution(stateMachineArn=arn, input=document)["executionArn"]
    return wait(aws, execution_arn)


def document_of_size(size: int) -> str:
    """A JSON object of exactly `size` UTF-8 bytes (compact), with a two-byte character in it."""
    head = '{"data":"é'
    tail = '"}'
    filler = size - len((head + tail).encode("utf-8"))
    document = head + "x" * filler + tail
    assert len(document.encode("utf-8")) == size
    return document


def distributed_map(processor_states: dict[str, Any], **map_fields: object) -> dict[str, Any]:
    """A state machine of one Distributed Map (STANDARD children) running `processor_states` per item."""
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                **map_fields,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": next(iter(processor_states)),
                    "States": processor_states,
                },
                "End": True,
            }
        },
    }
