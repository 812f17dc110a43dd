"""`python -m tools.sandbox` in this checkout: `sfn-sandbox`'s commands (tools/sandbox/program_cli.py) with this
repository's seed workflows: `run WORKFLOW` (`--items`), `serve` with every seed walkthrough ready to start from the
console, and `demo`. Given `--program DIR` of another program, the commands are `sfn-sandbox`'s as they are."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tools.program import PROJECT_ROOT
from tools.sandbox.printing import json_text
from tools.sandbox.program_cli import USAGE_ERROR, Commands, OnPoll, RunPlan, Serving, read_input
from tools.sandbox.scenarios import SCENARIOS, run_scenario
from tools.sandbox.session import ExecutionReport, Sandbox
from tools.sandbox.walkthroughs import serve_ready
from tools.sandbox.workflows import WORKFLOWS, WorkflowInputError, read_items, run_workflow

__all__ = ["USAGE_ERROR", "SeedCommands", "json_text", "main"]


class SeedCommands(Commands):
    """The commands on this checkout's program, its seed workflows named by their names."""

    prog = "python -m tools.sandbox"
    description = "Deploy the Pulumi program into an embedded AWS on 127.0.0.1 and run its workflows."
    target_help = (
        f"one of {', '.join(sorted(WORKFLOWS))}; with --program, the stack output holding the state machine's ARN"
    )
    one_line_errors = (WorkflowInputError,)

    def program_dir(self, args: argparse.Namespace) -> Path:
        return Path(args.program) if getattr(args, "program", None) else PROJECT_ROOT

    def own(self, args: argparse.Namespace) -> bool:
        """This checkout's own program (not another one named with --program)."""
        return self.program_dir(args).resolve() == PROJECT_ROOT

    def add_commands(self, commands: Any) -> None:
        demo = commands.add_parser("demo", help="every seed tutorial scenario: expected vs observed")
        demo.add_argument("--stack", default="dev")

    def add_run_arguments(self, run: argparse.ArgumentParser) -> None:
        run.add_argument("--items", help="@file with a JSON array of items for the workflow's list")

    def command(self, name: str) -> Any:
        return self.demo if name == "demo" else super().command(name)

    def plan(self, args: argparse.Namespace) -> RunPlan:
        if not self.own(args):
            if args.items is not None:
                raise WorkflowInputError(
                    "--items is for this project's workflows; give your execution input with --input"
                )
            return super().plan(args)
        if args.target not in WORKFLOWS:
            raise WorkflowInputError(
                f"{args.target!r} is not a workflow of this program; use one of {', '.join(sorted(WORKFLOWS))}, or "
                "--program DIR to run a stack output's state machine of your own program"
            )
        workflow = WORKFLOWS[args.target]
        payload, items = read_input(args.input, None), _items(args.items)

        def execute(sandbox: Sandbox, timeout: float, on_poll: OnPoll | None) -> ExecutionReport:
            return run_workflow(sandbox, workflow, items, payload, on_poll=on_poll, timeout_seconds=timeout)

        return RunPlan(workflow.name, workflow.run_overrides, execute)

    def serve_overrides(self, args: argparse.Namespace) -> dict[str, str]:
        return dict(WORKFLOWS["image-downloader"].sandbox_overrides) if self.own(args) else {}

    def prepare(self, sandbox: Sandbox, args: argparse.Namespace) -> Serving:
        return serve_ready(sandbox) if self.own(args) else Serving()

    def demo(self, args: argparse.Namespace, console: Console) -> int:
        table = Table(title="sfn-patterns demo: the seed tutorials' walkthroughs in the embedded AWS")
        for column in ("scenario", "expected", "observed", "result"):
            table.add_column(column)
        failures = 0
        for scenario in SCENARIOS:
            with console.status(f"running {scenario.name}"):
                _, outcome = run_scenario(scenario, stack=args.stack)
            failures += not outcome.passed
            result = "[green]pass[/green]" if outcome.passed else "[red]FAIL[/red]"
            table.add_row(scenario.name, scenario.expected, outcome.observed, result)
        console.print(table)
        console.print(f"{len(SCENARIOS) - failures} passed, {failures} failed")
        return 1 if failures else 0


def _items(text: str | None) -> list[Any] | None:
    if text is None:
        return None
    if not text.startswith("@"):
        raise WorkflowInputError("--items takes @file (a JSON array)")
    return read_items(Path(text[1:]))


def _parser() -> argparse.ArgumentParser:
    return SeedCommands().parser()


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    return SeedCommands(prog).main(argv)
