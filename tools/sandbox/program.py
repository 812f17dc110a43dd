"""Evaluate a Pulumi Python program (its folder's `__main__.py`) under a Mocks engine, as `pulumi up` would."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

#: Where a program is looked for when none is named: the current folder, as `pulumi up` looks.
HERE = Path()
PROJECT = "sfn-patterns"


class StackConfigError(ValueError):
    """A stack file or a `--config KEY=VALUE` override is malformed."""


class ProgramError(StackConfigError):
    """The program stopped with a `pulumi.RunError` (a missing config key, an arg found bad once its output resolved):
    `pulumi up` prints such an error as one line, without a traceback, and so does the sandbox."""


@dataclass
class RegisteredResource:
    """One resource the program registered: what it asked for and what the engine returned."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    id: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False


@dataclass
class ProgramRun:
    """Every registered resource, in registration order, and the resolved stack outputs."""

    resources: list[RegisteredResource]
    outputs: dict[str, Any]

    def of_type(self, type_: str) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.type == type_]

    def named(self, name: str) -> RegisteredResource:
        matches = [resource for resource in self.resources if resource.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def children_of(self, parent: RegisteredResource) -> list[RegisteredResource]:
        return [resource for resource in self.resources if resource.parent == parent.urn]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that also keeps each resource's parent, inputs and component registrations."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[RegisteredResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            from pulumi.runtime import rpc

            record = RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=rpc.deserialize_properties(request.object),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
            )
            if request.custom:
                registration = self.resources[response.urn]
                record.id, record.state = registration.id, dict(registration.state)
            self.registered.append(record)
        return response


def project_name(root: Path = HERE) -> str:
    """The program's project name (`name` in its Pulumi.yaml), which namespaces its config keys."""
    path = root.resolve() / "Pulumi.yaml"
    if not path.exists():
        return PROJECT
    loaded = yaml.safe_load(path.read_text()) or {}
    name = loaded.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{path}: no project name")
    return name


def read_stack_config(stack: str, overrides: Mapping[str, str] | None = None, root: Path = HERE) -> dict[str, str]:
    """`Pulumi.<stack>.yaml`'s config plus overrides, keys namespaced as Pulumi does (`<project>:key`)."""
    root = root.resolve()
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        stacks = ", ".join(sorted(p.name for p in root.glob("Pulumi.*.yaml")))
        raise StackConfigError(f"no stack file {path.name} in {root}; stack files there: {stacks or 'none'}")
    loaded = yaml.safe_load(path.read_text()) or {}
    config = {str(key): "" if value is None else str(value) for key, value in (loaded.get("config") or {}).items()}
    project = project_name(root)
    for key, value in (overrides or {}).items():
        config[key if ":" in key else f"{project}:{key}"] = value
    return config


@contextlib.contextmanager
def _in_program_folder(root: Path) -> Iterator[None]:
    """Pulumi runs a program in its own folder, with that folder importable; so does this."""
    before = os.getcwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(before)


def _debugging() -> bool:
    """`SFN_PATTERNS_DEBUG`, read by the components the program imported (installed, or a checkout's)."""
    parts = (
        sys.modules.get("sfn_patterns.parts")
        or sys.modules.get("components.parts")
        or importlib.import_module("sfn_patterns.parts")
    )
    return bool(parts.debugging())


def one_line(error: BaseException) -> str:
    """What `pulumi up` prints for a RunError: its message; with SFN_PATTERNS_DEBUG=1, the traceback before it."""
    line = str(error)
    if not _debugging() or line.startswith("Traceback"):  # an arg error shows its own traceback when debugging
        return line
    return "Traceback (most recent call last):\n" + "".join(traceback.format_tb(error.__traceback__)) + line


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """`["maxConcurrency=3", ...]` -> {"maxConcurrency": "3"}."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise StackConfigError(f"--config {pair!r}: expected KEY=VALUE")
        overrides[key] = value
    return overrides


def run_program(
    mocks: pulumi.runtime.Mocks,
    *,
    stack: str = "dev",
    config: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    preview: bool = False,
    root: Path = HERE,
) -> ProgramRun:
    """Run `root/__main__.py` once on a fresh root stack; `config` replaces the stack file when given."""
    root = root.resolve()
    if not (root / "__main__.py").is_file():
        raise StackConfigError(f"{root} has no __main__.py: it is not a Pulumi Python program")
    values = dict(config) if config is not None else read_stack_config(stack, overrides, root)
    project = project_name(root)
    pulumi_settings.reset_options(project=project, stack=stack, preview=preview)
    set_all_config(values)
    monitor = RecordingMonitor(mocks)
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    def program() -> None:
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")

    # As Pulumi's own Python runner does: a failed apply leaves futures nobody reads, which asyncio would log, with
    # their tracebacks, when they are collected; the error itself is raised here, once.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    with _in_program_folder(root):
        try:
            _sync_await(run_pulumi_func(program))
        except pulumi.RunError as error:
            if isinstance(error, ValueError):  # a component's ArgError: the sandbox's CLI names it as it is
                raise
            raise ProgramError(one_line(error)) from error
    stack_resource = pulumi_settings.get_root_resource()
    exported = getattr(stack_resource, "outputs", {})
    outputs = {name: _sync_await(pulumi.Output.from_input(value).future()) for name, value in exported.items()}
    return ProgramRun(resources=list(monitor.registered), outputs=outputs)


ACCOUNT_ID = "123456789012"
#: How each resource type's ARN is formed from (region, account, physical name).
ARN_FORMATS = {
    "aws:iam/role:Role": "arn:aws:iam::{account}:role/{name}",
    "aws:lambda/function:Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "aws:dynamodb/table:Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws:sfn/stateMachine:StateMachine": "arn:aws:states:{region}:{account}:stateMachine:{name}",
    "aws:sns/topic:Topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "aws:sqs/queue:Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "aws:s3/bucketV2:BucketV2": "arn:aws:s3:::{name}",
    "aws:s3/bucket:Bucket": "arn:aws:s3:::{name}",
}
#: The input that holds a resource's physical name, where it is not `name`.
NAME_INPUTS = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
}


def physical_name(args: pulumi.runtime.MockResourceArgs) -> str:
    """The name Pulumi would give: the program's own, or logical name + '-' + 7 hex (auto-naming)."""
    explicit = args.inputs.get(NAME_INPUTS.get(args.typ, "name"))
    if explicit:
        return str(explicit)
    import hashlib

    suffix = hashlib.sha256(f"{args.typ}:{args.name}".encode()).hexdigest()[:7]
    if args.typ == "aws:sqs/queue:Queue" and args.inputs.get("fifoQueue"):
        suffix += ".fifo"  # pulumi-aws auto-names a FIFO queue with the suffix SQS requires (pulumi-aws#1398)
    return f"{args.name}-{suffix}"


class PreviewMocks(pulumi.runtime.Mocks):
    """Mocks that create nothing: each resource echoes its inputs with Pulumi-style names and synthesized ARNs."""

    def __init__(self, region: str | None = None, account: str = ACCOUNT_ID) -> None:
        self._region, self.account = region, account
        from .rules import RoleLimits

        self.role_limits = RoleLimits()

    @property
    def region(self) -> str:
        """The region given, else the stack's `aws:region`, as the AWS provider reads it."""
        return self._region or str(pulumi.runtime.get_config("aws:region") or "us-east-1")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        name = physical_name(args)
        from .rules import check_resource  # AWS's deploy-time rules, as the sandbox applies them

        check_resource(args.typ, args.name, name, args.inputs)
        self.role_limits.check(args.typ, args.name, args.inputs)
        state = dict(args.inputs)
        state.setdefault(NAME_INPUTS.get(args.typ, "name"), name)
        arn_format = ARN_FORMATS.get(args.typ)
        if arn_format:
            state["arn"] = arn_format.format(region=self.region, account=self.account, name=name)
        if args.typ == "aws:apigatewayv2/api:Api":
            state["apiEndpoint"] = f"https://{name}.execute-api.{self.region}.amazonaws.com"
            state["executionArn"] = f"arn:aws:execute-api:{self.region}:{self.account}:{name}"
        if args.typ == "aws:apigatewayv2/stage:Stage":
            state["invokeUrl"] = f"https://{args.inputs.get('apiId')}.execute-api.{self.region}.amazonaws.com/"
        if args.typ == "aws:sqs/queue:Queue":
            state["url"] = f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}"
        if args.typ == "aws:lambda/function:Function":
            state["invokeArn"] = (
                f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{state['arn']}/invocations"
            )
        return name, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account, "arn": f"arn:aws:iam::{self.account}:root", "userId": self.account}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}, []
        raise NotImplementedError(f"the program called {args.token}, which these mocks do not answer")


def stack_files(root: Path = HERE) -> list[str]:
    """The stacks a program folder has a `Pulumi.<stack>.yaml` for, sorted."""
    return sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in root.glob("Pulumi.*.yaml"))


def pick_stack(root: Path = HERE, stack: str | None = None) -> str:
    """The stack named, else `dev`, else the only stack file there is (as `sfn-sandbox` and the fixture pick it)."""
    if stack:
        return stack
    stacks = stack_files(root.resolve())
    if "dev" in stacks or not stacks:
        return "dev"  # with no stack file, reading it names the folder and says there is none
    if len(stacks) == 1:
        return stacks[0]
    raise StackConfigError(
        f"{root.resolve()} has stack files for {', '.join(stacks)} and none for dev: pick one with --stack"
    )
