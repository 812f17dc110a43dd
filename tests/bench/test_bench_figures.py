"""The benchmark's arithmetic: limits and ratios, counting a history, scale sizes, targets and the tables."""

from __future__ import annotations

import pytest

from tools.bench import render, results, scale
from tools.bench.placement import Placement
from tools.bench.throughput import (
    Measurement,
    ThroughputRun,
    ThroughputSettings,
    cpu_ceiling,
    physical_limit,
    ratio,
)
from tools.bench.transitions import PAYLOAD_LIMIT_BYTES, Payload, image_paths, largest_payload, states_entered


def test_sixteen_downloads_of_fifty_milliseconds_can_do_at_most_320_images_a_second() -> None:
    assert physical_limit(16, 0.05) == pytest.approx(320)
    assert physical_limit(0, 0.05) == pytest.approx(20)  # the naive baseline: one at a time
    assert ratio(256, 320) == pytest.approx(0.8) and ratio(1, 0) == 0


def test_the_cpu_ceiling_spreads_every_core_over_the_cpu_each_image_costs() -> None:
    assert cpu_ceiling({"handler": 2.0, "embeddedAws": 2.5, "imageHost": 0.5}, cpus=2) == pytest.approx(400)
    assert cpu_ceiling({}, cpus=2) == 0


def test_pinned_the_cpu_ceiling_is_set_by_the_busier_side() -> None:
    one_each = Placement(handler=(0,), services=(1,))
    cpu = {"handler": 2.0, "embeddedAws": 2.5, "imageHost": 0.2}

    assert cpu_ceiling(cpu, cpus=2, placement=one_each) == pytest.approx(1000 / 2.7)  # the services' core
    assert cpu_ceiling({**cpu, "handler": 4.0}, cpus=2, placement=one_each) == pytest.approx(250)  # the handler's
    assert cpu_ceiling(cpu, cpus=4, placement=Placement((0,), (1, 2, 3))) == pytest.approx(500)


def test_only_state_entered_events_are_transitions() -> None:
    events = [
        {"type": "ExecutionStarted"},
        {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "A", "input": "{}"}},
        {"type": "TaskStateExited", "stateExitedEventDetails": {"name": "A", "output": '{"x": "é"}'}},
        {"type": "MapStateEntered", "stateEnteredEventDetails": {"name": "M", "input": "[]"}},
        {"type": "MapIterationStarted"},
    ]

    assert states_entered(events) == 2
    assert largest_payload(events, "child ") == Payload(len('{"x": "é"}'.encode()), "child A output")


def test_image_paths_are_distinct_flags_the_sandbox_image_server_answers() -> None:
    from tools.sandbox.image_server import FLAG_PATH

    paths = image_paths(1000)

    assert len(set(paths)) == 1000
    assert all(FLAG_PATH.match(f"/data/flags/{path}") for path in paths)


def test_scale_sizes_double_from_the_largest_given_up_to_the_maximum() -> None:
    assert scale.scale_sizes((1000, 5000, 10_000), 10_000) == [1000, 5000, 10_000]
    assert scale.scale_sizes((1000, 5000, 10_000), 40_000) == [1000, 5000, 10_000, 20_000, 40_000]
    assert scale.scale_sizes((1000, 5000, 10_000), 30_000) == [1000, 5000, 10_000, 20_000, 30_000]
    assert scale.scale_sizes((1000, 5000), 3000) == [1000, 2000, 3000]
    assert scale.scale_sizes((30,), 30) == [30]


def test_images_within_is_the_largest_request_that_fits_the_payload_limit() -> None:
    most = scale.images_within()

    assert scale.request_bytes(most) <= PAYLOAD_LIMIT_BYTES < scale.request_bytes(most + 1)


def run(label: str, concurrency: int, batch_size: int, images: int, seconds: float) -> ThroughputRun:
    cpu = {"handler": 2.0, "embeddedAws": 2.0, "imageHost": 0.2}
    return ThroughputRun(label, concurrency, batch_size, images, images, seconds, 0, cpu)


def test_targets_hold_the_widest_single_invocation_and_the_largest_size_of_each_mode() -> None:
    settings = ThroughputSettings(images=500, latency_seconds=0.05, concurrencies=(1, 16))
    runs = [
        run("handler c=1", 1, 500, 500, 25.0),
        run("handler c=16", 16, 500, 500, 1.9),  # 263/s: 0.82 of 320
        run("handler c=16, batches of 25", 16, 25, 500, 4.0),
        run("naive baseline", 0, 1, 100, 5.0),  # 20/s
    ]
    row = {"mode": "inline", "items": 1000, "transitionsPerItem": 0.046}
    document = {
        "throughput": results.throughput_json(Measurement(runs, Placement((0,), (1,))), settings),
        "transitions": {"imageDownloader": [{**row, "items": 10, "transitionsPerItem": 0.7}, row]},
    }

    checks = {check["target"]: check for check in results.targets(document)}

    assert checks["throughput at c=16 / limit c/L >= 0.8"]["met"]
    assert checks["throughput at c=16 / naive baseline >= 3"]["value"] == pytest.approx(13.16)
    assert checks["image-downloader transitions per image (inline, 1000 images) <= 0.1"]["met"]
    assert len(checks) == 3
    assert document["throughput"]["placement"] == {"handlerCores": [0], "serviceCores": [1]}
    notes = render.sections({"throughput": document["throughput"]})[0].notes
    assert any("handler's process on core 0" in note and "on core(s) 1" in note for note in notes)


def test_the_markdown_has_the_machine_and_a_table_per_part() -> None:
    document = {
        "date": "2026-01-01T00:00:00+00:00",
        "machine": {"platform": "Linux", "processor": "x86_64", "cpuCount": 2, "python": "3.11.7", "loadAverage": [1]},
        "programCost": {"evaluateFirstSeconds": 1.0, "evaluateAgainSeconds": 0.5, "resources": 154},
        "targets": [{"target": "x >= 1", "value": 2, "met": True}],
    }

    text = render.markdown(document)

    assert "2 CPUs, Python 3.11.7" in text
    assert "**Program cost (154 resources)**" in text and "| x >= 1 | 2 | met |" in text
