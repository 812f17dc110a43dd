"""What IAM a state machine definition needs, derived from its Task states, and what its role's policies grant.

`required_calls` reads a definition and returns the (IAM action, resource ARN) pairs its tasks make;
`granted_calls` reads policy documents and returns the pairs they allow, leaving out the statements whose
actions AWS grants only on "*" (components.policies.WILDCARD_RESOURCE_ACTIONS). A role is least-privilege
when the two sets are equal. Anything this module cannot resolve raises `UnresolvedServiceCall`: a test
must fail rather than skip a call it does not understand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components import asl, policies
from tests.support import inventory
from tools.program import ProgramRun

Call = tuple[str, str]
"""(IAM action, resource ARN); actions are lower-cased, as IAM compares them case-insensitively."""

STATES_INTEGRATION_PREFIX = "arn:aws:states:::"
#: Optimized integrations: (service, API action) -> (IAM action, the parameter naming the resource).
OPTIMIZED_INTEGRATIONS = {
    ("lambda", "invoke"): ("lambda:InvokeFunction", "FunctionName"),
    ("dynamodb", "getItem"): ("dynamodb:GetItem", "TableName"),
    ("dynamodb", "putItem"): ("dynamodb:PutItem", "TableName"),
    ("dynamodb", "updateItem"): ("dynamodb:UpdateItem", "TableName"),
    ("dynamodb", "deleteItem"): ("dynamodb:DeleteItem", "TableName"),
    ("sqs", "sendMessage"): ("sqs:SendMessage", "QueueUrl"),
    ("sns", "publish"): ("sns:Publish", "TopicArn"),
    ("states", "startExecution"): ("states:StartExecution", "StateMachineArn"),
}
#: Parameters that name the one resource a generic `SERVICE:action` call acts on.
RESOURCE_PARAMETERS = ("FunctionName", "TableName", "QueueUrl", "TopicArn", "StateMachineArn")
#: aws-sdk service names whose IAM prefix differs.
IAM_PREFIXES = {"sfn": "states"}
#: The EventBridge rule Step Functions manages to learn when a `.sync` child execution ends.
SYNC_EVENTS_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"


class UnresolvedServiceCall(ValueError):
    """A Task makes a call whose (action, resource) this module cannot derive; extend the module, never skip."""


@dataclass
class Comparison:
    """What the definition needs against what the role grants."""

    required: set[Call]
    granted: set[Call]
    missing: set[Call] = field(init=False)
    extra: set[Call] = field(init=False)

    def __post_init__(self) -> None:
        self.missing = self.required - self.granted
        self.extra = self.granted - self.required

    @property
    def exact(self) -> bool:
        return not self.missing and not self.extra

    def describe(self) -> str:
        return f"missing (the definition calls, the role lacks): {sorted(self.missing)}; " + (
            f"extra (the role grants, no state calls): {sorted(self.extra)}"
        )


def _call(action: str, resource: str) -> Call:
    return action.lower(), resource


def _parameters(state_name: str, state: Mapping[str, Any]) -> Mapping[str, Any]:
    parameters = state.get("Parameters", state.get("Arguments", {}))
    if not isinstance(parameters, Mapping):
        raise UnresolvedServiceCall(f"state {state_name!r}: Parameters/Arguments is an expression, not an object")
    return parameters


def _static_parameter(state_name: str, parameters: Mapping[str, Any], key: str) -> str:
    if f"{key}.$" in parameters:
        raise UnresolvedServiceCall(f"state {state_name!r}: {key} is chosen at run time ({key}.$); cannot check IAM")
    value = parameters.get(key)
    if not isinstance(value, str) or not value:
        raise UnresolvedServiceCall(f"state {state_name!r}: no literal {key} in its parameters")
    if value.startswith("{%"):
        raise UnresolvedServiceCall(f"state {state_name!r}: {key} is a JSONata expression; cannot check IAM")
    return value


def _resource_arn(run: ProgramRun, state_name: str, key: str, value: str) -> str:
    """The ARN an identifying parameter names, looked up among the program's resources where it is a name."""
    if key == "FunctionName":
        if value.startswith("arn:"):
            return value
        return inventory.arn(inventory.by_physical_name(run, inventory.FUNCTION, value))
    if key == "TableName":
        if value.startswith("arn:"):
            return value
        tables = [t for t in run.of_type(inventory.TABLE) if t.state.get("name") == value]
        if len(tables) != 1:
            raise UnresolvedServiceCall(f"state {state_name!r}: TableName {value!r} is not a table of this program")
        return inventory.arn(tables[0])
    if key == "QueueUrl":
        queue_name = value.rstrip("/").rsplit("/", 1)[-1]
        queues = [
            q for q in run.of_type(inventory.QUEUE) if q.state.get("url") == value or q.state.get("name") == queue_name
        ]
        if len(queues) != 1:
            raise UnresolvedServiceCall(f"state {state_name!r}: QueueUrl {value!r} is not a queue of this program")
        return inventory.arn(queues[0])
    if key in ("TopicArn", "StateMachineArn"):
        if not value.startswith("arn:"):
            raise UnresolvedServiceCall(f"state {state_name!r}: {key} {value!r} is not an ARN")
        return value
    raise UnresolvedServiceCall(f"state {state_name!r}: no rule for resource parameter {key}")


def _sync_child_calls(state_machine_arn: str) -> set[Call]:
    """`.sync` also polls and stops the child execution and manages an EventBridge rule (Step Functions IAM docs)."""
    partition_service_region_account = state_machine_arn.split(":stateMachine:")[0]
    child_name = state_machine_arn.split(":stateMachine:")[1].split(":")[0]
    region, account = partition_service_region_account.split(":")[3:5]
    executions = f"{partition_service_region_account}:execution:{child_name}:*"
    rule = f"arn:aws:events:{region}:{account}:rule/{SYNC_EVENTS_RULE}"
    return {
        _call("states:DescribeExecution", executions),
        _call("states:StopExecution", executions),
        *(_call(action, rule) for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule")),
    }


def _split_integration(state_name: str, resource: str) -> tuple[str, str, str]:
    """`arn:aws:states:::[aws-sdk:]SERVICE:action[.sync[:2]|.waitForTaskToken]` -> (service, action, pattern)."""
    body = resource.removeprefix(STATES_INTEGRATION_PREFIX)
    pattern = ""
    for suffix in (".sync:2", ".sync", ".waitForTaskToken"):
        if body.endswith(suffix):
            body, pattern = body.removesuffix(suffix), suffix
            break
    parts = body.split(":")
    if parts[0] == "aws-sdk":
        parts = parts[1:]
    if len(parts) != 2 or not all(parts):
        raise UnresolvedServiceCall(f"state {state_name!r}: cannot read the integration {resource!r}")
    return parts[0], parts[1], pattern


def task_calls(run: ProgramRun, state_name: str, state: Mapping[str, Any]) -> set[Call]:
    """The (action, resource) pairs one Task state makes."""
    resource = state.get("Resource")
    if not isinstance(resource, str) or "{%" in resource:
        raise UnresolvedServiceCall(f"state {state_name!r}: Resource {resource!r} is not a literal ARN")
    if "Credentials" in state:
        raise UnresolvedServiceCall(f"state {state_name!r}: calls with another role's Credentials; not modelled")
    if resource.startswith("arn:aws:lambda:"):
        return {_call("lambda:InvokeFunction", resource)}
    if resource.startswith("arn:aws:states:") and ":activity:" in resource:
        return set()  # an activity's workers poll for work with their own credentials; the role calls nothing
    if not resource.startswith(STATES_INTEGRATION_PREFIX):
        raise UnresolvedServiceCall(f"state {state_name!r}: unknown Resource {resource!r}")
    service, api_action, pattern = _split_integration(state_name, resource)
    parameters = _parameters(state_name, state)
    if (service, api_action) in OPTIMIZED_INTEGRATIONS:
        action, key = OPTIMIZED_INTEGRATIONS[(service, api_action)]
    else:
        keys = [key for key in RESOURCE_PARAMETERS if key in parameters or f"{key}.$" in parameters]
        if len(keys) != 1:
            raise UnresolvedServiceCall(
                f"state {state_name!r}: {resource} names its resource by none or several of {RESOURCE_PARAMETERS}"
            )
        key = keys[0]
        action = f"{IAM_PREFIXES.get(service, service)}:{api_action[0].upper()}{api_action[1:]}"
    target = _resource_arn(run, state_name, key, _static_parameter(state_name, parameters, key))
    calls = {_call(action, target)}
    if pattern.startswith(".sync"):
        if service != "states":
            raise UnresolvedServiceCall(f"state {state_name!r}: {resource} (.sync of {service}) is not modelled")
        calls |= _sync_child_calls(target)
    return calls


#: What a Distributed Map's ResultWriter does under its prefix (Step Functions IAM docs, "ResultWriter").
RESULT_WRITER_ACTIONS = ("s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload")


def _object_pattern(state_name: str, parameters: Mapping[str, Any], key: str) -> str:
    """A literal key, or the literal prefix of a `States.Format('prefix/{}...', ...)` key, + `*`."""
    if key in parameters:
        return str(parameters[key])
    expression = parameters.get(f"{key}.$")
    if isinstance(expression, str) and expression.startswith("States.Format('"):
        template = expression.removeprefix("States.Format('").split("'", 1)[0]
        prefix = template.split("{}", 1)[0]
        if prefix and "{}" in template:
            return prefix + "*"
    raise UnresolvedServiceCall(
        f"state {state_name!r}: the object {key} must be literal or States.Format('<literal prefix>{{}}...') "
        "so its IAM can be checked"
    )


def distributed_map_calls(state_name: str, state: Mapping[str, Any], state_machine_arn: str | None) -> set[Call]:
    """A Distributed Map starts child executions of its own state machine, reads items and writes results."""
    if not state_machine_arn:
        raise UnresolvedServiceCall(f"state {state_name!r}: a distributed Map's IAM names its own state machine")
    name = state_machine_arn.split(":stateMachine:")[1]
    executions = state_machine_arn.replace(":stateMachine:", ":execution:").rsplit(":", 1)[0] + f":{name}/*:*"
    calls = {
        _call("states:StartExecution", state_machine_arn),
        _call("states:DescribeExecution", executions),
        _call("states:StopExecution", executions),
    }
    reader = state.get("ItemReader")
    if reader:
        if reader.get("Resource") != "arn:aws:states:::s3:getObject":
            raise UnresolvedServiceCall(f"state {state_name!r}: ItemReader {reader.get('Resource')} is not modelled")
        parameters = _parameters(state_name, reader)
        bucket = _static_parameter(state_name, parameters, "Bucket")
        calls.add(_call("s3:GetObject", f"arn:aws:s3:::{bucket}/{_object_pattern(state_name, parameters, 'Key')}"))
    writer = state.get("ResultWriter")
    if writer:
        if writer.get("Resource") != "arn:aws:states:::s3:putObject":
            raise UnresolvedServiceCall(f"state {state_name!r}: ResultWriter {writer.get('Resource')} is not modelled")
        parameters = _parameters(state_name, writer)
        bucket = _static_parameter(state_name, parameters, "Bucket")
        prefix = _static_parameter(state_name, parameters, "Prefix").rstrip("/")
        calls |= {_call(action, f"arn:aws:s3:::{bucket}/{prefix}/*") for action in RESULT_WRITER_ACTIONS}
    return calls


def required_calls(definition: Mapping[str, Any], run: ProgramRun, state_machine_arn: str | None = None) -> set[Call]:
    """Every (action, resource) pair the definition's states make, including those inside Map and Parallel."""
    calls: set[Call] = set()
    for state_name, state in asl.iter_states(dict(definition)):
        processor = state.get("ItemProcessor") or {}
        mode = (processor.get("ProcessorConfig") or {}).get("Mode")
        if state.get("Type") == "Map" and (mode == "DISTRIBUTED" or "ItemReader" in state or "ResultWriter" in state):
            calls |= distributed_map_calls(state_name, state, state_machine_arn)
        if state.get("Type") == "Task":
            calls |= task_calls(run, state_name, state)
    return calls


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_wildcard_allow_listed(statement: Mapping[str, Any]) -> bool:
    """A statement whose actions AWS grants only on Resource "*" (every action is in the allow-list)."""
    actions = _as_list(statement.get("Action", []))
    return bool(actions) and all(action in policies.WILDCARD_RESOURCE_ACTIONS for action in actions)


def granted_calls(documents: Iterable[Mapping[str, Any]]) -> set[Call]:
    """Every (action, resource) pair the documents allow, except the wildcard allow-listed statements."""
    granted: set[Call] = set()
    for document in documents:
        for statement in _as_list(document.get("Statement", [])):
            unsupported = {"NotAction", "NotResource", "Condition"} & set(statement)
            if statement.get("Effect") != "Allow" or unsupported:
                raise ValueError(f"cannot compare statement {statement} exactly (Deny or {sorted(unsupported)})")
            if is_wildcard_allow_listed(statement):
                continue
            for action in _as_list(statement["Action"]):
                for resource in _as_list(statement["Resource"]):
                    granted.add(_call(action, resource))
    return granted


def compare(
    definition: Mapping[str, Any],
    documents: Iterable[Mapping[str, Any]],
    run: ProgramRun,
    state_machine_arn: str | None = None,
) -> Comparison:
    """The definition's calls against the role's grants."""
    return Comparison(required=required_calls(definition, run, state_machine_arn), granted=granted_calls(documents))
