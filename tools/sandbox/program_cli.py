"""`sfn-sandbox` (`python -m sfn_patterns.sandbox`): a team's own Pulumi program in the embedded AWS.

Run it from the program's folder with the program's own interpreter (its venv), so its packages import:
`preview`, `run OUTPUT`, `serve` and `limits`. This repository's seed workflows and `demo` stay in
`python -m tools.sandbox` (tools/sandbox/cli.py), which needs a checkout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
from botocore.exceptions import ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..watch import LiveWatch, RichDisplay
from . import limits
from .lambda_python import IncompatibleArchive, UnsupportedRuntime
from .printing import FAULT_HELP, fault_spec, fired_json, json_text, print_fired, print_outputs, print_report
from .program import PreviewMocks, StackConfigError, parse_overrides, pick_stack, run_program
from .session import ExecutionNotStarted, Sandbox, TargetError, UnknownFaultTarget, state_machine_arn

USAGE_ERROR = 2
#: The components' own errors, as the program imported them: `sfn_patterns` installed, or a checkout's `components`.
COMPONENT_ERRORS = (("parts", "ArgError"), ("config", "ConfigError"))
#: Errors a user reads as one line: a bad stack file, target or input; a program's RunError (its arg errors among
#: them); a function the sandbox cannot run as Lambda would; a sandbox call answered with an error.
ONE_LINE_ERRORS = (
    StackConfigError,
    OSError,
    pulumi.RunError,
    IncompatibleArchive,
    UnsupportedRuntime,
    ClientError,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfn-sandbox",
        description="Deploy a Pulumi Python program into an embedded AWS on 127.0.0.1 and run its state machines.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("preview", "the resources and outputs the program would create"),
        ("run", "deploy, then run one state machine to its end and report it"),
        ("serve", "deploy, then keep the embedded AWS up until Ctrl-C"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--program", type=Path, default=Path(), metavar="DIR", help="the program's folder (default: this one)"
        )
        command.add_argument(
            "--stack", metavar="NAME", help="read Pulumi.NAME.yaml (default: dev, or the only stack file there is)"
        )
        command.add_argument("--config", action="append", default=[], metavar="KEY=VALUE", help="override a key")
        if name in ("run", "serve"):
            command.add_argument(
                "--fault", action="append", default=[], type=fault_spec, metavar="SPEC", help=FAULT_HELP
            )
        if name == "run":
            command.add_argument("target", help="the stack output holding the state machine's ARN, or the ARN")
            command.add_argument("--input", help="execution input: JSON, or @file (default {})")
            command.add_argument("--timeout", type=float, default=900, help="seconds to wait for the end")
            command.add_argument("--json", action="store_true", help="print exactly one JSON object")
        if name == "serve":
            command.add_argument("--seconds", type=float, help="stop after this long (default: until interrupted)")
            command.add_argument(
                "--port", type=int, default=0, help="the web console's port on 127.0.0.1 (default: a free one)"
            )
    commands.add_parser("limits", help="AWS quotas and rules, and which the sandbox enforces")
    return parser


def _input(text: str | None) -> Any:
    if text is None:
        return {}
    source = Path(text[1:]).read_text() if text.startswith("@") else text
    try:
        return json.loads(source)
    except ValueError as error:
        raise TargetError(f"--input: not JSON ({error})") from None


def preview(args: argparse.Namespace, console: Console) -> int:
    stack = pick_stack(args.program, args.stack)
    program = run_program(
        PreviewMocks(), stack=stack, overrides=parse_overrides(args.config), preview=True, root=args.program
    )
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
def _sandbox(args: argparse.Namespace) -> Iterator[Sandbox]:
    """The deployed program; a function fault naming no deployed function is a usage error."""
    stack = pick_stack(args.program, args.stack)
    try:
        with Sandbox(
            stack=stack, overrides=parse_overrides(args.config), program_dir=args.program, faults=args.fault
        ) as sandbox:
            yield sandbox
    except UnknownFaultTarget as error:
        raise TargetError(f"--fault {error}") from None


def run(args: argparse.Namespace, console: Console) -> int:
    payload = _input(args.input)
    with _sandbox(args) as sandbox:
        arn = state_machine_arn(sandbox.outputs, args.target)
        try:
            if sys.stdout.isatty() and not args.json:  # the execution watcher's live view
                with LiveWatch(lambda: sandbox.client("stepfunctions"), RichDisplay(console)) as watch:
                    report = sandbox.execute(args.target, arn, payload, timeout_seconds=args.timeout, on_poll=watch)
            else:
                report = sandbox.execute(args.target, arn, payload, timeout_seconds=args.timeout)
        except ExecutionNotStarted as refused:  # e.g. StartExecution throttled by a fault, or an input AWS refuses
            raise TargetError(f"the execution did not start: {refused.error}: {refused.cause}") from None
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


def serve(args: argparse.Namespace, console: Console) -> int:
    """Keep the deployed program up, with its web console, for a browser, the AWS CLI, boto3 or
    `python -m sfn_patterns.watch`."""
    if not 0 <= args.port <= 65535:
        raise TargetError(f"--port {args.port}: a port is 0 (any free one) to 65535")
    from .console.server import ConsoleServer, listen

    # A taken port is named before the deploy, not after it.
    with (
        contextlib.closing(listen(args.port)) as listener,
        _sandbox(args) as sandbox,
        ConsoleServer(sandbox, listener=listener) as web,
    ):
        for fault in sandbox.faults.active():
            console.print(f"fault injected: {fault.describe()}")
        print_outputs(sandbox.outputs, console)
        console.print(f"embedded AWS:  {sandbox.aws.endpoint_url}")
        console.print(f"console:       {web.url}")
        creds = sandbox.aws.operator_credentials
        print(f"export AWS_ACCESS_KEY_ID={creds['AccessKeyId']} AWS_SECRET_ACCESS_KEY={creds['SecretAccessKey']} "
              f"AWS_DEFAULT_REGION={sandbox.aws.region} AWS_ENDPOINT_URL={sandbox.aws.endpoint_url}")  # fmt: skip
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how `serve` is meant to end
            if args.seconds:
                time.sleep(args.seconds)
            else:
                threading.Event().wait()
        if args.fault:
            print_fired(sandbox.faults_fired(), console)
    return 0


def is_component_error(error: BaseException) -> bool:
    """A bad arg or config value raised by the components the program imported: a one-line error, not a crash."""
    for package in ("sfn_patterns", "components"):
        for module_name, class_name in COMPONENT_ERRORS:
            kind = getattr(sys.modules.get(f"{package}.{module_name}"), class_name, None)
            if isinstance(kind, type) and isinstance(error, kind):
                return True
    return False


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=getattr(args, "json", False))
    if args.command == "limits":
        return limits.command(args, console)
    try:
        return {"preview": preview, "run": run, "serve": serve}[args.command](args, console)
    except Exception as error:
        if not isinstance(error, (*ONE_LINE_ERRORS, TargetError)) and not is_component_error(error):
            raise
        console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        return USAGE_ERROR
