"""How the sandbox's commands print: an execution's report, the stack outputs, the injected faults that fired."""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from .faults import Fault, FiredFault, parse_spec
from .session import ExecutionReport

FAULT_HELP = (
    "inject a fault once deployed (repeatable): function=NAME,error=ValueError|Lambda.TooManyRequestsException"
    "[,message=TEXT] | function=NAME,delay=SECONDS | function=NAME,crash=exit|oom | "
    "action=s3:PutObject[,error=throttle|CODE]; each takes times=N, fraction=F and seed=S"
)


def fault_spec(text: str) -> Fault:
    """argparse's `type` for `--fault`: a bad spec is a one-line usage error naming the problem."""
    try:
        return parse_spec(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None


def print_report(report: ExecutionReport, console: Console) -> None:
    color = "green" if report.status == "SUCCEEDED" else "red"
    status = f"[{color}]{report.status}[/{color}]"
    console.print(
        f"[bold]{report.workflow}[/bold]: {status} in {report.duration_seconds:.2f} s, "
        f"{report.state_transitions} state transitions"
    )
    console.print(f"execution: {report.execution_arn}")
    table = Table(title=f"{len(report.invocations)} Lambda invocations")
    for column in ("start (s)", "end (s)", "function", "event", "error"):
        table.add_column(column)
    for call in sorted(report.invocations, key=lambda c: c.started_at):
        error = f"{call.error['errorType']}: {call.error['errorMessage']}" if call.error else ""
        table.add_row(f"{call.started_at:.2f}", f"{call.ended_at:.2f}", call.function, json.dumps(call.event), error)
    console.print(table)
    if report.status == "SUCCEEDED":
        console.print(f"output: {json.dumps(report.output)}")
    else:
        console.print(f"error: {report.error}\ncause: {report.cause}")


def fired_json(hit: FiredFault) -> dict[str, object]:
    return {"fault": hit.fault.describe(), "target": hit.target, "at": round(hit.at, 3), "hit": hit.hit}


def print_fired(fired: list[FiredFault], console: Console) -> None:
    table = Table(title=f"{len(fired)} injected faults fired")
    for column in ("time (UTC)", "fault", "function or action", "hit"):
        table.add_column(column)
    for hit in fired:
        moment = time.strftime("%H:%M:%S", time.gmtime(hit.at)) + f".{int(hit.at % 1 * 1000):03d}"
        table.add_row(moment, hit.fault.describe(), hit.target, str(hit.hit))
    console.print(table)


def print_outputs(outputs: dict[str, object], console: Console) -> None:
    table = Table(title="stack outputs")
    table.add_column("name")
    table.add_column("value")
    for name, value in sorted(outputs.items()):
        table.add_row(name, str(value))
    console.print(table)


def json_text(document: Any) -> str:
    """`document` as JSON. JSON has no NaN or Infinity (Python's json writes them, and reads them back): a
    non-finite number, e.g. in an input StartExecution refused, is written as the string "NaN", "Infinity" or
    "-Infinity", so that `--json` always prints JSON any parser reads."""
    try:
        return json.dumps(document, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(document), allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
