"""What became of the executions a load scenario started, read from Step Functions, and the invariants they hold."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.sandbox.session import Sandbox

ENDED_FAILED = ("FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class Listed:
    """One execution as ListExecutions shows it."""

    arn: str
    status: str
    seconds: float | None  # stopDate - startDate, once it has ended


@dataclass(frozen=True)
class Outcome:
    """One scenario's figures.

    - `attempts`: calls made to the entry point, all released at once.
    - `accepted`: calls answered with an execution (HTTP 200, the starter's answer, StartExecution's response).
    - `refused`: calls answered HTTP 429 (the stage's throttle); `errors`: any other answer (a 5xx, a 4xx other
      than 429, a function error, a reset connection).
    - `acknowledged`: the distinct execution ARNs the accepted answers named.
    - `listed`: the state machine's executions as ListExecutions shows them once none is RUNNING (or at the
      timeout); none existed before the scenario.
    - succeeded: listed SUCCEEDED; failed: listed FAILED, TIMED_OUT or ABORTED; running: listed still RUNNING.
    - `lost`: acknowledged ARNs that ListExecutions does not show, starts a caller was told of that Step Functions
      has no record of. Every listed execution is succeeded, failed or running, so with `running` 0 an accepted
      start that is not lost has ended one way or the other. `unacknowledged`: listed executions that no answer
      named (a refused or failed call that started one anyway, or a duplicate).
    - p50 and p99 (nearest rank) of stopDate - startDate over the listed executions that ended.
    """

    scenario: str
    entry_point: str
    attempts: int
    accepted: int
    refused: int
    errors: int
    acknowledged: frozenset[str]
    listed: tuple[Listed, ...]
    expected_executions: int
    notes: dict[str, Any] = field(default_factory=dict)

    def count(self, *statuses: str) -> int:
        return sum(1 for execution in self.listed if execution.status in statuses)

    @property
    def lost(self) -> int:
        return len(self.acknowledged - {execution.arn for execution in self.listed})

    @property
    def unacknowledged(self) -> int:
        return len({execution.arn for execution in self.listed} - self.acknowledged)

    def percentile(self, rank: float) -> float | None:
        return percentile([e.seconds for e in self.listed if e.seconds is not None], rank)

    def as_json(self) -> dict[str, Any]:
        p50, p99 = self.percentile(50), self.percentile(99)
        return {
            "scenario": self.scenario,
            "entryPoint": self.entry_point,
            "attempts": self.attempts,
            "accepted": self.accepted,
            "refused": self.refused,
            "errors": self.errors,
            "acknowledgedExecutions": len(self.acknowledged),
            "executions": len(self.listed),
            "expectedExecutions": self.expected_executions,
            "succeeded": self.count("SUCCEEDED"),
            "failed": self.count(*ENDED_FAILED),
            "running": self.count("RUNNING"),
            "lost": self.lost,
            "unacknowledged": self.unacknowledged,
            "p50Seconds": None if p50 is None else round(p50, 2),
            "p99Seconds": None if p99 is None else round(p99, 2),
            **self.notes,
        }


def percentile(values: list[float], rank: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `rank` percent of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(rank / 100 * len(ordered)), 1) - 1]


def list_executions(sandbox: Sandbox, state_machine_arn: str) -> list[Listed]:
    pages = sandbox.client("stepfunctions").get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn)
    found = []
    for page in pages:
        for item in page["executions"]:
            stop = item.get("stopDate")
            seconds = (stop - item["startDate"]).total_seconds() if stop else None
            found.append(Listed(item["executionArn"], item["status"], seconds))
    return found


def settle(sandbox: Sandbox, state_machine_arn: str, timeout_seconds: float) -> tuple[Listed, ...]:
    """The state machine's executions once none is RUNNING (or at the timeout, with those still running)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        listed = list_executions(sandbox, state_machine_arn)
        if all(e.status != "RUNNING" for e in listed) or time.monotonic() > deadline:
            return tuple(listed)
        time.sleep(0.25)


Check = tuple[str, Callable[[dict[str, Any]], bool]]
#: What every scenario holds, as a sentence and a test of its figures.
EVERY_SCENARIO: tuple[Check, ...] = (
    ("every call answered, accepted or refused", lambda s: s["errors"] == 0),
    ("accepted + refused = attempts", lambda s: s["accepted"] + s["refused"] + s["errors"] == s["attempts"]),
    ("lost 0", lambda s: s["lost"] == 0),
    ("none still running", lambda s: s["running"] == 0),
    ("every execution acknowledged to a caller", lambda s: s["unacknowledged"] == 0),
    ("executions as expected", lambda s: s["executions"] == s["expectedExecutions"]),
    ("succeeded + failed = executions", lambda s: s["succeeded"] + s["failed"] == s["executions"]),
)
BY_SCENARIO: dict[str, tuple[Check, ...]] = {
    "image-downloader": (
        ("executions = accepted: a 429 starts nothing", lambda s: s["executions"] == s["accepted"]),
        ("the burst admitted at once", lambda s: s["accepted"] >= min(s["burstLimit"], s["attempts"])),
        ("accepted <= burst + rate x answering time", lambda s: s["accepted"] <= s["mostTheThrottleAdmits"]),
        ("every succeeded request's images stored", lambda s: s["imagesStored"] == s["imagesOfSucceeded"]),
    ),
    "task-tracker": (
        ("one execution per task id", lambda s: s["executions"] == s["taskIds"]),
        ("one run recorded DONE per task id", lambda s: s["tasksDone"] == s["taskIds"]),
        ("every start answered before a run ended", lambda s: s["startsAnsweredBeforeFirstRunEnded"]),
    ),
    "map-fan-out": (("one execution per start", lambda s: s["executions"] == s["attempts"]),),
}


def checks(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """Each invariant of the scenario with whether its figures hold it."""
    found = []
    for name, holds in EVERY_SCENARIO + BY_SCENARIO.get(scenario["scenario"], ()):
        found.append({"scenario": scenario["scenario"], "invariant": name, "held": bool(holds(scenario))})
    return found
