"""tools/watch against a stubbed Step Functions: what the plain output says as an execution's history grows."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from tools.watch import ExecutionProgress, PlainDisplay, RichDisplay, Watcher, display_for, follow
from tools.watch.cli import region_of

EXECUTION_ARN = "arn:aws:states:eu-west-1:123456789012:execution:map-fan-out-state-machine:run-1"
STARTED = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
Event = dict[str, Any]


def event(event_id: int, previous: int, kind: str, **details: Any) -> Event:
    """A history event as GetExecutionHistory returns it, with its one `...EventDetails` field."""
    key = "stateEnteredEventDetails" if kind.endswith("StateEntered") else kind[0].lower() + kind[1:] + "EventDetails"
    found: Event = {"id": event_id, "previousEventId": previous, "type": kind, "timestamp": STARTED}
    return {**found, key: details} if details else found


def lambda_cause(message: str, error_type: str = "ValueError") -> str:
    return json.dumps({"errorMessage": message, "errorType": error_type, "stackTrace": ["  File handler.py"]})


class StubStepFunctions:
    """An execution that moves one step per DescribeExecution: (status, how many of `events` its history holds)."""

    def __init__(
        self,
        events: list[Event],
        steps: list[tuple[str, int]],
        *,
        page_size: int = 1000,
        ending: dict[str, str] | None = None,
        map_runs: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.events, self.steps, self.page_size = events, steps, page_size
        self.ending = ending or {}
        self.map_runs = map_runs or {}
        self.step = -1
        self.history_calls: list[dict[str, Any]] = []

    def describe_execution(self, executionArn: str) -> dict[str, Any]:  # noqa: N803 - boto3's argument name
        self.step = min(self.step + 1, len(self.steps) - 1)
        status, _ = self.steps[self.step]
        description = {"executionArn": executionArn, "name": "run-1", "status": status, "startDate": STARTED}
        if status != "RUNNING":
            description |= {"stopDate": STARTED + timedelta(seconds=4.5), **self.ending}
        return description

    def get_execution_history(self, **request: Any) -> dict[str, Any]:
        self.history_calls.append(request)
        visible = self.events[: self.steps[max(self.step, 0)][1]]
        ordered = visible[::-1] if request.get("reverseOrder") else visible
        start = int(request.get("nextToken") or 0)
        page: dict[str, Any] = {"events": ordered[start : start + self.page_size]}
        if start + self.page_size < len(ordered):
            page["nextToken"] = str(start + self.page_size)
        return page

    def describe_map_run(self, mapRunArn: str) -> dict[str, Any]:  # noqa: N803
        runs = self.map_runs[mapRunArn]
        return runs.pop(0) if len(runs) > 1 else runs[0]


#: A Map over 10 items: two iterations succeed, the third one's Lambda fails, and with it the execution.
MAP_EVENTS = [
    event(1, 0, "ExecutionStarted"),
    event(2, 1, "MapStateEntered", name="ProcessItems"),
    event(3, 2, "MapStateStarted", length=10),
    event(4, 3, "MapIterationStarted", name="ProcessItems", index=0),
    event(5, 4, "TaskStateEntered", name="LogItem"),
    event(6, 3, "MapIterationStarted", name="ProcessItems", index=1),
    event(7, 6, "TaskStateEntered", name="LogItem"),
    event(8, 5, "MapIterationSucceeded", name="ProcessItems", index=0),
    event(9, 7, "MapIterationSucceeded", name="ProcessItems", index=1),
    event(10, 3, "MapIterationStarted", name="ProcessItems", index=2),
    event(11, 10, "TaskStateEntered", name="LogItem"),
    event(12, 11, "TaskFailed", resourceType="lambda", resource="invoke", error="ValueError",
          cause=lambda_cause("item 2 has no topic")),
    event(13, 12, "MapIterationFailed", name="ProcessItems", index=2),
    event(14, 13, "MapStateFailed"),
    event(15, 14, "ExecutionFailed", error="ValueError", cause=lambda_cause("item 2 has no topic")),
]  # fmt: skip
MAP_ENDING = {"error": "ValueError", "cause": lambda_cause("item 2 has no topic")}

#: A list read, a Choice, and the Fail the tutorial's missing list ends in.
LIST_NOT_FOUND_CAUSE = "table lists has no item listName='default' with a list 'items'; load one with tools/load_ddb.py"
CHOICE_EVENTS = [
    event(1, 0, "ExecutionStarted"),
    event(2, 1, "TaskStateEntered", name="ReadList"),
    event(3, 2, "TaskScheduled", resourceType="dynamodb", resource="getItem"),
    event(4, 3, "TaskSucceeded", resourceType="dynamodb", resource="getItem", output="{}"),
    event(5, 4, "TaskStateExited", name="ReadList"),
    event(6, 5, "ChoiceStateEntered", name="ListFound"),
    event(7, 6, "ChoiceStateExited", name="ListFound"),
    event(8, 7, "FailStateEntered", name="ListNotFound"),
    event(9, 8, "ExecutionFailed", error="ListNotFound", cause=LIST_NOT_FOUND_CAUSE),
]


def plain_lines(stub: StubStepFunctions) -> list[str]:
    output = io.StringIO()
    follow(stub, EXECUTION_ARN, PlainDisplay(output), poll_seconds=0)  # type: ignore[arg-type]
    return output.getvalue().splitlines()


def test_plain_output_has_a_line_per_state_entered_then_the_summary():
    stub = StubStepFunctions(
        CHOICE_EVENTS, [("RUNNING", 2), ("RUNNING", 6), ("FAILED", 9)], ending={"error": "ListNotFound"}
    )
    assert plain_lines(stub) == [
        "state ReadList",
        "state ListFound",
        "state ListNotFound",
        "FAILED in 4.50 s, 3 state transitions",
        "error: ListNotFound",
        f"cause: {LIST_NOT_FOUND_CAUSE}",  # DescribeExecution had none: the history's last event has it
    ]


def test_map_progress_counts_done_and_failed_iterations_as_they_end():
    stub = StubStepFunctions(MAP_EVENTS, [("RUNNING", 7), ("RUNNING", 9), ("FAILED", 15)], ending=MAP_ENDING)
    lines = plain_lines(stub)
    progress = [line for line in lines if line.startswith("map ")]
    assert progress == [
        "map ProcessItems: 0/10 done, 0 failed",
        "map ProcessItems: 2/10 done, 0 failed",
        "map ProcessItems: 3/10 done, 1 failed",
    ]


def test_a_state_inside_a_map_iteration_names_the_iteration():
    stub = StubStepFunctions(MAP_EVENTS, [("FAILED", 15)], ending=MAP_ENDING)
    states = [line for line in plain_lines(stub) if line.startswith("state ")]
    assert states == [
        "state ProcessItems",
        "state LogItem (ProcessItems #0)",
        "state LogItem (ProcessItems #1)",
        "state LogItem (ProcessItems #2)",
    ]


def test_an_iteration_started_after_a_sibling_ended_is_not_drawn_inside_it():
    progress = ExecutionProgress()
    progress.apply(MAP_EVENTS[:5])  # iteration 0 entered LogItem
    # With MaxConcurrency 1, the next iteration's start follows the last event of the one before.
    notices = progress.apply(
        [
            event(6, 5, "TaskStateExited", name="LogItem"),
            event(7, 6, "MapIterationStarted", name="ProcessItems", index=1),
            event(8, 7, "TaskStateEntered", name="LogItem"),
        ]
    )
    assert [notice.text for notice in notices] == ["state LogItem (ProcessItems #1)"]


def test_a_lambda_failure_is_shown_when_it_happens_with_its_state_and_message():
    stub = StubStepFunctions(MAP_EVENTS, [("RUNNING", 11), ("RUNNING", 12), ("FAILED", 15)], ending=MAP_ENDING)
    lines = plain_lines(stub)
    failure = "Lambda failed in LogItem (ProcessItems #2): ValueError: item 2 has no topic"
    assert failure in lines
    assert lines.index(failure) < lines.index("map ProcessItems: 3/10 done, 1 failed"), "before the Map's end"


def test_legacy_lambda_function_failed_events_are_lambda_failures_too():
    progress = ExecutionProgress()
    notices = progress.apply(
        [
            event(1, 0, "ExecutionStarted"),
            event(2, 1, "TaskStateEntered", name="Charge"),
            event(3, 2, "LambdaFunctionFailed", error="States.Timeout", cause="the function timed out"),
        ]
    )
    assert [notice.text for notice in notices] == [
        "state Charge",
        "Lambda failed in Charge: States.Timeout: the function timed out",
    ]


def test_summary_of_a_failed_execution_has_status_duration_transitions_error_and_cause():
    stub = StubStepFunctions(MAP_EVENTS, [("RUNNING", 4), ("FAILED", 15)], ending=MAP_ENDING)
    summary = follow(stub, EXECUTION_ARN, PlainDisplay(io.StringIO()), poll_seconds=0)  # type: ignore[arg-type]
    assert (summary.status, summary.duration_seconds, summary.transitions) == ("FAILED", 4.5, 4)
    assert summary.error == "ValueError" and "item 2 has no topic" in (summary.cause or "")
    assert summary.lines()[0] == "FAILED in 4.50 s, 4 state transitions"


def test_each_event_is_shown_once_however_often_the_history_is_read():
    stub = StubStepFunctions(CHOICE_EVENTS, [("RUNNING", 2), ("RUNNING", 2), ("RUNNING", 6), ("FAILED", 9)])
    lines = plain_lines(stub)
    assert lines.count("state ReadList") == 1 and lines.count("state ListFound") == 1


def test_history_is_read_newest_first_and_only_until_an_event_already_seen():
    stub = StubStepFunctions(MAP_EVENTS, [("RUNNING", 9), ("FAILED", 15)], page_size=4, ending=MAP_ENDING)
    watcher = Watcher(stub, EXECUTION_ARN, PlainDisplay(io.StringIO()), poll_seconds=0)  # type: ignore[arg-type]
    watcher.poll()
    assert len(stub.history_calls) == 3, "9 events in pages of 4"
    assert all(call["reverseOrder"] for call in stub.history_calls)
    stub.history_calls.clear()
    watcher.poll()
    assert len(stub.history_calls) == 2, "6 new events: the second page reaches event 9, already read"
    assert watcher.progress.last_event_id == 15 and watcher.progress.transitions == 4


def test_distributed_map_progress_comes_from_its_map_run():
    run_arn = "arn:aws:states:eu-west-1:123456789012:mapRun:image-downloader/DownloadDistributed:1"
    events = [
        event(1, 0, "ExecutionStarted"),
        event(2, 1, "MapStateEntered", name="DownloadDistributed"),
        event(3, 2, "MapRunStarted", mapRunArn=run_arn),
        event(4, 3, "MapRunSucceeded"),
        event(5, 4, "MapStateExited", name="DownloadDistributed"),
        event(6, 5, "ExecutionSucceeded"),
    ]
    counts = {"total": 4, "succeeded": 1, "failed": 0, "timedOut": 0, "aborted": 0}
    map_runs = {
        run_arn: [
            {"status": "RUNNING", "itemCounts": counts},
            {"status": "SUCCEEDED", "itemCounts": {**counts, "succeeded": 3, "timedOut": 1}},
        ]
    }
    stub = StubStepFunctions(events, [("RUNNING", 3), ("SUCCEEDED", 6)], map_runs=map_runs)
    progress = [line for line in plain_lines(stub) if line.startswith("map ")]
    assert progress == ["map DownloadDistributed: 1/4 done, 0 failed", "map DownloadDistributed: 4/4 done, 1 failed"]


def test_a_terminal_gets_the_live_view_and_a_pipe_gets_plain_lines():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(display_for(Terminal()), RichDisplay)
    assert isinstance(display_for(io.StringIO()), PlainDisplay)


def test_live_view_shows_map_bars_and_failures_and_ends_with_the_summary():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    stub = StubStepFunctions(MAP_EVENTS, [("RUNNING", 7), ("RUNNING", 12), ("FAILED", 15)], ending=MAP_ENDING)
    summary = follow(stub, EXECUTION_ARN, RichDisplay(console), poll_seconds=0)  # type: ignore[arg-type]
    shown = screen.getvalue()
    assert summary.status == "FAILED"
    for expected in ("map ProcessItems", "3/10 done, 1 failed", "item 2 has no topic", "FAILED in 4.50 s"):
        assert expected in shown


@pytest.mark.parametrize(
    ("arn", "region"),
    [(EXECUTION_ARN, "eu-west-1"), ("not-an-arn", None)],
)
def test_the_region_defaults_to_the_execution_arns(arn: str, region: str | None):
    assert region_of(arn) == region
