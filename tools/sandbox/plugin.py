"""The `sfn_sandbox` pytest plugin: a team's Pulumi program deployed once per test session into the embedded AWS.

Registered with the `pytest11` entry point of the `[sandbox]` extra. Options: `--sfn-program DIR` (default: pytest's
rootdir), `--sfn-stack NAME` (default: dev, or the only stack file), `--sfn-config KEY=VALUE` (repeatable). The
whole session is kept offline, as this repository's own tests are: sockets reach only 127.0.0.1 and AWS clients sign
with fake credentials (`-p no:sfn_sandbox` turns the plugin off).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .command import missing_extra
from .offline import fake_aws_credentials, loopback_only

if TYPE_CHECKING:  # the sandbox (moto, pulumi) loads when a test first asks for the fixture, not at pytest's start
    from botocore.client import BaseClient

    from .faults import Fault, FiredFault
    from .session import ExecutionReport, Sandbox

_GUARDS = pytest.StashKey[contextlib.ExitStack]()
_MISSING = pytest.StashKey[list[str]]()
#: pulumi_aws warns, on import, about a resource type no program here uses; nothing a test does can act on it.
PULUMI_AWS_IMPORT_WARNING = r"ignore:aws\.lambda/microvmsimage\.MicrovmsImage has been deprecated:DeprecationWarning"
#: How long `execute` waits for an execution to end by default.
DEFAULT_TIMEOUT_SECONDS = 60.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sfn-sandbox", "sfn-patterns sandbox (the sfn_sandbox fixture)")
    group.addoption("--sfn-program", metavar="DIR", help="the Pulumi program's folder (default: the rootdir)")
    group.addoption(
        "--sfn-stack", metavar="NAME", help="its stack file Pulumi.NAME.yaml (default: dev, or the only one)"
    )
    group.addoption(
        "--sfn-config", action="append", default=[], metavar="KEY=VALUE", help="override a stack config key"
    )


def pytest_configure(config: pytest.Config) -> None:
    # The base package registers this plugin too (entry points take no extras): without the sandbox it only says so.
    config.stash[_MISSING] = missing_extra()
    if config.stash[_MISSING]:
        return
    config.addinivalue_line("filterwarnings", PULUMI_AWS_IMPORT_WARNING)
    # Before collection, so module-level code and collection-time program runs are guarded too.
    guards = contextlib.ExitStack()
    guards.enter_context(loopback_only())
    guards.enter_context(fake_aws_credentials())
    config.stash[_GUARDS] = guards


def pytest_unconfigure(config: pytest.Config) -> None:
    if _GUARDS in config.stash:
        config.stash[_GUARDS].close()


@pytest.fixture(scope="session", autouse=True)
def sfn_offline_session(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test, whatever other fixtures or plugins did before it, runs with both guards in place."""
    if request.config.stash[_MISSING]:
        yield
        return
    with loopback_only(), fake_aws_credentials():
        yield


@dataclass
class Execution:
    """One execution's end: `status`, `output`, `error`, `cause`, `invocations` (each Lambda call it caused, with
    its event, result and error), `transitions` (states entered) and `history` (its events, as
    GetExecutionHistory returns them)."""

    report: ExecutionReport
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.report.status

    @property
    def output(self) -> Any:
        return self.report.output

    @property
    def error(self) -> str | None:
        return self.report.error

    @property
    def cause(self) -> str | None:
        return self.report.cause

    @property
    def invocations(self) -> list[Any]:
        return list(self.report.invocations)

    @property
    def transitions(self) -> int:
        return self.report.state_transitions

    @property
    def execution_arn(self) -> str:
        return self.report.execution_arn


class DeployedProgram:
    """The program deployed once for the session. Tests share its resources and their data, its executions, its
    warm Lambda workers and any injected fault: `empty()` clears the data, `clear_faults()` the faults."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    @property
    def outputs(self) -> dict[str, Any]:
        """The stack outputs, as `pulumi stack output` would print them."""
        return self.sandbox.outputs

    def execute(self, target: str, input: Any = None, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Execution:
        """Start the state machine (a stack output's name, or its ARN) with `input` and wait for its end."""
        from .session import state_machine_arn

        arn = state_machine_arn(self.outputs, target)
        report = self.sandbox.execute(target, arn, {} if input is None else input, timeout_seconds=timeout)
        return Execution(report, self.sandbox.history(report.execution_arn))

    def test_state(
        self,
        target: str,
        state_name: str,
        input: Any = None,
        *,
        mock: dict[str, Any] | None = None,
        variables: dict[str, Any] | None = None,
        inspection_level: str | None = None,
        state_configuration: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """AWS's TestState on one named state of the deployed state machine (a stack output's name, or its ARN),
        with its own definition and role: a `mock` result or error runs nothing; without one the state calls the
        deployed function or service, IAM enforced. Returns TestState's response (`status`, `output`, `nextState`,
        `error`, `cause`, `inspectionData`)."""
        return self.sandbox.test_state(
            target,
            state_name,
            input,
            mock=mock,
            variables=variables,
            inspection_level=inspection_level,
            state_configuration=state_configuration,
            context=context,
        )

    def client(self, service: str) -> BaseClient:
        """A boto3 client on the embedded AWS as an administrator (as whoever runs `pulumi up`)."""
        return self.sandbox.client(service)

    def function_client(self, function: str, service: str) -> BaseClient:
        """A boto3 client with one function's role (its logical name), to prove what that function may do."""
        return self.sandbox.function_client(function, service)

    def inject(self, *faults: Fault) -> None:
        """Make functions or API calls fail (`sfn_patterns.sandbox.faults.Fault`) until `clear_faults()`."""
        self.sandbox.inject(*faults)

    def faults_fired(self) -> list[FiredFault]:
        return self.sandbox.faults_fired()

    def clear_faults(self) -> None:
        self.sandbox.clear_faults()

    def empty(self) -> None:
        """Delete every item of every table, every object (and version) of every bucket, and every message of
        every queue; the resources, past executions and injected faults stay."""
        dynamodb, s3, sqs = self.client("dynamodb"), self.client("s3"), self.client("sqs")
        for table in dynamodb.list_tables()["TableNames"]:
            keys = [key["AttributeName"] for key in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
            names = {f"#k{n}": key for n, key in enumerate(keys)}
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=table, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names
            ):
                for start in range(0, len(page["Items"]), 25):
                    requests = [{"DeleteRequest": {"Key": item}} for item in page["Items"][start : start + 25]]
                    dynamodb.batch_write_item(RequestItems={table: requests})
        for bucket in s3.list_buckets()["Buckets"]:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
                objects = [
                    {"Key": entry["Key"], "VersionId": entry["VersionId"]}
                    for entry in (*page.get("Versions", []), *page.get("DeleteMarkers", []))
                ]
                if objects:
                    s3.delete_objects(Bucket=bucket["Name"], Delete={"Objects": objects, "Quiet": True})
        for url in sqs.list_queues().get("QueueUrls", []):
            _empty_queue(sqs, url)


#: The queue attributes that count its messages: ready, in flight, delayed.
QUEUE_COUNTS = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]


def _empty_queue(sqs: BaseClient, url: str) -> None:
    """PurgeQueue; SQS allows one a minute per queue, so a second within it receives and deletes instead (messages
    in flight then stay until their visibility timeout ends)."""
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=QUEUE_COUNTS)["Attributes"]
    if not any(int(counts.get(name, 0)) for name in QUEUE_COUNTS):
        return
    try:
        sqs.purge_queue(QueueUrl=url)
        return
    except sqs.exceptions.PurgeQueueInProgress:
        pass
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)


@pytest.fixture(scope="session")
def sfn_sandbox(request: pytest.FixtureRequest) -> Iterator[DeployedProgram]:
    """The team's program (`--sfn-program`, default the rootdir) deployed once into the embedded AWS."""
    config = request.config
    if missing := config.stash[_MISSING]:
        message = f'sfn_sandbox needs the sandbox: pip install "sfn-patterns[sandbox]" ({", ".join(missing)} missing)'
        pytest.fail(message, pytrace=False)
    from .program import StackConfigError, parse_overrides, pick_stack
    from .program_cli import is_component_error
    from .session import Sandbox

    program = Path(config.getoption("sfn_program") or config.rootpath)
    try:
        stack = pick_stack(program, config.getoption("sfn_stack"))
        sandbox = Sandbox(stack=stack, overrides=parse_overrides(config.getoption("sfn_config")), program_dir=program)
        sandbox.__enter__()
    except Exception as error:  # a bad stack file or arg is one line naming it, not a traceback into the sandbox
        if isinstance(error, StackConfigError | OSError) or is_component_error(error):
            pytest.fail(f"sfn_sandbox could not deploy {program.resolve()}: {error}", pytrace=False)
        raise
    try:
        yield DeployedProgram(sandbox)
    finally:
        sandbox.close()
