"""The scale run at a small size: a request file started through start_download.py runs to completion in a fresh
sandbox, its figures are counted as the definition says, the batch Lambda's planning peak is measured, and the
docs' scale table is the stored results'."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools.bench import scale_run

pytestmark = pytest.mark.e2e

IMAGES = 60  # 3 batches of 25 (the last of 10): a Distributed Map of 3 children


@pytest.fixture(scope="module")
def row(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return scale_run.measure_size(IMAGES, tmp_path_factory.mktemp("scale"), timeout_seconds=120)


def test_a_request_file_started_through_start_download_runs_every_image_in_one_execution(row):
    assert (row["status"], row["images"], row["childExecutions"]) == ("SUCCEEDED", IMAGES, 3)


def test_transitions_are_the_parent_s_six_states_and_two_per_child(row):
    assert row["stateTransitions"] == 6 + 2 * row["childExecutions"]
    assert row["transitionsPerImage"] == round(row["stateTransitions"] / IMAGES, 4)


def test_the_largest_payload_is_a_child_s_small_input_and_the_parent_history_stays_short(row):
    assert 0 < row["largestPayloadBytes"] < 2048, row["largestPayloadAt"]
    assert row["parentHistoryEvents"] < 40


def test_each_lambda_s_peak_memory_is_its_own_worker_s_not_the_sandbox_s(row):
    for role in ("batch", "download", "consolidate"):
        memory = row["lambdas"][role]
        assert memory["workers"] >= 1, role
        # A worker's ru_maxrss would be the sandbox process's size at the fork (hundreds of MB).
        assert 10 < memory["peakMemoryMb"] < 250, (role, memory)


def test_the_batch_lambda_s_planning_peak_is_measured(tmp_path: Path):
    planning = scale_run.measure_planning(3000, tmp_path)
    assert (planning["mode"], planning["batchCount"], planning["error"]) == ("distributed", 120, None)
    assert 10 < planning["batchLambda"]["peakMemoryMb"] < 250


def test_the_docs_scale_table_is_the_stored_results():
    stored = json.loads(scale_run.OUTPUT.read_text())
    page = (scale_run.PROJECT_ROOT / "docs" / "generated" / "bench-scale.md").read_text()
    assert scale_run.section_markdown(stored) in page, "run .venv/bin/python -m tools.docs --write"
    assert [run["images"] for run in stored["runs"]] == list(scale_run.SIZES)
    assert all(run["status"] == "SUCCEEDED" for run in stored["runs"])
