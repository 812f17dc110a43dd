"""Lambda's synchronous payload limits: 6 MB in (RequestEntityTooLargeException, HTTP 413, the function never runs)
and 6 MB + 100 bytes out (the function error Function.ResponseSizeTooLarge), for boto3 callers and state machines."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.embedded import TRUST_POLICY, run
from tools.sandbox import quotas as q
from tools.sandbox.aws import EmbeddedAws

FUNCTION = "sized"
#: What the in-process function saw: the size of each payload it was given.
RECEIVED: list[int] = []


def sized(function: str, payload: bytes) -> tuple[bytes, str | None]:
    """Answers a JSON string of exactly event["size"] bytes, and records the size of what it was given."""
    RECEIVED.append(len(payload))
    event = json.loads(payload)
    size = event.get("size", 2) if isinstance(event, dict) else 2
    return json.dumps("x" * (size - 2)).encode(), None


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws(lambda_invoker=sized) as embedded:
        iam = embedded.client("iam")
        role = iam.create_role(RoleName="sized-role", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"]
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as bundle:
            bundle.writestr("sized.py", "def handler(event, context):\n    return event\n")
        embedded.client("lambda").create_function(
            FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler="sized.handler",
            Code={"ZipFile": code.getvalue()},
        )  # fmt: skip
        yield embedded


def _client(aws: EmbeddedAws):
    """No retries, so a refusal is seen once, as it was answered."""
    import boto3

    return boto3.client(
        "lambda", endpoint_url=aws.endpoint_url, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}, read_timeout=120),
    )  # fmt: skip


def _request_of(size: int) -> bytes:
    """A JSON event of exactly `size` bytes that asks for a 2-byte answer."""
    head, tail = b'{"size":2,"pad":"', b'"}'
    return head + b"p" * (size - len(head) - len(tail)) + tail


def test_a_synchronous_request_of_6_mib_is_invoked_and_one_byte_more_is_refused_before_the_function_runs(aws):
    client = _client(aws)
    RECEIVED.clear()
    answer = client.invoke(FunctionName=FUNCTION, Payload=_request_of(q.LAMBDA_SYNC_REQUEST_BYTES))
    assert answer["StatusCode"] == 200 and "FunctionError" not in answer
    assert RECEIVED == [q.LAMBDA_SYNC_REQUEST_BYTES]
    with pytest.raises(ClientError) as refused:
        client.invoke(FunctionName=FUNCTION, Payload=_request_of(q.LAMBDA_SYNC_REQUEST_BYTES + 1))
    error = refused.value.response["Error"]
    assert error["Code"] == "RequestEntityTooLargeException"
    assert error["Message"] == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert RECEIVED == [q.LAMBDA_SYNC_REQUEST_BYTES], "the function must not run"


def test_an_asynchronous_invocation_is_not_held_to_the_synchronous_limit(aws):
    answer = _client(aws).invoke(
        FunctionName=FUNCTION, InvocationType="Event", Payload=_request_of(q.LAMBDA_SYNC_REQUEST_BYTES + 1)
    )
    assert answer["StatusCode"] in (200, 202)


def test_a_response_of_6_mib_and_100_bytes_is_returned_and_one_byte_more_is_a_response_size_function_error(aws):
    client = _client(aws)
    fits = client.invoke(FunctionName=FUNCTION, Payload=json.dumps({"size": q.LAMBDA_SYNC_RESPONSE_BYTES}))
    assert "FunctionError" not in fits and len(fits["Payload"].read()) == q.LAMBDA_SYNC_RESPONSE_BYTES
    over = client.invoke(FunctionName=FUNCTION, Payload=json.dumps({"size": q.LAMBDA_SYNC_RESPONSE_BYTES + 1}))
    assert over["StatusCode"] == 200 and over["FunctionError"] == "Unhandled"
    assert json.loads(over["Payload"].read()) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_a_lambda_task_whose_function_answers_over_6_mb_fails_with_response_size_too_large(aws):
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": FUNCTION, "Payload": {"size": q.LAMBDA_SYNC_RESPONSE_BYTES + 1}},
        "End": True,
    }
    failed = run(aws, {"StartAt": "Invoke", "States": {"Invoke": task}})
    assert (failed["status"], failed["error"]) == ("FAILED", "Function.ResponseSizeTooLarge")
    assert "exceeded maximum allowed payload size (6291556 bytes)" in failed["cause"]


def test_moto_invoke_still_checks_the_response_with_sys_getsizeof_alone():
    """The patch point of `lambda_limits.install`: moto's check and its only use of `sys` in that module."""
    import inspect

    import moto.awslambda.responses as responses

    source = inspect.getsource(responses)
    assert "sys.getsizeof(payload) > 6000000" in source
    assert source.count("sys.") == 1


def test_the_embedded_aws_restores_what_moto_had_on_stop(aws):
    import moto.awslambda.responses as responses

    aws.stop()  # the module's embedded AWS first: only one runs in a process
    before = responses.sys
    with EmbeddedAws(lambda_invoker=sized):
        assert responses.sys is not before and responses.sys.getsizeof(b"x" * 7_000_000) == 0
    assert responses.sys is before
