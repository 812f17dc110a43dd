"""TestState at the embedded endpoint answers as AWS's API reference and TestState guide say.

Sources of the expected values:
- API: https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html
- guide: https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html
- launch post (mocks, validation modes, retries, Map failure counts):
  https://aws.amazon.com/blogs/aws/accelerate-workflow-development-with-enhanced-local-testing-in-aws-step-functions/
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.embedded import create_role, policy
from tools.sandbox.aws import EmbeddedAws

#: The guide's Task under test: a Lambda invoke with ResultSelector, a Retry and a Catch.
LAMBDA_TASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "process-order", "Payload.$": "$"},
    "ResultSelector": {"total.$": "$.Payload.total"},
    "ResultPath": "$.priced",
    "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 5}],
    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandleError", "ResultPath": "$.error"}],
    "Next": "Ship",
}
ORDER = {"order": "o-1", "items": 2}


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


def test_state(aws: EmbeddedAws, **request: Any) -> dict[str, Any]:
    response: dict[str, Any] = aws.client("stepfunctions").test_state(**request)
    response.pop("ResponseMetadata")
    return response


test_state.__test__ = False  # type: ignore[attr-defined]


def refusal(aws: EmbeddedAws, **request: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        aws.client("stepfunctions").test_state(**request)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


# --- the response: status, output, nextState, inspectionData ----------------------------------------------


def test_a_pass_state_at_debug_shows_each_data_flow_step_and_its_next_state(aws: EmbeddedAws) -> None:
    # API: "DEBUG: Shows the final state output along with the input and output data processing result";
    # "All these levels also return the status and nextState fields" (guide, inspection levels).
    state = {"Type": "Pass", "InputPath": "$.order", "Result": {"shipped": True}, "ResultPath": "$.r", "Next": "B"}
    response = test_state(
        aws, definition=json.dumps(state), input=json.dumps({"order": {"id": 7}}), inspectionLevel="DEBUG"
    )
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "B"
    # ResultPath places the result into the state's raw input, not into what InputPath selected (ASL spec).
    assert json.loads(response["output"]) == {"order": {"id": 7}, "r": {"shipped": True}}
    data = response["inspectionData"]
    assert json.loads(data["input"]) == {"order": {"id": 7}}
    assert json.loads(data["afterInputPath"]) == {"id": 7}
    assert json.loads(data["afterResultPath"]) == {"order": {"id": 7}, "r": {"shipped": True}}


def test_info_level_returns_no_inspection_data(aws: EmbeddedAws) -> None:
    # API: "INFO: Shows the final state output. By default, Step Functions sets inspectionLevel to INFO".
    response = test_state(aws, definition=json.dumps({"Type": "Pass", "End": True}), input='{"a": 1}')
    assert response == {"status": "SUCCEEDED", "output": '{"a": 1}'}


def test_a_choice_state_names_the_rule_it_chose_as_next_state(aws: EmbeddedAws) -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.items", "NumericGreaterThan": 1, "Next": "Bulk"}],
        "Default": "Single",
    }
    assert test_state(aws, definition=json.dumps(choice), input=json.dumps(ORDER))["nextState"] == "Bulk"
    assert test_state(aws, definition=json.dumps(choice), input='{"items": 1}')["nextState"] == "Single"


def test_a_fail_state_fails_with_its_error_and_cause(aws: EmbeddedAws) -> None:
    state = {"Type": "Fail", "Error": "OrderRejected", "Cause": "out of stock"}
    response = test_state(aws, definition=json.dumps(state))
    assert (response["status"], response["error"], response["cause"]) == ("FAILED", "OrderRejected", "out of stock")


def test_state_name_runs_one_state_of_a_whole_definition(aws: EmbeddedAws) -> None:
    # API, stateName: "Denotes the particular state from the state definition that will be tested."
    machine = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": 2, "End": True}},
    }
    response = test_state(aws, definition=json.dumps(machine), stateName="B")
    assert (response["status"], json.loads(response["output"])) == ("SUCCEEDED", 2)
    assert "nextState" not in response


def test_variables_are_given_to_the_state_and_its_assign_shows_in_inspection_data(aws: EmbeddedAws) -> None:
    # API, variables: "JSON object literal that sets variables used in the state under test";
    # inspectionData.variables: "JSON string that contains the set of workflow variables after execution".
    state = {"Type": "Pass", "Assign": {"orderId.$": "$.order"}, "End": True}
    response = test_state(
        aws,
        definition=json.dumps(state),
        input=json.dumps(ORDER),
        variables='{"region": "eu"}',
        inspectionLevel="DEBUG",
    )
    assert json.loads(response["inspectionData"]["variables"]) == {"region": "eu", "orderId": "o-1"}


def test_a_jsonpath_state_reads_a_given_variable(aws: EmbeddedAws) -> None:
    state = {"Type": "Pass", "Parameters": {"where.$": "$region"}, "End": True}
    response = test_state(aws, definition=json.dumps(state), variables='{"region": "eu"}')
    assert json.loads(response["output"]) == {"where": "eu"}


def test_a_jsonata_state_computes_its_output_from_input_and_variables(aws: EmbeddedAws) -> None:
    state = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.items * $price %}", "End": True}
    response = test_state(aws, definition=json.dumps(state), input=json.dumps(ORDER), variables='{"price": 5}')
    assert json.loads(response["output"]) == 10


# --- mocks ---------------------------------------------------------------------------------------------------


def test_a_mocked_task_calls_nothing_and_its_result_flows_through_result_selector_and_path(aws: EmbeddedAws) -> None:
    # No role, no function "process-order": the guide says a mock makes the role optional and calls no service.
    result = {"StatusCode": 200, "Payload": {"total": 42}}
    response = test_state(
        aws,
        definition=json.dumps(LAMBDA_TASK),
        input=json.dumps(ORDER),
        mock={"result": json.dumps(result)},
        inspectionLevel="DEBUG",
    )
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "Ship"
    assert json.loads(response["output"]) == {**ORDER, "priced": {"total": 42}}
    data = response["inspectionData"]
    assert json.loads(data["afterParameters"]) == {"FunctionName": "process-order", "Payload": ORDER}
    assert json.loads(data["result"]) == result
    assert json.loads(data["afterResultSelector"]) == {"total": 42}


def test_a_mocked_parallel_and_a_mocked_activity_run_as_their_mock_says(aws: EmbeddedAws) -> None:
    # API: "TestState only supports the following when a mock is specified: Activity tasks, .sync or
    # .waitForTaskToken service integration patterns, Parallel, or Map states."
    parallel = {
        "Type": "Parallel",
        "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
        "ResultSelector": {"first.$": "$[0]"},
        "Next": "N",
    }
    response = test_state(aws, definition=json.dumps(parallel), mock={"result": '[{"a": 1}, 2]'})
    assert (json.loads(response["output"]), response["nextState"]) == ({"first": {"a": 1}}, "N")
    activity = {"Type": "Task", "Resource": f"arn:aws:states:{aws.region}:123456789012:activity:review", "End": True}
    assert json.loads(test_state(aws, definition=json.dumps(activity), mock={"result": '{"ok": 1}'})["output"]) == {
        "ok": 1
    }
    sync = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": True}
    assert test_state(aws, definition=json.dumps(sync), mock={"result": '{"Status": "SUCCEEDED"}'})["status"] == (
        "SUCCEEDED"
    )


def test_context_and_retrier_retry_count_reach_the_states_context_object(aws: EmbeddedAws) -> None:
    # API, context: "A JSON string representing a valid Context object for the state under test";
    # retrierRetryCount is the attempts already made, which the context object's State.RetryCount counts.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName": "f",
            "Payload": {"run.$": "$$.Execution.Name", "attempt.$": "$$.State.RetryCount"},
        },
        "End": True,
    }
    response = test_state(
        aws,
        definition=json.dumps(task),
        mock={"result": "{}"},
        context=json.dumps({"Execution": {"Name": "nightly-run"}}),
        stateConfiguration={"retrierRetryCount": 2},
        inspectionLevel="DEBUG",
    )
    payload = json.loads(response["inspectionData"]["afterParameters"])["Payload"]
    assert payload == {"run": "nightly-run", "attempt": 2}


def test_a_jsonata_task_shows_its_arguments_as_after_arguments(aws: EmbeddedAws) -> None:
    # API, InspectionData.afterArguments: "The input after Step Functions applies an Arguments filter" (JSONata).
    task = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "foo", "Payload": "bar"},
        "End": True,
    }
    response = test_state(aws, definition=json.dumps(task), mock={"result": '{"Payload": 1}'}, inspectionLevel="DEBUG")
    assert json.loads(response["inspectionData"]["afterArguments"]) == {"FunctionName": "foo", "Payload": "bar"}
    assert json.loads(response["output"]) == {"Payload": 1}


def test_a_mocked_result_is_checked_against_the_service_response_shape(aws: EmbeddedAws) -> None:
    # Launch post: STRICT (the default) and PRESENT check field names and types against the API model; NONE does not.
    wrong_type = json.dumps({"StatusCode": "200", "Payload": {"total": 1}})
    for mode in ("STRICT", "PRESENT"):
        code, message = refusal(
            aws, definition=json.dumps(LAMBDA_TASK), mock={"result": wrong_type, "fieldValidationMode": mode}
        )
        assert (code, message) == (
            "ValidationException",
            "Mock result schema validation error: Field 'StatusCode' must be a number",
        )
    response = test_state(
        aws, definition=json.dumps(LAMBDA_TASK), input="{}", mock={"result": wrong_type, "fieldValidationMode": "NONE"}
    )
    assert response["status"] == "SUCCEEDED"


def test_strict_mode_requires_the_response_shapes_required_fields(aws: EmbeddedAws) -> None:
    put_events = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}  # MessageId etc.
    assert (
        test_state(aws, definition=json.dumps(put_events), mock={"result": json.dumps({"MessageId": "m-1"})})["status"]
        == "SUCCEEDED"
    )
    _, message = refusal(
        aws,
        definition=json.dumps({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": True}),
        mock={"result": json.dumps({"Buckets": "none"})},
    )
    assert message == "Mock result schema validation error: Field 'Buckets' must be an array"


# --- errors: Retry, Catch and stateConfiguration ------------------------------------------------------------


def test_a_mocked_error_a_retrier_matches_is_retriable_with_the_next_backoff(aws: EmbeddedAws) -> None:
    # API, InspectionErrorDetails: retryIndex and retryBackoffIntervalSeconds; stateConfiguration.retrierRetryCount is
    # "the number of retry attempts that have occurred": the 4th retry waits IntervalSeconds 1 x BackoffRate 2^4 = 16.
    mock = {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow down"}}
    response = test_state(
        aws,
        definition=json.dumps(LAMBDA_TASK),
        input=json.dumps(ORDER),
        mock=mock,
        stateConfiguration={"retrierRetryCount": 4},
        inspectionLevel="DEBUG",
    )
    assert (response["status"], response["error"], response["cause"]) == (
        "RETRIABLE",
        "Lambda.TooManyRequestsException",
        "slow down",
    )
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 16}


def test_an_exhausted_retrier_hands_the_error_to_the_catcher(aws: EmbeddedAws) -> None:
    mock = {"errorOutput": {"error": "Lambda.TooManyRequestsException", "cause": "slow down"}}
    response = test_state(
        aws,
        definition=json.dumps(LAMBDA_TASK),
        input=json.dumps(ORDER),
        mock=mock,
        stateConfiguration={"retrierRetryCount": 5},
        inspectionLevel="DEBUG",
    )
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "HandleError")
    error = {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}
    assert json.loads(response["output"]) == {**ORDER, "error": error}
    assert response["inspectionData"]["errorDetails"]["catchIndex"] == 0


def test_the_first_catcher_whose_error_equals_matches_takes_the_error(aws: EmbeddedAws) -> None:
    # API, InspectionErrorDetails.catchIndex: "The array index of the Catch which handled the exception."
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"},
        "Catch": [
            {"ErrorEquals": ["States.Timeout"], "Next": "TimedOut"},
            {"ErrorEquals": ["States.ALL"], "Next": "Other"},
        ],
        "End": True,
    }
    for error, next_state, index in (("States.Timeout", "TimedOut", 0), ("OrderLost", "Other", 1)):
        response = test_state(
            aws,
            definition=json.dumps(task),
            mock={"errorOutput": {"error": error, "cause": "c"}},
            inspectionLevel="DEBUG",
        )
        assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", next_state)
        assert response["inspectionData"]["errorDetails"] == {"catchIndex": index}


def test_an_error_nothing_handles_fails_the_state(aws: EmbeddedAws) -> None:
    bare = {key: value for key, value in LAMBDA_TASK.items() if key not in ("Retry", "Catch")}
    response = test_state(aws, definition=json.dumps(bare), mock={"errorOutput": {"error": "Boom", "cause": "why"}})
    assert (response["status"], response["error"], response["cause"]) == ("FAILED", "Boom", "why")


MAP = {
    "Type": "Map",
    "ItemsPath": "$.Values",
    "ToleratedFailureCount": 1,
    "ItemProcessor": {"StartAt": "Handle", "States": {"Handle": {"Type": "Pass", "End": True}}},
    "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "HandleThreshold"}],
    "End": True,
}


def test_map_iteration_failures_within_tolerance_succeed_with_the_mocked_results(aws: EmbeddedAws) -> None:
    response = test_state(
        aws,
        definition=json.dumps(MAP),
        input='{"Values": ["first", "second", "third"]}',
        mock={"result": "[1, 1, 1]"},
        stateConfiguration={"mapIterationFailureCount": 1},
        inspectionLevel="DEBUG",
    )
    assert (response["status"], json.loads(response["output"])) == ("SUCCEEDED", [1, 1, 1])
    assert response["inspectionData"]["toleratedFailureCount"] == 1


def test_map_iteration_failures_past_tolerance_fail_the_map_and_its_catcher_takes_it(aws: EmbeddedAws) -> None:
    response = test_state(
        aws,
        definition=json.dumps(MAP),
        input='{"Values": ["first", "second", "third"]}',
        mock={"result": "[0, 0, 1]"},
        stateConfiguration={"mapIterationFailureCount": 2},
    )
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "HandleThreshold")
    assert response["error"] == "States.ExceedToleratedFailureThreshold"
    assert response["cause"] == "The specified tolerated failure threshold was exceeded"


def test_a_mocked_map_reports_none_of_its_item_steps(aws: EmbeddedAws) -> None:
    # A difference (ledger row "TestState of a mocked Map"): AWS also reports afterItemsPath and the other item steps.
    response = test_state(
        aws,
        definition=json.dumps(MAP),
        input='{"Values": ["first"]}',
        mock={"result": "[1]"},
        inspectionLevel="DEBUG",
    )
    assert response["inspectionData"]["maxConcurrency"] == 0
    assert "afterItemsPath" not in response["inspectionData"]


# --- unmocked: the real call under the given role -------------------------------------------------------------


def test_an_unmocked_task_calls_the_service_as_the_given_role_with_iam_enforced(aws: EmbeddedAws) -> None:
    queue_url = aws.client("sqs").create_queue(QueueName="orders")["QueueUrl"]
    send = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$"},
        "End": True,
    }
    allowed = create_role(aws, "states", policy("sqs:SendMessage"))
    response = test_state(aws, definition=json.dumps(send), roleArn=allowed, input=json.dumps(ORDER))
    assert response["status"] == "SUCCEEDED"
    assert "MessageId" in json.loads(response["output"])
    message = aws.client("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]
    assert json.loads(message["Body"]) == ORDER

    denied = create_role(aws, "states", policy("sqs:ReceiveMessage"))
    response = test_state(aws, definition=json.dumps(send), roleArn=denied, input=json.dumps(ORDER))
    assert response["status"] == "FAILED"
    assert "not authorized to perform: sqs:SendMessage" in response["cause"]


# --- validation errors (AWS's wording) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        (
            {"definition": json.dumps({"Type": "Pass", "End": True}), "mock": {"result": "{}"}},
            ("ValidationException", "State type 'Pass' is not supported when a mock is specified"),
        ),
        (
            {
                "definition": json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
                "stateName": "B",
            },
            ("ValidationException", "State not found in definition"),
        ),
        (
            {"definition": json.dumps(LAMBDA_TASK)},
            ("ValidationException", "RoleArn must be specified when testing a Task state"),
        ),
        (
            {"definition": json.dumps(LAMBDA_TASK), "mock": {"result": "{}", "errorOutput": {"error": "E"}}},
            ("ValidationException", "A test mock should have only one of the following fields: [result, errorOutput]."),
        ),
        (
            {"definition": json.dumps(LAMBDA_TASK), "mock": {"result": "{not json"}},
            ("ValidationException", "Mocked result must be valid JSON"),
        ),
        (
            {"definition": json.dumps(MAP), "mock": {"result": "{}"}},
            ("ValidationException", "Mocked result must be an array."),
        ),
        (
            {"definition": json.dumps(LAMBDA_TASK), "mock": {"result": "{}"}, "revealSecrets": True},
            ("ValidationException", "TestState does not support RevealSecrets when a mock is specified."),
        ),
        (
            {"definition": json.dumps(MAP)},
            (
                "InvalidDefinition",
                "TestState API does not support Map or Parallel states. Supported state types include: "
                "[Task, Wait, Pass, Succeed, Fail, Choice]",
            ),
        ),
    ],
    ids=[
        "mock-on-pass",
        "unknown-state-name",
        "task-without-role",
        "result-and-error",
        "result-not-json",
        "map-result-not-array",
        "reveal-secrets-with-mock",
        "unmocked-map",
    ],
)
def test_a_bad_request_is_refused_with_aws_wording(
    aws: EmbeddedAws, request_fields: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert refusal(aws, **request_fields) == expected


# --- clients: the "sync-" host prefix ---------------------------------------------------------------------------


def test_the_sandbox_clients_do_not_prefix_the_host(aws: EmbeddedAws) -> None:
    assert aws.client("stepfunctions").meta.config.inject_host_prefix is False
    assert aws.client("stepfunctions", config=Config(read_timeout=5)).meta.config.inject_host_prefix is False


class _Sent(Exception):
    """Raised by a hook in place of sending: carries the URL botocore would have called."""


def _teams_client(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A team's own boto3 client, configured only by the environment (AWS_ENDPOINT_URL and a key)."""
    creds = aws.operator_credentials
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)
    return boto3.session.Session().client("stepfunctions")


def test_botocore_prefixes_the_endpoint_host_with_sync_for_test_state(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why a team needs the setting: botocore's model gives TestState the endpoint hostPrefix "sync-", and it applies
    # it to AWS_ENDPOINT_URL too. The request is stopped before it is sent (nothing resolves sync-127.0.0.1).
    client = _teams_client(aws, monkeypatch)

    def stop(request: Any, **_: Any) -> None:
        raise _Sent(request.url)

    client.meta.events.register("before-send.sfn.TestState", stop)
    with pytest.raises(_Sent) as sent:
        client.test_state(definition=json.dumps({"Type": "Pass", "End": True}))
    assert str(sent.value).startswith(aws.endpoint_url.replace("://", "://sync-"))


def test_a_teams_own_boto3_works_with_the_documented_environment(
    aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore reads AWS_DISABLE_HOST_PREFIX_INJECTION (config file: disable_host_prefix_injection); the README says so.
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    client = _teams_client(aws, monkeypatch)
    assert client.test_state(definition=json.dumps({"Type": "Pass", "End": True}))["status"] == "SUCCEEDED"
