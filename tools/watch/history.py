"""An execution's history read event by event: the current state, Map progress, task failures, transitions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

TERMINAL_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
EXECUTION_ENDED = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
#: The legacy Lambda task events (a Task whose Resource is the function's ARN).
LAMBDA_FAILURES = (
    "LambdaFunctionFailed",
    "LambdaFunctionTimedOut",
    "LambdaFunctionStartFailed",
    "LambdaFunctionScheduleFailed",
)
#: A service integration's failures; `resourceType` says which service (lambda for `lambda:invoke`).
TASK_FAILURES = ("TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed")
#: How a Map iteration ended -> the MapProgress count it adds to.
ITERATION_ENDED = {
    "MapIterationSucceeded": "succeeded",
    "MapIterationFailed": "failed",
    "MapIterationAborted": "aborted",
}


@dataclass
class MapProgress:
    """A Map state's iterations: how many there are and how many ended, failed or were aborted."""

    state: str
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    aborted: int = 0

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.aborted

    @property
    def counts(self) -> str:
        text = f"{self.done}/{self.total} done, {self.failed} failed"
        return text + (f", {self.aborted} aborted" if self.aborted else "")

    @property
    def text(self) -> str:
        return f"map {self.state}: {self.counts}"


@dataclass(frozen=True)
class StateEntered:
    """A state the execution entered; `where` names the Map iterations it runs in (`ProcessItems #2`)."""

    name: str
    where: str = ""

    @property
    def text(self) -> str:
        return f"state {self.name}" + (f" ({self.where})" if self.where else "")


@dataclass(frozen=True)
class TaskFailure:
    """A failed or timed-out task attempt (a retried one too), as it happened."""

    state: str
    where: str
    service: str  # "lambda" for a Lambda invoke, else e.g. "dynamodb"
    error: str
    cause: str

    @property
    def message(self) -> str:
        """A Lambda error's own message, not the JSON (with its stack trace) the cause wraps it in."""
        try:
            cause = json.loads(self.cause)
        except ValueError:
            return self.cause
        return str(cause.get("errorMessage", self.cause)) if isinstance(cause, dict) else self.cause

    @property
    def text(self) -> str:
        subject = "Lambda" if self.service == "lambda" else f"{self.service} task"
        place = self.state + (f" ({self.where})" if self.where else "")
        return f"{subject} failed in {place}: {self.error}: {self.message}"


Notice = StateEntered | TaskFailure | MapProgress


@dataclass(frozen=True)
class _Context:
    """Where an event happened: the state it belongs to and the Map iterations (name, index) around it."""

    state: str = ""
    iterations: tuple[tuple[str, int], ...] = ()

    @property
    def where(self) -> str:
        return " > ".join(f"{name} #{index}" for name, index in self.iterations)


def event_details(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event's one `...EventDetails` field (empty for events that have none)."""
    return next((dict(value) for key, value in event.items() if key.endswith("EventDetails")), {})


class ExecutionProgress:
    """What the history read so far says; `apply` takes new events and returns what to tell the user."""

    def __init__(self) -> None:
        self.last_event_id = 0
        self.transitions = 0
        self.current: StateEntered | None = None
        self.maps: dict[str, MapProgress] = {}
        #: Distributed Map runs (their ARNs) by Map state; their iterations are child executions, not events here.
        self.map_runs: dict[str, str] = {}
        self.ended: dict[str, Any] | None = None
        self._contexts: dict[int, _Context] = {}

    def apply(self, events: Iterable[Mapping[str, Any]]) -> list[Notice]:
        """Read events (oldest first; ones already read are skipped): states and failures, then changed Maps."""
        notices: list[Notice] = []
        changed: dict[str, None] = {}
        for event in events:
            if event["id"] <= self.last_event_id:
                continue
            self.last_event_id = event["id"]
            notice = self._apply(event, changed)
            if notice is not None:
                notices.append(notice)
        return notices + [replace(self.maps[name]) for name in changed]

    def context(self, event_id: int) -> tuple[str, tuple[tuple[str, int], ...]]:
        """Where an event already read happened: its state's name, and the Map iterations (Map state, index) around
        it, outermost first."""
        context = self._contexts.get(event_id, _Context())
        return context.state, context.iterations

    def apply_map_run(self, state: str, item_counts: Mapping[str, int]) -> list[Notice]:
        """A Distributed Map's counts (DescribeMapRun's itemCounts); a notice when they changed."""
        progress = MapProgress(
            state,
            total=item_counts.get("total", 0),
            succeeded=item_counts.get("succeeded", 0),
            failed=item_counts.get("failed", 0) + item_counts.get("timedOut", 0),
            aborted=item_counts.get("aborted", 0),
        )
        if self.maps.get(state) == progress:
            return []
        self.maps[state] = progress
        return [replace(progress)]

    def _apply(self, event: Mapping[str, Any], changed: dict[str, None]) -> Notice | None:
        kind, details = event["type"], event_details(event)
        context = self._context(event, kind, details)
        self._contexts[event["id"]] = context
        if kind.endswith("StateEntered"):
            self.transitions += 1
            self.current = StateEntered(details.get("name", "?"), context.where)
            return self.current
        if kind == "MapStateStarted":
            state = context.state or (self.current.name if self.current else "Map")
            self.maps[state] = MapProgress(state, total=int(details.get("length", 0)))
            changed[state] = None
        elif kind in ITERATION_ENDED:
            progress = self.maps.setdefault(details["name"], MapProgress(details["name"]))
            field = ITERATION_ENDED[kind]
            setattr(progress, field, getattr(progress, field) + 1)
            changed[progress.state] = None
        elif kind == "MapRunStarted":
            self.map_runs[details["mapRunArn"]] = context.state or (self.current.name if self.current else "Map")
        elif kind in EXECUTION_ENDED:
            self.ended = {"type": kind, **details}
        elif kind in LAMBDA_FAILURES or kind in TASK_FAILURES:
            service = "lambda" if kind in LAMBDA_FAILURES else str(details.get("resourceType", "task"))
            error, cause = str(details.get("error", kind)), str(details.get("cause", ""))
            return TaskFailure(context.state or "?", context.where, service, error, cause)
        return None

    def _context(self, event: Mapping[str, Any], kind: str, details: Mapping[str, Any]) -> _Context:
        parent = self._contexts.get(event.get("previousEventId", 0), _Context())
        if kind.endswith("StateEntered"):
            return _Context(details.get("name", ""), parent.iterations)
        if kind == "MapIterationStarted":  # it may follow an event of a sibling iteration that ended
            outside = self._outside(parent.iterations, details["name"])
            return _Context("", (*outside, (details["name"], details["index"])))
        if kind in ITERATION_ENDED:  # back in the Map state, outside its iterations
            return _Context(details["name"], self._outside(parent.iterations, details["name"]))
        return parent

    @staticmethod
    def _outside(iterations: tuple[tuple[str, int], ...], map_state: str) -> tuple[tuple[str, int], ...]:
        """The iterations around a Map state, given those around an event in (or after) one of its iterations."""
        frames = [index for index, (name, _) in enumerate(iterations) if name == map_state]
        return iterations[: frames[-1]] if frames else iterations


@dataclass(frozen=True)
class Summary:
    """How an execution ended (or stands): status, duration, state transitions, error and cause."""

    execution_arn: str
    status: str
    duration_seconds: float
    transitions: int
    error: str | None = None
    cause: str | None = None

    @classmethod
    def of(cls, description: Mapping[str, Any], progress: ExecutionProgress) -> Summary:
        """From DescribeExecution, falling back to the history's last event for the error and cause."""
        started: datetime = description["startDate"]
        stopped: datetime = description.get("stopDate") or datetime.now(UTC)
        ended = progress.ended or {}
        return cls(
            execution_arn=description["executionArn"],
            status=description["status"],
            duration_seconds=(stopped - started).total_seconds(),
            transitions=progress.transitions,
            error=description.get("error") or ended.get("error"),
            cause=description.get("cause") or ended.get("cause"),
        )

    def lines(self) -> list[str]:
        lines = [f"{self.status} in {self.duration_seconds:.2f} s, {self.transitions} state transitions"]
        lines += [f"error: {self.error}"] if self.error else []
        return lines + ([f"cause: {self.cause}"] if self.cause else [])
