"""Deploy-time rules AWS applies to a resource (names, documents, packages), checked by every mocks engine."""

from __future__ import annotations

import json
import re
import threading
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import quotas as q


class DeployRuleError(ValueError):
    """AWS would refuse to create this resource; the message names the resource and the rule."""


def _length(name: str, low: int, high: int) -> str | None:
    return None if low <= len(name) <= high else f"{low}..{high} characters, not {len(name)}"


def _pattern(name: str, pattern: str, what: str) -> str | None:
    return None if re.fullmatch(pattern, name) else what


STATE_MACHINE_NAME = r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]+"
STATE_MACHINE_NAME_RULE = 'no white space, brackets, wildcards, "#%\\^|~`$&,;:/ or control characters'
BUCKET_NAME_RULE = "only lowercase letters, digits, . and -, with a letter or digit at each end"

#: Resource type -> (what AWS calls its name, the checks on the physical name, each a reason or None).
NAME_RULES: dict[str, tuple[str, list[Callable[[str], str | None]]]] = {
    "aws:iam/role:Role": (
        "IAM role name",
        [
            lambda n: _length(n, 1, q.IAM_ROLE_NAME_CHARACTERS),
            lambda n: _pattern(n, r"[\w+=,.@-]+", "only letters, digits and _+=,.@-"),
        ],
    ),
    "aws:lambda/function:Function": (
        "Lambda function name",
        [
            lambda n: _length(n, 1, q.LAMBDA_FUNCTION_NAME_CHARACTERS),
            lambda n: _pattern(n, r"[A-Za-z0-9_-]+", "only letters, digits, - and _"),
        ],
    ),
    "aws:sfn/stateMachine:StateMachine": (
        "state machine name",
        [
            lambda n: _length(n, 1, q.STATE_MACHINE_NAME_CHARACTERS),
            lambda n: _pattern(
                n,
                r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]+",
                'no white space, brackets, wildcards, "#%\\^|~`$&,;:/ or control characters',
            ),
        ],
    ),
    "aws:sqs/queue:Queue": (
        "SQS queue name (.fifo included)",
        [
            lambda n: _length(n, 1, q.SQS_QUEUE_NAME_CHARACTERS),
            lambda n: _pattern(n, r"[A-Za-z0-9_-]+(\.fifo)?", "only letters, digits, - and _ (and a .fifo suffix)"),
        ],
    ),
    "aws:s3/bucket:Bucket": (
        "S3 bucket name",
        [
            lambda n: _length(n, *q.S3_BUCKET_NAME_CHARACTERS),
            lambda n: _pattern(
                n,
                r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
                "only lowercase letters, digits, . and -, a letter or digit at each end",
            ),
        ],
    ),
    "aws:cloudwatch/logGroup:LogGroup": (
        "log group name",
        [
            lambda n: _length(n, 1, q.LOG_GROUP_NAME_CHARACTERS),
            lambda n: _pattern(n, r"[._/#A-Za-z0-9-]+", "only letters, digits and ._-/#"),
        ],
    ),
    "aws:dynamodb/table:Table": (
        "DynamoDB table name",
        [
            lambda n: _length(n, *q.DYNAMODB_TABLE_NAME_CHARACTERS),
            lambda n: _pattern(n, r"[A-Za-z0-9_.-]+", "only letters, digits, _, - and ."),
        ],
    ),
    "aws:sns/topic:Topic": (
        "SNS topic name",
        [
            lambda n: _length(n, 1, q.SNS_TOPIC_NAME_CHARACTERS),
            lambda n: _pattern(n, r"[A-Za-z0-9_-]+(\.fifo)?", "only letters, digits, - and _ (and a .fifo suffix)"),
        ],
    ),
}
NAME_RULES["aws:s3/bucketV2:BucketV2"] = NAME_RULES["aws:s3/bucket:Bucket"]


def created_name(typ: str, name: str, inputs: Mapping[str, Any]) -> str:
    """The name AWS sees: a FIFO queue's auto-name gains the `.fifo` suffix SQS requires (pulumi-aws does the same)."""
    if typ == "aws:sqs/queue:Queue" and inputs.get("fifoQueue") and not name.endswith(".fifo"):
        return name + ".fifo"
    return name


def _policy_characters(document: Any) -> int:
    text = document if isinstance(document, str) else json.dumps(document)
    return len(re.sub(r"\s", "", text))  # IAM does not count white space


def _archive_sizes(code: Any) -> tuple[int, int] | None:
    path = getattr(code, "path", None)
    if not path or not Path(path).is_file() or not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        return Path(path).stat().st_size, sum(entry.file_size for entry in archive.infolist())


#: States that end a branch by their type: they take neither Next nor End.
TERMINAL_TYPES = frozenset({"Choice", "Succeed", "Fail"})
STATE_TYPES = frozenset({"Task", "Pass", "Wait", "Choice", "Succeed", "Fail", "Parallel", "Map"})


def _targets(state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(where, state name) of every transition a state declares."""
    found = [("Next", state["Next"])] if "Next" in state else []
    found += [(f"Choices[{i}].Next", rule["Next"]) for i, rule in enumerate(state.get("Choices", [])) if "Next" in rule]
    found += [("Default", state["Default"])] if "Default" in state else []
    found += [(f"Catch[{i}].Next", catcher["Next"]) for i, catcher in enumerate(state.get("Catch", []))]
    return found


def _machine_problems(machine: Any, where: str) -> list[str]:
    """What CreateStateMachine's validation reports for one state machine (or a Map's or Parallel's own), in its
    words: MISSING_TRANSITION_TARGET, SCHEMA_VALIDATION_FAILED, UNREACHABLE_STATE. A structural subset of what
    AWS checks (the test suite also runs every definition through asl-validator); moto's parser checks none of it."""
    if not isinstance(machine, Mapping) or not isinstance(machine.get("States"), Mapping) or not machine["States"]:
        return [f"SCHEMA_VALIDATION_FAILED: {where or '/'} needs States, an object of at least one state"]
    states: Mapping[str, Any] = machine["States"]
    problems: list[str] = []
    if machine.get("StartAt") not in states:
        problems.append(
            f"MISSING_TRANSITION_TARGET: Missing 'StartAt' target: {machine.get('StartAt')} at {where}/StartAt"
        )
    for name, state in states.items():
        at = f"{where}/States/{name}"
        if not isinstance(state, Mapping) or state.get("Type") not in STATE_TYPES:
            problems.append(f"SCHEMA_VALIDATION_FAILED: {at}/Type is not a state type")
            continue
        if state["Type"] not in TERMINAL_TYPES and ("Next" in state) == bool(state.get("End")):
            problems.append(f"SCHEMA_VALIDATION_FAILED: {at} must have exactly one of Next and End")
        for field, target in _targets(state):
            if target not in states:
                problems.append(f"MISSING_TRANSITION_TARGET: Missing '{field}' target: {target} at {at}/{field}")
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                problems += _machine_problems(state[key], f"{at}/{key}")
        for i, branch in enumerate(state.get("Branches", [])):
            problems += _machine_problems(branch, f"{at}/Branches[{i}]")
    reached: set[Any] = set()
    pending: list[Any] = [machine.get("StartAt")]
    while pending:
        current = pending.pop()
        if current in reached or current not in states or not isinstance(states[current], Mapping):
            continue
        reached.add(current)
        pending += [target for _, target in _targets(states[current])]
    problems += [f"UNREACHABLE_STATE: State '{name}' is not reachable at {where}/States/{name}" for name in states
                 if name not in reached]  # fmt: skip
    return problems


def definition_problems(definition: str) -> list[str]:
    """Why CreateStateMachine would answer InvalidDefinition for this definition text; [] when it would not."""
    try:
        machine = json.loads(definition)
    except ValueError as error:
        return [f"INVALID_JSON_DESCRIPTION: {error}"]
    from . import query_language  # fields in the wrong query language (the sandbox's own check too)

    return _machine_problems(machine, "") + query_language.problems(machine)


def _document_rules(typ: str, inputs: Mapping[str, Any]) -> list[str]:
    broken: list[str] = []
    if typ == "aws:iam/rolePolicy:RolePolicy" and inputs.get("policy") is not None:
        size = _policy_characters(inputs["policy"])
        if size > q.IAM_ROLE_POLICY_CHARACTERS:
            broken.append(f"an inline role policy is at most {q.IAM_ROLE_POLICY_CHARACTERS:,} characters, not {size:,}")
    if typ == "aws:sfn/stateMachine:StateMachine" and isinstance(inputs.get("definition"), str):
        size = len(inputs["definition"].encode("utf-8"))
        if size > q.STATE_MACHINE_DEFINITION_BYTES:
            broken.append(f"a definition is at most {q.STATE_MACHINE_DEFINITION_BYTES:,} bytes (1 MB), not {size:,}")
        problems = definition_problems(inputs["definition"])
        if problems:
            broken.append(f"InvalidDefinition: Invalid State Machine Definition: '{'; '.join(problems[:5])}'")
    if typ == "aws:lambda/function:Function":
        zipped, unzipped = _archive_sizes(inputs.get("code")) or (0, 0)
        if zipped > q.LAMBDA_ZIPPED_BYTES:
            broken.append(f"a .zip package is at most {q.LAMBDA_ZIPPED_BYTES:,} bytes zipped, not {zipped:,}")
        if unzipped > q.LAMBDA_UNZIPPED_BYTES:
            broken.append(f"a package is at most {q.LAMBDA_UNZIPPED_BYTES:,} bytes unzipped, not {unzipped:,}")
        for field, (low, high), unit in (
            ("timeout", q.LAMBDA_TIMEOUT_SECONDS, "seconds"),
            ("memorySize", q.LAMBDA_MEMORY_MB, "MB"),
        ):
            value = inputs.get(field)
            if value is not None and not low <= value <= high:
                broken.append(f"{field} is {low:,}..{high:,} {unit}, not {value:,}")
        variables = (inputs.get("environment") or {}).get("variables") or {}
        size = len(json.dumps({str(k): str(v) for k, v in variables.items()}, separators=(",", ":")).encode("utf-8"))
        if variables and size > q.LAMBDA_ENVIRONMENT_BYTES:
            limit = q.LAMBDA_ENVIRONMENT_BYTES
            broken.append(f"environment variables are at most {limit:,} bytes together, not {size:,}")
    if typ == "aws:iam/role:Role" and inputs.get("assumeRolePolicy") is not None:
        size = _policy_characters(inputs["assumeRolePolicy"])
        if size > q.IAM_TRUST_POLICY_CHARACTERS:
            limit = q.IAM_TRUST_POLICY_CHARACTERS
            broken.append(f"a role trust policy is at most {limit:,} characters (the default quota), not {size:,}")
    if typ == "aws:apigatewayv2/integration:Integration" and inputs.get("timeoutMilliseconds") is not None:
        low, high = q.HTTP_API_INTEGRATION_TIMEOUT_MS
        timeout = inputs["timeoutMilliseconds"]
        if not low <= timeout <= high:
            broken.append(f"timeoutMilliseconds is {low:,}..{high:,} for an HTTP API integration, not {timeout:,}")
    if typ == "aws:cloudwatch/logGroup:LogGroup" and inputs.get("retentionInDays") not in (None, 0):
        days = inputs["retentionInDays"]
        if days not in q.LOG_RETENTION_DAYS:
            allowed = ", ".join(str(value) for value in q.LOG_RETENTION_DAYS)
            broken.append(f"retentionInDays {days:g} is not a CloudWatch Logs retention period ({allowed})")
    return broken


class RoleLimits:
    """The rules that span resources: a role's inline policies together are held to IAM's role policy size.

    Each mocks engine keeps one, since Pulumi registers a role's policies as resources of their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: role name -> {inline policy's logical name: its characters}
        self._inline: dict[str, dict[str, int]] = {}

    def check(self, typ: str, logical_name: str, inputs: Mapping[str, Any]) -> None:
        if typ != "aws:iam/rolePolicy:RolePolicy" or inputs.get("policy") is None or not inputs.get("role"):
            return
        role, size = str(inputs["role"]), _policy_characters(inputs["policy"])
        with self._lock:
            policies = self._inline.setdefault(role, {})
            total = size + sum(chars for name, chars in policies.items() if name != logical_name)
            if total > q.IAM_ROLE_POLICY_CHARACTERS:
                raise DeployRuleError(
                    f"{typ} {logical_name!r}: AWS would refuse it: the inline policies of role {role!r} are at most "
                    f"{q.IAM_ROLE_POLICY_CHARACTERS:,} characters together, not {total:,} (IAM's LimitExceeded)"
                )
            policies[logical_name] = size


def check_resource(typ: str, logical_name: str, physical_name: str, inputs: Mapping[str, Any]) -> None:
    """Raise DeployRuleError if AWS would refuse to create this resource as the program declares it."""
    broken = _document_rules(typ, inputs)
    rule = NAME_RULES.get(typ)
    if rule is not None:
        what, checks = rule
        name = created_name(typ, physical_name, inputs)
        reasons = [reason for check in checks if (reason := check(name)) is not None]
        if reasons:
            broken.insert(0, f"{what} {name!r}: {'; '.join(reasons)}")
    if broken:
        raise DeployRuleError(f"{typ} {logical_name!r}: AWS would refuse it: {'; '.join(broken)}")
