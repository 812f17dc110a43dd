"""Look-ups over a ProgramRun: a resource by ARN or physical name, its component, its role and that role's policies."""

from __future__ import annotations

import json
from typing import Any

from tools.program import PROJECT, ProgramRun, RegisteredResource, read_stack_config

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
TOPIC = "aws:sns/topic:Topic"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
#: Ways to give a role permissions that these helpers cannot read as a document; a role using one is refused.
OPAQUE_ROLE_GRANTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment")
COMPONENT_TYPE_PREFIX = f"{PROJECT}:index:"


def project_config(stack: str = "dev", overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The stack file's project keys without the `sfn-patterns:` namespace, plus overrides."""
    config = read_stack_config(stack, overrides)
    return {key.split(":", 1)[1]: value for key, value in config.items() if key.startswith(f"{PROJECT}:")}


def arn(resource: RegisteredResource) -> str:
    value = resource.state.get("arn")
    assert isinstance(value, str) and value, f"{resource.name} has no ARN in its state"
    return value


def physical_name(resource: RegisteredResource) -> str:
    value = resource.state.get("name")
    assert isinstance(value, str) and value, f"{resource.name} has no physical name in its state"
    return value


def one(matches: list[RegisteredResource], what: str) -> RegisteredResource:
    assert len(matches) == 1, f"expected exactly one {what}, found {[m.name for m in matches]}"
    return matches[0]


def by_arn(run: ProgramRun, type_: str, value: str) -> RegisteredResource:
    return one([r for r in run.of_type(type_) if r.state.get("arn") == value], f"{type_} with ARN {value}")


def by_physical_name(run: ProgramRun, type_: str, value: str) -> RegisteredResource:
    return one([r for r in run.of_type(type_) if r.state.get("name") == value], f"{type_} named {value!r}")


def by_urn(run: ProgramRun, urn: str) -> RegisteredResource | None:
    """The registered resource with this URN; None for the root stack, which is not recorded."""
    matches = [r for r in run.resources if r.urn == urn]
    return matches[0] if matches else None


def components(run: ProgramRun) -> list[RegisteredResource]:
    return [r for r in run.resources if not r.custom]


def role_of(run: ProgramRun, resource: RegisteredResource, role_arn_input: str) -> RegisteredResource:
    """The role a resource runs as, found by the ARN in one of its inputs (`roleArn`, `role`)."""
    return by_arn(run, ROLE, resource.inputs[role_arn_input])


def role_policy_documents(run: ProgramRun, role: RegisteredResource) -> dict[str, dict[str, Any]]:
    """Every policy document the role holds, by where it comes from; refuses grants it cannot read."""
    role_refs = {role.id, physical_name(role), arn(role)} - {None}
    opaque = [r.name for t in OPAQUE_ROLE_GRANTS for r in run.of_type(t) if r.inputs.get("role") in role_refs]
    opaque += [f"{role.name}.managedPolicyArns"] if role.inputs.get("managedPolicyArns") else []
    assert not opaque, f"{role.name} gets permissions these tests cannot read: {opaque}; inline them instead"
    documents = {
        policy.name: json.loads(policy.inputs["policy"])
        for policy in run.of_type(ROLE_POLICY)
        if policy.inputs.get("role") in role_refs
    }
    for index, inline in enumerate(role.inputs.get("inlinePolicies") or []):
        if inline.get("policy"):
            documents[f"{role.name}.inlinePolicies[{index}]"] = json.loads(inline["policy"])
    return documents
