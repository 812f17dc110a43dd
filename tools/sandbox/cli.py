"""The sandbox's command line: `preview`, `run WORKFLOW`, `serve`, `demo`, `limits`; `--fault` injects faults."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pulumi
from botocore.exceptions import ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from components.config import ConfigError
from components.parts import ArgError
from tools.program import PROJECT_ROOT, PreviewMocks, StackConfigError, parse_overrides, run_program
from tools.sandbox import limits
from tools.sandbox.faults import FiredFault
from tools.sandbox.image_server import ImageServer
from tools.sandbox.lambda_python import IncompatibleArchive, UnsupportedRuntime
from tools.sandbox.printing import (
    FAULT_HELP,
    fault_spec,
    fired_json,
    json_text,
    print_fired,
    print_outputs,
    print_report,
)
from tools.sandbox.scenarios import SCENARIOS, run_scenario
from tools.sandbox.session import ExecutionNotStarted, Sandbox, UnknownFaultTarget
from tools.sandbox.workflows import WORKFLOWS, WorkflowInputError, output_workflow, read_items, run_workflow
from tools.watch import LiveWatch, RichDisplay

USAGE_ERROR = 2
INTERRUPTED = 130
#: The status `run` reports when StartExecution (or the workflow's own way to start) refused the execution.
NOT_STARTED = "NOT_STARTED"
#: Errors a user reads as one line. pulumi.RunError: a team program's ArgError is sfn_patterns.parts' copy of the
#: class, another class of that same base; the last two: a function the sandbox cannot run as Lambda would.
ONE_LINE_ERRORS = (
    ConfigError,
    ArgError,
    pulumi.RunError,
    StackConfigError,
    WorkflowInputError,
    OSError,
    IncompatibleArchive,
    UnsupportedRuntime,
    ClientError,  # a sandbox call of the workflow's setup answered an error (e.g. an injected fault)
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.sandbox",
        description="Deploy the Pulumi program into an embedded AWS on 127.0.0.1 and run its workflows.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("preview", "the resources and outputs the program would create"),
        ("run", "run one workflow"),
        ("serve", "deploy, then serve the HTTP API (and local images) until Ctrl-C"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--stack", default="dev", help="read Pulumi.<stack>.yaml (default dev)")
        command.add_argument("--config", action="append", default=[], metavar="KEY=VALUE", help="override a key")
        command.add_argument(
            "--program", type=Path, metavar="DIR", help="deploy the Pulumi Python program in DIR (default: this one)"
        )
        if name in ("run", "serve"):
            command.add_argument(
                "--fault", action="append", default=[], type=fault_spec, metavar="SPEC", help=FAULT_HELP
            )
        if name == "run":
            command.add_argument(
                "workflow",
                help=f"one of {', '.join(sorted(WORKFLOWS))}; with --program, the stack output holding the "
                "state machine's ARN",
            )
            command.add_argument("--input", help="execution input: JSON, or @file")
            command.add_argument("--items", help="@file with a JSON array of items for the workflow's list")
            command.add_argument("--json", action="store_true", help="print exactly one JSON object")
        if name == "serve":
            command.add_argument("--seconds", type=float, help="stop after this long (default: until interrupted)")
    demo = commands.add_parser("demo", help="every seed tutorial scenario: expected vs observed")
    demo.add_argument("--stack", default="dev")
    limits.add_arguments(commands.add_parser("limits", help="AWS quotas and rules, and which the sandbox enforces"))
    return parser


def _json_or_file(text: str | None) -> Any:
    if text is None:
        return None
    source = Path(text[1:]).read_text() if text.startswith("@") else text
    try:
        return json.loads(source)
    except ValueError as error:
        raise WorkflowInputError(f"--input: not JSON ({error})") from None


def _items(text: str | None) -> list[Any] | None:
    if text is None:
        return None
    if not text.startswith("@"):
        raise WorkflowInputError("--items takes @file (a JSON array)")
    return read_items(Path(text[1:]))


def _program_dir(args: argparse.Namespace) -> Path:
    return Path(args.program) if args.program else PROJECT_ROOT


def preview(args: argparse.Namespace, console: Console) -> int:
    program = run_program(
        PreviewMocks(), stack=args.stack, overrides=parse_overrides(args.config), preview=True,
        root=_program_dir(args),
    )  # fmt: skip
    names = {resource.urn: resource.name for resource in program.resources}
    table = Table(title=f"{len(program.resources)} resources (stack {args.stack})")
    for column in ("type", "logical name", "physical name", "parent"):
        table.add_column(column)
    for resource in program.resources:
        physical = str(resource.state.get("name") or resource.id or "") if resource.custom else ""
        table.add_row(resource.type, resource.name, physical, names.get(resource.parent, "(stack)"))
    console.print(table)
    print_outputs(program.outputs, console)
    return 0


def run(args: argparse.Namespace, console: Console) -> int:
    if args.program:
        workflow = output_workflow(args.workflow)
    elif args.workflow in WORKFLOWS:
        workflow = WORKFLOWS[args.workflow]
    else:
        raise WorkflowInputError(
            f"{args.workflow!r} is not a workflow of this program; use one of {', '.join(sorted(WORKFLOWS))}, or "
            "--program DIR to run a stack output's state machine of your own program"
        )
    payload, items = _json_or_file(args.input), _items(args.items)
    own_overrides = workflow.sandbox_overrides if args.program else workflow.run_overrides
    overrides = {**own_overrides, **parse_overrides(args.config)}
    live = sys.stdout.isatty() and not args.json
    with _sandbox(args, overrides) as sandbox:
        try:
            if live:  # the execution watcher's live view: current state, a bar per Map, Lambda failures
                with LiveWatch(lambda: sandbox.client("stepfunctions"), RichDisplay(console)) as watch:
                    report = run_workflow(sandbox, workflow, items, payload, on_poll=watch)
            else:
                report = run_workflow(sandbox, workflow, items, payload)
        except ExecutionNotStarted as refused:  # e.g. StartExecution throttled, or an input AWS refuses
            return _not_started(args, refused, sandbox.faults_fired(), console)
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
    args: argparse.Namespace, refused: ExecutionNotStarted, fired: list[FiredFault], console: Console
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


@contextlib.contextmanager
def _sandbox(args: argparse.Namespace, overrides: dict[str, str]) -> Iterator[Sandbox]:
    """The sandbox `run` and `serve` deploy; a function fault naming no deployed function is a usage error."""
    try:
        with Sandbox(
            stack=args.stack, overrides=overrides, program_dir=_program_dir(args), faults=args.fault
        ) as sandbox:
            yield sandbox
    except UnknownFaultTarget as error:
        raise WorkflowInputError(f"--fault {error}") from None


def serve(args: argparse.Namespace, console: Console) -> int:
    """Keep a deployed sandbox up so `tools/start_download.py` and the AWS CLI can use it."""
    own = args.program is None
    overrides = {**(WORKFLOWS["image-downloader"].sandbox_overrides if own else {}), **parse_overrides(args.config)}
    with _sandbox(args, overrides) as sandbox:
        for fault in sandbox.faults.active():
            console.print(f"fault injected: {fault.describe()}")
        creds = sandbox.aws.operator_credentials
        if not own or "imageDownloaderApiUrl" not in sandbox.outputs:
            print_outputs(sandbox.outputs, console)
            console.print(f"embedded AWS:  {sandbox.aws.endpoint_url}")
            print(f"export AWS_ACCESS_KEY_ID={creds['AccessKeyId']} AWS_SECRET_ACCESS_KEY={creds['SecretAccessKey']} "
                  f"AWS_DEFAULT_REGION={sandbox.aws.region} AWS_ENDPOINT_URL={sandbox.aws.endpoint_url}")  # fmt: skip
            sys.stdout.flush()
            _wait(args.seconds)
            if args.fault:
                print_fired(sandbox.faults_fired(), console)
            return 0
        images = sandbox.shared("images", ImageServer)
        console.print(f"HTTP API:      {sandbox.outputs['imageDownloaderApiUrl']}")
        console.print(f"local images:  {images.url}/data/flags/<cc>/<cc>.gif (404 for zz)")
        console.print(f"embedded AWS:  {sandbox.aws.endpoint_url}")
        console.print("as the sandbox operator, in another shell:")
        print(f"export AWS_ACCESS_KEY_ID={creds['AccessKeyId']} AWS_SECRET_ACCESS_KEY={creds['SecretAccessKey']} "
              f"AWS_DEFAULT_REGION={sandbox.aws.region} AWS_ENDPOINT_URL={sandbox.aws.endpoint_url}")  # fmt: skip
        console.print(f"python tools/start_download.py --api-url {sandbox.outputs['imageDownloaderApiUrl']} "
                      f"--base-url {images.url}/data/flags --paths ad/ad.gif ae/ae.gif")  # fmt: skip
        sys.stdout.flush()
        _wait(args.seconds)
        if args.fault:
            print_fired(sandbox.faults_fired(), console)
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends the sandbox as Ctrl-C does: the `with` blocks unwind, so workers and temporary folders go."""
    raise KeyboardInterrupt


def _wait(seconds: float | None) -> None:
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C (or SIGTERM) is how `serve` is meant to end
        if seconds:
            time.sleep(seconds)
        else:
            threading.Event().wait()


def demo(args: argparse.Namespace, console: Console) -> int:
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=getattr(args, "json", False))
    if args.command == "limits":
        return limits.command(args, console)
    in_main_thread = threading.current_thread() is threading.main_thread()  # only it may set a signal handler
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        command = {"preview": preview, "run": run, "serve": serve, "demo": demo}[args.command]
        return command(args, console)
    except ONE_LINE_ERRORS as error:
        console.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)  # one line, brackets as written
        return USAGE_ERROR
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before `serve` waits, or during `run`: cleaned up on the way out
        console.print("[red]interrupted[/red]")
        return INTERRUPTED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
