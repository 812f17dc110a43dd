"""MapFanOut's list against Step Functions' state payload limit, in the sandbox: the list tools/load_ddb.py accepts
runs; one it refuses fails the execution as AWS fails it, with States.DataLimitExceeded naming the state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools import load_ddb
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import WORKFLOWS, run_workflow

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(overrides={"waitDurationSeconds": "0", "maxConcurrency": "2"}) as deployed:
        yield deployed


def _list_of_size(size: int, measure=lambda item: load_ddb.workflow_payload_size(item)[0]) -> list[str]:
    base = measure(load_ddb.build_item(load_ddb.DEFAULT_LIST_NAME, ["", ""]))
    half, extra = divmod(size - base, 2)
    return ["a" * (half + extra), "b" * half]


def test_the_largest_list_the_loader_accepts_runs_every_item(sandbox: Sandbox):
    items = _list_of_size(256 * 1024)
    report = run_workflow(sandbox, WORKFLOWS["map-fan-out"], items=items)
    assert report.status == "SUCCEEDED", (report.error, str(report.cause)[:300])
    assert [len(result["item"]) for result in report.output["results"]] == [len(item) for item in items]


def test_one_byte_more_is_refused_by_the_loader(sandbox: Sandbox):
    with pytest.raises(load_ddb.OverPayloadLimit):
        run_workflow(sandbox, WORKFLOWS["map-fan-out"], items=_list_of_size(256 * 1024 + 1))


def test_a_list_whose_get_item_result_passes_256_kib_fails_the_execution_at_read_list(sandbox: Sandbox):
    items = _list_of_size(256 * 1024 + 1, load_ddb.get_item_result_size)
    table = sandbox.outputs["mapFanOutTableName"]
    load_ddb.write_list(sandbox.client("dynamodb"), table, items, allow_over_payload_limit=True)
    report = sandbox.execute("map-fan-out", sandbox.outputs["mapFanOutStateMachineArn"], {})
    assert (report.status, report.error) == ("FAILED", "States.DataLimitExceeded")
    assert "ReadList" in str(report.cause)
    assert report.invocations == [], "no item ran"
