"""Stack config -> validated component args. Every config key is a setting declared once on a component's args
(components/<workflow>/args.py, WorkflowOptions): its key is the arg's name in camelCase, and it is read, checked
and defaulted here as its declaration says, with a message naming the key.

Internal: only the program (`__main__.py`) uses this module; the components take typed args and know nothing of config.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from .image_downloader import ImageDownloader, ImageDownloaderSettings
from .job_poller import JOB_POLLER_HISTORY, JobPoller, JobPollerSettings
from .lambda_iterator import LAMBDA_ITERATOR_HISTORY, LambdaIterator, LambdaIteratorSettings
from .map_fan_out import MapFanOut, MapFanOutSettings
from .parts import WorkflowOptions
from .record_transfer import RECORD_TRANSFER_HISTORY, RecordTransfer, RecordTransferSettings
from .setting import Declared, args_type_of, field_names, settings_of
from .settings import (
    HISTORY_EVENT_LIMIT,
    INLINE_MAP_MAX_CONCURRENCY,
    LAMBDA_ARCHITECTURES,
    LAMBDA_RUNTIMES,
    LOG_RETENTION_DAYS,
    MAX_EXECUTION_SECONDS,
    SFN_LOG_LEVELS,
    CommonSettings,
    HistoryBudget,
)
from .task_tracker import TaskTracker, TaskTrackerSettings

T = TypeVar("T")

__all__ = [
    "CONFIG_KEYS", "HISTORY_EVENT_LIMIT", "INLINE_MAP_MAX_CONCURRENCY", "JOB_POLLER_HISTORY", "LAMBDA_ARCHITECTURES",
    "LAMBDA_ITERATOR_HISTORY", "LAMBDA_RUNTIMES", "LOG_RETENTION_DAYS", "MAX_EXECUTION_SECONDS", "OLD_KEYS",
    "RECORD_TRANSFER_HISTORY", "SFN_LOG_LEVELS", "STACK_WORKFLOWS", "WORKFLOW_NAMES", "CommonSettings", "ConfigError",
    "HistoryBudget", "ImageDownloaderSettings", "JobPollerSettings", "LambdaIteratorSettings", "MapFanOutSettings",
    "RecordTransferSettings", "Settings", "StackWorkflow", "TaskTrackerSettings", "check_stack_keys",
    "load_image_downloader_settings", "load_settings", "read_section",
]  # fmt: skip


class ConfigError(ValueError):
    """A stack config value is invalid; the message names the key and the valid range."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config key '{key}': {problem}")
        self.key = key


@dataclass(frozen=True)
class StackWorkflow:
    """A workflow the program may deploy: its name (in config key `workflows`, and its component's), its component
    and the section of the settings its args come from (`fixed` args win over them: a config key of the section
    that the workflow fixes does not reach it), and the stack outputs it exports (output name -> the component's
    attribute)."""

    name: str
    component: Callable[..., pulumi.ComponentResource]
    section: str
    outputs: Mapping[str, str]
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def args(self, settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> dict[str, Any]:
        """The component's args: the stack's shared options, then its own settings, each under its arg name."""
        own = {name: list(value) if isinstance(value, tuple) else value
               for name, value in asdict(getattr(settings, self.section)).items() if value is not None}  # fmt: skip
        return {**workflow_options(settings.common, alarm_topic_arn), **own, **self.fixed}

    def reads(self, declared: Declared) -> bool:
        """Whether a config key of this workflow's section reaches it (one it fixes does not)."""
        return declared.name not in self.fixed


#: The workflows a stack may deploy (config key `workflows`: `all`, or a comma-separated list of their names).
STACK_WORKFLOWS = (
    StackWorkflow("map-fan-out", MapFanOut, "map_fan_out", fixed={"item_source": "table"}, outputs={
        "mapFanOutStateMachineArn": "state_machine_arn", "mapFanOutStateMachineName": "state_machine_name",
        "mapFanOutTableName": "table_name",
    }),
    # The parallel-Lambda tutorial: a producer Lambda's list, every item at once (no MaxConcurrency), no Wait.
    StackWorkflow("parallel-lambda", MapFanOut, "map_fan_out", outputs={
        "parallelLambdaStateMachineArn": "state_machine_arn", "parallelLambdaStateMachineName": "state_machine_name",
    }, fixed={"item_source": "lambda", "max_concurrency": 0, "wait_duration_seconds": 0}),
    StackWorkflow("image-downloader", ImageDownloader, "image_downloader", outputs={
        "imageDownloaderStateMachineArn": "state_machine_arn", "imageDownloaderApiUrl": "api_url",
        "imagesBucketName": "bucket_name", "imageUrlTableName": "url_table_name",
        "downloadFailuresTopicArn": "failures_topic_arn",
    }),
    StackWorkflow("job-poller", JobPoller, "job_poller", outputs={
        "jobPollerStateMachineArn": "state_machine_arn", "jobPollerStateMachineName": "state_machine_name",
        "jobsTableName": "jobs_table_name",
    }),
    StackWorkflow("lambda-iterator", LambdaIterator, "lambda_iterator", outputs={
        "lambdaIteratorStateMachineArn": "state_machine_arn", "lambdaIteratorStateMachineName": "state_machine_name",
    }),
    StackWorkflow("record-transfer", RecordTransfer, "record_transfer", outputs={
        "recordTransferStateMachineArn": "state_machine_arn", "recordTransferStateMachineName": "state_machine_name",
        "recordsTableName": "table_name", "recordsQueueUrl": "queue_url",
    }),
    StackWorkflow("task-tracker", TaskTracker, "task_tracker", outputs={
        "taskTrackerStateMachineArn": "state_machine_arn", "tasksTableName": "table_name",
        "taskStarterFunctionName": "starter_function_name",
    }),
)  # fmt: skip
WORKFLOW_NAMES = tuple(workflow.name for workflow in STACK_WORKFLOWS)
#: The settings a stack's config reads, by section: each field is a declared setting of that section's args.
SECTIONS: dict[str, type] = {
    "common": CommonSettings,
    "map_fan_out": MapFanOutSettings,
    "image_downloader": ImageDownloaderSettings,
    "job_poller": JobPollerSettings,
    "lambda_iterator": LambdaIteratorSettings,
    "record_transfer": RecordTransferSettings,
    "task_tracker": TaskTrackerSettings,
}


def _declared(settings_type: type) -> list[Declared]:
    declared = settings_of(args_type_of(settings_type))
    return [declared[name] for name in field_names(settings_type)]


def _keys() -> tuple[tuple[str, ...], dict[str, str]]:
    keys: dict[str, None] = {"workflows": None}
    old: dict[str, str] = {}
    for settings_type in SECTIONS.values():
        for declared in _declared(settings_type):
            keys[declared.key] = None
            old.update(dict.fromkeys(declared.old_keys, declared.key))
    return tuple(keys), old


#: Every project config key, for `__main__.py` to read and tests to check against Pulumi.dev.yaml; and the former
#: keys still read, each with a warning naming its new key.
CONFIG_KEYS, OLD_KEYS = _keys()


@dataclass(frozen=True)
class Settings:
    """Everything `__main__.py` needs, validated."""

    common: CommonSettings
    map_fan_out: MapFanOutSettings
    image_downloader: ImageDownloaderSettings = field(default_factory=ImageDownloaderSettings)
    job_poller: JobPollerSettings = field(default_factory=JobPollerSettings)
    lambda_iterator: LambdaIteratorSettings = field(default_factory=LambdaIteratorSettings)
    record_transfer: RecordTransferSettings = field(default_factory=RecordTransferSettings)
    task_tracker: TaskTrackerSettings = field(default_factory=TaskTrackerSettings)
    #: The workflows this stack deploys, in WORKFLOW_NAMES order.
    workflows: tuple[str, ...] = WORKFLOW_NAMES

    @property
    def parallel_lambda(self) -> MapFanOutSettings:
        """The parallel-Lambda tutorial: the map-fan-out's settings but those its workflow fixes (no wait, no
        concurrency limit)."""
        fixed = next(workflow for workflow in STACK_WORKFLOWS if workflow.name == "parallel-lambda").fixed
        return replace(
            self.map_fan_out, **{name: fixed[name] for name in field_names(MapFanOutSettings) if name in fixed}
        )

    def chosen(self) -> list[StackWorkflow]:
        """The workflows this stack deploys."""
        return [workflow for workflow in STACK_WORKFLOWS if workflow.name in self.workflows]


def load_settings(values: Mapping[str, str | None]) -> Settings:
    """Validate raw stack config values (key -> string, missing -> default) into `Settings`."""
    sections: dict[str, Any] = {name: read_section(values, t) for name, t in SECTIONS.items()}
    tracker: TaskTrackerSettings = sections["task_tracker"]
    if tracker.task_timeout_seconds <= tracker.work_seconds:
        raise ConfigError(
            "taskTimeoutSeconds",
            f"{tracker.task_timeout_seconds} is not more than workSeconds ({tracker.work_seconds}): every run would "
            "time out; raise taskTimeoutSeconds or lower workSeconds",
        )
    return Settings(**sections, workflows=_workflows("workflows", values.get("workflows")))


def load_image_downloader_settings(values: Mapping[str, str | None]) -> ImageDownloaderSettings:
    """The ImageDownloader's keys; the download Map's concurrency is bounded by the Map mode it may run in."""
    return read_section(values, ImageDownloaderSettings)


def read_section(values: Mapping[str, str | None], settings_type: type[T]) -> T:
    """The settings of one section, each read from its config key (or a former key, with a warning) and checked
    as its declaration says; a key not set takes the declared default."""
    resolved: dict[str, Any] = {}
    for declared in _declared(settings_type):
        key, raw = _given(values, declared)
        resolved[declared.name] = declared.setting.default if raw is None else _parse(key, raw, declared, resolved)
    return settings_type(**resolved)


def _given(values: Mapping[str, str | None], declared: Declared) -> tuple[str, str | None]:
    """The key the stack sets this setting with, and its raw value. A former key still works, with a warning, and
    wins over the new key (a stack file set before the rename may carry both: the old one is the user's value)."""
    for old in declared.old_keys:
        if values.get(old) is None:
            continue
        also = f"; it overrides '{declared.key}', set too" if values.get(declared.key) is not None else ""
        pulumi.log.warn(
            f"config key '{old}' is deprecated: it is '{declared.key}' now{also} "
            f"(pulumi config set {declared.key} <value>; pulumi config rm {old})"
        )
        return old, values[old]
    return declared.key, values.get(declared.key)


def _parse(key: str, raw: str, declared: Declared, resolved: Mapping[str, Any]) -> Any:
    setting = declared.setting
    if declared.type is bool:
        return _boolean(key, raw)
    if declared.type is int and setting.choices is not None:
        return _member(key, raw, setting.choices)
    if declared.type is int:
        low, high = setting.bounds(resolved)
        return _integer(key, raw, low, high, setting.above)
    if setting.kind == "email":
        return _email(key, raw)
    if setting.kind == "hosts":
        return _hosts(key, raw)
    if setting.choices is not None:
        return _choice(key, raw, setting.choices)
    return raw


def _integer(key: str, raw: str, low: int, high: int, above: Callable[[int, int], str] | None = None) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(key, f"{raw!r} is not a whole number; use {low}..{high}") from None
    if value > high and above is not None:
        raise ConfigError(key, above(value, high))
    if not low <= value <= high:
        raise ConfigError(key, f"{value} is out of range; use {low}..{high}")
    return value


def _member(key: str, raw: str, choices: Iterable[int]) -> int:
    allowed = ", ".join(str(choice) for choice in choices)
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(key, f"{raw!r} is not a whole number; use one of {allowed}") from None
    if value not in choices:
        raise ConfigError(key, f"{value} is not one of {allowed}")
    return value


def _choice(key: str, raw: str, choices: Iterable[str]) -> str:
    if raw not in choices:
        raise ConfigError(key, f"{raw!r} is not one of {', '.join(choices)}")
    return raw


def _email(key: str, raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    local, _, domain = raw.partition("@")
    if not local or "." not in domain or " " in raw:
        raise ConfigError(key, f"{raw!r} is not an e-mail address")
    return raw


def _boolean(key: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise ConfigError(key, f"{raw!r} is not true or false")
    return lowered == "true"


def _hosts(key: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower() for host in raw.split(",") if host.strip())
    for host in hosts:
        name, colon, port = host.partition(":")  # `name:port` allows that port alone; `name`, the default port
        if "/" in host or " " in host or ("." not in name and name != "localhost") or (colon and not port.isdigit()):
            raise ConfigError(key, f"{host!r} is not a host name; give host names (or host:port) separated by commas")
    return hosts


def _workflows(key: str, raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return WORKFLOW_NAMES
    names = [name.strip() for name in raw.split(",") if name.strip()]
    valid = f"use all, or a comma-separated list of {', '.join(WORKFLOW_NAMES)}"
    if names == ["all"]:
        return WORKFLOW_NAMES
    if not names:
        raise ConfigError(key, f"no workflow named; {valid}")
    for name in names:
        if name not in WORKFLOW_NAMES:
            raise ConfigError(key, f"{name!r} is not a workflow; {valid}")
    return tuple(name for name in WORKFLOW_NAMES if name in names)


def read_stack_config(config: pulumi.Config) -> dict[str, str | None]:
    """The project's config values by key, former keys too; a key the stack sets that no setting declares is refused."""
    check_stack_keys(_stack_keys(config.name))
    return {key: config.get(key) for key in (*CONFIG_KEYS, *OLD_KEYS)}


def _stack_keys(project: str) -> set[str]:
    """The keys of `project` the stack sets (`<project>:<key>` in the program's config)."""
    every = {**(get_config_env() or {}), **CONFIG.get()}
    return {key.split(":", 1)[1] for key in every if key.startswith(f"{project}:")}


def check_stack_keys(keys: Iterable[str]) -> None:
    """Refuse a key no setting declares (a typo would be ignored, the setting left at its default)."""
    for key in sorted(keys):
        if key in CONFIG_KEYS or key in OLD_KEYS:
            continue
        close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; the keys are {', '.join(CONFIG_KEYS)}"
        raise ConfigError(key, f"is not a setting of this program{hint}")


# Settings -> component args: what `__main__.py` hands each component.


def workflow_options(common: CommonSettings, alarm_topic_arn: pulumi.Input[str]) -> WorkflowOptions:
    """The shared args: one alarm topic for the whole stack, and the stack's logging, runtime and retention."""
    shared = {name: value for name, value in asdict(common).items() if name != "alarm_email"}  # the stack's topic's
    return WorkflowOptions(alarm_topic_arn=alarm_topic_arn, **shared)  # type: ignore[typeddict-item]
