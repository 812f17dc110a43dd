"""`Sandbox.test_state`: one named state of a deployed state machine, run by TestState with its own definition and role.

Expected values follow AWS's TestState guide (https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html)
and API reference (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html): a mock calls
nothing; without one, the state calls the real function under the role, with IAM enforced.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.embedded import create_role, policy
from tools.sandbox.session import Sandbox
from tools.sandbox.test_state_client import test_deployed_state

MACHINE = "lambdaIteratorStateMachineArn"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(overrides={"workflows": "lambda-iterator"}) as deployed:
        yield deployed


def test_an_unmocked_task_runs_the_deployed_function_and_names_the_next_state(sandbox: Sandbox) -> None:
    before = len(sandbox.runtime.invocations())
    response = sandbox.test_state(MACHINE, "GetIterationCount", input={"iterations": 3})
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "LoopCompleted?")
    assert json.loads(response["output"]) == {"counter": 3}
    assert len(sandbox.runtime.invocations()) == before + 1


def test_a_mocked_task_runs_no_lambda(sandbox: Sandbox) -> None:
    before = len(sandbox.runtime.invocations())
    response = sandbox.test_state(
        MACHINE,
        "ProcessIteration",
        input={"counter": 2},
        mock={"result": {"StatusCode": 200, "Payload": {"counter": 1}}},
        inspection_level="DEBUG",
    )
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "LoopCompleted?")
    assert json.loads(response["output"]) == {"counter": 1}
    assert json.loads(response["inspectionData"]["afterParameters"])["Payload"] == {"counter": 2}
    assert len(sandbox.runtime.invocations()) == before


def test_the_choice_ends_the_loop_at_counter_zero(sandbox: Sandbox) -> None:
    assert sandbox.test_state(MACHINE, "LoopCompleted?", input={"counter": 0})["nextState"] == "Finish"
    assert sandbox.test_state(MACHINE, "LoopCompleted?", input={"counter": 2})["nextState"] == "ProcessIteration"


def test_a_transient_lambda_error_is_retriable_with_the_definitions_backoff(sandbox: Sandbox) -> None:
    definition = json.loads(
        sandbox.client("stepfunctions").describe_state_machine(stateMachineArn=sandbox.outputs[MACHINE])["definition"]
    )
    retrier = definition["States"]["GetIterationCount"]["Retry"][0]
    response = sandbox.test_state(
        MACHINE,
        "GetIterationCount",
        input={"iterations": 3},
        mock={"errorOutput": {"error": "Lambda.ServiceException", "cause": "try again"}},
        state_configuration={"retrierRetryCount": 2},
        inspection_level="DEBUG",
    )
    assert response["status"] == "RETRIABLE"
    expected = int(retrier["IntervalSeconds"] * retrier["BackoffRate"] ** 2)
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": expected}


def test_a_role_without_lambda_invoke_function_is_denied_as_aws_denies_it(sandbox: Sandbox) -> None:
    sfn = sandbox.client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=sandbox.outputs[MACHINE])
    no_invoke = create_role(sandbox.aws, "states", policy("lambda:GetFunction"))
    request = {
        "definition": machine["definition"],
        "roleArn": no_invoke,
        "stateName": "GetIterationCount",
        "input": '{"iterations": 3}',
    }
    before = len(sandbox.runtime.invocations())
    # AWS's AccessDeniedException reaches the task as Lambda.AWSLambdaException, one of the transient errors the
    # state's Retry names: a first attempt is RETRIABLE; once its attempts are used, the Catch takes it.
    response = sfn.test_state(**request)
    assert (response["status"], response["error"]) == ("RETRIABLE", "Lambda.AWSLambdaException")
    assert "not authorized to perform: lambda:InvokeFunction" in response["cause"]
    assert "Error Code: AccessDeniedException" in response["cause"]
    attempts = json.loads(machine["definition"])["States"]["GetIterationCount"]["Retry"][0]["MaxAttempts"]
    response = sfn.test_state(**request, stateConfiguration={"retrierRetryCount": attempts})
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "CountFailed")
    assert len(sandbox.runtime.invocations()) == before  # the function never ran


def test_the_client_helper_refuses_a_state_the_definition_lacks(sandbox: Sandbox) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="State not found in definition"):
        test_deployed_state(sandbox.client("stepfunctions"), sandbox.outputs[MACHINE], "NoSuchState")


def test_the_sandbox_pages_test_state_example_runs(sandbox: Sandbox) -> None:
    """docs/sandbox.md includes examples/test-state/process_iteration.py's function; here it runs."""
    path = Path(__file__).parents[2] / "examples" / "test-state" / "process_iteration.py"
    page = (Path(__file__).parents[2] / "docs" / "sandbox.md").read_text()
    assert "<!-- include examples/test-state/process_iteration.py#check_process_iteration_counts_down -->" in page
    spec = importlib.util.spec_from_file_location("process_iteration", path)
    assert spec and spec.loader
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.check_process_iteration_counts_down(sandbox)
