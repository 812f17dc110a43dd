"""LambdaIterator under Pulumi mocks: the tutorial's Choice loop, its bound on iterations, its config, its IAM."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import policies
from components.config import HISTORY_EVENT_LIMIT, LAMBDA_ITERATOR_HISTORY, ConfigError, load_settings
from components.lambda_iterator import definition
from tests.support import inventory
from tests.support.history import history_events
from tools.program import ProgramRun, RegisteredResource

GET_COUNT_ARN = "arn:aws:lambda:us-east-1:123456789012:function:get-count"
PROCESS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:process"


def _definition() -> dict[str, Any]:
    return definition(get_count_fn_arn=GET_COUNT_ARN, process_fn_arn=PROCESS_ARN)


def _child(run: ProgramRun, type_: str, name: str) -> RegisteredResource:
    return inventory.one([r for r in run.of_type(type_) if r.name == name], name)


def _grants(run: ProgramRun, role_owner: RegisteredResource, role_input: str) -> set[tuple[str, str]]:
    """(action, resource) pairs a role's policies allow, leaving out its own logs and the `*`-only actions."""
    role = inventory.role_of(run, role_owner, role_input)
    return {
        (action, resource)
        for document in inventory.role_policy_documents(run, role).values()
        for statement in document["Statement"]
        if statement["Sid"] != "OwnLogGroup"
        for action in statement["Action"]
        if action not in policies.WILDCARD_RESOURCE_ACTIONS
        for resource in statement["Resource"]
    }


def _iterations_run_events(iterations: int, *, with_retries: bool = True) -> int:
    """History events of a run with `iterations`: the Choice sends it to the process Lambda that many times
    (with every Retry taken, unless `with_retries` is false)."""
    return history_events(
        _definition(),
        lambda _, entered: "ProcessIteration" if entered <= iterations else "Finish",
        with_retries=with_retries,
    )


# The tutorial's loop


def test_get_count_then_loop_completed_choice_as_in_the_tutorial():
    document = _definition()
    states = document["States"]
    assert document["StartAt"] == "GetIterationCount"
    assert states["GetIterationCount"]["Parameters"] == {"FunctionName": GET_COUNT_ARN, "Payload.$": "$"}
    assert states["GetIterationCount"]["OutputPath"] == "$.Payload"
    assert states["GetIterationCount"]["Next"] == "LoopCompleted?"


def test_counter_zero_finishes_and_counter_above_zero_processes_then_loops_back():
    states = _definition()["States"]
    assert states["LoopCompleted?"]["Choices"] == [
        {"Variable": "$.counter", "NumericEquals": 0, "Next": "Finish"},
        {"Variable": "$.counter", "NumericGreaterThan": 0, "Next": "ProcessIteration"},
    ]
    assert states["Finish"] == {"Type": "Succeed"}
    process = states["ProcessIteration"]
    assert process["Parameters"] == {"FunctionName": PROCESS_ARN, "Payload.$": "$"}
    assert (process["OutputPath"], process["Next"]) == ("$.Payload", "LoopCompleted?")


def test_a_bad_iteration_count_is_caught_and_fails_with_invalid_input_and_the_handlers_message():
    states = _definition()["States"]
    catch, other = states["GetIterationCount"]["Catch"]
    assert (catch["ErrorEquals"], catch["ResultPath"]) == (["InvalidInput"], "$"), "any input, even a list"
    explain = states[catch["Next"]]
    assert explain["Parameters"] == {"error.$": "States.StringToJson($.Cause)"}
    assert states[explain["Next"]] == {"Type": "Fail", "Error": "InvalidInput", "CausePath": "$.error.errorMessage"}
    assert (other["ErrorEquals"], other["Next"]) == (["States.ALL"], "CountFailed"), "after InvalidInput"


def test_a_process_failure_is_not_caught_as_invalid_input_but_fails_with_iteration_failed_naming_the_counter():
    states = _definition()["States"]
    [catch] = states["ProcessIteration"]["Catch"]
    assert (catch["ErrorEquals"], catch["ResultPath"], catch["Next"]) == (["States.ALL"], "$.error", "IterationFailed")
    assert states["IterationFailed"] == {
        "Type": "Fail",
        "Error": "IterationFailed",
        "CausePath": "States.Format('the iteration at counter {} failed: {}: {}', $.counter, $.error.Error, "
        "$.error.Cause)",
    }


def test_the_process_lambda_retries_transient_errors_twice_and_the_count_lambda_six_times():
    states = _definition()["States"]
    [loop_retry] = states["ProcessIteration"]["Retry"]
    [count_retry] = states["GetIterationCount"]["Retry"]
    assert "Lambda.TooManyRequestsException" in loop_retry["ErrorEquals"]
    assert (loop_retry["MaxAttempts"], count_retry["MaxAttempts"]) == (2, 6)


# The history bound


def test_each_iteration_adds_the_history_events_the_config_budgets_for():
    per_iteration = _iterations_run_events(6) - _iterations_run_events(5)
    assert per_iteration == LAMBDA_ITERATOR_HISTORY.worst_events_per_turn == 13, "7, and 2 retries of 3"
    assert _iterations_run_events(0) == LAMBDA_ITERATOR_HISTORY.worst_fixed_events == 29, "11, and 6 retries of 3"
    without_retries = _iterations_run_events(6, with_retries=False) - _iterations_run_events(5, with_retries=False)
    assert without_retries == LAMBDA_ITERATOR_HISTORY.events_per_turn == 7
    assert _iterations_run_events(0, with_retries=False) == LAMBDA_ITERATOR_HISTORY.fixed_events == 11


def test_the_largest_max_iterations_keeps_the_longest_run_under_the_history_limit():
    most = LAMBDA_ITERATOR_HISTORY.max_turns
    assert _iterations_run_events(most) < HISTORY_EVENT_LIMIT <= _iterations_run_events(most + 1)
    assert load_settings({"maxIterations": str(most)}).lambda_iterator.max_iterations == most


def test_the_default_max_iterations_is_1000_well_inside_the_bound():
    assert load_settings({}).lambda_iterator.max_iterations == 1000
    assert _iterations_run_events(1000, with_retries=False) == 7011
    assert _iterations_run_events(1000) == 13029


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1921", ["1..1920", "7 (13 if every Retry is taken) history events", "Choice 2 + process Task 5", "25,000"]),
        ("1000000", ["1..1920", "25,000"]),
        ("0", ["1..1920"]),
        ("-1", ["1..1920"]),
        ("ten", ["whole number", "1..1920"]),
    ],
)
def test_an_invalid_max_iterations_is_refused_naming_the_key_the_range_and_why(value: str, expected: list[str]):
    with pytest.raises(ConfigError) as refused:
        load_settings({"maxIterations": value})
    assert refused.value.key == "maxIterations" and "'maxIterations'" in str(refused.value)
    for fragment in expected:
        assert fragment in str(refused.value), str(refused.value)


# Resources and IAM


def test_lambda_iterator_outputs_name_its_state_machine(program: ProgramRun):
    machine = inventory.by_arn(program, inventory.STATE_MACHINE, program.outputs["lambdaIteratorStateMachineArn"])
    assert inventory.physical_name(machine) == program.outputs["lambdaIteratorStateMachineName"]
    owner = inventory.by_urn(program, machine.parent)
    assert owner is not None and owner.parent
    component = inventory.by_urn(program, owner.parent)
    assert component is not None and component.type == "sfn-patterns:index:LambdaIterator"


def test_max_iterations_reaches_the_get_count_function(run_with):
    function = _child(run_with(maxIterations="50"), inventory.FUNCTION, "lambda-iterator-get-count-function")
    assert function.inputs["environment"]["variables"] == {"MAX_ITERATIONS": "50"}


def test_the_dev_stack_lets_get_count_accept_up_to_1000(program: ProgramRun):
    function = _child(program, inventory.FUNCTION, "lambda-iterator-get-count-function")
    assert function.inputs["environment"]["variables"] == {"MAX_ITERATIONS": "1000"}


def test_the_iterator_functions_may_do_nothing_but_log_and_trace(program: ProgramRun):
    for name in ("get-count", "process-iteration"):
        function = _child(program, inventory.FUNCTION, f"lambda-iterator-{name}-function")
        assert _grants(program, function, "role") == set(), name


def test_the_state_machine_may_only_invoke_the_get_count_and_process_functions(program: ProgramRun):
    machine = inventory.by_arn(program, inventory.STATE_MACHINE, program.outputs["lambdaIteratorStateMachineArn"])
    functions = [
        inventory.arn(_child(program, inventory.FUNCTION, f"lambda-iterator-{name}-function"))
        for name in ("get-count", "process-iteration")
    ]
    assert _grants(program, machine, "roleArn") == {("lambda:InvokeFunction", arn) for arn in functions}
    assert json.loads(machine.inputs["definition"]) == definition(
        get_count_fn_arn=functions[0], process_fn_arn=functions[1]
    )
