"""Fault injection: functions and AWS API calls fail in the sandbox as they fail in AWS, where the caller sees it."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from tests.support.embedded import TRUST_POLICY, create_state_machine, policy, wait
from tools.sandbox import cli, program_cli
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.faults import Fault, FaultRegistry, LambdaServiceError, operations, parse_spec
from tools.sandbox.lambda_runtime import FunctionSpec, LambdaRuntime
from tools.sandbox.scenarios import PROCESS_ITERATION_FUNCTION
from tools.sandbox.session import Sandbox, UnknownFaultTarget
from tools.sandbox.workflows import WORKFLOWS

ACCOUNT = "123456789012"
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Handlers of the functions under test; `echo` returns its event with the time it had left.
APP = """
import os
import time

def echo(event, context):
    return {"event": event, "pid": os.getpid(), "remaining_ms": context.get_remaining_time_in_millis()}

def slow(event, context):
    time.sleep(event.get("seconds", 0))
    return "done"
"""
#: botocore's own retries would hide a `times=1` fault: these clients make exactly one attempt.
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


def _zip(folder: Path) -> Path:
    archive = folder / "app.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("app.py", APP)
    return archive


class Functions:
    """A bare embedded AWS whose Lambda runs functions in a `LambdaRuntime` sharing the AWS's fault registry."""

    def __init__(self, aws: EmbeddedAws, runtime: LambdaRuntime, archive: Path) -> None:
        self.aws, self.runtime, self.archive = aws, runtime, archive
        self.role = str(
            aws.client("iam").create_role(RoleName="faults-function", AssumeRolePolicyDocument=TRUST_POLICY)["Role"][
                "Arn"
            ]
        )

    def create(self, handler: str, timeout_seconds: float = 10) -> str:
        """A function in moto and in the runtime; returns its logical name (`<name>-function`)."""
        name = f"fn-{uuid.uuid4().hex[:8]}"
        created = self.aws.client("lambda").create_function(
            FunctionName=name, Runtime="python3.12", Role=self.role, Handler=f"app.{handler}",
            Code={"ZipFile": self.archive.read_bytes()}, Timeout=max(1, int(timeout_seconds)),
        )  # fmt: skip
        self.runtime.register(
            FunctionSpec(
                logical_name=f"{name}-function", function_name=name, arn=created["FunctionArn"],
                archive_path=self.archive, handler=f"app.{handler}", environment={},
                timeout_seconds=timeout_seconds, pool_size=2,
            )
        )  # fmt: skip
        return name

    def client(self, service: str) -> BaseClient:
        creds = self.aws.operator_credentials
        return boto3.client(
            service, region_name="us-east-1", endpoint_url=self.aws.endpoint_url,
            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], config=ONE_ATTEMPT,
        )  # fmt: skip


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """The program deployed once: one embedded AWS for the module, as only one can run in a process."""
    with Sandbox() as deployed:
        yield deployed


@pytest.fixture(scope="module")
def functions(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Functions:
    """Small functions of our own next to the program's, in the sandbox's Lambda (sharing its fault registry)."""
    return Functions(sandbox.aws, sandbox.runtime, _zip(tmp_path_factory.mktemp("faults")))


@pytest.fixture(autouse=True)
def no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").clear_faults()


def invoke(functions: Functions, name: str, event: Any = None) -> tuple[dict[str, Any], Any]:
    """Invoke through the embedded Lambda API, as a boto3 caller does: the response and its decoded payload."""
    response = functions.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    return response, json.loads(response["Payload"].read())


def lambda_task_machine(functions: Functions, function_name: str, **task: Any) -> str:
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function_name, "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
                **task,
            }
        },
    }
    return create_state_machine(functions.aws, definition, policy("lambda:InvokeFunction"))


def execute(aws: EmbeddedAws, state_machine_arn: str, document: Any = None) -> dict[str, Any]:
    execution_arn = aws.client("stepfunctions").start_execution(
        stateMachineArn=state_machine_arn, input=json.dumps(document or {})
    )["executionArn"]
    return wait(aws, execution_arn)


def failed_tasks(aws: EmbeddedAws, execution_arn: str) -> list[tuple[str, str]]:
    events = aws.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
    return [
        (event["taskFailedEventDetails"]["error"], event["taskFailedEventDetails"].get("cause", ""))
        for event in events
        if event["type"] == "TaskFailed"
    ]


# --- the API: building faults, counting them ------------------------------------------------------------------

#: The actions the API-fault tests below call (API_CALLS is defined with them).
API_CALLS_NAMES = ["s3:PutObject", "dynamodb:BatchWriteItem", "dynamodb:GetItem", "sqs:SendMessage", "sns:Publish",
                   "states:StartExecution", "lambda:Invoke"]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: Fault.error("f", "ValueError", times=0), "times must be at least 1"),
        (lambda: Fault.delay("f", -1), "delay seconds must be >= 0"),
        (lambda: Fault.crash("f", how="segfault"), "crash must be one of exit, oom"),
        (lambda: Fault.api("PutObject"), "action must be 'service:Operation'"),
        (lambda: Fault.api("ec2:RunInstances"), "the service must be one of"),
        (lambda: Fault.api("s3:PutObject", fraction=1.5), "fraction must be in (0, 1]"),
        (lambda: Fault.error("", "ValueError"), "needs a function name"),
        (lambda: Fault.delay("f", float("nan")), "delay seconds must be >= 0 (a finite number), not nan"),
        (lambda: Fault.delay("f", float("inf")), "delay seconds must be >= 0 (a finite number), not inf"),
        (lambda: Fault.api("s3:PutObject", fraction=float("nan")), "fraction must be in (0, 1], not nan"),
        (lambda: Fault.api("s3:PutObject", fraction=0.5, seed=-1), "seed must be >= 0, not -1"),
        (lambda: Fault.api("lambda:Invok"), "lambda has no operation 'Invok', so the fault could never fire; did you "
         "mean lambda:Invoke or lambda:InvokeAsync?"),
        (lambda: Fault.api("states:StartExecutoin"), "did you mean states:StartExecution"),
        (lambda: Fault.api("dynamodb:Frobnicate"), "dynamodb has no operation 'Frobnicate'"),
        (lambda: Fault.api("s3:PutObjekt"), "s3 has no IAM action 'PutObjekt', so the fault could never fire; did you "
         "mean s3:PutObject"),
        (lambda: Fault.api("s3:ListObjectsV2"), "an S3 fault names the IAM action the request is authorized as "
         "(ListObjectsV2 is s3:ListBucket"),
    ],
)  # fmt: skip
def test_a_fault_that_cannot_be_injected_is_refused_naming_the_problem(build, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        build()


@pytest.mark.parametrize(
    "action",
    [*API_CALLS_NAMES, "lambda:InvokeFunction", "LAMBDA:invoke", "s3:ListBucket", "s3:GetObject", "s3:DeleteObject",
     "dynamodb:UpdateItem", "dynamodb:Query", "states:DescribeExecution", "states:SendTaskSuccess",
     "sqs:ReceiveMessage", "sns:Subscribe"],
)  # fmt: skip
def test_an_action_its_service_has_is_accepted_whatever_its_case(action):
    assert Fault.api(action).action == action


def test_every_action_name_an_api_fault_may_match_is_one_the_sandbox_sees():
    """Refusing a name no request carries needs the names requests carry: botocore's operations (what moto's
    `_get_action` reads from a request's target or URI) and, for S3, moto's IAM action map (what it authorizes)."""
    from moto.s3.responses import ACTION_MAP

    assert ACTION_MAP["KEY"]["PUT"]["DEFAULT"] == "PutObject" and ACTION_MAP["BUCKET"]["GET"]["DEFAULT"] == "ListBucket"
    assert "Invoke" in operations("lambda") and "InvokeFunction" in operations("lambda")
    assert "StartExecution" in operations("states") and "PutObject" in operations("s3")


def test_times_n_fails_the_first_n_matching_calls_then_lets_calls_pass():
    registry = FaultRegistry([Fault.api("s3:PutObject", times=2)])
    hits = [registry.for_action(action) is not None for action in ["s3:PutObject", "s3:GetObject"] * 3]
    assert hits == [True, False, True, False, False, False]
    assert [(fired.target, fired.hit) for fired in registry.fired()] == [("s3:PutObject", 1), ("s3:PutObject", 2)]


def test_without_times_or_fraction_every_matching_call_fails():
    registry = FaultRegistry([Fault.error("fn-function", "ValueError")])
    assert all(registry.for_function("fn-function", "fn-1a2b", "arn:x") for _ in range(20))
    assert registry.for_function("other-function", "other-1a2b") is None


def test_a_fraction_fails_that_share_of_calls_the_same_way_for_the_same_seed():
    def pattern(seed: int) -> list[bool]:
        registry = FaultRegistry([Fault.api("sns:Publish", error="InternalError", fraction=0.3, seed=seed)])
        return [registry.for_action("sns:Publish") is not None for _ in range(1000)]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 250 <= sum(pattern(7)) <= 350


def test_function_faults_match_the_logical_name_the_physical_name_or_the_arn():
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn-1a2b"
    for reference in ("fn-function", "fn-1a2b", arn, f"{arn}:$LATEST"):
        registry = FaultRegistry([Fault.crash(reference)])
        assert registry.for_function("fn-function", "fn-1a2b", arn) is not None, reference
        assert registry.fired()[0].target == "fn-function"


def test_api_faults_match_iam_action_names_case_insensitively():
    registry = FaultRegistry([Fault.api("lambda:InvokeFunction"), Fault.api("DynamoDB:getitem")])
    assert registry.for_action("lambda:Invoke") is not None
    assert registry.for_action("dynamodb:GetItem") is not None
    assert registry.for_action("dynamodb:PutItem") is None


def test_clear_removes_every_fault_and_keeps_what_fired():
    registry = FaultRegistry([Fault.api("s3:PutObject")])
    assert registry.for_action("s3:PutObject") is not None
    registry.clear()
    assert registry.for_action("s3:PutObject") is None
    assert len(registry.fired()) == 1


# --- function faults, as a boto3 caller and a state machine see them ------------------------------------------


def test_a_lambda_service_error_fails_the_invoke_call_with_its_status(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, "Lambda.TooManyRequestsException", times=1))

    with pytest.raises(ClientError) as throttled:
        invoke(functions, name)
    response, body = invoke(functions, name, {"n": 2})

    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert "FunctionError" not in response and body["event"] == {"n": 2}
    assert [call.event for call in functions.runtime.invocations() if call.function == f"{name}-function"] == [
        {"n": 2}
    ], "a throttled invoke never ran the function"


def test_a_service_exception_answers_500(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, "Lambda.ServiceException", message="boom", times=1))
    with pytest.raises(ClientError) as failed:
        invoke(functions, name)
    assert failed.value.response["Error"]["Code"] == "ServiceException"
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert failed.value.response["Error"]["Message"] == "boom"


def test_the_runtime_raises_a_service_error_to_direct_callers(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(f"{name}-function", "Lambda.TooManyRequestsException", times=1))
    with pytest.raises(LambdaServiceError) as raised:
        functions.runtime.invoke(name, b"{}")
    assert (raised.value.code, raised.value.status) == ("TooManyRequestsException", 429)


def test_a_handler_error_answers_200_unhandled_with_its_name_and_message(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, "ImageHostDown", message="host 203.0.113.7 is down", times=2))

    first, second, third = (invoke(functions, name) for _ in range(3))

    for response, body in (first, second):
        assert (response["StatusCode"], response["FunctionError"]) == (200, "Unhandled")
        assert (body["errorType"], body["errorMessage"]) == ("ImageHostDown", "host 203.0.113.7 is down")
    assert "FunctionError" not in third[0] and "event" in third[1]
    assert "[ERROR] ImageHostDown: host 203.0.113.7 is down" in functions.runtime.log_text(name)
    assert [fired.hit for fired in functions.aws.faults.fired() if fired.target == f"{name}-function"] == [1, 2]


def test_a_state_machine_lambda_task_sees_the_service_error_name_and_can_catch_it(functions):
    name = functions.create("echo")
    catch = [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "ResultPath": "$.error", "Next": "Caught"}]
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": name, "Payload.$": "$"},
                "Catch": catch,
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    machine = create_state_machine(functions.aws, definition, policy("lambda:InvokeFunction"))
    functions.aws.faults.add(Fault.error(name, "Lambda.TooManyRequestsException"))

    caught = execute(functions.aws, machine)

    assert caught["status"] == "SUCCEEDED"
    assert json.loads(caught["output"])["error"]["Error"] == "Lambda.TooManyRequestsException"
    ((error, cause),) = failed_tasks(functions.aws, caught["executionArn"])
    assert error == "Lambda.TooManyRequestsException"
    assert "Status Code: 429; Error Code: TooManyRequestsException" in cause


def test_a_state_machine_lambda_task_sees_the_handler_error_name(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, "ImageHostDown", message="slow host"))

    failed = execute(functions.aws, lambda_task_machine(functions, name))

    assert (failed["status"], failed["error"]) == ("FAILED", "ImageHostDown")
    assert json.loads(failed["cause"])["errorMessage"] == "slow host"


def test_a_delay_within_the_timeout_eats_into_the_time_the_handler_has_left(functions):
    name = functions.create("echo", timeout_seconds=3)
    functions.aws.faults.add(Fault.delay(name, 1.0, times=1))

    started = time.monotonic()
    _, delayed = invoke(functions, name)
    took = time.monotonic() - started
    _, normal = invoke(functions, name)

    assert took >= 1.0
    assert delayed["remaining_ms"] <= 2_000 < normal["remaining_ms"]
    assert delayed["pid"] == normal["pid"], "a delay keeps the warm worker"


def test_a_delay_past_the_timeout_times_out_as_a_real_timeout_does(functions):
    name = functions.create("echo", timeout_seconds=0.5)
    functions.aws.faults.add(Fault.delay(name, 5, times=1))

    failed = execute(functions.aws, lambda_task_machine(functions, name))
    response, body = invoke(functions, name)

    assert (failed["status"], failed["error"]) == ("FAILED", "Sandbox.Timedout")
    assert json.loads(failed["cause"]) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "Task timed out after 0.50 seconds",
    }
    assert "FunctionError" not in response and "event" in body
    assert "Task timed out after 0.50 seconds" in functions.runtime.log_text(name)


@pytest.mark.parametrize(
    ("how", "status", "error"),
    [("exit", "exit status 1", "Runtime.ExitError"), ("oom", "signal: killed", "Runtime.OutOfMemory")],
)
def test_a_crash_kills_the_worker_which_the_pool_replaces(functions, how, status, error):
    name = functions.create("echo")
    _, warm = invoke(functions, name)
    functions.aws.faults.add(Fault.crash(name, how=how, times=1))

    response, crashed = invoke(functions, name)
    _, after = invoke(functions, name)

    assert response["FunctionError"] == "Unhandled"
    assert crashed["errorType"] == error
    assert crashed["errorMessage"].startswith("RequestId: ")
    assert crashed["errorMessage"].endswith(f"Error: Runtime exited with error: {status}")
    assert after["pid"] != warm["pid"], "the next invocation ran in a new worker"
    assert warm["pid"] not in functions.runtime.worker_pids()


def test_an_out_of_memory_crash_fails_a_state_machine_task_with_runtime_out_of_memory(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.crash(name, how="oom"))
    failed = execute(functions.aws, lambda_task_machine(functions, name))
    assert (failed["status"], failed["error"]) == ("FAILED", "Runtime.OutOfMemory")
    assert "Runtime exited with error: signal: killed" in failed["cause"]


def test_clearing_faults_restores_normal_invocations(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, "Lambda.ServiceException"), Fault.api("lambda:Invoke"))
    with pytest.raises(ClientError):
        invoke(functions, name)
    functions.aws.faults.clear()
    response, body = invoke(functions, name, {"again": True})
    assert "FunctionError" not in response and body["event"] == {"again": True}


# --- API faults: each service's own throttling error ----------------------------------------------------------


@pytest.fixture(scope="module")
def resources(functions: Functions) -> dict[str, str]:
    """One bucket, table, queue, topic and function to call, created before any fault is injected."""
    client = functions.client
    client("s3").create_bucket(Bucket="faults-bucket")
    client("dynamodb").create_table(
        TableName="faults-table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue = client("sqs").create_queue(QueueName="faults-queue")["QueueUrl"]
    topic = client("sns").create_topic(Name="faults-topic")["TopicArn"]
    machine = create_state_machine(functions.aws, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    return {"queue": queue, "topic": topic, "machine": machine, "function": functions.create("echo")}


API_CALLS = {
    "s3:PutObject": lambda c, r: c("s3").put_object(Bucket="faults-bucket", Key="k", Body=b"x"),
    "dynamodb:BatchWriteItem": lambda c, r: c("dynamodb").batch_write_item(
        RequestItems={"faults-table": [{"PutRequest": {"Item": {"id": {"S": "a"}}}}]}
    ),
    "dynamodb:GetItem": lambda c, r: c("dynamodb").get_item(TableName="faults-table", Key={"id": {"S": "a"}}),
    "sqs:SendMessage": lambda c, r: c("sqs").send_message(QueueUrl=r["queue"], MessageBody="x"),
    "sns:Publish": lambda c, r: c("sns").publish(TopicArn=r["topic"], Message="x"),
    "states:StartExecution": lambda c, r: c("stepfunctions").start_execution(stateMachineArn=r["machine"]),
    "lambda:Invoke": lambda c, r: c("lambda").invoke(FunctionName=r["function"], Payload=b"{}"),
}
THROTTLED = {
    "s3:PutObject": ("SlowDown", 503),
    "dynamodb:BatchWriteItem": ("ThrottlingException", 400),
    "dynamodb:GetItem": ("ThrottlingException", 400),
    "sqs:SendMessage": ("RequestThrottled", 400),
    "sns:Publish": ("Throttling", 400),
    "states:StartExecution": ("ThrottlingException", 400),
    "lambda:Invoke": ("TooManyRequestsException", 429),
}


@pytest.mark.parametrize("action", list(API_CALLS))
def test_a_throttled_call_gets_its_services_own_throttling_error_once_then_passes(functions, resources, action):
    functions.aws.faults.add(Fault.api(action, times=1))
    call = API_CALLS[action]

    with pytest.raises(ClientError) as throttled:
        call(functions.client, resources)
    call(functions.client, resources)

    error = throttled.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == THROTTLED[action]
    assert [fired.target for fired in functions.aws.faults.fired()][-1:] == [action]


@pytest.mark.parametrize(
    ("action", "error", "expected"),
    [
        ("sns:Publish", "InternalError", ("InternalError", 500)),
        ("dynamodb:GetItem", "ProvisionedThroughputExceededException", ("ProvisionedThroughputExceededException", 400)),
        ("dynamodb:GetItem", "InternalServerError", ("InternalServerError", 500)),
        ("s3:PutObject", "InternalError", ("InternalError", 500)),
        ("sqs:SendMessage", "ServiceUnavailable", ("ServiceUnavailable", 503)),
        ("states:StartExecution", "SomethingElse", ("SomethingElse", 500)),
    ],
)
def test_an_api_fault_with_an_error_code_answers_it_in_the_services_protocol(
    functions, resources, action, error, expected
):
    functions.aws.faults.add(Fault.api(action, error=error, times=1))
    with pytest.raises(ClientError) as failed:
        API_CALLS[action](functions.client, resources)
    response = failed.value.response
    assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == expected


def test_a_throttled_call_changes_nothing(functions, resources):
    functions.aws.faults.add(Fault.api("s3:PutObject", times=1))
    with pytest.raises(ClientError):
        functions.client("s3").put_object(Bucket="faults-bucket", Key="never", Body=b"x")
    listed = functions.client("s3").list_objects_v2(Bucket="faults-bucket", Prefix="never")
    assert listed["KeyCount"] == 0


def test_a_fraction_of_api_calls_fails_deterministically(functions, resources):
    def outcomes() -> list[bool]:
        functions.aws.faults.clear()
        functions.aws.faults.add(Fault.api("sqs:SendMessage", error="InternalError", fraction=0.5, seed=3))
        results = []
        for _ in range(12):
            try:
                API_CALLS["sqs:SendMessage"](functions.client, resources)
                results.append(False)
            except ClientError:
                results.append(True)
        return results

    first, second = outcomes(), outcomes()
    assert first == second and 0 < sum(first) < 12


def test_a_denied_call_is_still_denied_not_throttled(functions, resources):
    role = functions.aws.role_credentials(
        str(
            functions.aws.client("iam").create_role(RoleName="faults-denied", AssumeRolePolicyDocument=TRUST_POLICY)[
                "Role"
            ]["Arn"]
        )
    )
    denied = functions.aws.client("dynamodb", role)
    functions.aws.faults.add(Fault.api("dynamodb:GetItem"))
    with pytest.raises(ClientError) as refused:
        denied.get_item(TableName="faults-table", Key={"id": {"S": "a"}})
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"


# --- API faults as a state machine's own tasks see them -------------------------------------------------------


def _task_machine(aws: EmbeddedAws, resource: str, parameters: dict[str, Any]) -> str:
    task = {"Type": "Task", "Resource": resource, "Parameters": parameters, "End": True}
    return create_state_machine(aws, {"StartAt": "Call", "States": {"Call": task}})


def test_a_dynamodb_task_sees_dynamodbs_throttling_exception(functions, resources):
    machine = _task_machine(
        functions.aws,
        "arn:aws:states:::dynamodb:getItem",
        {"TableName": "faults-table", "Key": {"id": {"S": "a"}}},
    )
    functions.aws.faults.add(Fault.api("dynamodb:GetItem"))
    failed = execute(functions.aws, machine)
    assert (failed["status"], failed["error"]) == ("FAILED", "DynamoDB.ThrottlingException")
    assert "Status Code: 400; Error Code: ThrottlingException" in failed["cause"]


def test_a_dynamodb_task_sees_provisioned_throughput_exceeded_when_asked_by_name(functions, resources):
    machine = _task_machine(
        functions.aws,
        "arn:aws:states:::dynamodb:putItem",
        {"TableName": "faults-table", "Item": {"id": {"S": "b"}}},
    )
    functions.aws.faults.add(Fault.api("dynamodb:PutItem", error="ProvisionedThroughputExceededException"))
    failed = execute(functions.aws, machine)
    assert failed["error"] == "DynamoDB.ProvisionedThroughputExceededException"


def test_an_sns_task_sees_the_throttling_code(functions, resources):
    machine = _task_machine(
        functions.aws, "arn:aws:states:::sns:publish", {"TopicArn": resources["topic"], "Message": "x"}
    )
    functions.aws.faults.add(Fault.api("sns:Publish"))
    failed = execute(functions.aws, machine)
    assert (failed["status"], failed["error"]) == ("FAILED", "SNS.ThrottlingException")
    assert "Status Code: 400; Error Code: Throttling" in failed["cause"]


def test_an_sqs_task_sees_sqss_request_throttled_exception(functions, resources):
    machine = _task_machine(
        functions.aws, "arn:aws:states:::sqs:sendMessage", {"QueueUrl": resources["queue"], "MessageBody": "x"}
    )
    functions.aws.faults.add(Fault.api("sqs:SendMessage"))
    failed = execute(functions.aws, machine)
    assert (failed["status"], failed["error"]) == ("FAILED", "SQS.RequestThrottledException")
    assert "Status Code: 400; Error Code: RequestThrottled" in failed["cause"], failed["cause"]
    assert [fired.target for fired in functions.aws.faults.fired()][-1] == "sqs:SendMessage"


def test_a_retry_in_the_definition_outlasts_a_times_2_throttle(functions, resources):
    machine = create_state_machine(
        functions.aws,
        {
            "StartAt": "Call",
            "States": {
                "Call": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sns:publish",
                    "Parameters": {"TopicArn": resources["topic"], "Message": "x"},
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                    "End": True,
                }
            },
        },
    )
    functions.aws.faults.add(Fault.api("sns:Publish", times=2))
    succeeded = execute(functions.aws, machine)
    assert succeeded["status"] == "SUCCEEDED"
    assert [error for error, _ in failed_tasks(functions.aws, succeeded["executionArn"])] == [
        "SNS.ThrottlingException"
    ] * 2


# --- the moto patch point -------------------------------------------------------------------------------------


def test_every_moto_service_still_authorizes_through_authenticate_and_authorize_action():
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.responses import BaseResponse

    original = inspect.unwrap(ActionAuthenticatorMixin._authenticate_and_authorize_action)  # unpatched, if running
    assert list(inspect.signature(original).parameters) == ["self", "iam_request_cls", "resource"]
    assert "iam_request.check_action_permitted(resource)" in inspect.getsource(original)
    for caller in (
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action,
        ActionAuthenticatorMixin._authenticate_and_authorize_s3_action,
    ):
        assert "self._authenticate_and_authorize_action(" in inspect.getsource(caller)
    source = inspect.getsource(BaseResponse.call_action)
    auth = source.index("self._authenticate_and_authorize_normal_action(resource)")
    assert source.index("except HTTPException", auth) < source.index("method = getattr(self, action)")
    assert "self._transform_response(headers, response)" in source  # the handler's response headers are sent


def test_s3_still_names_the_iam_action_in_its_data_before_authorizing():
    from moto.s3.responses import S3Response

    assert 'self.data["Action"]' in inspect.getsource(S3Response)


# --- a whole sandbox: Sandbox.inject on the program's own workflows -------------------------------------------


def test_sandbox_inject_throttles_a_deployed_function_which_the_workflows_retry_outlasts(sandbox):
    iterator = WORKFLOWS["lambda-iterator"]
    arn = sandbox.outputs[iterator.state_machine_output]
    already = len(sandbox.faults_fired())
    sandbox.inject(Fault.error(PROCESS_ITERATION_FUNCTION, "Lambda.TooManyRequestsException", times=1))

    retried = sandbox.execute(iterator.name, arn, {"iterations": 2})
    history = sandbox.history(retried.execution_arn)
    fired = sandbox.faults_fired()[already:]
    sandbox.inject(Fault.error(PROCESS_ITERATION_FUNCTION, "ValueError", message="bad counter"))
    failed = sandbox.execute(iterator.name, arn, {"iterations": 2})
    sandbox.clear_faults()
    cleared = sandbox.execute(iterator.name, arn, {"iterations": 1})

    assert retried.status == "SUCCEEDED" and retried.output == {"counter": 0}
    errors = [e["taskFailedEventDetails"]["error"] for e in history if e["type"] == "TaskFailed"]
    assert errors == ["Lambda.TooManyRequestsException"]
    assert [(f.target, f.hit) for f in fired] == [(PROCESS_ITERATION_FUNCTION, 1)]
    assert failed.status == "FAILED" and "ValueError" in f"{failed.error} {failed.cause}"
    assert cleared.status == "SUCCEEDED"


# --- the command line -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        (
            "function=lambda-iterator-process-iteration-function,error=ValueError,times=2",
            Fault.error(PROCESS_ITERATION_FUNCTION, "ValueError", times=2),
        ),
        ("function=NAME,error=ImageHostDown,message=host down", Fault.error("NAME", "ImageHostDown", "host down")),
        ("function=NAME,delay=40", Fault.delay("NAME", 40)),
        ("function=NAME,crash=oom", Fault.crash("NAME", "oom")),
        ("action=s3:PutObject,error=throttle,times=3", Fault.api("s3:PutObject", times=3)),
        (
            "action=sns:Publish,error=InternalError,fraction=0.5",
            Fault.api("sns:Publish", "InternalError", fraction=0.5),
        ),
        ("action=dynamodb:GetItem", Fault.api("dynamodb:GetItem")),
    ],
)
def test_the_cli_parses_each_kind_of_fault_spec(spec, fault):
    for command in (["run", "lambda-iterator"], ["serve"]):
        args = cli._parser().parse_args([*command, "--fault", spec, "--fault", "action=sqs:SendMessage"])
        assert args.fault == [fault, Fault.api("sqs:SendMessage")]
    assert parse_spec(fault.describe()) == fault


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("function=NAME", "exactly one of error=NAME, delay=SECONDS or crash=exit|oom"),
        ("function=NAME,crash=boom", "crash must be one of exit, oom, not 'boom'"),
        ("action=s3", "action must be 'service:Operation'"),
        ("times=2", "give exactly one of function=NAME or action=service:Operation"),
        ("function=NAME,error=X,times=two", "times=two: not a whole number"),
        ("function=NAME,error=X,colour=red", "unknown key 'colour'"),
        ("function=NAME,error", "'error' is not KEY=VALUE"),
        ("action=s3:PutObject,delay=3", "an action= fault takes error, times, fraction and seed only"),
        ("function=NAME,delay=1,delay=2", "delay is given twice"),
        ("action=sns:Publish,fraction=2", "fraction must be in (0, 1]"),
        ("function=NAME,delay=nan", "delay=nan: not a finite number >= 0"),
        ("function=NAME,delay=inf", "delay=inf: not a finite number >= 0"),
        ("function=NAME,delay=1e999", "delay=1e999: not a finite number >= 0"),
        ("function=NAME,delay=-1", "delay=-1: not a finite number >= 0"),
        ("action=sns:Publish,fraction=nan", "fraction=nan: not a finite number >= 0"),
        ("action=sns:Publish,fraction=-inf", "fraction=-inf: not a finite number >= 0"),
        ("function=NAME,error=X,times=-1", "times=-1: not a finite number >= 0"),
        ("function=NAME,error=X,times=0", "times must be at least 1, not 0"),
        ("action=sns:Publish,fraction=0.5,seed=-3", "seed=-3: not a finite number >= 0"),
        ("action=sns:Publish,fraction=0.5,seed=nan", "seed=nan: not a whole number"),
        ("action=lambda:Invok", "lambda has no operation 'Invok', so the fault could never fire; did you mean "),
    ],
)
def test_a_bad_fault_spec_is_a_one_line_usage_error_naming_the_problem(spec, problem, capsys):
    with pytest.raises(SystemExit) as exited:
        cli._parser().parse_args(["run", "lambda-iterator", "--fault", spec])
    lines = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 2
    assert lines[-1].startswith(f"python -m tools.sandbox run: error: argument --fault: {spec!r}: ")
    assert problem in lines[-1]


@pytest.mark.e2e
def test_run_with_a_fault_reports_the_faults_that_fired():
    """In a process of its own: the CLI starts its own embedded AWS, and only one can run in a process."""
    fault = f"function={PROCESS_ITERATION_FUNCTION},error=ValueError,message=bad counter"
    command = [sys.executable, "-m", "tools.sandbox", "run", "lambda-iterator", "--input", '{"iterations": 1}']
    ran = subprocess.run([*command, "--json", "--fault", fault], capture_output=True, text=True, cwd=REPO_ROOT)

    report = json.loads(ran.stdout)
    assert ran.returncode == 1 and report["status"] == "FAILED"
    assert [(hit["fault"], hit["target"], hit["hit"]) for hit in report["faultsFired"]] == [
        (fault, PROCESS_ITERATION_FUNCTION, 1)
    ]


def test_a_function_fault_naming_no_deployed_function_is_refused_and_a_usage_error_on_the_cli(
    sandbox, monkeypatch, capsys
):
    with pytest.raises(UnknownFaultTarget, match="no deployed function is named 'no-such-function'; the functions are"):
        sandbox.inject(Fault.crash("no-such-function"))
    assert sandbox.faults.active() == []

    class Refusing:  # the CLI's Sandbox, refusing its --fault as the real one just did
        def __init__(self, **kwargs: Any) -> None:
            self.faults = kwargs["faults"]

        def __enter__(self) -> None:
            sandbox.inject(*self.faults)

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(program_cli, "Sandbox", Refusing)
    capsys.readouterr()
    assert cli.main(["run", "lambda-iterator", "--fault", "function=no-such-function,crash=exit"]) == 2
    printed = capsys.readouterr().out
    assert printed.startswith("error: --fault function=no-such-function,crash=exit: no deployed function is named")
    assert printed.count("\n") == 1, "one line, however long"


class SharedSandbox:
    """The CLI's Sandbox, standing in as the module's deployed one (one embedded AWS per process): its --fault
    injected on entry and cleared on exit, as a fresh sandbox would forget them."""

    def __init__(self, sandbox: Sandbox, **kwargs: Any) -> None:
        self.sandbox, self.faults = sandbox, kwargs["faults"]

    def __enter__(self) -> Sandbox:
        self.sandbox.inject(*self.faults)
        return self.sandbox

    def __exit__(self, *exc: object) -> None:
        self.sandbox.clear_faults()


def strict_json(text: str) -> Any:
    """`text` read as JSON by a parser that, unlike Python's, refuses NaN and Infinity."""

    def refuse(token: str) -> Any:
        raise ValueError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    ("workflow", "how"),
    [("lambda-iterator", "StartExecution as the operator"), ("image-downloader", "through the HTTP API")],
)
def test_run_whose_start_execution_is_throttled_prints_one_json_object_saying_it_did_not_start(
    sandbox, monkeypatch, capsys, workflow, how
):
    monkeypatch.setattr(program_cli, "Sandbox", lambda **kwargs: SharedSandbox(sandbox, **kwargs))
    machine = sandbox.outputs[WORKFLOWS[workflow].state_machine_output]
    before = sandbox.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    already = len(sandbox.faults_fired())  # the module's sandbox keeps what the tests before fired

    code = cli.main(["run", workflow, "--fault", "action=states:StartExecution", "--json"])

    out, err = capsys.readouterr()
    report = strict_json(out)
    assert code == 1 and "Traceback" not in err, how
    assert (report["status"], report["executionArn"], report["error"]) == ("NOT_STARTED", None, "ThrottlingException")
    assert report["cause"] == "Rate exceeded" and report["invocations"] == []
    assert report["faultsFired"][already:] and {hit["target"] for hit in report["faultsFired"][already:]} == {
        "states:StartExecution"
    }
    assert sandbox.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == before


def test_run_with_an_input_holding_nan_is_refused_as_start_execution_refuses_it_and_prints_valid_json(
    sandbox, monkeypatch, capsys
):
    monkeypatch.setattr(program_cli, "Sandbox", lambda **kwargs: SharedSandbox(sandbox, **kwargs))

    code = cli.main(["run", "lambda-iterator", "--input", '{"iterations": NaN, "limit": -Infinity}', "--json"])
    plain = cli.main(["run", "lambda-iterator", "--input", '{"iterations": Infinity}'])

    first_line, printed = capsys.readouterr().out.split("\n", 1)
    report = strict_json(first_line)
    assert code == plain == 1
    assert "lambda-iterator: NOT_STARTED: the execution did not start" in printed
    assert "error: InvalidExecutionInput" in printed
    assert (report["status"], report["error"]) == ("NOT_STARTED", "InvalidExecutionInput")
    assert report["cause"].startswith("Invalid State Machine Execution Input: 'Non-standard token 'NaN'")
    assert report["input"] == {"iterations": "NaN", "limit": "-Infinity"}, "JSON has no such numbers: spelled out"


def test_json_text_writes_non_finite_numbers_as_strings_and_everything_else_as_it_is():
    document = {"a": [1.5, float("inf"), {"b": float("-inf")}], "c": float("nan"), "d": None, "e": "NaN"}
    assert strict_json(cli.json_text(document)) == {
        "a": [1.5, "Infinity", {"b": "-Infinity"}], "c": "NaN", "d": None, "e": "NaN"
    }  # fmt: skip
    assert cli.json_text({"a": 1}) == json.dumps({"a": 1})


# --- Lambda.SdkClientException: no answer at all --------------------------------------------------------------


def test_sdk_client_exception_drops_the_connection_and_the_task_sees_lambda_sdk_client_exception(functions):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, "Lambda.SdkClientException", times=1))
    with pytest.raises(ConnectionClosedError):
        invoke(functions, name)
    functions.aws.faults.add(Fault.error(name, "Lambda.SdkClientException", times=1))
    failed = execute(functions.aws, lambda_task_machine(functions, name))
    assert (failed["status"], failed["error"]) == ("FAILED", "Lambda.SdkClientException")
    _, body = invoke(functions, name, {"after": 1})
    assert body["event"] == {"after": 1}


@pytest.mark.parametrize(
    "error",
    [
        "Lambda.TooManyRequestsException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
    ],
)
def test_each_transient_lambda_error_reaches_the_task_by_the_name_the_default_retry_matches(functions, error):
    name = functions.create("echo")
    functions.aws.faults.add(Fault.error(name, error))
    failed = execute(functions.aws, lambda_task_machine(functions, name))
    assert (failed["status"], failed["error"]) == ("FAILED", error)


def test_the_server_still_ignores_a_dropped_connection_and_moto_calls_a_lambda_client_failure_states_runtime():
    import werkzeug.serving
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_lambda

    assert '"werkzeug.socket": self.connection' in inspect.getsource(werkzeug.serving.WSGIRequestHandler.make_environ)
    assert "except connection_dropped_errors as e:" in inspect.getsource(werkzeug.serving.WSGIRequestHandler.run_wsgi)
    lambda_task = inspect.getsource(state_task_service_lambda)  # the module's text: the method may be patched now
    assert "elif isinstance(ex, ClientError):" in lambda_task
    assert "return super()._from_error(env=env, ex=ex)" in lambda_task
    base = inspect.getsource(execute_state)
    assert "error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime)" in base
