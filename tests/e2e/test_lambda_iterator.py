"""LambdaIterator's walkthrough in the sandbox: a Lambda run `iterations` times, and the counts it refuses."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from components.config import LAMBDA_ITERATOR_HISTORY
from tools.sandbox.scenarios import GET_COUNT_FUNCTION, PROCESS_ITERATION_FUNCTION, SCENARIOS, calls_of, run_scenario
from tools.sandbox.session import ExecutionReport, Sandbox
from tools.sandbox.workflows import WORKFLOWS

pytestmark = pytest.mark.e2e
WORKFLOW = WORKFLOWS["lambda-iterator"]


def execute(sandbox: Sandbox, payload: Any) -> ExecutionReport:
    """One execution with its own name: the sandbox's moto names every unnamed execution `None`, so a second
    unnamed execution of the same state machine is refused as ExecutionAlreadyExists."""
    document = json.dumps(payload)
    execution_arn = sandbox.client("stepfunctions").start_execution(
        stateMachineArn=sandbox.outputs[WORKFLOW.state_machine_output], name=uuid.uuid4().hex, input=document
    )["executionArn"]
    return sandbox.follow(WORKFLOW.name, execution_arn, payload)


def scenario(name: str):
    return next(s for s in SCENARIOS if s.name == name)


@pytest.fixture(scope="module")
def max_three() -> Iterator[Sandbox]:
    """The program with maxIterations 3."""
    with Sandbox(overrides={"workflows": "lambda-iterator", "maxIterations": "3"}) as sandbox:
        yield sandbox


def test_iterations_5_runs_the_process_lambda_exactly_5_times_then_succeeds():
    report, outcome = run_scenario(scenario("lambda-iterator: iterations 5"))
    assert outcome.passed, outcome.observed
    assert [c.event for c in calls_of(report, GET_COUNT_FUNCTION)] == [{"iterations": 5}]
    processed = calls_of(report, PROCESS_ITERATION_FUNCTION)
    assert [c.event for c in processed] == [{"counter": n} for n in (5, 4, 3, 2, 1)]
    assert [c.result for c in processed] == [{"counter": n} for n in (4, 3, 2, 1, 0)]
    assert report.output == {"counter": 0}


def test_iterations_0_succeeds_without_processing():
    report, outcome = run_scenario(scenario("lambda-iterator: iterations 0"))
    assert outcome.passed, outcome.observed
    assert calls_of(report, PROCESS_ITERATION_FUNCTION) == []
    assert report.state_transitions == 3, "GetIterationCount, LoopCompleted?, Finish"


def test_iterations_minus_one_fails_with_invalid_input_naming_iterations():
    report, outcome = run_scenario(scenario("lambda-iterator: iterations -1"))
    assert outcome.passed, outcome.observed
    assert report.cause == "iterations: -1 is negative; use 0..1000"


def test_iterations_ten_as_a_word_fails_with_invalid_input_naming_iterations():
    report, outcome = run_scenario(scenario('lambda-iterator: iterations "ten"'))
    assert outcome.passed, outcome.observed
    assert report.cause == "iterations: expected a whole number 0..1000, got 'ten'"


def test_history_grows_by_the_events_per_iteration_the_config_budgets_for(max_three: Sandbox):
    counts = {}
    for iterations in (0, 3):
        report = execute(max_three, {"iterations": iterations})
        assert report.status == "SUCCEEDED"
        counts[iterations] = len(max_three.history(report.execution_arn))
    budget = LAMBDA_ITERATOR_HISTORY
    assert counts == {0: budget.fixed_events, 3: budget.fixed_events + 3 * budget.events_per_turn}


def test_iterations_up_to_max_iterations_run(max_three: Sandbox):
    report = execute(max_three, {"iterations": 3})
    assert report.status == "SUCCEEDED"
    assert len(calls_of(report, PROCESS_ITERATION_FUNCTION)) == 3


@pytest.mark.parametrize(
    ("payload", "cause"),
    [
        ({"iterations": 4}, "iterations: 4 is above the limit of 3 (config maxIterations); use 0..3"),
        ({"iterations": 2.5}, "iterations: expected a whole number 0..3, got 2.5"),
        ({"iterations": None}, "iterations: expected a whole number 0..3, got None"),
        ({}, "iterations: missing; give a whole number 0..3"),
        ([3], 'event: expected a JSON object like {"iterations": 5}, got list'),
    ],
    ids=["above-max-iterations", "fraction", "null", "missing", "not-an-object"],
)
def test_a_count_the_loop_cannot_run_fails_with_invalid_input_before_any_processing(
    max_three: Sandbox, payload: Any, cause: str
):
    report = execute(max_three, payload)
    assert (report.status, report.error, report.cause) == ("FAILED", "InvalidInput", cause)
    assert calls_of(report, PROCESS_ITERATION_FUNCTION) == []
