"""The bill for N images in AWS, from the definitions and a measured download rate: what each design needs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from components.image_downloader import ImageDownloaderSettings
from components.settings import HISTORY_EVENT_LIMIT
from tools.bench import bill
from tools.bench.bill import Measured, ours, tutorial_design

MEASURED = Measured(images_per_second=90.0)


def test_a_million_images_run_in_one_execution_whose_parent_history_stays_small():
    million = ours(1_000_000, MEASURED)
    assert million.executions == 1 and million.child_executions == 40_000
    assert million.parent_history_events < HISTORY_EVENT_LIMIT
    assert million.parent_history_events == ours(10_000, MEASURED).parent_history_events, "constant with size"


def test_an_inline_request_keeps_its_iterations_in_the_parent_history():
    small = ours(1_000, MEASURED)
    assert small.child_executions == 0 and small.parent_history_events > 40 * 7


def test_transitions_are_two_per_batch_in_a_distributed_map_plus_the_fixed_states():
    million = ours(1_000_000, MEASURED)
    assert million.transitions == 6 + 2 * 40_000
    assert million.dollars["stepFunctions"] == pytest.approx(80_006 * 0.025 / 1000)


def test_the_tutorials_design_splits_a_large_request_into_executions_under_the_history_limit():
    million = tutorial_design(1_000_000, MEASURED)
    per_execution = math.ceil(1_000_000 / million.executions)
    assert million.executions > 300 and million.parent_history_events < HISTORY_EVENT_LIMIT
    assert bill._tutorial_history(per_execution + 1) >= HISTORY_EVENT_LIMIT or million.executions == math.ceil(
        1_000_000 / bill._tutorial_images_per_execution()
    )
    assert million.transitions > 1_000_000, "one PutItem task per image"


def test_lambda_duration_grows_with_memory_and_the_download_rate_sets_it():
    base = ours(100_000, MEASURED)
    double_memory = ours(100_000, Measured(90.0, memory_mb=MEASURED.memory_mb * 2))
    faster = ours(100_000, Measured(180.0))
    assert double_memory.lambda_gb_seconds > 1.9 * base.lambda_gb_seconds
    assert faster.lambda_gb_seconds < 0.51 * base.lambda_gb_seconds + 1


def test_arm64_bills_less_per_gb_second():
    x86 = ours(100_000, MEASURED)
    arm = ours(100_000, Measured(90.0, architecture="arm64"))
    assert arm.dollars["lambdaDuration"] < x86.dollars["lambdaDuration"]


def test_every_image_costs_a_put_and_a_write_unit_and_the_parts_add_up_to_the_total():
    for row in bill.bills():
        assert row.s3_puts >= row.images and row.dynamodb_write_units == row.images
        parts = {key: value for key, value in row.dollars.items() if key != "total"}
        assert sum(parts.values()) == pytest.approx(row.dollars["total"])


def test_raising_the_distributed_maps_concurrency_shortens_the_run_and_costs_the_same():
    default = ours(1_000_000, MEASURED)
    raised = ours(1_000_000, MEASURED, ImageDownloaderSettings(download_concurrency=1000))
    assert raised.duration_seconds < default.duration_seconds / 50
    assert raised.dollars["total"] == pytest.approx(default.dollars["total"])


def test_the_docs_table_is_the_one_the_module_computes():
    page = (Path(__file__).resolve().parents[2] / "docs" / "generated" / "bench-bill.md").read_text()
    assert bill.markdown(bill.bills()) in page, "run .venv/bin/python -m tools.docs --write"


def test_a_failing_request_publishes_once_per_execution_and_the_table_shows_sns():
    ours_failing, tutorial_failing = (
        ours(1_000_000, MEASURED, failing=True),
        tutorial_design(1_000_000, MEASURED, failing=True),
    )
    assert ours_failing.sns_publishes == 1 and ours(1_000_000, MEASURED).sns_publishes == 0
    assert tutorial_failing.sns_publishes == tutorial_failing.executions
    assert tutorial_failing.dollars["sns"] == pytest.approx(tutorial_failing.executions * 0.50 / 1_000_000)
    table = bill.markdown(bill.bills((10_000,), failing=True))
    assert "| SNS |" in table.splitlines()[0]
