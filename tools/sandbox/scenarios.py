"""The seed tutorials' walkthroughs as scenarios: what to run, what the tutorial says happens, and the check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from tools.sandbox.session import ExecutionReport, InvocationReport, Sandbox
from tools.sandbox.workflows import DATA, WORKFLOWS, read_items, run_workflow


@dataclass(frozen=True)
class Outcome:
    """What a scenario observed and whether it is what the tutorial shows."""

    passed: bool
    observed: str


@dataclass(frozen=True)
class Scenario:
    """One walkthrough step of a seed tutorial."""

    name: str
    workflow: str
    expected: str
    check: Callable[[ExecutionReport], Outcome]
    overrides: dict[str, str] = field(default_factory=dict)
    items_file: str | None = None
    payload: Any = None


def calls_of(report: ExecutionReport, function: str) -> list[InvocationReport]:
    """The invocations of one function (by logical name), in start order."""
    return sorted((c for c in report.invocations if c.function == function), key=lambda c: c.started_at)


ITEM_FUNCTION = "map-fan-out-log-item-function"
CONSUMER_FUNCTION = "parallel-lambda-log-item-function"
PRODUCER_FUNCTION = "parallel-lambda-produce-list-function"


def _gaps(report: ExecutionReport) -> list[float]:
    starts = [c.started_at for c in calls_of(report, ITEM_FUNCTION)]
    return [later - earlier for earlier, later in pairwise(starts)]


def _one_at_a_time(report: ExecutionReport) -> Outcome:
    calls, gaps = calls_of(report, ITEM_FUNCTION), _gaps(report)
    observed = f"{report.status}, {len(calls)} invocations, gaps {', '.join(f'{g:.2f}' for g in gaps)} s"
    return Outcome(report.status == "SUCCEEDED" and len(calls) == 3 and all(g >= 1.9 for g in gaps), observed)


def _all_at_once(report: ExecutionReport) -> Outcome:
    starts = [c.started_at for c in calls_of(report, ITEM_FUNCTION)]
    spread = max(starts) - min(starts) if starts else float("nan")
    observed = f"{report.status}, {len(starts)} invocations started within {spread:.2f} s"
    return Outcome(report.status == "SUCCEEDED" and len(starts) == 3 and spread < 1.0, observed)


def _plain_objects(report: ExecutionReport) -> Outcome:
    events = [c.event for c in calls_of(report, ITEM_FUNCTION)]
    plain = all(
        isinstance(e, dict) and set(e) == {"topic", "name"} and all(isinstance(v, str) for v in e.values())
        for e in events
    )
    expected_items = read_items(DATA / "listofdicts.json")
    same = sorted(map(str, events)) == sorted(map(str, expected_items))
    observed = f"{report.status}, events: {events}"
    return Outcome(report.status == "SUCCEEDED" and plain and same and len(events) == 3, observed)


def _timed_out(timeout: float, wait: float) -> Callable[[ExecutionReport], Outcome]:
    def check(report: ExecutionReport) -> Outcome:
        ended_as_timeout = report.status == "TIMED_OUT" or (
            report.status == "FAILED" and report.error == "States.Timeout"
        )
        observed = f"{report.status} ({report.error}) after {report.duration_seconds:.2f} s"
        # "At about the timeout": not before it, and well before the three waits would have finished.
        on_time = timeout - 0.1 <= report.duration_seconds < min(timeout + 1.5, 3 * wait)
        return Outcome(ended_as_timeout and on_time, observed)

    return check


def _fruits(report: ExecutionReport) -> Outcome:
    producer, consumer = calls_of(report, PRODUCER_FUNCTION), calls_of(report, CONSUMER_FUNCTION)
    fruits = sorted(str(c.event) for c in consumer)
    observed = f"{report.status}, producer x{len(producer)}, consumer x{len(consumer)}: {', '.join(fruits)}"
    return Outcome(
        report.status == "SUCCEEDED" and len(producer) == 1 and fruits == ["apple", "orange", "pear"], observed
    )


SCENARIOS: list[Scenario] = [
    Scenario(
        "map-fan-out: concurrency 1, wait 2 s",
        "map-fan-out",
        "3 invocations, each >= 1.9 s after the previous",
        _one_at_a_time,
        overrides={"maxConcurrency": "1", "waitDurationSeconds": "2"},
    ),
    Scenario(
        "map-fan-out: concurrency 3",
        "map-fan-out",
        "3 invocations starting within 1 s of each other",
        _all_at_once,
        overrides={"maxConcurrency": "3", "waitDurationSeconds": "2"},
    ),
    Scenario(
        "map-fan-out: listofdicts.json",
        "map-fan-out",
        "each invocation gets a plain {topic, name} object",
        _plain_objects,
        overrides={"maxConcurrency": "3", "waitDurationSeconds": "0"},
        items_file="listofdicts.json",
    ),
    Scenario(
        # The tutorial's 25 s wait against a 20 s timeout, scaled down to keep the demo short.
        "map-fan-out: wait 5 s > timeout 3 s",
        "map-fan-out",
        "TIMED_OUT at about 3 s, not after the waits",
        _timed_out(timeout=3, wait=5),
        overrides={"maxConcurrency": "1", "waitDurationSeconds": "5", "timeoutDurationSeconds": "3"},
    ),
    Scenario(
        "parallel-lambda: the tutorial's fruits",
        "parallel-lambda",
        "producer once; consumer 3 times, once per fruit",
        _fruits,
    ),
]


def run_scenario(scenario: Scenario, stack: str = "dev") -> tuple[ExecutionReport, Outcome]:
    """A fresh embedded AWS, deploy with the scenario's config, one execution, the check."""
    workflow = WORKFLOWS[scenario.workflow]
    items = read_items(DATA / scenario.items_file) if scenario.items_file else None
    with Sandbox(stack=stack, overrides=scenario.overrides) as sandbox:
        report = run_workflow(sandbox, workflow, items, scenario.payload)
    return report, scenario.check(report)
