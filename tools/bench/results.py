"""The benchmark's results as one JSON document: every figure, the targets they are held to, the machine and date."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from typing import Any

from tools.bench.throughput import Measurement, ThroughputSettings, cpu_ceiling, physical_limit, ratio

#: The issue's targets.
LIMIT_RATIO_TARGET = 0.8
NAIVE_RATIO_TARGET = 3.0
TRANSITIONS_PER_IMAGE_TARGET = 0.1
COUNTED = (
    "State transitions as AWS bills them: every *StateEntered event of the execution's history (inline Map "
    "iterations are in it), plus for a Distributed Map one per child workflow execution it starts "
    "(DescribeMapRun executionCounts.total) and every *StateEntered of the child executions. The embedded "
    "interpreter keeps no child histories (AWS does), so tools/bench/child_history.py records their events "
    "while they run. `expectedFromDefinition` is the same count read off the deployed definition's path."
)


def machine() -> dict[str, Any]:
    """Where the figures come from: they are ratios within one run, but the load of the machine still shows."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpuCount": os.cpu_count(),
        "python": sys.version.split()[0],
        "loadAverage": [round(value, 2) for value in os.getloadavg()],
    }


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def throughput_json(measurement: Measurement, settings: ThroughputSettings) -> dict[str, Any]:
    """Each run with images/s, its limit c/L, and its ratios to the limit and to the naive baseline."""
    runs, placement = measurement.runs, measurement.placement
    naive = next((run for run in runs if run.concurrency == 0), None)
    naive_rate = naive.images_per_second if naive else 0.0
    cpus = os.cpu_count() or 1
    rows = []
    for run in runs:
        limit = physical_limit(run.concurrency, settings.latency_seconds)
        rows.append(
            {
                "label": run.label,
                "concurrency": run.concurrency,
                "batchSize": run.batch_size,
                "images": run.images,
                "succeeded": run.succeeded,
                "seconds": round(run.seconds, 3),
                "imagesPerSecond": round(run.images_per_second, 1),
                "limitImagesPerSecond": round(limit, 1),
                "ratioToLimit": round(ratio(run.images_per_second, limit), 3),
                "ratioToNaive": round(ratio(run.images_per_second, naive_rate), 2),
                "newConnections": run.new_connections,
                "cpuMsPerImage": run.cpu_ms_per_image,
                "cpuCeilingImagesPerSecond": round(cpu_ceiling(run.cpu_ms_per_image, cpus, placement), 1),
            }
        )
    return {
        "latencyMs": round(settings.latency_seconds * 1000, 1),
        "imageBytes": settings.image_bytes,
        "images": settings.images,
        "handlerRun": "in-process, one invocation of all images (and the workflow's batches of "
        f"{settings.natural_batch_size}, one invocation after another); S3 and DynamoDB in the embedded AWS",
        "naiveBaseline": "one requests.get per URL (a new connection each), body in memory, put_object; sequential",
        "placement": placement.json() if placement else None,
        "runs": rows,
    }


def _widest(throughput: dict[str, Any]) -> dict[str, Any] | None:
    handler_runs = [
        row for row in throughput["runs"] if row["concurrency"] and row["batchSize"] == throughput["images"]
    ]
    return max(handler_runs, key=lambda row: row["concurrency"], default=None)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the figure it is checked against and whether it is met."""
    checks: list[dict[str, Any]] = []
    throughput = results.get("throughput")
    widest = _widest(throughput) if throughput else None
    if widest is not None:
        c = widest["concurrency"]
        checks.append(_check(f"throughput at c={c} / limit c/L", ">=", LIMIT_RATIO_TARGET, widest["ratioToLimit"]))
        checks.append(_check(f"throughput at c={c} / naive baseline", ">=", NAIVE_RATIO_TARGET, widest["ratioToNaive"]))
    rows = (results.get("transitions") or {}).get("imageDownloader", [])
    for mode in sorted({row["mode"] for row in rows}):
        largest = max((row for row in rows if row["mode"] == mode), key=lambda row: row["items"])
        name = f"image-downloader transitions per image ({mode}, {largest['items']} images)"
        checks.append(_check(name, "<=", TRANSITIONS_PER_IMAGE_TARGET, largest["transitionsPerItem"]))
    return checks


def _check(name: str, comparison: str, target: float, value: float) -> dict[str, Any]:
    met = value >= target if comparison == ">=" else value <= target
    return {"target": f"{name} {comparison} {target:g}", "value": value, "met": met}
