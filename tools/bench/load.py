"""`python -m tools.bench.load`: the load scenarios, printed and written to bench/load.json; its figures are
put in docs/generated/bench-load.md by `python -m tools.docs --write`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.bench import render, results
from tools.bench.load_outcome import checks
from tools.bench.load_scenarios import QUICK, LoadSettings, measure
from tools.program import PROJECT_ROOT

OUTPUT = PROJECT_ROOT / "bench" / "load.json"


def run(settings: LoadSettings) -> dict[str, Any]:
    """Every scenario's figures and the invariants they hold, with the machine and date."""
    document: dict[str, Any] = {"date": results.now(), "machine": results.machine()}
    scenarios = [outcome.as_json() for outcome in measure(settings)]
    document.update(
        settings=settings.as_json(),
        scenarios=scenarios,
        checks=[check for scenario in scenarios for check in checks(scenario)],
    )
    document["machine"]["loadAverageAtEnd"] = results.machine()["loadAverage"]
    return document


def held(document: dict[str, Any]) -> bool:
    return all(check["held"] for check in document["checks"])


def section_markdown(document: dict[str, Any]) -> str:
    """The docs' generated part (docs/generated/bench-load.md): the machine and date, the table and its notes."""
    return render.markdown(document, only=[render.load_section(document)])


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m tools.bench.load", description=__doc__)
    defaults = LoadSettings()
    arguments.add_argument("--quick", action="store_true", help="tiny sizes and a burst of 5 (< 1 min)")
    arguments.add_argument("--requests", type=int, help=f"image-downloader API requests (default {defaults.requests})")
    arguments.add_argument("--task-starts", type=int, help=f"starter invocations (default {defaults.task_starts})")
    arguments.add_argument("--task-ids", type=int, help=f"task ids they cycle over (default {defaults.task_ids})")
    arguments.add_argument("--fan-out", type=int, help=f"map-fan-out starts (default {defaults.fan_out_executions})")
    arguments.add_argument("--output", type=Path, default=OUTPUT, help="the results file (default bench/load.json)")
    return arguments


def settings_of(options: argparse.Namespace) -> LoadSettings:
    base = QUICK if options.quick else LoadSettings()
    return LoadSettings(
        requests=options.requests or base.requests,
        images_per_request=base.images_per_request,
        task_starts=options.task_starts or base.task_starts,
        task_ids=options.task_ids or base.task_ids,
        fan_out_executions=options.fan_out or base.fan_out_executions,
        api_burst_limit=base.api_burst_limit,
        api_rate_limit=base.api_rate_limit,
        work_seconds=base.work_seconds,
        wait_seconds=base.wait_seconds,
        timeout_seconds=base.timeout_seconds,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    output: Path = options.output
    document = run(settings_of(options))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n")
    render.print_tables(document, only=[render.load_section(document)])
    print(f"\nwrote {output}")
    return 0 if held(document) else 1


if __name__ == "__main__":
    raise SystemExit(main())
