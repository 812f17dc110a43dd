"""`python -m tools.bench`: run every benchmark, print the tables, and write bench/results.json and bench/results.md."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.bench import load, program_cost, render, results, scale, throughput, transitions
from tools.bench.child_history import ChildHistories
from tools.bench.load_scenarios import QUICK, LoadSettings
from tools.program import PROJECT_ROOT
from tools.sandbox.session import Sandbox

OUTPUT = PROJECT_ROOT / "bench" / "results.json"
PARTS = ("throughput", "transitions", "scale", "program", "load")
#: map-fan-out's knobs for the measurement: 40 items at a time and a 1 s Wait instead of 2 s keep it short; the
#: transitions do not depend on them (the Wait state is there as long as waitDurationSeconds > 0).
FAN_OUT_OVERRIDES = {"maxConcurrency": "40", "waitDurationSeconds": "1", "timeoutDurationSeconds": "3600"}


@dataclass(frozen=True)
class Plan:
    """Every size the run uses."""

    throughput: throughput.ThroughputSettings
    sizes: tuple[int, ...]
    fan_out_sizes: tuple[int, ...]
    tutorial_check_images: int
    scale_sizes: list[int]
    scale_timeout_seconds: float
    evaluation_repeats: int
    load: LoadSettings


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected sizes of at least 1, got {text!r}")
    return sizes


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    arguments.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of every part (< 1 min)")
    arguments.add_argument("--images", type=int, help="throughput: images to download (default 500; quick 48)")
    arguments.add_argument("--latency-ms", type=float, help="throughput: the host's latency per request (default 50)")
    arguments.add_argument("--image-kb", type=int, default=20, help="throughput: size of each image (default 20)")
    arguments.add_argument("--concurrency", type=_sizes, help="throughput: lambdaConcur values (default 1,4,16)")
    arguments.add_argument("--baseline-images", type=int, help="throughput: naive baseline sample (default 100)")
    arguments.add_argument("--sizes", type=_sizes, help="transitions: image counts (default 10,100,1000)")
    arguments.add_argument("--fan-out-sizes", type=_sizes, help="transitions: map-fan-out items (default 10,100,1000)")
    arguments.add_argument("--scale-sizes", type=_sizes, help="scale: sizes to try first (default 1000,5000,10000)")
    arguments.add_argument("--scale-max", type=int, help="scale: the largest size to try, doubling up to it (10000)")
    arguments.add_argument("--scale-timeout", type=float, default=600, help="scale: seconds one execution may take")
    arguments.add_argument("--skip", action="append", choices=PARTS, default=[], help="leave a part out (repeatable)")
    arguments.add_argument("--profile", action="store_true", help="also profile the handler (bench/profile.txt)")
    arguments.add_argument("--output", type=Path, default=OUTPUT, help="where to write the JSON (and .md beside it)")
    return arguments


def plan(options: argparse.Namespace) -> Plan:
    quick = bool(options.quick)
    images = options.images or (48 if quick else 500)
    scale_max = options.scale_max or (30 if quick else 10_000)
    return Plan(
        throughput=throughput.ThroughputSettings(
            images=images,
            image_bytes=options.image_kb * 1024,
            latency_seconds=(options.latency_ms or (20 if quick else 50)) / 1000,
            concurrencies=options.concurrency or (1, 4, 16),
            baseline_images=options.baseline_images or (12 if quick else 100),
            profile_path=options.output.parent / "profile.txt" if options.profile else None,
        ),
        sizes=options.sizes or ((10,) if quick else (10, 100, 1000)),
        fan_out_sizes=options.fan_out_sizes or ((3,) if quick else (10, 100, 1000)),
        tutorial_check_images=10,
        scale_sizes=scale.scale_sizes(options.scale_sizes or ((30,) if quick else scale.DEFAULT_SIZES), scale_max),
        scale_timeout_seconds=options.scale_timeout,
        evaluation_repeats=1 if quick else 2,
        load=QUICK if quick else LoadSettings(),
    )


@contextmanager
def _deployed(name: str, overrides: dict[str, str], deploys: dict[str, float]) -> Iterator[Sandbox]:
    """A sandbox with the program deployed; how long `Sandbox().__enter__` took goes into `deploys[name]`."""
    started = time.perf_counter()
    with Sandbox(overrides=overrides) as sandbox:
        deploys[name] = time.perf_counter() - started
        yield sandbox


def _sandbox_parts(plan: Plan, skip: Sequence[str], document: dict[str, Any], deploys: dict[str, float]) -> None:
    """Transitions in the default (auto) and distributed modes, the tutorial check, and scale, in two sandboxes."""
    workflow = transitions.IMAGE_DOWNLOADER
    largest = max([*plan.sizes, *plan.scale_sizes])
    base = {**workflow.sandbox_overrides, "maxResources": str(max(largest, 10_000))}
    measured: list[transitions.ExecutionFigures] = []
    fan_out: list[transitions.ExecutionFigures] = []
    check: transitions.TutorialCheck | None = None
    with ChildHistories() as children:
        if "transitions" not in skip:
            with _deployed("auto mode", {**base, **FAN_OUT_OVERRIDES}, deploys) as auto:
                measured += [transitions.measure_image_downloader(auto, children, n) for n in plan.sizes]
                fan_out = [transitions.measure_map_fan_out(auto, children, n) for n in plan.fan_out_sizes]
                check = transitions.check_tutorial(auto, plan.tutorial_check_images)
        if "transitions" in skip and "scale" in skip:
            return
        with _deployed("distributed mode", {**base, "mapMode": "distributed"}, deploys) as distributed:
            if "transitions" not in skip:
                measured += [transitions.measure_image_downloader(distributed, children, n) for n in plan.sizes]
            if "scale" not in skip:
                done = {figures.items: figures for figures in measured if figures.mode == "distributed"}
                attempts = scale.measure_scale(
                    distributed, children, plan.scale_sizes, plan.scale_timeout_seconds, done
                )
                document["scale"] = scale.summary(attempts, plan.scale_timeout_seconds)
    if "transitions" not in skip:
        document["transitions"] = {
            "counted": results.COUNTED,
            "imageDownloader": [figures.as_json() for figures in measured],
            "mapFanOut": [figures.as_json() for figures in fan_out],
            "tutorialDesign": [transitions.tutorial_per_image(n) for n in plan.sizes],
            "tutorialCheck": check.as_json() if check else None,
        }


def run(plan: Plan, skip: Sequence[str]) -> dict[str, Any]:
    """Every part not skipped, in one document."""
    document: dict[str, Any] = {"date": results.now(), "machine": results.machine()}
    deploys: dict[str, float] = {}
    if "program" not in skip:
        cost = program_cost.measure_evaluation(plan.evaluation_repeats)
        document["programCost"] = cost.as_json()
    if "throughput" not in skip:
        measurement = throughput.measure(plan.throughput)
        document["throughput"] = results.throughput_json(measurement, plan.throughput)
    _sandbox_parts(plan, skip, document, deploys)
    if "load" not in skip:  # in a sandbox of its own (`python -m tools.bench.load` runs only this part)
        document["load"] = load.run(plan.load)
    if "programCost" in document:
        document["programCost"]["deploySeconds"] = {name: round(seconds, 2) for name, seconds in deploys.items()}
    document["targets"] = results.targets(document)
    document["machine"]["loadAverageAtEnd"] = results.machine()["loadAverage"]
    return document


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    document = run(plan(options), options.skip)
    output: Path = options.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n")
    output.with_suffix(".md").write_text(render.markdown(document))
    render.print_tables(document)
    print(f"\nwrote {output} and {output.with_suffix('.md')}")
    return 0
