"""MapFanOut's seed walkthroughs, run for real in the embedded sandbox."""

from itertools import pairwise

import pytest

from tools.sandbox.scenarios import (
    CONSUMER_FUNCTION,
    ITEM_FUNCTION,
    PRODUCER_FUNCTION,
    SCENARIOS,
    calls_of,
    run_scenario,
)

pytestmark = pytest.mark.e2e


def scenario(name_start: str):
    return next(s for s in SCENARIOS if s.name.startswith(name_start))


def test_concurrency_one_runs_items_two_seconds_apart():
    report, outcome = run_scenario(scenario("map-fan-out: concurrency 1"))
    assert outcome.passed, outcome.observed
    calls = calls_of(report, ITEM_FUNCTION)
    assert [c.event for c in calls] == ["Computer Science", "Economics", "Mathematics"]
    gaps = [b.started_at - a.started_at for a, b in pairwise(calls)]
    assert all(gap >= 1.9 for gap in gaps), gaps
    assert calls[0].started_at >= 1.9, "the first item also waits 2 s"


def test_concurrency_three_runs_the_three_items_together():
    report, outcome = run_scenario(scenario("map-fan-out: concurrency 3"))
    assert outcome.passed, outcome.observed
    starts = [c.started_at for c in calls_of(report, ITEM_FUNCTION)]
    assert len(starts) == 3 and max(starts) - min(starts) < 1.0


def test_listofdicts_items_reach_the_lambda_as_plain_objects_not_dynamodb_maps():
    report, outcome = run_scenario(scenario("map-fan-out: listofdicts"))
    assert outcome.passed, outcome.observed
    for call in calls_of(report, ITEM_FUNCTION):
        assert "M" not in call.event and set(call.event) == {"topic", "name"}
    # The Map's output keeps the list's order, whatever order the concurrent invocations ran in.
    assert [result["item"]["topic"] for result in report.output["results"]] == [
        "Computer Science",
        "Economics",
        "Mathematics",
    ]


def test_wait_longer_than_the_timeout_ends_the_execution_at_the_timeout():
    report, outcome = run_scenario(scenario("map-fan-out: wait 5 s > timeout 3 s"))
    assert outcome.passed, outcome.observed
    assert calls_of(report, ITEM_FUNCTION) == [], "no item gets past its 5 s wait before the 3 s timeout"


def test_parallel_lambda_runs_the_producer_once_and_the_consumer_once_per_fruit():
    report, outcome = run_scenario(scenario("parallel-lambda"))
    assert outcome.passed, outcome.observed
    assert [c.event for c in calls_of(report, PRODUCER_FUNCTION)] == [{}]
    assert sorted(c.event for c in calls_of(report, CONSUMER_FUNCTION)) == ["apple", "orange", "pear"]
    assert sorted(r["item"] for r in report.output["results"]) == ["apple", "orange", "pear"]
    assert report.output["failures"] == []
