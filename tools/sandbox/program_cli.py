"""`sfn-sandbox` (`python -m sfn_patterns.sandbox`): a Pulumi program in the embedded AWS: `preview`, `run OUTPUT`,
`serve` (with the web console) and `limits`.

This is the one implementation of those commands. `Commands` runs them on any program folder (a team's, from its
own venv); this repository's `python -m tools.sandbox` (tools/sandbox/cli.py, which needs a checkout) is a subclass
adding the seed workflows, their walkthroughs made ready in `serve`, and `demo`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pulumi
from botocore.exceptions import ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..watch import LiveWatch, RichDisplay
from . import limits
from .faults import FiredFault
from .lambda_python import IncompatibleArchive, UnsupportedRuntime
from .printing import FAULT_HELP, fault_spec, fired_json, json_text, print_fired, print_outputs, print_report
from .program import PreviewMocks, StackConfigError, parse_overrides, pick_stack, run_program
from .session import (
    ExecutionNotStarted,
    ExecutionReport,
    Sandbox,
    TargetError,
    UnknownFaultTarget,
    state_machine_arn,
)

if TYPE_CHECKING:
    from .console.presets import Preset

__all__ = ["USAGE_ERROR", "Commands", "RunPlan", "Serving", "TargetError", "json_text", "main"]

USAGE_ERROR = 2
INTERRUPTED = 130
#: The status `run` reports when StartExecution (or the workflow's own way to start) refused the execution.
NOT_STARTED = "NOT_STARTED"
#: The components' own errors, as the program imported them: `sfn_patterns` installed, or a checkout's `components`.
COMPONENT_ERRORS = (("parts", "ArgError"), ("config", "ConfigError"))
#: Errors a user reads as one line: a bad stack file, target or input; a program's RunError (its arg errors among
#: them); a function the sandbox cannot run as Lambda would; a sandbox call answered with an error.
ONE_LINE_ERRORS = (
    StackConfigError,
    TargetError,
    OSError,
    pulumi.RunError,
    IncompatibleArchive,
    UnsupportedRuntime,
    ClientError,
)
#: `run`'s live view calls it with each description of the execution and the Lambda invocations so far.
OnPoll = Callable[[dict[str, Any], int], None]


@dataclass(frozen=True)
class RunPlan:
    """What `run` deploys and starts: the config it needs (below `--config`), then, on the deployed sandbox, the
    execution started its own way and followed to its end (within `timeout` seconds)."""

    name: str
    overrides: Mapping[str, str]
    execute: Callable[[Sandbox, float, OnPoll | None], ExecutionReport]


@dataclass
class Serving:
    """What `serve` adds once the program is deployed: lines to print before and after the `export` line, and each
    state machine's preset inputs (by ARN) for its start form in the console."""

    lines: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    presets: dict[str, list[Preset]] = field(default_factory=dict)


def read_input(text: str | None, default: Any) -> Any:
    """`--input`: JSON, or @file; `default` when not given."""
    if text is None:
        return default
    source = Path(text[1:]).read_text() if text.startswith("@") else text
    try:
        return json.loads(source)
    except ValueError as error:
        raise TargetError(f"--input: not JSON ({error})") from None


def export_line(sandbox: Sandbox) -> str:
    """The shell line giving the AWS CLI and boto3 the sandbox operator's credentials and the endpoint."""
    creds, aws = sandbox.aws.operator_credentials, sandbox.aws
    return (
        f"export AWS_ACCESS_KEY_ID={creds['AccessKeyId']} AWS_SECRET_ACCESS_KEY={creds['SecretAccessKey']} "
        f"AWS_DEFAULT_REGION={aws.region} AWS_ENDPOINT_URL={aws.endpoint_url}"
    )


def is_component_error(error: BaseException) -> bool:
    """A bad arg or config value raised by the components the program imported: a one-line error, not a crash."""
    for package in ("sfn_patterns", "components"):
        for module_name, class_name in COMPONENT_ERRORS:
            kind = getattr(sys.modules.get(f"{package}.{module_name}"), class_name, None)
            if isinstance(kind, type) and isinstance(error, kind):
                return True
    return False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the sandbox as Ctrl-C does: the `with` blocks unwind, so workers and temporary folders go."""
    raise KeyboardInterrupt


def _wait(seconds: float | None) -> None:
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C (or SIGTERM) is how `serve` is meant to end
        if seconds:
            time.sleep(seconds)
        else:
            threading.Event().wait()


class Commands:
    """The commands on any program folder; a subclass adds to them through the hooks marked so below."""

    prog = "sfn-sandbox"
    description = "Deploy a Pulumi Python program into an embedded AWS on 127.0.0.1 and run its state machines."
    target_help = "the stack output holding the state machine's ARN, or the ARN"
    #: Hook: more errors a user reads as one line.
    one_line_errors: tuple[type[BaseException], ...] = ()

    def __init__(self, prog: str | None = None) -> None:
        self.prog = prog or self.prog

    # Hooks -----------------------------------------------------------------------------------------------------
    def program_dir(self, args: argparse.Namespace) -> Path:
        """The program's folder: `--program`, else the current folder."""
        return Path(args.program) if args.program else Path()

    def add_commands(self, commands: Any) -> None:
        """Hook: commands of a subclass's own (argparse's subparsers)."""

    def add_run_arguments(self, run: argparse.ArgumentParser) -> None:
        """Hook: `run`'s arguments of a subclass's own."""

    def plan(self, args: argparse.Namespace) -> RunPlan:
        """Hook: what `run` deploys and starts. Here: the state machine named by a stack output or its ARN, started
        with `--input` (default {}) by StartExecution."""
        payload = read_input(args.input, {})

        def execute(sandbox: Sandbox, timeout: float, on_poll: OnPoll | None) -> ExecutionReport:
            arn = state_machine_arn(sandbox.outputs, args.target)
            return sandbox.execute(args.target, arn, payload, timeout_seconds=timeout, on_poll=on_poll)

        return RunPlan(args.target, {}, execute)

    def serve_overrides(self, args: argparse.Namespace) -> dict[str, str]:
        """Hook: config `serve` deploys with (below `--config`)."""
        return {}

    def prepare(self, sandbox: Sandbox, args: argparse.Namespace) -> Serving:
        """Hook: what `serve` does once deployed, before it prints its lines (e.g. loads data, starts a server)."""
        return Serving()

    def command(self, name: str) -> Callable[[argparse.Namespace, Console], int]:
        """Hook: the function of a command by name."""
        return {"preview": self.preview, "run": self.run, "serve": self.serve}[name]

    # The commands ----------------------------------------------------------------------------------------------
    def parser(self) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog=self.prog, description=self.description)
        commands = parser.add_subparsers(dest="command", required=True)
        for name, text in (
            ("preview", "the resources and outputs the program would create"),
            ("run", "deploy, then run one state machine to its end and report it"),
            ("serve", "deploy, then serve the web console and keep the embedded AWS up until Ctrl-C"),
        ):
            command = commands.add_parser(name, help=text)
            command.add_argument("--program", type=Path, metavar="DIR", help="the program's folder (default: this one)")
            command.add_argument(
                "--stack", metavar="NAME", help="read Pulumi.NAME.yaml (default: dev, or the only stack file there is)"
            )
            command.add_argument("--config", action="append", default=[], metavar="KEY=VALUE", help="override a key")
            if name in ("run", "serve"):
                command.add_argument(
                    "--fault", action="append", default=[], type=fault_spec, metavar="SPEC", help=FAULT_HELP
                )
            if name == "run":
                command.add_argument("target", help=self.target_help)
                command.add_argument("--input", help="execution input: JSON, or @file (default {})")
                command.add_argument("--timeout", type=float, default=900, help="seconds to wait for the end")
                command.add_argument("--json", action="store_true", help="print exactly one JSON object")
                self.add_run_arguments(command)
            if name == "serve":
                command.add_argument("--seconds", type=float, help="stop after this long (default: until interrupted)")
                command.add_argument(
                    "--port", type=int, default=0, help="the web console's port on 127.0.0.1 (default: a free one)"
                )
        self.add_commands(commands)
        limits.add_arguments(commands.add_parser("limits", help="AWS quotas and rules, and which the sandbox enforces"))
        return parser

    def stack(self, args: argparse.Namespace) -> str:
        return pick_stack(self.program_dir(args), args.stack)

    def preview(self, args: argparse.Namespace, console: Console) -> int:
        stack = self.stack(args)
        program = run_program(
            PreviewMocks(), stack=stack, overrides=parse_overrides(args.config), preview=True,
            root=self.program_dir(args),
        )  # fmt: skip
        names = {resource.urn: resource.name for resource in program.resources}
        table = Table(title=f"{len(program.resources)} resources (stack {stack})")
        for column in ("type", "logical name", "physical name", "parent"):
            table.add_column(column)
        for resource in program.resources:
            physical = str(resource.state.get("name") or resource.id or "") if resource.custom else ""
            table.add_row(resource.type, resource.name, physical, names.get(resource.parent, "(stack)"))
        console.print(table)
        print_outputs(program.outputs, console)
        return 0

    @contextlib.contextmanager
    def sandbox(self, args: argparse.Namespace, overrides: Mapping[str, str]) -> Iterator[Sandbox]:
        """The deployed program; a function fault naming no deployed function is a usage error."""
        stack = self.stack(args)
        try:
            with Sandbox(
                stack=stack, overrides=overrides, program_dir=self.program_dir(args), faults=args.fault
            ) as sandbox:
                yield sandbox
        except UnknownFaultTarget as error:
            raise TargetError(f"--fault {error}") from None

    def run(self, args: argparse.Namespace, console: Console) -> int:
        plan = self.plan(args)
        overrides = {**plan.overrides, **parse_overrides(args.config)}
        with self.sandbox(args, overrides) as sandbox:
            try:
                if sys.stdout.isatty() and not args.json:  # the execution watcher's live view
                    with LiveWatch(lambda: sandbox.client("stepfunctions"), RichDisplay(console)) as watch:
                        report = plan.execute(sandbox, args.timeout, watch)
                else:
                    report = plan.execute(sandbox, args.timeout, None)
            except ExecutionNotStarted as refused:  # e.g. StartExecution throttled, or an input AWS refuses
                return self._not_started(args, refused, sandbox.faults_fired(), console)
            fired = sandbox.faults_fired()
        if args.json:
            document = report.as_json()
            if args.fault:
                document["faultsFired"] = [fired_json(hit) for hit in fired]
            print(json_text(document))
        else:
            print_report(report, console)
            if args.fault:
                print_fired(fired, console)
        return 0 if report.status == "SUCCEEDED" else 1

    def _not_started(
        self, args: argparse.Namespace, refused: ExecutionNotStarted, fired: list[FiredFault], console: Console
    ) -> int:
        """The result of a run whose execution never started: its report has status NOT_STARTED and the refusal."""
        if args.json:
            document: dict[str, Any] = {
                "workflow": refused.workflow, "executionArn": None, "status": NOT_STARTED, "input": refused.payload,
                "output": None, "error": refused.error, "cause": refused.cause, "durationSeconds": 0,
                "stateTransitions": 0, "invocations": [],
            }  # fmt: skip
            if args.fault:
                document["faultsFired"] = [fired_json(hit) for hit in fired]
            print(json_text(document))
        else:
            console.print(f"[bold]{refused.workflow}[/bold]: [red]{NOT_STARTED}[/red]: the execution did not start")
            console.print(f"error: {refused.error}\ncause: {refused.cause}", markup=False)
            if args.fault:
                print_fired(fired, console)
        return 1

    def serve(self, args: argparse.Namespace, console: Console) -> int:
        """Keep the deployed program up, with its web console, for a browser, the AWS CLI, boto3 or
        `python -m sfn_patterns.watch`."""
        if not 0 <= args.port <= 65535:
            raise TargetError(f"--port {args.port}: a port is 0 (any free one) to 65535")
        from .console.server import ConsoleServer, listen

        overrides = {**self.serve_overrides(args), **parse_overrides(args.config)}
        # A taken port is named before the deploy, not after it.
        with contextlib.closing(listen(args.port)) as listener, self.sandbox(args, overrides) as sandbox:
            serving = self.prepare(sandbox, args)
            with ConsoleServer(sandbox, listener=listener, presets=serving.presets) as web:
                for fault in sandbox.faults.active():
                    console.print(f"fault injected: {fault.describe()}")
                print_outputs(sandbox.outputs, console)
                console.print(f"embedded AWS:  {sandbox.aws.endpoint_url}")
                console.print(f"console:       {web.url}")
                for line in serving.lines:
                    console.print(line, markup=False, highlight=False, soft_wrap=True)
                print(export_line(sandbox))
                for line in serving.hints:
                    console.print(line, markup=False, highlight=False, soft_wrap=True)
                sys.stdout.flush()
                _wait(args.seconds)
                if args.fault:
                    print_fired(sandbox.faults_fired(), console)
        return 0

    def main(self, argv: list[str] | None = None) -> int:
        args = self.parser().parse_args(argv)
        console = Console(stderr=getattr(args, "json", False))
        if args.command == "limits":
            return limits.command(args, console)
        in_main_thread = threading.current_thread() is threading.main_thread()  # only it may set a signal handler
        previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
        try:
            return self.command(args.command)(args, console)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM before `serve` waits, or during `run`: cleaned up on the way
            console.print("[red]interrupted[/red]")
            return INTERRUPTED
        except Exception as error:
            if not isinstance(error, (*ONE_LINE_ERRORS, *self.one_line_errors)) and not is_component_error(error):
                raise
            console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
            return USAGE_ERROR
        finally:
            if in_main_thread:
                signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    return Commands().main(argv)
