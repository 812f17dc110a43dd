"""Stack config -> validated component args: every config key is checked once, here, with a message naming it.

Only the program (`__main__.py`) uses this module; the components take typed args and know nothing of config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import pulumi

from .image_downloader import ImageDownloaderArgs
from .job_poller import JobPollerArgs
from .lambda_iterator import LambdaIteratorArgs
from .map_fan_out import MAX_TOLERATED_FAILURES, MapFanOutArgs
from .parts import WorkflowOptions
from .record_transfer import RecordTransferArgs
from .settings import (
    HISTORY_EVENT_LIMIT,
    INLINE_MAP_MAX_CONCURRENCY,
    JOB_POLLER_HISTORY,
    LAMBDA_ARCHITECTURES,
    LAMBDA_ITERATOR_HISTORY,
    LAMBDA_RUNTIMES,
    LOG_RETENTION_DAYS,
    MAX_EXECUTION_SECONDS,
    RECORD_TRANSFER_HISTORY,
    SFN_LOG_LEVELS,
    CommonSettings,
    HistoryBudget,
    ImageDownloaderSettings,
    JobPollerSettings,
    LambdaIteratorSettings,
    MapFanOutSettings,
    RecordTransferSettings,
    TaskTrackerSettings,
)
from .task_tracker import TaskTrackerArgs

T = TypeVar("T")

__all__ = [
    "CONFIG_KEYS", "HISTORY_EVENT_LIMIT", "INLINE_MAP_MAX_CONCURRENCY", "JOB_POLLER_HISTORY", "LAMBDA_ARCHITECTURES",
    "LAMBDA_ITERATOR_HISTORY", "LAMBDA_RUNTIMES", "LOG_RETENTION_DAYS", "MAX_EXECUTION_SECONDS",
    "RECORD_TRANSFER_HISTORY", "SFN_LOG_LEVELS", "WORKFLOW_NAMES", "CommonSettings", "ConfigError", "HistoryBudget",
    "ImageDownloaderSettings", "JobPollerSettings", "LambdaIteratorSettings", "MapFanOutSettings",
    "RecordTransferSettings", "Settings", "TaskTrackerSettings", "load_settings",
]  # fmt: skip

#: The workflows a stack may deploy (config key `workflows`: `all`, or a comma-separated list of these).
WORKFLOW_NAMES = (
    "map-fan-out", "parallel-lambda", "image-downloader", "job-poller", "lambda-iterator", "record-transfer",
    "task-tracker",
)  # fmt: skip


class ConfigError(ValueError):
    """A stack config value is invalid; the message names the key and the valid range."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config key '{key}': {problem}")
        self.key = key


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
        """The parallel-Lambda tutorial: no wait, no concurrency limit, the same execution timeout."""
        return MapFanOutSettings(
            max_concurrency=0, wait_duration_seconds=0,
            timeout_duration_seconds=self.map_fan_out.timeout_duration_seconds,
            tolerated_failures=self.map_fan_out.tolerated_failures,
        )  # fmt: skip


def _integer(key: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(key, f"{raw!r} is not a whole number; use {low}..{high}") from None
    if not low <= value <= high:
        raise ConfigError(key, f"{value} is out of range; use {low}..{high}")
    return value


def _choice(key: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise ConfigError(key, f"{raw!r} is not one of {', '.join(choices)}")
    return raw


def _retention(key: str, raw: str) -> int:
    allowed = ", ".join(str(days) for days in LOG_RETENTION_DAYS)
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(key, f"{raw!r} is not a whole number; use one of {allowed}") from None
    if value not in LOG_RETENTION_DAYS:
        raise ConfigError(key, f"{value} is not a CloudWatch Logs retention period; use one of {allowed}")
    return value


def _email(key: str, raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    local, _, domain = raw.partition("@")
    if not local or "." not in domain or " " in raw:
        raise ConfigError(key, f"{raw!r} is not an e-mail address")
    return raw


def _max_concurrency(key: str, raw: str) -> int:
    high = INLINE_MAP_MAX_CONCURRENCY
    try:
        return _integer(key, raw, 0, high)
    except ConfigError:
        if raw.strip().isdigit() and int(raw) > high:
            raise ConfigError(
                key,
                f"{int(raw)} is above {high}, the most an inline Map runs at once; "
                f"use 0..{high} (0 = unlimited), or a distributed Map for more",
            ) from None
        raise


def _read(values: Mapping[str, str | None], key: str, default: T, parse: Callable[[str, str], T]) -> T:
    raw = values.get(key)
    if raw is None:
        return default
    return parse(key, raw)


def load_settings(values: Mapping[str, str | None]) -> Settings:
    """Validate raw stack config values (key -> string, missing -> default) into `Settings`."""
    common = CommonSettings(
        log_retention_days=_read(values, "logRetentionDays", CommonSettings.log_retention_days, _retention),
        lambda_runtime=_read(
            values, "lambdaRuntime", CommonSettings.lambda_runtime, lambda k, r: _choice(k, r, LAMBDA_RUNTIMES)
        ),
        lambda_architecture=_read(
            values,
            "lambdaArchitecture",
            CommonSettings.lambda_architecture,
            lambda k, r: _choice(k, r, LAMBDA_ARCHITECTURES),
        ),
        sfn_log_level=_read(
            values, "sfnLogLevel", CommonSettings.sfn_log_level, lambda k, r: _choice(k, r, SFN_LOG_LEVELS)
        ),
        alarm_email=_read(values, "alarmEmail", None, _email),
        retain_data=_read(values, "retainData", CommonSettings.retain_data, _boolean),
    )
    map_fan_out = MapFanOutSettings(
        max_concurrency=_read(values, "maxConcurrency", MapFanOutSettings.max_concurrency, _max_concurrency),
        wait_duration_seconds=_read(
            values,
            "waitDurationSeconds",
            MapFanOutSettings.wait_duration_seconds,
            lambda k, r: _integer(k, r, 0, MAX_EXECUTION_SECONDS),
        ),
        timeout_duration_seconds=_read(
            values,
            "timeoutDurationSeconds",
            MapFanOutSettings.timeout_duration_seconds,
            lambda k, r: _integer(k, r, 1, MAX_EXECUTION_SECONDS),
        ),
        tolerated_failures=_read(
            values,
            "toleratedItemFailures",
            MapFanOutSettings.tolerated_failures,
            lambda k, r: _integer(k, r, 0, MAX_TOLERATED_FAILURES),
        ),
    )
    return Settings(
        common=common,
        map_fan_out=map_fan_out,
        image_downloader=load_image_downloader_settings(values),
        job_poller=load_job_poller_settings(values),
        lambda_iterator=load_lambda_iterator_settings(values),
        record_transfer=load_record_transfer_settings(values),
        task_tracker=load_task_tracker_settings(values),
        workflows=_read(values, "workflows", WORKFLOW_NAMES, _workflows),
    )


def _workflows(key: str, raw: str) -> tuple[str, ...]:
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


def load_image_downloader_settings(values: Mapping[str, str | None]) -> ImageDownloaderSettings:
    """The ImageDownloader's keys; the download Map's concurrency is bounded by the Map mode it may run in."""
    d = ImageDownloaderSettings
    map_mode = _read(values, "mapMode", d.map_mode, lambda k, r: _choice(k, r, ("auto", "inline", "distributed")))
    concurrency_high = INLINE_MAP_MAX_CONCURRENCY if map_mode == "inline" else 1_000
    settings = ImageDownloaderSettings(
        transition_days=_read(values, "transitionDays", d.transition_days, lambda k, r: _integer(k, r, 0, 3650)),
        notification_email=_read(values, "notificationEmail", None, _email),
        api_authorization=_read(
            values, "apiAuthorization", d.api_authorization, lambda k, r: _choice(k, r, ("iam", "none"))
        ),
        api_burst_limit=_read(values, "apiBurstLimit", d.api_burst_limit, lambda k, r: _integer(k, r, 1, 5_000)),
        api_rate_limit=_read(values, "apiRateLimit", d.api_rate_limit, lambda k, r: _integer(k, r, 1, 10_000)),
        allow_insecure_http=_read(values, "allowInsecureHttp", d.allow_insecure_http, _boolean),
        allowed_hosts=_read(values, "allowedHosts", d.allowed_hosts, _hosts),
        allow_private_hosts=_read(values, "allowPrivateHosts", d.allow_private_hosts, _boolean),
        max_resources=_read(values, "maxResources", d.max_resources, lambda k, r: _integer(k, r, 1, 1_000_000)),
        batch_size=_read(values, "batchSize", d.batch_size, lambda k, r: _integer(k, r, 1, 1_000)),
        inline_limit=_read(values, "inlineLimit", d.inline_limit, lambda k, r: _integer(k, r, 1, 10_000)),
        map_mode=map_mode,
        download_concurrency=_read(
            values,
            "downloadMapConcurrency",
            d.download_concurrency,
            lambda k, r: _integer(k, r, 1, concurrency_high),
        ),
        max_image_bytes=_read(
            values, "maxImageBytes", d.max_image_bytes, lambda k, r: _integer(k, r, 1, 1024 * 1024 * 1024)
        ),
        download_timeout_seconds=_read(
            values, "downloadTimeoutSeconds", d.download_timeout_seconds, lambda k, r: _integer(k, r, 1, 900)
        ),
        download_memory_mb=_read(
            values, "downloadMemoryMb", d.download_memory_mb, lambda k, r: _integer(k, r, 128, 10_240)
        ),
        execution_timeout_seconds=_read(
            values,
            "imageDownloaderTimeoutSeconds",
            d.execution_timeout_seconds,
            lambda k, r: _integer(k, r, 1, MAX_EXECUTION_SECONDS),
        ),
    )
    return settings


def _with_retries(events: int, retry_events: int) -> str:
    return f"{events} ({events + retry_events} if every Retry is taken)" if retry_events else str(events)


def _loop_turns(key: str, raw: str, budget: HistoryBudget) -> int:
    high = budget.max_turns
    try:
        return _integer(key, raw, 1, high)
    except ConfigError as error:
        if raw.strip().isdigit() and int(raw) > high:
            raise ConfigError(
                key,
                f"{int(raw)} is out of range; use 1..{high}: each turn of the loop records "
                f"{_with_retries(budget.events_per_turn, budget.retry_events_per_turn)} history events "
                f"({budget.turn}) on top of {_with_retries(budget.fixed_events, budget.fixed_retry_events)} outside "
                "it, and Step Functions "
                f"fails an execution whose history passes {HISTORY_EVENT_LIMIT:,} events",
            ) from None
        raise error from None


def load_job_poller_settings(values: Mapping[str, str | None]) -> JobPollerSettings:
    """The JobPoller's keys; `maxPolls` is bounded so the longest poll loop fits the execution history."""
    d = JobPollerSettings

    def seconds(key: str, raw: str) -> int:
        return _integer(key, raw, 1, MAX_EXECUTION_SECONDS)

    return JobPollerSettings(
        poll_interval_seconds=_read(values, "pollIntervalSeconds", d.poll_interval_seconds, seconds),
        max_polls=_read(values, "maxPolls", d.max_polls, lambda k, r: _loop_turns(k, r, JOB_POLLER_HISTORY)),
        job_timeout_seconds=_read(values, "jobTimeoutSeconds", d.job_timeout_seconds, seconds),
    )


def load_lambda_iterator_settings(values: Mapping[str, str | None]) -> LambdaIteratorSettings:
    """The LambdaIterator's key; `maxIterations` is bounded so the longest loop fits the execution history."""
    return LambdaIteratorSettings(
        max_iterations=_read(
            values,
            "maxIterations",
            LambdaIteratorSettings.max_iterations,
            lambda k, r: _loop_turns(k, r, LAMBDA_ITERATOR_HISTORY),
        )
    )


def load_record_transfer_settings(values: Mapping[str, str | None]) -> RecordTransferSettings:
    """The RecordTransfer's key; `maxRecords` is bounded so the longest record loop fits the execution history."""
    return RecordTransferSettings(
        max_records=_read(
            values,
            "maxRecords",
            RecordTransferSettings.max_records,
            lambda k, r: _loop_turns(k, r, RECORD_TRANSFER_HISTORY),
        )
    )


def load_task_tracker_settings(values: Mapping[str, str | None]) -> TaskTrackerSettings:
    """The TaskTracker's key: the work's length, which a Standard execution's one-year limit bounds."""
    settings = TaskTrackerSettings(
        work_seconds=_read(
            values,
            "workSeconds",
            TaskTrackerSettings.work_seconds,
            lambda k, r: _integer(k, r, 0, MAX_EXECUTION_SECONDS),
        ),
        timeout_seconds=_read(
            values,
            "taskTimeoutSeconds",
            TaskTrackerSettings.timeout_seconds,
            lambda k, r: _integer(k, r, 1, MAX_EXECUTION_SECONDS),
        ),
    )
    if settings.timeout_seconds <= settings.work_seconds:
        raise ConfigError(
            "taskTimeoutSeconds",
            f"{settings.timeout_seconds} is not more than workSeconds ({settings.work_seconds}): every run would "
            "time out; raise taskTimeoutSeconds or lower workSeconds",
        )
    return settings


#: Every project config key, for `__main__.py` to read and tests to check against Pulumi.dev.yaml.
CONFIG_KEYS = (
    "workflows",
    "logRetentionDays",
    "lambdaRuntime",
    "lambdaArchitecture",
    "sfnLogLevel",
    "alarmEmail",
    "retainData",
    "maxConcurrency",
    "waitDurationSeconds",
    "timeoutDurationSeconds",
    "toleratedItemFailures",
    # ImageDownloader
    "transitionDays",
    "notificationEmail",
    "apiAuthorization",
    "apiBurstLimit",
    "apiRateLimit",
    "allowInsecureHttp",
    "allowedHosts",
    "allowPrivateHosts",
    "maxResources",
    "batchSize",
    "inlineLimit",
    "mapMode",
    "downloadMapConcurrency",
    "maxImageBytes",
    "downloadTimeoutSeconds",
    "downloadMemoryMb",
    "imageDownloaderTimeoutSeconds",
    # JobPoller and LambdaIterator
    "pollIntervalSeconds",
    "maxPolls",
    "jobTimeoutSeconds",
    "maxIterations",
    # RecordTransfer and TaskTracker
    "maxRecords",
    "workSeconds",
    "taskTimeoutSeconds",
)


# Settings -> component args: what `__main__.py` hands each component.


def workflow_options(common: CommonSettings, alarm_topic_arn: pulumi.Input[str]) -> WorkflowOptions:
    """The shared args: one alarm topic for the whole stack, and the stack's logging, runtime and retention."""
    return WorkflowOptions(
        alarm_topic_arn=alarm_topic_arn,
        log_retention_days=common.log_retention_days,
        lambda_runtime=common.lambda_runtime,
        lambda_architecture=common.lambda_architecture,
        log_level=common.sfn_log_level,
        retain_data=common.retain_data,
    )


def _fan_out_args(
    settings: Settings, knobs: MapFanOutSettings, source: str, alarm_topic_arn: pulumi.Input[str]
) -> MapFanOutArgs:
    return MapFanOutArgs(
        **workflow_options(settings.common, alarm_topic_arn),
        item_source=source,
        max_concurrency=knobs.max_concurrency,
        wait_duration_seconds=knobs.wait_duration_seconds,
        timeout_duration_seconds=knobs.timeout_duration_seconds,
        tolerated_failures=knobs.tolerated_failures,
    )


def map_fan_out_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> MapFanOutArgs:
    """The map-fan-out tutorial: the list in the component's own table."""
    return _fan_out_args(settings, settings.map_fan_out, "table", alarm_topic_arn)


def parallel_lambda_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> MapFanOutArgs:
    """The parallel-Lambda tutorial: a producer Lambda's list, every item at once, no wait."""
    return _fan_out_args(settings, settings.parallel_lambda, "lambda", alarm_topic_arn)


def image_downloader_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> ImageDownloaderArgs:
    d = settings.image_downloader
    args = ImageDownloaderArgs(
        **workflow_options(settings.common, alarm_topic_arn),
        transition_days=d.transition_days,
        api_authorization=d.api_authorization,
        api_burst_limit=d.api_burst_limit,
        api_rate_limit=d.api_rate_limit,
        allow_insecure_http=d.allow_insecure_http,
        allowed_hosts=list(d.allowed_hosts),
        allow_private_hosts=d.allow_private_hosts,
        max_resources=d.max_resources,
        batch_size=d.batch_size,
        inline_limit=d.inline_limit,
        map_mode=d.map_mode,
        download_map_concurrency=d.download_concurrency,
        max_image_bytes=d.max_image_bytes,
        download_timeout_seconds=d.download_timeout_seconds,
        download_memory_mb=d.download_memory_mb,
        execution_timeout_seconds=d.execution_timeout_seconds,
    )
    if d.notification_email:
        args["notification_email"] = d.notification_email
    return args


def job_poller_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> JobPollerArgs:
    d = settings.job_poller
    return JobPollerArgs(
        **workflow_options(settings.common, alarm_topic_arn),
        poll_interval_seconds=d.poll_interval_seconds,
        max_polls=d.max_polls,
        job_timeout_seconds=d.job_timeout_seconds,
    )


def lambda_iterator_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> LambdaIteratorArgs:
    return LambdaIteratorArgs(
        **workflow_options(settings.common, alarm_topic_arn), max_iterations=settings.lambda_iterator.max_iterations
    )


def record_transfer_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> RecordTransferArgs:
    return RecordTransferArgs(
        **workflow_options(settings.common, alarm_topic_arn), max_records=settings.record_transfer.max_records
    )


def task_tracker_args(settings: Settings, alarm_topic_arn: pulumi.Input[str]) -> TaskTrackerArgs:
    return TaskTrackerArgs(
        **workflow_options(settings.common, alarm_topic_arn),
        work_seconds=settings.task_tracker.work_seconds,
        task_timeout_seconds=settings.task_tracker.timeout_seconds,
    )
