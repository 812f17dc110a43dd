"""The sandbox refuses what AWS refuses: Step Functions payload quotas, with AWS's own error codes and messages."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.embedded import create_role, create_state_machine, document_of_size, policy
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.gateway import HttpApiGateway
from tools.sandbox.lambda_runtime import FunctionSpec, LambdaRuntime
from tools.sandbox.quotas import STATES_PAYLOAD_BYTES

PASS = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
TOO_LARGE = (
    "1 validation error detected: Value at 'input' failed to satisfy constraint: "
    f"Member must have length less than or equal to {STATES_PAYLOAD_BYTES}"
)


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


@pytest.fixture(scope="module")
def echo(aws: EmbeddedAws) -> str:
    return create_state_machine(aws, PASS)


def test_start_execution_accepts_an_input_of_exactly_256_kib(aws, echo):
    started = aws.client("stepfunctions").start_execution(stateMachineArn=echo, input=document_of_size(262_144))
    assert started["executionArn"].startswith("arn:aws:states:")


def test_start_execution_refuses_an_input_one_byte_over_256_kib_as_aws_does(aws, echo):
    with pytest.raises(ClientError) as refused:
        aws.client("stepfunctions").start_execution(stateMachineArn=echo, input=document_of_size(262_145))
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == TOO_LARGE
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_limit_counts_utf8_bytes_not_characters(aws, echo):
    characters = (STATES_PAYLOAD_BYTES - len('{"data":""}')) // 2 + 1  # two bytes each: over in bytes, under in chars
    document = '{"data":"' + "é" * characters + '"}'
    assert len(document) < STATES_PAYLOAD_BYTES < len(document.encode("utf-8"))
    with pytest.raises(ClientError, match="ValidationException"):
        aws.client("stepfunctions").start_execution(stateMachineArn=echo, input=document)


def _http_api(aws: EmbeddedAws, state_machine_arn: str) -> None:
    role = create_role(aws, "apigateway", policy("states:StartExecution"))
    gateway = aws.client("apigatewayv2")
    api_id = gateway.create_api(Name="echo-api", ProtocolType="HTTP")["ApiId"]
    integration = gateway.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="StepFunctions-StartExecution",
        CredentialsArn=role,
        RequestParameters={"StateMachineArn": state_machine_arn, "Input": "$request.body"},
        PayloadFormatVersion="1.0",
    )
    gateway.create_route(
        ApiId=api_id,
        RouteKey="POST /echo",
        AuthorizationType="NONE",
        Target=f"integrations/{integration['IntegrationId']}",
    )
    gateway.create_stage(
        ApiId=api_id,
        StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 100.0},
    )


def test_the_http_api_integration_starts_an_input_at_the_limit_and_refuses_one_byte_over(aws, echo):
    _http_api(aws, echo)
    gateway = HttpApiGateway(aws).start()
    try:
        accepted = requests.post(f"{gateway.url}echo", data=document_of_size(262_144).encode(), timeout=30)
        refused = requests.post(f"{gateway.url}echo", data=document_of_size(262_145).encode(), timeout=30)
    finally:
        gateway.stop()
    assert accepted.status_code == 200 and accepted.json()["executionArn"].startswith("arn:aws:states:")
    assert refused.status_code == 400
    assert "ValidationException" in refused.json()["message"] and TOO_LARGE in refused.json()["message"]


def test_a_lambda_starting_an_execution_one_byte_over_gets_the_validation_exception(aws, echo, tmp_path: Path):
    role = create_role(aws, "lambda", policy("states:StartExecution"))
    archive = tmp_path / "starter.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(
            "starter.py",
            "import boto3\n"
            "def handler(event, context):\n"
            "    size, arn = event['size'], event['arn']\n"
            "    document = '{\"data\":\"' + 'x' * (size - 11) + '\"}'\n"
            "    states = boto3.client('stepfunctions')\n"
            "    try:\n"
            "        return states.start_execution(stateMachineArn=arn, input=document)['executionArn']\n"
            "    except Exception as error:\n"
            "        return {'code': error.response['Error']['Code'], 'message': error.response['Error']['Message']}\n",
        )
    with LambdaRuntime() as runtime:
        runtime.register(
            FunctionSpec(
                logical_name="starter", function_name="starter",
                arn="arn:aws:lambda:us-east-1:123456789012:function:starter",
                archive_path=archive, handler="starter.handler", environment={}, timeout_seconds=30,
                endpoint_url=aws.endpoint_url, credentials=lambda: aws.role_credentials(role), pool_size=1,
            )
        )  # fmt: skip
        at_limit = json.loads(runtime.invoke("starter", json.dumps({"size": 262_144, "arn": echo}).encode()).payload)
        over = json.loads(runtime.invoke("starter", json.dumps({"size": 262_145, "arn": echo}).encode()).payload)
    assert isinstance(at_limit, str) and at_limit.startswith("arn:aws:states:")
    assert over == {"code": "ValidationException", "message": TOO_LARGE}
