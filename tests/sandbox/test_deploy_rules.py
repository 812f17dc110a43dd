"""AWS's deploy-time rules (names after Pulumi's auto-naming, documents, packages) refuse a resource in both engines."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.support.embedded import TRUST_POLICY
from tools.program import PreviewMocks
from tools.sandbox import quotas as q
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.engine import SandboxMocks
from tools.sandbox.lambda_runtime import LambdaRuntime
from tools.sandbox.rules import DeployRuleError

AUTO_NAME_SUFFIX = len("-abcdef0")  # Pulumi's auto-name: logical name + "-" + 7 hex digits


@pytest.fixture(scope="module")
def sandbox_mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxMocks]:
    with EmbeddedAws() as aws, LambdaRuntime() as runtime:
        yield SandboxMocks(aws, runtime)


@pytest.fixture(params=["preview", "sandbox"])
def mocks(request: pytest.FixtureRequest, sandbox_mocks: SandboxMocks) -> pulumi.runtime.Mocks:
    return PreviewMocks() if request.param == "preview" else sandbox_mocks


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("package") / "handler.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return archive


def _role_arn(mocks: pulumi.runtime.Mocks) -> str:
    _, state = mocks.new_resource(_args("aws:iam/role:Role", "fn-role", {"assumeRolePolicy": TRUST_POLICY}))
    return str(state["arn"])


def _args(typ: str, name: str, inputs: dict[str, Any]) -> pulumi.runtime.MockResourceArgs:
    return pulumi.runtime.MockResourceArgs(
        typ=typ, name=name, inputs=inputs, provider=None, resource_id=None, custom=True
    )


def _inputs(typ: str, mocks: pulumi.runtime.Mocks, package: Path) -> dict[str, Any]:
    """The fewest inputs with which the sandbox creates a resource of this type."""
    if typ == "aws:iam/role:Role":
        return {"assumeRolePolicy": TRUST_POLICY}
    if typ == "aws:lambda/function:Function":
        return {
            "code": pulumi.FileArchive(str(package)),
            "role": _role_arn(mocks),
            "runtime": "python3.12",
            "handler": "handler.handler",
        }
    if typ == "aws:sfn/stateMachine:StateMachine":
        definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
        return {"definition": json.dumps(definition), "roleArn": _role_arn(mocks)}
    if typ == "aws:dynamodb/table:Table":
        return {"hashKey": "k", "attributes": [{"name": "k", "type": "S"}], "billingMode": "PAY_PER_REQUEST"}
    return {}


#: (type, the longest name AWS takes, extra inputs): the logical name is that minus the auto-name suffix.
NAME_LIMITS = [
    ("aws:iam/role:Role", q.IAM_ROLE_NAME_CHARACTERS, {}),
    ("aws:lambda/function:Function", q.LAMBDA_FUNCTION_NAME_CHARACTERS, {}),
    ("aws:sfn/stateMachine:StateMachine", q.STATE_MACHINE_NAME_CHARACTERS, {}),
    ("aws:sqs/queue:Queue", q.SQS_QUEUE_NAME_CHARACTERS, {}),
    ("aws:sqs/queue:Queue", q.SQS_QUEUE_NAME_CHARACTERS, {"fifoQueue": True}),
    ("aws:s3/bucket:Bucket", q.S3_BUCKET_NAME_CHARACTERS[1], {}),
    ("aws:cloudwatch/logGroup:LogGroup", q.LOG_GROUP_NAME_CHARACTERS, {}),
    ("aws:dynamodb/table:Table", q.DYNAMODB_TABLE_NAME_CHARACTERS[1], {}),
    ("aws:sns/topic:Topic", q.SNS_TOPIC_NAME_CHARACTERS, {}),
]


@pytest.mark.parametrize(("typ", "longest", "extra"), NAME_LIMITS, ids=lambda v: str(v).split(":")[-1])
def test_the_longest_auto_name_aws_takes_deploys_and_one_more_character_is_refused(mocks, package, typ, longest, extra):
    inputs = {**_inputs(typ, mocks, package), **extra}
    fits = "n" * (longest - AUTO_NAME_SUFFIX - (len(".fifo") if extra.get("fifoQueue") else 0))
    _, state = mocks.new_resource(_args(typ, fits, inputs))
    created = str(state.get("bucket") or state["name"])
    assert created.startswith(fits + "-") and len(created) == longest
    too_long = fits + "n"
    with pytest.raises(DeployRuleError) as refused:
        mocks.new_resource(_args(typ, too_long, inputs))
    message = str(refused.value)
    assert typ in message and repr(too_long) in message
    assert f"not {longest + 1}" in message


@pytest.mark.parametrize(
    ("typ", "name", "rule"),
    [
        ("aws:s3/bucket:Bucket", "Images", "only lowercase letters"),
        ("aws:sfn/stateMachine:StateMachine", "my machine", "no white space"),
        ("aws:lambda/function:Function", "fn.v2", "only letters, digits, - and _"),
    ],
)
def test_a_name_with_characters_aws_refuses_is_refused_naming_the_rule(mocks, package, typ, name, rule):
    with pytest.raises(DeployRuleError, match=rule):
        mocks.new_resource(_args(typ, name, _inputs(typ, mocks, package)))


def test_a_bucket_name_under_three_characters_is_refused(mocks):
    with pytest.raises(DeployRuleError, match=r"3\.\.63 characters, not 2"):
        mocks.new_resource(_args("aws:s3/bucket:Bucket", "img", {"bucket": "ab"}))


def _policy_of(characters: int) -> str:
    """An IAM policy of exactly `characters` characters without white space."""
    base = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ""}]}
    padding = characters - len(json.dumps(base, separators=(",", ":")))
    base["Statement"][0]["Resource"] = "arn:aws:s3:::" + "b" * (padding - len("arn:aws:s3:::"))
    return json.dumps(base, indent=2)  # indented: IAM does not count white space


def test_an_inline_role_policy_of_10240_characters_deploys_and_10241_is_refused(mocks):
    _, role = mocks.new_resource(_args("aws:iam/role:Role", "policy-holder", {"assumeRolePolicy": TRUST_POLICY}))
    role_name = str(role["name"])
    mocks.new_resource(
        _args("aws:iam/rolePolicy:RolePolicy", "fits", {"role": role_name, "policy": _policy_of(10_240)})
    )
    with pytest.raises(DeployRuleError, match="at most 10,240 characters, not 10,241"):
        mocks.new_resource(
            _args("aws:iam/rolePolicy:RolePolicy", "too-big", {"role": role_name, "policy": _policy_of(10_241)})
        )


def _definition_of(size: int) -> str:
    head = '{"StartAt":"Done","States":{"Done":{"Type":"Succeed","Comment":"'
    return head + "c" * (size - len(head) - len('"}}}')) + '"}}}'


def test_a_definition_of_1_mb_deploys_and_one_byte_more_is_refused(mocks, package):
    role = _role_arn(mocks)
    fits = _definition_of(q.STATE_MACHINE_DEFINITION_BYTES)
    assert len(fits.encode()) == q.STATE_MACHINE_DEFINITION_BYTES and json.loads(fits)
    mocks.new_resource(_args("aws:sfn/stateMachine:StateMachine", "big-def", {"definition": fits, "roleArn": role}))
    too_big = _definition_of(q.STATE_MACHINE_DEFINITION_BYTES + 1)
    with pytest.raises(DeployRuleError, match="at most 1,048,576 bytes"):
        mocks.new_resource(
            _args("aws:sfn/stateMachine:StateMachine", "too-big-def", {"definition": too_big, "roleArn": role})
        )


def test_environment_variables_of_4_kb_deploy_and_one_byte_more_is_refused(mocks, package):
    inputs = _inputs("aws:lambda/function:Function", mocks, package)
    value = "v" * (q.LAMBDA_ENVIRONMENT_BYTES - len('{"K":""}'))  # measured as AWS does: the variables' JSON
    fits = {**inputs, "environment": {"variables": {"K": value}}}
    mocks.new_resource(_args("aws:lambda/function:Function", "env-fits", fits))
    with pytest.raises(DeployRuleError, match="at most 4,096 bytes together, not 4,097"):
        mocks.new_resource(
            _args(
                "aws:lambda/function:Function", "env-over", {**inputs, "environment": {"variables": {"K": value + "v"}}}
            )
        )


def test_a_lambda_package_over_50_mb_zipped_or_250_mb_unzipped_is_refused(tmp_path):
    """PreviewMocks only: the rule is the same function in both engines, and the archives are large."""
    zipped = tmp_path / "zipped.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("blob", b"\0" * (q.LAMBDA_ZIPPED_BYTES + 1))
    unzipped = tmp_path / "unzipped.zip"
    with zipfile.ZipFile(unzipped, "w", zipfile.ZIP_DEFLATED) as bundle, bundle.open("zeros", "w") as entry:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(q.LAMBDA_UNZIPPED_BYTES // len(chunk)):
            entry.write(chunk)
        entry.write(b"\0")
    mocks = PreviewMocks()
    base = {"role": "arn:aws:iam::123456789012:role/r", "runtime": "python3.12", "handler": "h.h"}
    with pytest.raises(DeployRuleError, match="bytes zipped"):
        mocks.new_resource(
            _args("aws:lambda/function:Function", "big-zip", {**base, "code": pulumi.FileArchive(str(zipped))})
        )
    with pytest.raises(DeployRuleError, match="bytes unzipped"):
        mocks.new_resource(
            _args("aws:lambda/function:Function", "big-tree", {**base, "code": pulumi.FileArchive(str(unzipped))})
        )


def test_a_log_retention_cloudwatch_accepts_deploys_and_one_it_does_not_is_refused(mocks):
    mocks.new_resource(_args("aws:cloudwatch/logGroup:LogGroup", "kept", {"name": "/kept", "retentionInDays": 30}))
    with pytest.raises(DeployRuleError, match="retentionInDays 31 is not a CloudWatch Logs retention period"):
        mocks.new_resource(_args("aws:cloudwatch/logGroup:LogGroup", "odd", {"name": "/odd", "retentionInDays": 31}))


def test_a_program_declaring_a_role_name_one_character_too_long_stops_with_the_rule(tmp_path, sandbox_mocks):
    """The whole path `pulumi up` takes in the sandbox and the unit tests: the program stops at the resource."""
    from tools.program import run_program

    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    logical = "r" * (q.IAM_ROLE_NAME_CHARACTERS - AUTO_NAME_SUFFIX + 1)
    (tmp_path / "__main__.py").write_text(
        f"import pulumi_aws as aws\naws.iam.Role({logical!r}, assume_role_policy={TRUST_POLICY!r})\n"
    )
    for engine in (PreviewMocks(), sandbox_mocks):
        with pytest.raises(DeployRuleError, match=f"IAM role name '{logical}-[0-9a-f]{{7}}': 1..64 characters, not 65"):
            run_program(engine, root=tmp_path)


def test_a_roles_inline_policies_of_10240_characters_together_deploy_and_one_more_is_refused(mocks):
    """IAM holds all of a role's inline policies together to 10,240 characters, not each one."""
    _, role = mocks.new_resource(_args("aws:iam/role:Role", "two-policies", {"assumeRolePolicy": TRUST_POLICY}))
    role_name = str(role["name"])
    first = {"role": role_name, "policy": _policy_of(6_000)}
    mocks.new_resource(_args("aws:iam/rolePolicy:RolePolicy", "first", first))
    mocks.new_resource(
        _args("aws:iam/rolePolicy:RolePolicy", "second", {"role": role_name, "policy": _policy_of(4_240)})
    )
    with pytest.raises(DeployRuleError) as refused:
        mocks.new_resource(
            _args("aws:iam/rolePolicy:RolePolicy", "third", {"role": role_name, "policy": _policy_of(200)})
        )
    message = str(refused.value)
    assert "'third'" in message and repr(role_name) in message
    assert "at most 10,240 characters together, not 10,440" in message
    _, other = mocks.new_resource(_args("aws:iam/role:Role", "other-role", {"assumeRolePolicy": TRUST_POLICY}))
    other_policy = {"role": str(other["name"]), "policy": _policy_of(6_000)}
    mocks.new_resource(_args("aws:iam/rolePolicy:RolePolicy", "others", other_policy))  # another role's budget


def _trust_policy_of(characters: int) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    base = {"Version": "2012-10-17", "Statement": [statement], "Id": ""}
    base["Id"] = "i" * (characters - len(json.dumps(base, separators=(",", ":"))))
    return json.dumps(base, indent=2)


def test_a_trust_policy_of_2048_characters_deploys_and_2049_is_refused(mocks):
    mocks.new_resource(_args("aws:iam/role:Role", "trusting", {"assumeRolePolicy": _trust_policy_of(2_048)}))
    with pytest.raises(DeployRuleError, match=r"trust policy is at most 2,048 characters .*, not 2,049"):
        mocks.new_resource(_args("aws:iam/role:Role", "too-trusting", {"assumeRolePolicy": _trust_policy_of(2_049)}))


@pytest.mark.parametrize(("timeout", "deploys"), [(50, True), (30_000, True), (49, False), (30_001, False)])
def test_an_http_api_integration_timeout_outside_50_to_30000_ms_is_refused(mocks, timeout, deploys):
    _, api = mocks.new_resource(_args("aws:apigatewayv2/api:Api", "timed", {"protocolType": "HTTP"}))
    inputs = {
        "apiId": str(api.get("id") or api["name"]),
        "integrationType": "AWS_PROXY",
        "integrationSubtype": "StepFunctions-StartExecution",
        "payloadFormatVersion": "1.0",
        "requestParameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"},
        "timeoutMilliseconds": timeout,
    }
    integration = _args("aws:apigatewayv2/integration:Integration", "start", inputs)
    if deploys:
        mocks.new_resource(integration)
    else:
        with pytest.raises(DeployRuleError, match=rf"timeoutMilliseconds is 50\.\.30,000 .*, not {timeout:,}"):
            mocks.new_resource(integration)


INVALID_DEFINITIONS = {
    "missing StartAt": (
        {"StartAt": "Missing", "States": {"Only": {"Type": "Pass", "End": True}}},
        "MISSING_TRANSITION_TARGET: Missing 'StartAt' target: Missing at /StartAt",
    ),
    "missing Next": (
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}},
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next",
    ),
    "neither Next nor End": (
        {"StartAt": "A", "States": {"A": {"Type": "Pass"}}},
        "SCHEMA_VALIDATION_FAILED: /States/A must have exactly one of Next and End",
    ),
    "unreachable": (
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}, "B": {"Type": "Pass", "End": True}}},
        "UNREACHABLE_STATE: State 'B' is not reachable at /States/B",
    ),
    "a Map's missing Catch target": (
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "T",
                        "States": {
                            "T": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::lambda:invoke",
                                "End": True,
                                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}],
                            }
                        },
                    },
                    "End": True,
                }
            },
        },
        "MISSING_TRANSITION_TARGET: Missing 'Catch[0].Next' target: Gone at "
        "/States/M/ItemProcessor/States/T/Catch[0].Next",
    ),
    "not JSON": ("{", "INVALID_JSON_DESCRIPTION"),
}


@pytest.mark.parametrize("case", list(INVALID_DEFINITIONS))
def test_a_definition_create_state_machine_would_refuse_is_refused_at_deploy_naming_the_problem(mocks, case):
    """moto's parser took all of these but the last; AWS answers InvalidDefinition."""
    definition, problem = INVALID_DEFINITIONS[case]
    text = definition if isinstance(definition, str) else json.dumps(definition)
    with pytest.raises(DeployRuleError) as refused:
        mocks.new_resource(
            _args("aws:sfn/stateMachine:StateMachine", "bad-def", {"definition": text, "roleArn": _role_arn(mocks)})
        )
    assert "InvalidDefinition" in str(refused.value) and problem in str(refused.value)


@pytest.mark.parametrize(
    ("field", "value", "deploys"),
    [
        ("timeout", 900, True), ("timeout", 901, False), ("timeout", 0, False),
        ("memorySize", 128, True), ("memorySize", 127, False), ("memorySize", 10_240, True),
        ("memorySize", 10_241, False),
    ],
)  # fmt: skip
def test_a_lambda_timeout_or_memory_lambda_does_not_take_is_refused(mocks, package, field, value, deploys):
    function = _args(
        "aws:lambda/function:Function",
        f"sized-{field}",
        {**_inputs("aws:lambda/function:Function", mocks, package), field: value},
    )
    if deploys:
        mocks.new_resource(function)
    else:
        with pytest.raises(DeployRuleError, match=rf"{field} is [\d,]+\.\.[\d,]+ \w+, not {value:,}"):
            mocks.new_resource(function)
