"""Load held, at a small scale: 20 API requests at a burst of 5, 10 starts over 2 task ids, 5 map-fan-out starts,
all at once in one sandbox; what Step Functions lists afterwards holds every invariant, and the docs' figures
are the stored results'."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools.bench import load, render
from tools.bench.load_outcome import Listed, Outcome, checks, percentile
from tools.bench.load_scenarios import QUICK

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load.run(QUICK)


@pytest.fixture(scope="module")
def scenarios(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["scenario"]: row for row in document["scenarios"]}


def test_twenty_requests_at_a_burst_of_five_refuse_the_excess_with_429_and_start_nothing(scenarios):
    api = scenarios["image-downloader"]
    assert api["attempts"] == 20 and api["burstLimit"] == 5
    assert api["errors"] == 0, api["errorKinds"]
    assert api["refused"] == api["attempts"] - api["accepted"] > 0, "only 200 or 429 answers"
    assert api["executions"] == api["accepted"] == api["acknowledgedExecutions"], "a 429 starts nothing"
    assert 5 <= api["accepted"] <= api["mostTheThrottleAdmits"]
    assert api["succeeded"] == api["accepted"] and api["imagesStored"] == api["accepted"]


def test_ten_concurrent_starts_over_two_task_ids_make_exactly_two_executions(scenarios):
    tasks = scenarios["task-tracker"]
    assert (tasks["attempts"], tasks["accepted"], tasks["errors"]) == (10, 10, 0), tasks["errorKinds"]
    assert tasks["executions"] == tasks["acknowledgedExecutions"] == 2
    assert tasks["tasksDone"] == 2 and tasks["startsAnsweredBeforeFirstRunEnded"]


def test_five_concurrent_map_fan_out_starts_all_succeed(scenarios):
    fan_out = scenarios["map-fan-out"]
    assert fan_out["executions"] == fan_out["succeeded"] == 5


def test_nothing_is_lost_and_every_invariant_holds(document, scenarios):
    assert [row["lost"] for row in scenarios.values()] == [0, 0, 0]
    assert [check for check in document["checks"] if not check["held"]] == []
    assert load.held(document)


def test_the_figures_are_well_formed(document, scenarios):
    assert {"platform", "cpuCount", "python"} <= set(document["machine"]) and document["date"]
    for row in scenarios.values():
        assert row["succeeded"] + row["failed"] + row["running"] == row["executions"]
        assert 0 < row["p50Seconds"] <= row["p99Seconds"], row
    text = load.section_markdown(document)
    assert text.startswith("Measured ") and "| image-downloader | HTTP API POST" in text


def outcome(acknowledged: set[str], listed: list[Listed]) -> Outcome:
    return Outcome("map-fan-out", "StartExecution", 3, 3, 0, 0, frozenset(acknowledged), tuple(listed), 3)


def test_lost_counts_acknowledged_starts_step_functions_does_not_list_and_unacknowledged_the_reverse():
    listed = [Listed("a", "SUCCEEDED", 1.0), Listed("b", "FAILED", 2.0), Listed("x", "RUNNING", None)]

    figures = outcome({"a", "b", "c"}, listed).as_json()

    assert (figures["lost"], figures["unacknowledged"]) == (1, 1)
    assert (figures["succeeded"], figures["failed"], figures["running"]) == (1, 1, 1)
    assert (figures["p50Seconds"], figures["p99Seconds"]) == (1.0, 2.0), "over the executions that ended"
    broken = {check["invariant"] for check in checks(figures) if not check["held"]}
    assert broken == {
        "lost 0",
        "none still running",
        "every execution acknowledged to a caller",
        "succeeded + failed = executions",
    }


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([3.0], 99) == 3.0 and percentile([], 50) is None


def test_the_docs_load_table_is_the_stored_results():
    stored = json.loads(load.OUTPUT.read_text())
    page = (load.PROJECT_ROOT / "docs" / "generated" / "bench-load.md").read_text()
    assert load.section_markdown(stored) in page, "run .venv/bin/python -m tools.docs --write"
    assert load.held(stored), [check for check in stored["checks"] if not check["held"]]
    assert render.load_section(stored).rows[0][0] == "image-downloader"
