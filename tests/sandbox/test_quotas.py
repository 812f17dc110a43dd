"""The sandbox refuses what AWS refuses: Step Functions payload quotas, with AWS's own error codes and messages."""

from __future__ import annotations

import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.embedded import create_role, create_state_machine, document_of_size, policy, run
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.gateway import HttpApiGateway
from tools.sandbox.lambda_runtime import FunctionSpec, LambdaRuntime
from tools.sandbox.quotas import HTTP_API_PAYLOAD_BYTES, STATES_PAYLOAD_BYTES

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
    assert refused.json() == {"__type": "ValidationException", "message": TOO_LARGE}, "StartExecution's, passed on"


def test_the_http_api_takes_a_body_of_10_mb_and_refuses_one_byte_more_with_413_starting_nothing(aws, echo):
    _http_api(aws, echo)
    gateway = HttpApiGateway(aws).start()
    try:
        at_limit = requests.post(f"{gateway.url}echo", data=b"x" * HTTP_API_PAYLOAD_BYTES, timeout=60)
        over = requests.post(f"{gateway.url}echo", data=b"x" * (HTTP_API_PAYLOAD_BYTES + 1), timeout=60)
    finally:
        gateway.stop()
    assert at_limit.status_code == 400 and at_limit.json()["__type"] == "ValidationException", "StartExecution's"
    assert (over.status_code, over.json()) == (413, {"message": "Request Entity Too Large"})


def test_an_integration_past_its_timeout_is_answered_503_service_unavailable(aws, echo, monkeypatch):
    gateway_api = aws.client("apigatewayv2")
    api_id = gateway_api.create_api(Name="slow-api", ProtocolType="HTTP")["ApiId"]
    integration = gateway_api.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationSubtype="StepFunctions-StartExecution",
        CredentialsArn=create_role(aws, "apigateway", policy("states:StartExecution")),
        RequestParameters={"StateMachineArn": echo, "Input": "$request.body"}, PayloadFormatVersion="1.0",
        TimeoutInMillis=300,
    )  # fmt: skip
    gateway_api.create_route(
        ApiId=api_id, RouteKey="POST /slow", AuthorizationType="NONE",
        Target=f"integrations/{integration['IntegrationId']}",
    )  # fmt: skip
    gateway_api.create_stage(
        ApiId=api_id, StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 100.0},
    )  # fmt: skip
    gateway = HttpApiGateway(aws).start()
    integrate = gateway._integrate
    delays = iter([0.0, 1.0])

    def slow(route, body):  # the integration's service answering late, as a throttled StartExecution may
        time.sleep(next(delays))
        return integrate(route, body)

    monkeypatch.setattr(gateway, "_integrate", slow)
    try:
        prompt = requests.post(f"{gateway.url}slow", data=b"{}", timeout=30)
        late = requests.post(f"{gateway.url}slow", data=b"{}", timeout=30)
    finally:
        gateway.stop()
    assert prompt.status_code == 200 and prompt.json()["executionArn"]
    assert (late.status_code, late.json()) == (503, {"message": "Service Unavailable"})


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


# --- the state payload quota: States.DataLimitExceeded, naming the state -------------------------------------

DATA_LIMIT_CAUSE = (
    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit."
)


def _table(aws: EmbeddedAws, name: str) -> None:
    aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "listName", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "listName", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def _get_item(table: str) -> dict:
    return {
        "StartAt": "ReadList",
        "States": {
            "ReadList": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"listName": {"S": "default"}}},
                "End": True,
            }
        },
    }


def test_a_state_output_of_exactly_256_kib_passes_on(aws):
    document = document_of_size(STATES_PAYLOAD_BYTES)
    described = run(aws, PASS, document)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == json.loads(document)


def test_a_state_output_one_byte_over_fails_with_data_limit_exceeded_naming_the_state(aws):
    widen = {"Type": "Pass", "Parameters": {"data.$": "$.data", "x": "y"}, "End": True}
    grow = {"StartAt": "Grow", "States": {"Grow": widen}}
    under = document_of_size(STATES_PAYLOAD_BYTES - len(',"x":"y"'))  # the output is exactly the quota
    over = document_of_size(STATES_PAYLOAD_BYTES - len(',"x":"y"') + 1)
    assert run(aws, grow, under)["status"] == "SUCCEEDED"
    failed = run(aws, grow, over)
    assert (failed["status"], failed["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert failed["cause"] == DATA_LIMIT_CAUSE.format("Grow")


def test_a_dynamodb_item_over_256_kib_fails_the_get_item_task_with_data_limit_exceeded(aws):
    """A ~300 KB list item is legal for DynamoDB (400 KB) but too large for a state's result."""
    _table(aws, "big-lists")
    item = {"listName": {"S": "default"}, "list": {"L": [{"S": "x" * 1000}] * 300}}
    aws.client("dynamodb").put_item(TableName="big-lists", Item=item)
    read = {
        "StartAt": "ReadList",
        "States": {
            "ReadList": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "big-lists", "Key": {"listName": {"S": "default"}}},
                "End": True,
            }
        },
    }
    failed = run(aws, read)
    assert (failed["status"], failed["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert failed["cause"] == DATA_LIMIT_CAUSE.format("ReadList")


def test_an_inline_map_whose_results_pass_256_kib_fails_with_data_limit_exceeded(aws):
    fan_out = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Widen",
                    "States": {
                        "Widen": {
                            "Type": "Pass",
                            "Parameters": {"pad.$": "States.Format('{}{}{}{}', $, $, $, $)"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }
    items = json.dumps({"items": ["x" * 250] * 300})  # 75 KB in, about 300 KB of results out
    failed = run(aws, fan_out, items)
    assert (failed["status"], failed["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert failed["cause"] == DATA_LIMIT_CAUSE.format("Each")


def test_an_iteration_failing_with_data_limit_exceeded_fails_its_map_so_and_only_a_catch_naming_it_catches_it(aws):
    def fan_out(errors: list[str]) -> dict:
        widen = {"Type": "Pass", "Parameters": {"pad.$": "States.Format('{}{}{}{}', $, $, $, $)"}, "End": True}
        each = {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Widen", "States": {"Widen": widen}},
            "Catch": [{"ErrorEquals": errors, "Next": "Caught"}],
            "End": True,
        }
        caught = {"Type": "Pass", "Result": {"outcome": "caught"}, "End": True}
        return {"StartAt": "Each", "States": {"Each": each, "Caught": caught}}

    items = json.dumps({"items": ["y", "x" * 70_000]})  # the second iteration's output is 280 KB
    uncaught = run(aws, fan_out(["States.ALL"]), items)
    assert (uncaught["status"], uncaught["error"]) == ("FAILED", "States.DataLimitExceeded"), uncaught.get("cause")
    assert uncaught["cause"] == DATA_LIMIT_CAUSE.format("Widen")
    caught = run(aws, fan_out(["States.DataLimitExceeded"]), items)
    assert (caught["status"], json.loads(caught["output"])) == ("SUCCEEDED", {"outcome": "caught"})


def test_a_parallel_branch_failing_with_data_limit_exceeded_fails_its_parallel_so_and_only_a_catch_naming_it(aws):
    def branches(errors: list[str]) -> dict:
        widen = {"Type": "Pass", "Parameters": {"pad.$": "States.Format('{}{}{}{}', $, $, $, $)"}, "End": True}
        keep = {"Type": "Pass", "End": True}
        both = {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Keep", "States": {"Keep": keep}},
                {"StartAt": "Widen", "States": {"Widen": widen}},
            ],
            "Catch": [{"ErrorEquals": errors, "Next": "Caught"}],
            "End": True,
        }
        caught = {"Type": "Pass", "Result": {"outcome": "caught"}, "End": True}
        return {"StartAt": "Both", "States": {"Both": both, "Caught": caught}}

    wide = json.dumps("x" * 70_000)  # the second branch's output is 280 KB
    uncaught = run(aws, branches(["States.ALL"]), wide)
    assert (uncaught["status"], uncaught["error"]) == ("FAILED", "States.DataLimitExceeded"), uncaught.get("cause")
    assert uncaught["cause"] == DATA_LIMIT_CAUSE.format("Widen")
    caught = run(aws, branches(["States.DataLimitExceeded"]), wide)
    assert (caught["status"], json.loads(caught["output"])) == ("SUCCEEDED", {"outcome": "caught"})


def test_a_task_input_over_256_kib_after_parameters_fails_before_the_call(aws):
    _table(aws, "unwritten")
    write = {
        "StartAt": "WriteTwice",
        "States": {
            "WriteTwice": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": "unwritten",
                    "Item": {"listName": {"S": "default"}, "a": {"S.$": "$.data"}, "b": {"S.$": "$.data"}},
                },
                "End": True,
            }
        },
    }
    failed = run(aws, write, document_of_size(200_000))
    assert (failed["status"], failed["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert "'WriteTwice' has an input, after Parameters," in failed["cause"]
    assert aws.client("dynamodb").scan(TableName="unwritten")["Count"] == 0


def test_states_all_neither_catches_nor_retries_data_limit_exceeded_but_naming_it_does(aws):
    _table(aws, "big-for-retry")
    item = {"listName": {"S": "default"}, "list": {"L": [{"S": "x" * 1000}] * 300}}
    aws.client("dynamodb").put_item(TableName="big-for-retry", Item=item)

    def read(errors: list[str]) -> dict:
        definition = _get_item("big-for-retry")
        definition["States"]["ReadList"].update(
            Retry=[{"ErrorEquals": errors, "MaxAttempts": 1, "IntervalSeconds": 1}],
            Catch=[{"ErrorEquals": errors, "Next": "Caught"}],
        )
        definition["States"]["ReadList"].pop("End")
        definition["States"]["ReadList"]["Next"] = "Done"
        definition["States"].update(
            Done={"Type": "Succeed"}, Caught={"Type": "Pass", "Result": {"outcome": "caught"}, "End": True}
        )
        return definition

    uncaught = run(aws, read(["States.ALL"]))
    assert (uncaught["status"], uncaught["error"]) == ("FAILED", "States.DataLimitExceeded")
    events = aws.client("stepfunctions").get_execution_history(executionArn=uncaught["executionArn"])["events"]
    assert [event["type"] for event in events].count("TaskScheduled") == 1, "States.ALL retried it"
    caught = run(aws, read(["States.DataLimitExceeded"]))
    assert (caught["status"], json.loads(caught["output"])) == ("SUCCEEDED", {"outcome": "caught"})


# --- the error names a DynamoDB task sees ---------------------------------------------------------------------


def test_a_denied_dynamodb_task_fails_with_amazon_dynamodb_exception_and_access_denied_in_the_cause(aws):
    _table(aws, "forbidden")
    failed = run(aws, _get_item("forbidden"), role_policy=policy("sqs:SendMessage"))
    assert (failed["status"], failed["error"]) == ("FAILED", "DynamoDB.AmazonDynamoDBException")
    assert "is not authorized to perform: dynamodb:GetItem on resource: " in failed["cause"]
    assert "Status Code: 400; Error Code: AccessDeniedException" in failed["cause"]


def test_a_missing_table_fails_with_dynamodbs_own_exception_name(aws):
    failed = run(aws, _get_item("no-such-table"))
    assert (failed["status"], failed["error"]) == ("FAILED", "DynamoDB.ResourceNotFoundException")


def test_a_caller_denied_by_dynamodb_gets_access_denied_exception_as_from_aws(aws):
    role = create_role(aws, "lambda", policy("sqs:SendMessage"))
    denied = aws.client("dynamodb", aws.role_credentials(role))
    with pytest.raises(ClientError) as refused:
        denied.get_item(TableName="forbidden", Key={"listName": {"S": "default"}})
    error = refused.value.response["Error"]
    assert (
        error["Code"] == "AccessDeniedException" and refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    )
    assert error["Message"].endswith("on resource: arn:aws:dynamodb:us-east-1:123456789012:table/forbidden")


def test_a_lambda_task_denied_by_iam_fails_with_aws_lambda_exception_and_access_denied_in_the_cause(aws):
    invoke = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "absent", "Payload": {}},
        "End": True,
    }
    failed = run(aws, {"StartAt": "Invoke", "States": {"Invoke": invoke}}, role_policy=policy("dynamodb:GetItem"))
    assert (failed["status"], failed["error"]) == ("FAILED", "Lambda.AWSLambdaException")
    assert "is not authorized to perform: lambda:InvokeFunction on resource: " in failed["cause"]
    assert "Status Code: 403; Error Code: AccessDeniedException" in failed["cause"]


def test_a_signed_lambda_invoke_without_a_payload_passes_the_signature_check(aws):
    """moto re-signed a bodyless POST with its parsed parameters: SignatureDoesNotMatch, where AWS invokes."""
    states = aws.client("lambda", aws.role_credentials(create_role(aws, "states", policy("lambda:InvokeFunction"))))
    with pytest.raises(ClientError) as refused:
        states.invoke(FunctionName="absent")  # signed, authorized, then not found: no such function here
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_sqs_and_sns_tasks_denied_by_iam_fail_with_the_names_aws_gives_and_access_denied_in_the_cause(aws):
    url = aws.client("sqs").create_queue(QueueName="task-denied")["QueueUrl"]
    topic = aws.client("sns").create_topic(Name="task-denied")["TopicArn"]
    denied = policy("dynamodb:GetItem")
    tasks = {
        "sqs:sendMessage": (
            {"QueueUrl": url, "MessageBody": "x"}, "SQS.AmazonSQSException",
            "(Service: AmazonSQS; Status Code: 403; Error Code: AccessDenied; ",
        ),
        "sns:publish": (
            {"TopicArn": topic, "Message": "x"}, "SNS.AuthorizationErrorException",
            "(Service: AmazonSNS; Status Code: 403; Error Code: AuthorizationError; ",
        ),
    }  # fmt: skip
    for action, (parameters, error, cause) in tasks.items():
        task = {"Type": "Task", "Resource": f"arn:aws:states:::{action}", "Parameters": parameters, "End": True}
        described = run(aws, {"StartAt": "Call", "States": {"Call": task}}, role_policy=denied)
        assert (described["status"], described["error"]) == ("FAILED", error), action
        assert (
            cause in described["cause"]
            and f"is not authorized to perform: {action.split(':')[0]}:" in (described["cause"])
        ), action


def test_callers_denied_by_sqs_and_sns_get_access_denied_and_authorization_error_naming_the_resource(aws):
    url = aws.client("sqs").create_queue(QueueName="caller-denied")["QueueUrl"]
    topic = aws.client("sns").create_topic(Name="caller-denied")["TopicArn"]
    credentials = aws.role_credentials(create_role(aws, "lambda", policy("dynamodb:GetItem")))
    calls = {
        "AccessDenied": (lambda: aws.client("sqs", credentials).send_message(QueueUrl=url, MessageBody="x")),
        "AuthorizationError": (lambda: aws.client("sns", credentials).publish(TopicArn=topic, Message="x")),
    }
    for code, call in calls.items():
        with pytest.raises(ClientError) as refused:
            call()
        response = refused.value.response
        assert (response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]) == (code, 403)
        assert response["Error"]["Message"].endswith(":caller-denied"), "names the queue or topic"


def test_a_missing_queue_fails_the_sqs_task_with_sqs_own_exception_name(aws):
    url = aws.client("sqs").create_queue(QueueName="soon-gone")["QueueUrl"]
    aws.client("sqs").delete_queue(QueueUrl=url)
    task = {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": url, "MessageBody": "x"}, "End": True,
    }  # fmt: skip
    described = run(aws, {"StartAt": "Call", "States": {"Call": task}})
    assert (described["status"], described["error"]) == ("FAILED", "SQS.QueueDoesNotExistException")


# --- the resource IAM checks a request against -------------------------------------------------------------------

ARN_PREFIX = "arn:aws:{}:us-east-1:123456789012:"
#: service -> (the action allowed, the ARN of a resource's name, a call naming it, its error once authorized)
NAMED_RESOURCES = {
    "dynamodb": (
        "dynamodb:DescribeTable",
        lambda name: f"{ARN_PREFIX.format('dynamodb')}table/{name}",
        lambda client, name: client.describe_table(TableName=name),
        "ResourceNotFoundException",
    ),
    "lambda": (
        "lambda:GetFunction",
        lambda name: f"{ARN_PREFIX.format('lambda')}function:{name}",
        lambda client, name: client.get_function(FunctionName=name),
        "ResourceNotFoundException",
    ),
    "stepfunctions": (
        "states:DescribeStateMachine",
        lambda name: f"{ARN_PREFIX.format('states')}stateMachine:{name}",
        lambda client, name: client.describe_state_machine(
            stateMachineArn=f"{ARN_PREFIX.format('states')}stateMachine:{name}"
        ),
        "StateMachineDoesNotExist",
    ),
    "sns": (
        "sns:Publish",
        lambda name: f"{ARN_PREFIX.format('sns')}{name}",
        lambda client, name: client.publish(TopicArn=f"{ARN_PREFIX.format('sns')}{name}", Message="m"),
        "NotFound",
    ),
}


@pytest.mark.parametrize("service", sorted(NAMED_RESOURCES))
def test_a_policy_naming_one_resource_allows_it_and_denies_another(aws, service):
    """IAM checks the resource a request names: moto checked every action of these services against "*" only."""
    action, arn_of, call, not_found = NAMED_RESOURCES[service]
    statement = {"Effect": "Allow", "Action": action, "Resource": arn_of("mine")}
    role = create_role(aws, "lambda", json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    client = aws.client(service, aws.role_credentials(role))
    with pytest.raises(ClientError) as authorized:  # neither resource exists: authorized, then not found
        call(client, "mine")
    assert authorized.value.response["Error"]["Code"] == not_found, authorized.value.response["Error"]
    with pytest.raises(ClientError) as denied:
        call(client, "theirs")
    assert f"is not authorized to perform: {action}" in denied.value.response["Error"]["Message"]
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)


def test_executions_started_without_a_name_are_named_with_distinct_uuids(aws, echo):
    states = aws.client("stepfunctions")
    names = [states.start_execution(stateMachineArn=echo)["executionArn"].rsplit(":", 1)[1] for _ in range(2)]
    assert names[0] != names[1] and all(str(uuid.UUID(name)) == name for name in names), names
