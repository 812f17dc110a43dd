"""The results document as tables: printed with rich, and as Markdown for the docs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Section:
    """One table: a title, its columns and rows (already text), and lines said under it."""

    title: str
    headers: Sequence[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _throughput(document: dict[str, Any]) -> Section:
    rows = []
    for run in document["runs"]:
        cpu = run["cpuMsPerImage"]
        rows.append(
            [
                run["label"],
                f"{run['succeeded']}/{run['images']}",
                f"{run['imagesPerSecond']:.1f}",
                f"{run['limitImagesPerSecond']:.0f}",
                f"{run['ratioToLimit']:.2f}",
                f"{run['ratioToNaive']:.1f}",
                f"{cpu.get('handler', 0):.1f} / {cpu.get('embeddedAws', 0):.1f} / {cpu.get('imageHost', 0):.1f}",
                f"{run['cpuCeilingImagesPerSecond']:.0f}",
            ]
        )
    title = (
        f"Download throughput: {document['images']} images of {document['imageBytes'] // 1024} KB, "
        f"L = {document['latencyMs']:g} ms per request"
    )
    headers = ["run", "stored", "images/s", "limit c/L", "x limit", "x naive", "CPU ms/image", "CPU ceiling/s"]
    notes = [
        f"handler: {document['handlerRun']}.",
        _placement_note(document.get("placement")),
        *_ceiling_note(document),
        f"naive baseline: {document['naiveBaseline']}.",
        "CPU ms/image: handler process / embedded AWS (S3, DynamoDB) / image host. CPU ceiling: images/s if the "
        "cores did nothing but these processes' work per image (pinned: the handler's core its share, the "
        "services' cores theirs; the busier side sets it).",
    ]
    return Section(title, headers, rows, notes)


def _placement_note(placement: dict[str, Any] | None) -> str:
    if not placement:
        return "Cores: not pinned (fewer than two, or no CPU affinity here): every process shares every core."
    handler = ", ".join(str(core) for core in placement["handlerCores"])
    services = ", ".join(str(core) for core in placement["serviceCores"])
    return (
        f"Cores: the handler's process on core {handler}, as a Lambda function has its own vCPU (one at 1,769 MB); "
        f"the embedded AWS and the image host on core(s) {services}, as the services they stand in for run elsewhere."
    )


def _ceiling_note(document: dict[str, Any]) -> list[str]:
    single = [run for run in document["runs"] if run["concurrency"] and run["batchSize"] == document["images"]]
    widest = max(single, key=lambda run: run["concurrency"], default=None)
    if widest is None or not widest["limitImagesPerSecond"]:
        return []
    share = widest["cpuCeilingImagesPerSecond"] / widest["limitImagesPerSecond"]
    return [
        f"At c={widest['concurrency']} the CPU ceiling is {widest['cpuCeilingImagesPerSecond']:.0f} images/s, "
        f"{share:.2f} of c/L: above 1 the limit is the latency, below it the CPU (mostly the SDK's and the embedded "
        "S3's work per PutObject, which a real S3 does elsewhere)."
    ]


def _transitions(document: dict[str, Any]) -> Section:
    rows = []
    for row in document["imageDownloader"] + document["mapFanOut"]:
        children = f"{row['childExecutions']} + {row['childStateTransitions']}" if row["childExecutions"] else "-"
        rows.append(
            [
                row["workflow"],
                row["mode"],
                str(row["items"]),
                row["status"],
                str(row["parentStateTransitions"]),
                children,
                f"{row['stateTransitions']} ({row['expectedFromDefinition']})",
                f"{row['transitionsPerItem']:.3f}",
                f"${row['dollarsPerMillionItems']:.2f}",
                _kb(row["largestPayloadBytes"]),
            ]
        )
    for row in document["tutorialDesign"]:
        rows.append(
            [
                "tutorial design",
                f"batches of {row['batchSize']}",
                str(row["items"]),
                "computed",
                "-",
                "-",
                f"{row['stateTransitions']} ({row['formula']})",
                f"{row['transitionsPerItem']:.3f}",
                f"${row['dollarsPerMillionItems']:.2f}",
                "-",
            ]
        )
    check = document.get("tutorialCheck")
    notes = [document["counted"]]
    if check:
        notes.append(
            f"Tutorial design run in the sandbox ({check['images']} images, Pass stand-ins for its Lambdas): "
            f"{check['status']}, {check['observedStateTransitions']} transitions observed, "
            f"{check['expectedFromDefinition']} from its definition ({check['formula']})."
        )
    headers = ["workflow", "mode", "items", "status", "parent", "child execs + states", "total (expected)"]
    headers += ["per item", "$ per M items", "largest payload"]
    return Section("State transitions per item ($0.025 per 1,000)", headers, rows, notes)


def _scale(document: dict[str, Any]) -> Section:
    rows = []
    for row in document["attempts"]:
        if "stateTransitions" not in row:
            rows.append([str(row["items"]), row["status"], "-", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                str(row["items"]),
                row["status"],
                f"{row['seconds']:.1f}",
                str(row["stateTransitions"]),
                f"{row['transitionsPerItem']:.3f}",
                f"{_kb(row['largestPayloadBytes'])} ({row['largestPayloadAt']})",
                "yes" if row["withinPayloadLimit"] else "NO",
            ]
        )
    notes = [
        f"Largest completed within {document['timeLimitSeconds']:g} s: {document['largestCompleted']} images "
        f"({document['largestCompletedSeconds']} s); with every state payload within "
        f"{_kb(document['payloadLimitBytes'])}: {document['largestCompletedWithinPayloadLimit']} images.",
        f"Largest payload: {_kb(document['largestPayloadBytes'])} at {document['largestPayloadAt'] or '-'}; the "
        f"request is the execution input, so one execution takes at most {document['imagesPerExecutionInputLimit']} "
        "images with these paths (above it StartExecution is refused, in AWS and in the sandbox).",
    ]
    headers = ["images", "status", "seconds", "transitions", "per image", "largest payload", "<= 256 KB"]
    return Section("Scale: image-downloader, distributed mode", headers, rows, notes)


def _program(document: dict[str, Any]) -> Section:
    rows = [
        ["evaluate __main__.py under PreviewMocks (first in the process)", f"{document['evaluateFirstSeconds']:.2f}"],
        ["evaluate __main__.py under PreviewMocks (again)", f"{document['evaluateAgainSeconds']:.2f}"],
    ]
    rows += [[f"Sandbox().__enter__: start the embedded AWS and deploy ({name})", f"{seconds:.2f}"]
             for name, seconds in document.get("deploySeconds", {}).items()]  # fmt: skip
    return Section(f"Program cost ({document['resources']} resources)", ["what", "seconds"], rows)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def load_section(document: dict[str, Any]) -> Section:
    """The load scenarios: what the callers were answered, then what Step Functions lists (see load_outcome.py)."""
    rows = [
        [
            row["scenario"],
            row["entryPoint"],
            str(row["attempts"]),
            str(row["accepted"]),
            str(row["refused"]),
            f"{row['executions']} ({row['expectedExecutions']})",
            str(row["succeeded"]),
            str(row["failed"]),
            str(row["lost"]),
            _seconds(row["p50Seconds"]),
            _seconds(row["p99Seconds"]),
        ]
        for row in document["scenarios"]
    ]
    headers = ["scenario", "entry point", "calls", "accepted", "refused (429)", "executions (expected)"]
    headers += ["succeeded", "failed", "lost", "p50 s", "p99 s"]
    notes = [_load_note(row) for row in document["scenarios"]]
    broken = [check for check in document["checks"] if not check["held"]]
    if broken:
        notes += [f"BROKEN: {check['scenario']}: {check['invariant']}." for check in broken]
    else:
        notes.append(f"Invariants: all {len(document['checks'])} held (tools/bench/load_outcome.py lists them).")
    return Section("Load held: calls at once to the public entry points, in one sandbox", headers, rows, notes)


def _load_note(row: dict[str, Any]) -> str:
    errors = f", {row['errors']} other answers ({', '.join(row['errorKinds'])})" if row["errors"] else ""
    if row["scenario"] == "image-downloader":
        return (
            f"image-downloader: the stage's throttle is a burst of {row['burstLimit']} and a rate of "
            f"{row['rateLimit']:g} per second; the sandbox's gateway answered the {row['attempts']} requests within "
            f"{row['answeringSeconds']:.1f} s, in which the throttle admits at most {row['mostTheThrottleAdmits']}. "
            f"It admitted {row['accepted']}; {row['refused']} were refused with 429 and started nothing"
            f"{errors}; {row['imagesStored']} images stored for {row['succeeded']} succeeded requests."
        )
    if row["scenario"] == "task-tracker":
        return (
            f"task-tracker: {row['attempts']} starts over {row['taskIds']} task ids answered with "
            f"{row['acknowledgedExecutions']} distinct executions{errors}; {row['tasksDone']} tasks recorded one "
            f"run, DONE; a run is its work, a {row.get('workSeconds', '?')} s Wait."
        )
    return (
        f"{row['scenario']}: {row['attempts']} starts, {row['acknowledgedExecutions']} executions{errors}; each "
        f"waits {row.get('waitSeconds', '?')} s before each of its {row.get('items', '?')} items, one at a time."
    )


def _targets(checks: list[dict[str, Any]]) -> Section:
    rows = [[check["target"], f"{check['value']:g}", "met" if check["met"] else "MISSED"] for check in checks]
    return Section("Targets", ["target", "value", ""], rows)


def sections(results: dict[str, Any]) -> list[Section]:
    """The tables of whichever parts the run measured, then the targets."""
    found: list[Section] = []
    if "throughput" in results:
        found.append(_throughput(results["throughput"]))
    if "transitions" in results:
        found.append(_transitions(results["transitions"]))
    if "scale" in results:
        found.append(_scale(results["scale"]))
    if "programCost" in results:
        found.append(_program(results["programCost"]))
    if "load" in results:
        found.append(load_section(results["load"]))
    found.append(_targets(results.get("targets", [])))
    return found


def _machine_line(results: dict[str, Any]) -> str:
    machine = results["machine"]
    load = ", ".join(f"{value:g}" for value in machine["loadAverage"])
    return (
        f"{results['date']} on {machine['platform']} ({machine['processor']}), {machine['cpuCount']} CPUs, "
        f"Python {machine['python']}, load average {load} at the start"
    )


def markdown(results: dict[str, Any], only: Sequence[Section] | None = None) -> str:
    """Markdown tables, one per section (or only those given), headed by the machine and date."""
    lines = [f"Measured {_machine_line(results)}.", ""]
    for section in sections(results) if only is None else only:
        lines += [f"**{section.title}**", "", "| " + " | ".join(section.headers) + " |"]
        lines.append("| " + " | ".join("---" for _ in section.headers) + " |")
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in section.rows]
        lines.append("")
        lines += [f"{note}  " for note in section.notes]
        if section.notes:
            lines.append("")
    return "\n".join(lines)


def print_tables(
    results: dict[str, Any], console: Console | None = None, only: Sequence[Section] | None = None
) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=200)  # a log or a pipe: no wrapping at 80 columns
    console.print(f"[bold]sfn-patterns benchmark[/bold]: {_machine_line(results)}")
    for section in sections(results) if only is None else only:
        table = Table(title=section.title, title_justify="left")
        for header in section.headers:
            table.add_column(header)
        for row in section.rows:
            table.add_row(*row)
        console.print(table)
        for note in section.notes:
            console.print(f"  {note}", style="dim", highlight=False)
