"""The sandbox's HTTP API gateway: every request answered as API Gateway answers it, the integration's errors as
Step Functions answered them."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.embedded import create_role, create_state_machine, policy
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.faults import Fault
from tools.sandbox.gateway import HttpApiGateway
from tools.sandbox.quotas import HTTP_API_PAYLOAD_BYTES

PASS = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    """One embedded AWS for the module: only one can run in a process."""
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


@pytest.fixture(scope="module")
def echo(aws: EmbeddedAws) -> str:
    """A Pass state machine started by `POST /echo` of an HTTP API (no authorization, a roomy throttle)."""
    machine = create_state_machine(aws, PASS)
    client = aws.client("apigatewayv2")
    api_id = client.create_api(Name="echo-api", ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationSubtype="StepFunctions-StartExecution",
        CredentialsArn=create_role(aws, "apigateway", policy("states:StartExecution")),
        RequestParameters={"StateMachineArn": machine, "Input": "$request.body"}, PayloadFormatVersion="1.0",
    )  # fmt: skip
    client.create_route(
        ApiId=api_id, RouteKey="POST /echo", AuthorizationType="NONE",
        Target=f"integrations/{integration['IntegrationId']}",
    )  # fmt: skip
    client.create_stage(
        ApiId=api_id, StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 1000.0},
    )  # fmt: skip
    return machine


@pytest.fixture(scope="module")
def gateway(aws: EmbeddedAws, echo: str) -> Iterator[HttpApiGateway]:
    served = HttpApiGateway(aws).start()
    yield served
    served.stop()


@pytest.fixture(autouse=True)
def no_faults_left(aws: EmbeddedAws) -> Iterator[None]:
    yield
    aws.faults.clear()


def executions(aws: EmbeddedAws, machine: str) -> list[dict[str, object]]:
    return list(aws.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"])


def raw_exchange(gateway: HttpApiGateway, request: bytes) -> tuple[int, dict[str, object]]:
    """Send `request` as it is on a socket of its own; the status and JSON body of the answer."""
    host, port = gateway.url.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_hundred_connections_at_once_are_each_answered_not_reset_past_a_listen_backlog(gateway):
    callers = 100
    barrier = threading.Barrier(callers)

    def post(url: str) -> int | str:
        barrier.wait()
        try:
            return requests.post(url + "downloads", data="{}", timeout=60).status_code
        except requests.ConnectionError as error:
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=callers) as pool:
        answers = list(pool.map(post, [gateway.url] * callers))

    assert answers == [404] * callers, "no route is POST /downloads: each request is answered 404"


def test_the_gateway_reads_the_routes_from_the_embedded_api_gateways_own_records(aws):
    """The patch point of `HttpApiGateway._find_route`: moto's API Gateway v2 objects and the attributes it reads."""
    client = aws.client("apigatewayv2")
    api_id = client.create_api(Name="records", ProtocolType="HTTP")["ApiId"]
    integration_id = client.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationSubtype="StepFunctions-StartExecution",
        CredentialsArn="arn:aws:iam::123456789012:role/api", PayloadFormatVersion="1.0", TimeoutInMillis=1234,
        RequestParameters={"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"},
    )["IntegrationId"]  # fmt: skip
    client.create_route(ApiId=api_id, RouteKey="POST /go", Target=f"integrations/{integration_id}")
    client.create_stage(
        ApiId=api_id, StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 3, "ThrottlingRateLimit": 2.0},
    )  # fmt: skip
    route = HttpApiGateway(aws)._find_route("POST", "/go")
    assert route is not None and (route.api_id, route.route_key, route.burst, route.rate) == (
        api_id,
        "POST /go",
        3,
        2.0,
    )
    assert route.integration == {
        "IntegrationSubtype": "StepFunctions-StartExecution",
        "RequestParameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m"},
        "CredentialsArn": "arn:aws:iam::123456789012:role/api",
        "TimeoutInMillis": 1234,
    }


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", " "])
def test_a_content_length_that_is_no_number_of_bytes_is_answered_400_and_starts_nothing(aws, echo, gateway, length):
    before = len(executions(aws, echo))
    request = f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n{{}}".encode()
    assert raw_exchange(gateway, request) == (400, {"message": "Bad Request"})
    assert len(executions(aws, echo)) == before


def test_a_chunked_body_is_read_and_becomes_the_execution_input(aws, echo, gateway):
    document = {"resourcePaths": ["ad/ad.gif"] * 50}

    def chunks() -> Iterator[bytes]:  # requests sends a generator body with Transfer-Encoding: chunked
        text = json.dumps(document).encode()
        yield from (text[start : start + 100] for start in range(0, len(text), 100))

    answer = requests.post(f"{gateway.url}echo", data=chunks(), timeout=30)

    assert answer.status_code == 200, answer.text
    started = aws.client("stepfunctions").describe_execution(executionArn=answer.json()["executionArn"])
    assert json.loads(started["input"]) == document


def test_a_chunked_body_over_the_payload_quota_is_answered_413_and_a_malformed_one_400(aws, echo, gateway):
    before = len(executions(aws, echo))

    def over() -> Iterator[bytes]:
        for _ in range(HTTP_API_PAYLOAD_BYTES // (1 << 20)):
            yield b"x" * (1 << 20)
        yield b"x"

    too_large = requests.post(f"{gateway.url}echo", data=over(), timeout=60)
    malformed = raw_exchange(gateway, b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")

    assert (too_large.status_code, too_large.json()) == (413, {"message": "Request Entity Too Large"})
    assert malformed == (400, {"message": "Bad Request"})
    assert len(executions(aws, echo)) == before


@pytest.mark.parametrize("body", [b"not json", b'{"size": NaN}', b'{"size": Infinity}', b"{"])
def test_a_body_start_execution_refuses_is_answered_with_its_invalid_execution_input(aws, echo, gateway, body):
    before = len(executions(aws, echo))
    answer = requests.post(f"{gateway.url}echo", data=body, timeout=30)
    assert answer.status_code == 400
    refusal = answer.json()
    assert refusal["__type"] == "InvalidExecutionInput"
    assert refusal["message"].startswith("Invalid State Machine Execution Input: ")
    assert len(executions(aws, echo)) == before


def test_a_start_execution_throttled_once_is_the_callers_400_not_retried_behind_its_back(aws, echo, gateway):
    aws.faults.add(Fault.api("states:StartExecution", times=1))
    throttled = requests.post(f"{gateway.url}echo", data=b"{}", timeout=30)
    again = requests.post(f"{gateway.url}echo", data=b"{}", timeout=30)

    assert (throttled.status_code, throttled.json()) == (
        400,
        {"__type": "ThrottlingException", "message": "Rate exceeded"},
    )
    assert again.status_code == 200 and again.json()["executionArn"]
    assert [fired.target for fired in aws.faults.fired()][-1:] == ["states:StartExecution"], "one call, one hit"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_start_execution_refuses_an_input_holding_a_number_json_does_not_have(aws, echo, token):
    """Python's json reads NaN and Infinity, and moto took them; AWS answers InvalidExecutionInput."""
    before = len(executions(aws, echo))
    with pytest.raises(ClientError) as refused:
        aws.client("stepfunctions").start_execution(stateMachineArn=echo, input=f'{{"size": [1, {token}]}}')
    error = refused.value.response["Error"]
    assert (error["Code"], refused.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidExecutionInput",
        400,
    )
    reason = f"Non-standard token '{token}': not a JSON number"
    assert error["Message"] == f"Invalid State Machine Execution Input: '{reason}'"
    assert len(executions(aws, echo)) == before
