"""A Standard execution's 25,000 history events and an Express execution's 5 minutes, as AWS holds them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.support.embedded import create_role, create_state_machine, policy, wait
from tools.sandbox import quotas as q
from tools.sandbox.aws import ACCOUNT_ID, REGION, EmbeddedAws


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        yield embedded


def counted_loop(iterations: int) -> dict:
    """A Pass and a Choice per turn (4 events), `iterations` turns, then Succeed: 4 * iterations + 4 events."""
    return {
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"left.$": "States.MathAdd($.left, -1)"},
                "Next": "More?",
            },
            "More?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.left", "NumericGreaterThan": 0, "Next": "Count"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def _events(aws: EmbeddedAws, execution_arn: str) -> list[dict]:
    sfn, events, token = aws.client("stepfunctions"), [], None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def _run(aws: EmbeddedAws, arn: str, document: dict) -> tuple[dict, list[dict]]:
    """The execution's description and its last two events, newest first (event ids count from 1, so the first
    one's id is the length of the history)."""
    execution_arn = aws.client("stepfunctions").start_execution(
        stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(document)
    )["executionArn"]
    described = wait(aws, execution_arn, timeout_seconds=300)
    return described, _history(execution_arn)[::-1][:2]


def _history(execution_arn: str) -> list[dict]:
    """The history from the embedded AWS's own objects: its GetExecutionHistory answers every event at once
    (reverseOrder and maxResults are ignored, see the ledger), which for 25,000 events takes seconds."""
    from moto.stepfunctions.responses import get_backend

    execution = get_backend(ACCOUNT_ID, REGION).describe_execution(execution_arn)
    return list(execution.to_history_output()["events"])


def test_the_events_of_the_counted_loop_are_four_per_turn_and_four_more(aws):
    described, last = _run(aws, create_state_machine(aws, counted_loop(0)), {"left": 3})
    events = _events(aws, described["executionArn"])
    assert described["status"] == "SUCCEEDED" and len(events) == 4 * 3 + 4
    assert [event["id"] for event in events] == list(range(1, 17))
    assert [event["id"] for event in last] == [16, 15] and last[0]["type"] == events[-1]["type"]


@pytest.mark.parametrize("limit", [400, q.STATES_HISTORY_EVENTS], ids=["scaled to 400", "25,000"])
def test_a_standard_execution_of_the_limit_in_events_succeeds_and_one_more_turn_fails_with_states_runtime(
    aws, monkeypatch, limit
):
    """At 25,000 only the execution over it runs (about 10 s); the scaled limit, which the sandbox reads at each
    execution, proves both sides cheaply."""
    monkeypatch.setattr(q, "STATES_HISTORY_EVENTS", limit)
    arn = create_state_machine(aws, counted_loop(0))
    turns = (limit - 4) // 4  # exactly `limit` events, the last ExecutionSucceeded
    if limit < 1000:
        fits, last = _run(aws, arn, {"left": turns})
        assert fits["status"] == "SUCCEEDED" and (last[0]["type"], last[0]["id"]) == ("ExecutionSucceeded", limit)
    over, last = _run(aws, arn, {"left": turns + 1})
    assert (over["status"], over["error"]) == ("FAILED", "States.Runtime")
    assert over["cause"] == f"The execution reached the maximum number of history events ({limit})."
    assert (last[0]["type"], last[0]["id"]) == ("ExecutionFailed", limit), "event `limit` is the failure"
    assert (last[1]["type"], last[1]["id"]) == ("PassStateExited", limit - 1), "the last the definition made"


def test_an_express_execution_has_no_history_limit(aws, monkeypatch):
    role = create_role(aws, "states", policy("states:StartExecution"))
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"express-{uuid.uuid4().hex[:8]}", definition=json.dumps(counted_loop(0)), roleArn=role, type="EXPRESS"
    )["stateMachineArn"]
    monkeypatch.setattr(q, "STATES_HISTORY_EVENTS", 400)
    described, last = _run(aws, arn, {"left": 200})
    assert described["status"] == "SUCCEEDED" and last[0]["id"] == 4 * 200 + 4


WAIT = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "SecondsPath": "$.seconds", "End": True}}}


@pytest.mark.parametrize("typ", ["EXPRESS", "STANDARD"])
def test_an_express_execution_past_its_duration_limit_times_out_and_a_standard_one_does_not(aws, monkeypatch, typ):
    """The 5-minute limit, shortened to 2 s so that the test takes seconds (the code reads it at each execution)."""
    monkeypatch.setattr(q, "EXPRESS_DURATION_SECONDS", 2)
    role = create_role(aws, "states", policy("states:StartExecution"))
    arn = aws.client("stepfunctions").create_state_machine(
        name=f"wait-{uuid.uuid4().hex[:8]}", definition=json.dumps(WAIT), roleArn=role, type=typ
    )["stateMachineArn"]
    within, _ = _run(aws, arn, {"seconds": 1})
    past, last = _run(aws, arn, {"seconds": 4})
    assert within["status"] == "SUCCEEDED"
    if typ == "EXPRESS":
        assert past["status"] == "TIMED_OUT" and last[0]["type"] == "ExecutionTimedOut"
    else:
        assert past["status"] == "SUCCEEDED"


def test_the_patch_points_of_the_execution_limits_are_still_where_moto_has_them():
    """execution_limits patches these; a moto upgrade that moves them must fail here, not silently. (The module
    fixture's embedded AWS has them patched, so the modules' sources are read.)"""
    import inspect

    import moto.stepfunctions.models as models
    import moto.stepfunctions.parser.asl.component.program.program as program
    import moto.stepfunctions.parser.asl.eval.event.event_manager as event_manager

    assert 'self.sm_type = "STANDARD"  # or express' in inspect.getsource(models), "moto still hard-codes it"
    manager_source = inspect.getsource(event_manager)
    assert (
        "    def add_event(\n        self,\n        context: EventHistoryContext,\n        event_type:"
        in manager_source
    )
    assert "event_id: int = self._event_id_gen.get()" in manager_source and "self._next_id = 1" in manager_source
    program_source = inspect.getsource(program)
    assert "timeout = self.timeout_seconds.timeout_seconds if self.timeout_seconds else None" in program_source
