"""Beyond AWS's console: what an execution would cost in AWS (its billed state transitions and Lambda time, at the
prices the benchmarks use), and its largest state payload against Step Functions' 256 KiB quota."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..lambda_runtime import FunctionSpec
from ..prices import DOLLARS_PER_TRANSITION, LAMBDA_GB_SECOND, LAMBDA_REQUEST, PRICES_DATE
from ..quotas import STATES_PAYLOAD_BYTES
from .execution import Attempt, ExecutionView

#: The history fields that carry a state's (or the execution's) JSON payload.
PAYLOAD_FIELDS = ("input", "output")


@dataclass(frozen=True)
class Cost:
    """An execution's bill: Step Functions Standard transitions, Lambda requests and GB-seconds."""

    transitions: int
    lambda_requests: int
    gb_seconds: float
    transitions_dollars: float
    requests_dollars: float
    duration_dollars: float
    prices_date: str = PRICES_DATE

    @property
    def dollars(self) -> float:
        return self.transitions_dollars + self.requests_dollars + self.duration_dollars


def estimate(view: ExecutionView, functions: Mapping[str, FunctionSpec]) -> Cost:
    """Billed transitions (one per state entered) and each Lambda invocation's billed milliseconds at its memory."""
    specs = {spec.function_name: spec for spec in functions.values()}
    attempts: list[Attempt] = [a for _, a in view.attempts() if a.invocation is not None and a.billed_ms is not None]
    gb_seconds, dollars = 0.0, 0.0
    for attempt in attempts:
        spec = specs.get(str(attempt.function))
        memory_mb, architecture = (spec.memory_mb, spec.architecture) if spec else (128, "x86_64")
        used = (attempt.billed_ms or 0) / 1000 * memory_mb / 1024
        gb_seconds += used
        dollars += used * LAMBDA_GB_SECOND.get(architecture, LAMBDA_GB_SECOND["x86_64"])
    return Cost(
        transitions=view.transitions,
        lambda_requests=len(attempts),
        gb_seconds=gb_seconds,
        transitions_dollars=view.transitions * DOLLARS_PER_TRANSITION,
        requests_dollars=len(attempts) * LAMBDA_REQUEST,
        duration_dollars=dollars,
    )


@dataclass(frozen=True)
class Payload:
    """The largest payload an execution passed: its size in UTF-8 bytes, where it was, and the quota."""

    size: int
    where: str
    quota: int = STATES_PAYLOAD_BYTES

    @property
    def percent(self) -> float:
        return 100 * self.size / self.quota


def largest_payload(events: Iterable[Mapping[str, Any]]) -> Payload:
    """The largest input or output in the history (state entered or exited, task result, execution)."""
    largest = Payload(0, "none")
    for event in events:
        for key, value in event.items():
            if not key.endswith("EventDetails") or not isinstance(value, Mapping):
                continue
            for name in PAYLOAD_FIELDS:
                text = value.get(name)
                if isinstance(text, str) and len(text.encode()) > largest.size:
                    place = f" of {value['name']}" if "name" in value else ""
                    largest = Payload(len(text.encode()), f"{event['type']} {name}{place} (event {event['id']})")
    return largest
