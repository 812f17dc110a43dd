"""Policy rules every role must pass: parliament's lint, no `*` actions, `*` resources only where AWS requires them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from parliament import analyze_policy_string

from components import policies

ASSUME_ROLE = "sts:AssumeRole"


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    return list(found) if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


#: parliament findings that come from its own data, matched exactly (issue, detail), each with the reason.
PARLIAMENT_FALSE_POSITIVES: dict[tuple[str, str], str] = {
    (
        "RESOURCE_MISMATCH",
        "[{'action': 'states:DescribeExecution', 'required_format': 'arn:*:states:*:*:express:*:*:*'}]",
    ): (
        "parliament 1.6.4 lists Express executions as a required resource of DescribeExecution; a Distributed "
        "Map's STANDARD child executions (`execution:<name>/*:*`) are not Express executions"
    ),
}


def parliament_findings(document: Mapping[str, Any] | str) -> list[str]:
    """parliament's findings for an identity policy (its default auditors, as `parliament --string` runs them).

    Nothing is ignored: parliament 1.6.4 knows the X-Ray and log-delivery actions take only Resource "*" and
    reports no RESOURCE_STAR for them. Should a finding ever name one of WILDCARD_RESOURCE_ACTIONS, ignore it
    through parliament's `ignore_locations` config for exactly those actions, with the allow-list's reason.
    """
    text = document if isinstance(document, str) else json.dumps(document)
    policy = analyze_policy_string(text)
    return [
        f"{finding.issue}: {finding.detail} at {finding.location}"
        for finding in policy.findings
        if (finding.issue, str(finding.detail)) not in PARLIAMENT_FALSE_POSITIVES
    ]


def trust_policy_findings(document: Mapping[str, Any], role_arn: str) -> list[str]:
    """parliament's findings for a role's trust policy, read as the resource policy of the role it is.

    parliament lints identity and resource policies; a trust policy is the role's resource policy with its
    Resource implicit, which parliament reports as MALFORMED. Making the role's own ARN explicit lets parliament
    check the Effect, the Principal, and that the action applies to a role, which a bare check would skip.
    """
    explicit = dict(document)
    explicit["Statement"] = [
        {**statement, "Resource": statement.get("Resource", role_arn)} for statement in statements(document)
    ]
    return parliament_findings(explicit)


def wildcard_actions(document: Mapping[str, Any]) -> list[str]:
    """Actions (or NotActions) containing `*`; none is allowed."""
    return [
        action
        for statement in statements(document)
        for key in ("Action", "NotAction")
        for action in as_list(statement.get(key, []))
        if "*" in action
    ]


def _scoped_wildcard(resource: str, bucket_arns: Iterable[str], state_machine_arns: Iterable[str]) -> bool:
    """A `*` that only stands for names AWS assigns at run time under one of this program's resources."""
    executions = {arn.replace(":stateMachine:", ":execution:") + "/*:*" for arn in state_machine_arns}
    if resource in executions:  # a Distributed Map's child executions (`<name>/<label>:<id>`) of one state machine
        return True
    if resource in {arn.replace(":stateMachine:", ":execution:") + ":*" for arn in state_machine_arns}:
        return True  # the executions of one state machine (TaskTracker's starter describes its runs)
    if resource.count("*") != 1 or not resource.endswith("*"):
        return False
    # objects (under a key prefix) of one bucket of this program
    return any(resource.startswith(f"{bucket}/") for bucket in bucket_arns)


def wildcard_resources(
    document: Mapping[str, Any],
    log_group_arns: Iterable[str],
    bucket_arns: Iterable[str] = (),
    state_machine_arns: Iterable[str] = (),
) -> list[str]:
    """Resources containing `*` that are not allowed, each with its statement's actions.

    Allowed (components.policies.SCOPED_WILDCARDS gives each reason): Resource "*" in a statement whose actions
    are all in WILDCARD_RESOURCE_ACTIONS; a log group of this program's ARN + ":*"; objects under a bucket of
    this program (`<bucket ARN>/<prefix>*`); the executions, or child executions, of a state machine of this program.
    """
    log_stream_arns = {policies.log_stream_arn(group) for group in log_group_arns}
    buckets, machines = list(bucket_arns), list(state_machine_arns)
    refused = []
    for statement in statements(document):
        actions = as_list(statement.get("Action", []))
        allow_listed = bool(actions) and all(action in policies.WILDCARD_RESOURCE_ACTIONS for action in actions)
        for resource in as_list(statement.get("Resource", [])) + as_list(statement.get("NotResource", [])):
            if "*" not in resource:
                continue
            if resource == "*" and allow_listed:
                continue
            if "NotResource" not in statement and (
                resource in log_stream_arns or _scoped_wildcard(resource, buckets, machines)
            ):
                continue
            refused.append(f"{resource} for {actions}")
    return refused


def trusted_principals(document: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(Effect, Action, principal type, principal) for every trust statement, Conditions flagged in the action."""
    found = []
    for statement in statements(document):
        principal = statement.get("Principal", {})
        entries = [("*", "*")] if principal == "*" else [(k, p) for k, v in principal.items() for p in as_list(v)]
        for action in as_list(statement.get("Action", [])):
            label = action + (" (with Condition)" if "Condition" in statement else "")
            found += [(statement.get("Effect", ""), label, kind, value) for kind, value in entries]
    return found
