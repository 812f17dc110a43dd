"""Every IAM policy the program creates: parliament-clean, no `*` action, `*` resources only where AWS needs them."""

from __future__ import annotations

import json

import pytest

from components import policies
from tests.support import iam_rules, inventory
from tools.program import ProgramRun, RegisteredResource


def _log_group_arns(program: ProgramRun) -> list[str]:
    return [inventory.arn(group) for group in program.of_type(inventory.LOG_GROUP)]


def test_every_role_policy_passes_parliament_with_no_findings(role_policy: RegisteredResource):
    assert iam_rules.parliament_findings(role_policy.inputs["policy"]) == []


def test_every_trust_policy_passes_parliament_with_no_findings(role: RegisteredResource):
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert iam_rules.trust_policy_findings(trust, inventory.arn(role)) == []


def test_every_role_policy_names_no_action_with_a_wildcard(role_policy: RegisteredResource):
    assert iam_rules.wildcard_actions(json.loads(role_policy.inputs["policy"])) == []


def test_every_trust_policy_names_no_action_with_a_wildcard(role: RegisteredResource):
    assert iam_rules.wildcard_actions(json.loads(role.inputs["assumeRolePolicy"])) == []


def test_every_role_policy_uses_resource_star_only_for_actions_aws_grants_only_on_star(
    program: ProgramRun, role_policy: RegisteredResource
):
    document = json.loads(role_policy.inputs["policy"])
    buckets = [b.state["arn"] for b in program.of_type("aws:s3/bucket:Bucket")]
    machines = [m.state["arn"] for m in program.of_type("aws:sfn/stateMachine:StateMachine")]
    assert iam_rules.wildcard_resources(document, _log_group_arns(program), buckets, machines) == []


def test_every_role_policy_belongs_to_a_role_of_the_program(program: ProgramRun, role_policy: RegisteredResource):
    owners = [r for r in program.of_type(inventory.ROLE) if role_policy.inputs["role"] in (r.id, r.state.get("name"))]
    assert len(owners) == 1, f"{role_policy.name} attaches to {[o.name for o in owners]}"
    assert owners[0].parent == role_policy.parent, "a role and its policy belong to the same component"


def test_every_role_trusts_exactly_one_aws_service(role: RegisteredResource):
    principals = iam_rules.trusted_principals(json.loads(role.inputs["assumeRolePolicy"]))
    assert len(principals) == 1
    effect, action, kind, service = principals[0]
    assert (effect, action, kind) == ("Allow", "sts:AssumeRole", "Service")
    # API Gateway assumes the ImageDownloader API's role to start executions.
    assert service in ("lambda.amazonaws.com", "states.amazonaws.com", "apigateway.amazonaws.com")


def test_the_wildcard_allow_list_names_only_actions_the_building_blocks_use():
    used = set(policies.XRAY_ACTIONS) | set(policies.LOG_DELIVERY_ACTIONS)
    assert set(policies.WILDCARD_RESOURCE_ACTIONS) == used
    assert all(reason.strip() for reason in policies.WILDCARD_RESOURCE_ACTIONS.values())


# The rules themselves must be able to fail.


def _document(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_parliament_reports_resource_star_on_an_action_that_takes_a_resource():
    star = _document({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"})
    assert any(finding.startswith("RESOURCE_STAR") for finding in iam_rules.parliament_findings(star))


def test_only_the_exact_known_false_positive_is_dropped_from_parliament_findings():
    arn = "arn:aws:states:us-east-1:123456789012"
    child_executions = {
        "Effect": "Allow",
        "Action": ["states:DescribeExecution"],
        "Resource": f"{arn}:execution:sm/*:*",
    }
    assert iam_rules.parliament_findings(_document(child_executions)) == []
    wrong_resource = {"Effect": "Allow", "Action": ["states:DescribeExecution"], "Resource": f"{arn}:stateMachine:sm"}
    assert any("RESOURCE_MISMATCH" in finding for finding in iam_rules.parliament_findings(_document(wrong_resource)))
    assert all(reason.strip() for reason in iam_rules.PARLIAMENT_FALSE_POSITIVES.values())


def test_parliament_reports_a_misspelled_action():
    typo = _document({"Effect": "Allow", "Action": "dynamodb:GetItems", "Resource": "*"})
    assert any(finding.startswith("UNKNOWN_ACTION") for finding in iam_rules.parliament_findings(typo))


@pytest.mark.parametrize(
    ("statement", "issue"),
    [
        ({"Effect": "Allow", "Action": "sts:AssumeRle", "Principal": {"Service": "lambda.amazonaws.com"}}, "UNKNOWN"),
        ({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Servce": "lambda.amazonaws.com"}}, "UNKNOWN"),
        ({"Effect": "Alow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}, "MALFORMED"),
    ],
    ids=["misspelled-action", "misspelled-principal-type", "misspelled-effect"],
)
def test_parliament_reports_a_broken_trust_policy(statement: dict, issue: str):
    findings = iam_rules.trust_policy_findings(_document(statement), "arn:aws:iam::123456789012:role/r")
    assert any(finding.startswith(issue) for finding in findings), findings


def test_a_wildcard_action_is_reported():
    assert iam_rules.wildcard_actions(_document({"Effect": "Allow", "Action": "s3:Get*", "Resource": "x"})) == [
        "s3:Get*"
    ]


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ({"Action": ["dynamodb:GetItem"], "Resource": "*"}, True),
        ({"Action": ["xray:PutTraceSegments", "dynamodb:GetItem"], "Resource": "*"}, True),
        ({"Action": ["logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:other:*"}, True),
        ({"Action": ["dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/*"}, True),
        ({"Action": ["xray:PutTraceSegments", "logs:CreateLogDelivery"], "Resource": "*"}, False),
        ({"Action": ["logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:mine:*"}, False),
        ({"Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::mine/batches/*"}, False),
        ({"Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::mine-not/*"}, True),
        ({"Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::*/batches/*"}, True),
        (
            {"Action": ["states:StopExecution"], "Resource": "arn:aws:states:us-east-1:123456789012:execution:sm/*:*"},
            False,
        ),
        ({"Action": ["states:StopExecution"], "Resource": "arn:aws:states:us-east-1:123456789012:execution:*"}, True),
    ],
    ids=[
        "star-for-a-table-action",
        "star-mixed-statement",
        "foreign-log-group",
        "star-in-arn",
        "allow-listed",
        "own-logs",
        "own-bucket-prefix",
        "other-bucket",
        "any-bucket",
        "own-child-executions",
        "any-execution",
    ],
)
def test_resource_star_is_refused_outside_the_allow_list(statement: dict, refused: bool):
    document = _document({"Effect": "Allow", **statement})
    own_log_groups = ["arn:aws:logs:us-east-1:123456789012:log-group:mine"]
    own_buckets = ["arn:aws:s3:::mine"]
    own_machines = ["arn:aws:states:us-east-1:123456789012:stateMachine:sm"]
    assert bool(iam_rules.wildcard_resources(document, own_log_groups, own_buckets, own_machines)) is refused
