"""`python -m tools.bench.scale_run`: request files of 10,000 and 100,000 paths, each in a fresh sandbox and started
through `tools/start_download.py --paths-file`, and the batch Lambda planning a 1,000,000-line file; writes
bench/scale.json, whose figures `python -m tools.docs --write` puts in docs/generated/bench-scale.md."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.bench import bill, lambda_memory, results
from tools.bench.child_history import ChildHistories
from tools.bench.transitions import IMAGE_DOWNLOADER, child_executions, image_paths, largest_payload, states_entered
from tools.program import PROJECT_ROOT
from tools.sandbox.image_server import ImageServer
from tools.sandbox.session import Sandbox

OUTPUT = PROJECT_ROOT / "bench" / "scale.json"
SIZES = (10_000, 100_000)
PLAN_LINES = 1_000_000
FUNCTIONS = {
    "batch": "image-downloader-batch-function",
    "download": "image-downloader-download-function",
    "consolidate": "image-downloader-consolidate-function",
}
OVERRIDES = {**IMAGE_DOWNLOADER.sandbox_overrides, "mapMode": "distributed", "maxResources": "1000000"}


def write_paths_file(folder: Path, images: int) -> Path:
    """A JSON-lines request file of `images` paths the sandbox's image server answers."""
    path = folder / f"paths-{images}.jsonl"
    with path.open("w") as file:
        for image_path in image_paths(images):
            file.write(json.dumps(image_path) + "\n")
    return path


def start_download(sandbox: Sandbox, paths_file: Path) -> str:
    """`tools/start_download.py --paths-file`, as a caller runs it, with the operator's credentials: the ARN."""
    server = sandbox.shared("images", ImageServer)
    credentials = sandbox.aws.operator_credentials
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [
        sys.executable, str(PROJECT_ROOT / "tools" / "start_download.py"),
        "--api-url", sandbox.outputs["imageDownloaderApiUrl"], "--bucket", sandbox.outputs["imagesBucketName"],
        "--base-url", server.url + "/data/flags", "--paths-file", str(paths_file),
        "--endpoint-url", sandbox.aws.endpoint_url,
    ]  # fmt: skip
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def measure_size(images: int, folder: Path, timeout_seconds: float) -> dict[str, Any]:
    """One request file of `images` paths in a fresh sandbox: time, transitions, payload, history, Lambda memory."""
    paths_file = write_paths_file(folder, images)
    with ChildHistories() as children, Sandbox(overrides=OVERRIDES) as sandbox:
        execution_arn = start_download(sandbox, paths_file)
        report = sandbox.follow("image-downloader", execution_arn, None, timeout_seconds=timeout_seconds)
        history = sandbox.history(execution_arn)
        child_events = children.take()
        payload = max([largest_payload(history), largest_payload(child_events, "child ")], key=lambda found: found.size)
        children_started = child_executions(sandbox, execution_arn)
        transitions = states_entered(history) + children_started + states_entered(child_events)
        memory = {role: lambda_memory.usage(sandbox, name).as_json() for role, name in FUNCTIONS.items()}
    return {
        "images": images,
        "status": report.status,
        "seconds": round(report.duration_seconds, 1),
        "imagesPerSecond": round(images / report.duration_seconds, 1),
        "childExecutions": children_started,
        "stateTransitions": transitions,
        "transitionsPerImage": round(transitions / images, 4),
        "largestPayloadBytes": payload.size,
        "largestPayloadAt": payload.where,
        "parentHistoryEvents": len(history),
        "lambdas": memory,
    }


def measure_planning(lines: int, folder: Path) -> dict[str, Any]:
    """The batch Lambda alone, invoked on a request file of `lines` paths: its worker's peak memory and time."""
    paths_file = write_paths_file(folder, lines)
    with Sandbox(overrides=OVERRIDES) as sandbox:
        key = f"requests/plan-{lines}.jsonl"
        sandbox.client("s3").upload_file(str(paths_file), sandbox.outputs["imagesBucketName"], key)
        event = {"baseUrl": "https://images.example.com/flags", "resourcesFile": key, "lambdaConcur": 5}
        started = time.perf_counter()
        answer = sandbox.client("lambda").invoke(
            FunctionName=sandbox.mocks.functions[FUNCTIONS["batch"]].function_name, Payload=json.dumps(event).encode()
        )
        seconds = time.perf_counter() - started
        body = json.loads(answer["Payload"].read())
        usage = lambda_memory.usage(sandbox, FUNCTIONS["batch"])
    return {
        "lines": lines,
        "fileBytes": paths_file.stat().st_size,
        "mode": body.get("mode"),
        "batchCount": body.get("batchCount"),
        "error": body.get("errorType"),
        "seconds": round(seconds, 1),
        "batchLambda": usage.as_json(),
    }


def run(sizes: Sequence[int], plan_lines: int, timeout_seconds: float) -> dict[str, Any]:
    document: dict[str, Any] = {"date": results.now(), "machine": results.machine(), "runs": [], "planning": None}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        for images in sizes:
            document["runs"].append(measure_size(images, Path(folder), timeout_seconds))
        if plan_lines:
            document["planning"] = measure_planning(plan_lines, Path(folder))
    document["machine"]["loadAverageAtEnd"] = results.machine()["loadAverage"]
    return document


def _mb(value: float) -> str:
    return f"{value:.0f} MB"


def section_markdown(document: dict[str, Any]) -> str:
    """The docs' generated part (docs/generated/bench-scale.md): the machine and date, the table of the measured
    runs and the computed million."""
    machine = document["machine"]
    lines = [
        f"Measured {document['date']} on {machine['platform']}, {machine['cpuCount']} CPUs, load average "
        f"{', '.join(str(value) for value in machine['loadAverage'])} at the start.",
        "",
        "| images | how | status | seconds | images/s | transitions | per image | largest payload "
        "| parent history events | batch Lambda peak | consolidate Lambda peak | download Lambda peak |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in document["runs"]:
        memory = row["lambdas"]
        lines.append(
            f"| {row['images']:,} | measured, one execution | {row['status']} | {row['seconds']:.1f} "
            f"| {row['imagesPerSecond']:.1f} | {row['stateTransitions']:,} | {row['transitionsPerImage']:.3f} "
            f"| {row['largestPayloadBytes']:,} B ({row['largestPayloadAt']}) | {row['parentHistoryEvents']} "
            f"| {_mb(memory['batch']['peakMemoryMb'])} | {_mb(memory['consolidate']['peakMemoryMb'])} "
            f"| {_mb(memory['download']['peakMemoryMb'])} |"
        )
    million = bill.ours(1_000_000, bill.DEFAULT_MEASURED)
    planning = document.get("planning") or {}
    plan_peak = _mb(planning["batchLambda"]["peakMemoryMb"]) if planning else "-"
    lines.append(
        f"| {million.images:,} | computed (tools/bench/bill.py) | - | {million.duration_seconds:,.0f} "
        f"| {million.images / million.duration_seconds:.1f} | {million.transitions:,} "
        f"| {million.transitions / million.images:.3f} | - | {million.parent_history_events} "
        f"| {plan_peak} (planning, measured) | - | - |"
    )
    lines += [
        "",
        "Peaks are each function's largest VmHWM among its warm sandbox workers after the run (a fresh sandbox per "
        "size); transitions are the parent's states entered, one per child execution and the children's states "
        "entered. The million's seconds are the bill's: the download Lambdas' time at `downloadConcurrency` in "
        "AWS.",
    ]
    if planning:
        lines.append(
            f"Planning {planning['lines']:,} lines ({planning['fileBytes'] / 1e6:.1f} MB, {planning['batchCount']:,} "
            f"batches): the batch Lambda took {planning['seconds']:.1f} s and peaked at "
            f"{_mb(planning['batchLambda']['peakMemoryMb'])}."
        )
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m tools.bench.scale_run", description=__doc__)
    arguments.add_argument("--sizes", default="10000,100000", help="request file sizes (default 10000,100000)")
    arguments.add_argument("--plan-lines", type=int, default=PLAN_LINES, help="batch Lambda planning (0: skip)")
    arguments.add_argument("--timeout", type=float, default=3600, help="seconds one execution may take")
    arguments.add_argument("--output", type=Path, default=OUTPUT, help="the results file (default bench/scale.json)")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    output: Path = options.output
    sizes = [int(part.replace("_", "")) for part in options.sizes.split(",") if part.strip()]
    document = run(sizes, options.plan_lines, options.timeout)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n")
    print(section_markdown(document))
    print(f"wrote {output}")
    return 0 if all(row["status"] == "SUCCEEDED" for row in document["runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
