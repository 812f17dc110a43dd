"""An execution read from its history: each state's runs (one per Map iteration), their task attempts, and each
state's status (succeeded, failed, caught, retried, running, not entered) for the graph view."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...diagram.graph import walk
from ...watch.history import LAMBDA_FAILURES, TASK_FAILURES, ExecutionProgress, event_details
from ..lambda_runtime import Invocation, function_name

#: A state's statuses, the first that any of its runs has winning (a Map's inner state failed in one iteration is
#: failed, whatever the others did).
STATUSES = ("failed", "running", "caught", "retried", "succeeded")
NOT_ENTERED = "not-entered"
#: Where a Map, Parallel or execution failure is recorded.
STATE_FAILURES = ("MapStateFailed", "MapStateAborted", "ParallelStateFailed", "ParallelStateAborted")
EXECUTION_FAILURES = ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
TASK_ENDED_WELL = ("TaskSucceeded", "LambdaFunctionSucceeded")


def _seconds(value: datetime | float | str) -> float:
    if isinstance(value, str):  # as the embedded Step Functions keeps it (ISO 8601), before the API answers it
        return datetime.fromisoformat(value).timestamp()
    return value.timestamp() if isinstance(value, datetime) else float(value)


@dataclass
class Attempt:
    """One try of a Task state: what it called, and how it ended (`error` None while running or once it worked)."""

    service: str
    scheduled_at: float
    #: The Lambda function's name, for a Lambda task; its payload as the task sent it.
    function: str | None = None
    payload: Any = None
    ended_at: float | None = None
    error: str | None = None
    cause: str | None = None
    invocation: Invocation | None = None
    log_lines: list[str] = field(default_factory=list)
    billed_ms: int | None = None


@dataclass
class StateRun:
    """One entry into a state: in which Map iterations, its input and output, its attempts and failures."""

    path: str
    name: str
    where: str
    entered_at: float
    input: str | None
    output: str | None = None
    exited_at: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    #: (error, cause) of each failed attempt, of a failed Map or Parallel, or of the execution ending here.
    failures: list[tuple[str, str]] = field(default_factory=list)
    status: str = "running"

    @property
    def retries(self) -> int:
        return max(0, len(self.attempts) - 1)


@dataclass
class ExecutionView:
    """What the console shows of one execution's history."""

    status: str
    started_at: float
    stopped_at: float | None
    runs: list[StateRun]
    events: list[dict[str, Any]]
    transitions: int

    def runs_of(self, path: str) -> list[StateRun]:
        return [run for run in self.runs if run.path == path]

    def status_of(self, path: str) -> str:
        found = {run.status for run in self.runs_of(path)}
        return next((status for status in STATUSES if status in found), NOT_ENTERED)

    def attempts(self) -> list[tuple[StateRun, Attempt]]:
        return [(run, attempt) for run in self.runs for attempt in run.attempts]


def _state_paths(definition: Mapping[str, Any]) -> dict[str, list[str]]:
    paths: dict[str, list[str]] = {}
    for scope, name, _ in walk(dict(definition)):
        paths.setdefault(name, []).append(f"{scope}{name}")
    return paths


def _path(paths: Mapping[str, list[str]], name: str, iterations: tuple[tuple[str, int], ...]) -> str:
    """The definition's path of a state entered inside these Map iterations (names may repeat across scopes)."""
    candidates = paths.get(name, [name])
    if iterations:
        inside = f"{iterations[-1][0]}/"
        return next((path for path in candidates if inside in path), candidates[0])
    return next((path for path in candidates if "/" not in path), candidates[0])


def _attempt(kind: str, details: Mapping[str, Any], at: float) -> Attempt:
    if kind == "LambdaFunctionScheduled":
        return Attempt("lambda", at, function_name(str(details.get("resource", ""))), _json(details.get("input")))
    service = f"{details.get('resourceType', '?')}:{details.get('resource', '?')}"
    if details.get("resourceType") != "lambda":
        return Attempt(service, at)
    parameters = _json(details.get("parameters")) or {}
    reference = str(parameters.get("FunctionName", "")) if isinstance(parameters, dict) else ""
    payload = parameters.get("Payload") if isinstance(parameters, dict) else None
    return Attempt("lambda", at, function_name(reference) if reference else None, payload)


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


class HistoryReader:
    """An execution's history read as runs, event by event: `add` takes the events after those it has, so a running
    execution's page reads each event once, however often it polls."""

    def __init__(self, definition: Mapping[str, Any]) -> None:
        self.paths = _state_paths(definition)
        self.progress = ExecutionProgress()
        self.runs: list[StateRun] = []
        self.by_place: dict[tuple[tuple[tuple[str, int], ...], str], StateRun] = {}
        self.events: list[dict[str, Any]] = []
        self.started_at: float = 0.0
        self.stopped_at: float | None = None
        #: The id of the last event read (history events are numbered from 1, in order).
        self.last_id = 0

    def add(self, events: Iterable[Mapping[str, Any]]) -> HistoryReader:
        for event in events:
            if int(event["id"]) <= self.last_id:
                continue  # read already
            self._add(dict(event))
        return self

    def _add(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.last_id = int(event["id"])
        self.progress.apply([event])
        kind, details, at = event["type"], event_details(event), _seconds(event["timestamp"])
        state, iterations = self.progress.context(event["id"])
        if kind == "ExecutionStarted":
            self.started_at = at
        if kind.endswith("StateEntered"):
            name = str(details.get("name", "?"))
            where = " > ".join(f"{map_name} #{index}" for map_name, index in iterations)
            run = StateRun(_path(self.paths, name, iterations), name, where, at, details.get("input"))
            self.runs.append(run)
            self.by_place[(iterations, name)] = run
            return
        run_or_none = self.by_place.get((iterations, state))
        if kind in ("ExecutionSucceeded", *EXECUTION_FAILURES):
            self.stopped_at = at
            if kind in EXECUTION_FAILURES:  # the execution ended in the last state still open (a Fail, a Task...)
                open_runs = [run for run in self.runs if run.exited_at is None]
                if open_runs:
                    open_runs[-1].failures.append((str(details.get("error", kind)), str(details.get("cause", ""))))
            return
        if run_or_none is None:
            return
        run = run_or_none
        if kind.endswith("StateExited"):
            run.output, run.exited_at = details.get("output"), at
        elif kind in ("TaskScheduled", "LambdaFunctionScheduled"):
            run.attempts.append(_attempt(kind, details, at))
        elif kind in TASK_ENDED_WELL and run.attempts:
            run.attempts[-1].ended_at = at
        elif kind in TASK_FAILURES or kind in LAMBDA_FAILURES:
            if not run.attempts:  # a start that failed before anything was scheduled
                run.attempts.append(Attempt(str(details.get("resourceType", "task")), at))
            attempt = run.attempts[-1]
            attempt.ended_at, attempt.error, attempt.cause = at, str(details.get("error", kind)), details.get("cause")
            run.failures.append((attempt.error, str(attempt.cause or "")))
        elif kind in STATE_FAILURES:
            run.failures.append((str(details.get("error", kind)), str(details.get("cause", ""))))

    def view(self, status: str) -> ExecutionView:
        """The execution as read so far, its states' statuses as of its `status` (DescribeExecution's)."""
        for run in self.runs:
            run.status = _status(run, status)
        return ExecutionView(
            status, self.started_at, self.stopped_at, self.runs, self.events, self.progress.transitions
        )


def read_history(events: Iterable[Mapping[str, Any]], definition: Mapping[str, Any], status: str) -> ExecutionView:
    """Each state entry of the history as a run, with its attempts, failures and status."""
    return HistoryReader(definition).add(events).view(status)


def _status(run: StateRun, execution_status: str) -> str:
    if run.exited_at is not None:
        if not run.failures:
            return "succeeded"
        return "retried" if run.attempts and run.attempts[-1].error is None else "caught"
    if execution_status == "RUNNING":
        return "running"
    return "succeeded" if execution_status == "SUCCEEDED" and not run.failures else "failed"
