"""Typed, validated stack settings: every config key is checked once, here, with a message naming it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
LAMBDA_RUNTIMES = ("python3.11", "python3.12", "python3.13")
LAMBDA_ARCHITECTURES = ("x86_64", "arm64")
SFN_LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
#: Above this an inline Map is refused: AWS advises a Distributed Map for higher concurrency.
INLINE_MAP_MAX_CONCURRENCY = 40
#: A Standard workflow may run for one year.
MAX_EXECUTION_SECONDS = 365 * 24 * 3600


class ConfigError(ValueError):
    """A stack config value is invalid; the message names the key and the valid range."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config key '{key}': {problem}")
        self.key = key


@dataclass(frozen=True)
class CommonSettings:
    """Settings every workflow's building blocks share."""

    log_retention_days: int = 30
    lambda_runtime: str = "python3.12"
    lambda_architecture: str = "x86_64"
    sfn_log_level: str = "ERROR"
    alarm_email: str | None = None
    #: Protect tables, buckets and queues, so `pulumi destroy` never deletes data (production stacks).
    retain_data: bool = False


@dataclass(frozen=True)
class MapFanOutSettings:
    """The MapFanOut tutorial's three knobs."""

    max_concurrency: int = 1
    wait_duration_seconds: int = 2
    timeout_duration_seconds: int = 60


@dataclass(frozen=True)
class ImageDownloaderSettings:
    """The ImageDownloader's bucket, API, batching and download guard rails."""

    transition_days: int = 1
    notification_email: str | None = None
    api_authorization: str = "iam"
    api_burst_limit: int = 10
    api_rate_limit: int = 5
    allow_insecure_http: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allow_private_hosts: bool = False
    max_resources: int = 10_000
    batch_size: int = 25
    inline_limit: int = 1_000
    map_mode: str = "auto"
    download_concurrency: int = 10
    max_image_bytes: int = 25 * 1024 * 1024
    download_timeout_seconds: int = 120
    #: One vCPU at 1,769 MB: at a high lambdaConcur with small images the download Lambda is CPU-bound below it.
    download_memory_mb: int = 512
    execution_timeout_seconds: int = 3600


#: Step Functions fails a Standard execution whose history passes 25,000 events; a loop must stay below it.
HISTORY_EVENT_LIMIT = 25_000


@dataclass(frozen=True)
class HistoryBudget:
    """The history events of a looping workflow: those outside its loop, and those each loop turn adds."""

    fixed_events: int
    events_per_turn: int
    turn: str  # what one turn records, for the message

    @property
    def max_turns(self) -> int:
        """The most loop turns whose worst-case history stays below HISTORY_EVENT_LIMIT."""
        return (HISTORY_EVENT_LIMIT - 1 - self.fixed_events) // self.events_per_turn


# Counted from the definitions in components/job_poller.py and components/lambda_iterator.py (a unit test
# derives them from the definitions, an e2e test counts them in the sandbox's execution history).
JOB_POLLER_HISTORY = HistoryBudget(14, 11, "Wait 2 + check-status Task 5 + CountPoll Pass 2 + Choice 2")
LAMBDA_ITERATOR_HISTORY = HistoryBudget(11, 7, "Choice 2 + process Task 5")


@dataclass(frozen=True)
class JobPollerSettings:
    """The job poller's loop: how often it checks, how many times, and how long the whole job may take."""

    poll_interval_seconds: int = 10
    max_polls: int = 30
    job_timeout_seconds: int = 120


@dataclass(frozen=True)
class LambdaIteratorSettings:
    """The Lambda iterator's largest accepted `iterations`."""

    max_iterations: int = 1000


# Counted from the definition in components/record_transfer.py with every Retry taken (a unit test derives
# them with record_transfer.history_events; an e2e test counts the retry-free history in the sandbox).
RECORD_TRANSFER_HISTORY = HistoryBudget(
    29,
    22,
    "Choice 2 + GetItem Task 5 + RecordFound Choice 2 + SendMessage Task 5 + pop Pass 2, and one retry "
    "of each Task 3 + 3",
)


@dataclass(frozen=True)
class RecordTransferSettings:
    """The record transfer's largest accepted `count` of records."""

    max_records: int = 1000


@dataclass(frozen=True)
class TaskTrackerSettings:
    """How long the task tracker's stand-in work (a Wait) takes."""

    work_seconds: int = 30


@dataclass(frozen=True)
class Settings:
    """Everything `__main__.py` needs, validated."""

    common: CommonSettings
    map_fan_out: MapFanOutSettings
    image_downloader: ImageDownloaderSettings = ImageDownloaderSettings()
    job_poller: JobPollerSettings = JobPollerSettings()
    lambda_iterator: LambdaIteratorSettings = LambdaIteratorSettings()
    record_transfer: RecordTransferSettings = RecordTransferSettings()
    task_tracker: TaskTrackerSettings = TaskTrackerSettings()

    @property
    def parallel_lambda(self) -> MapFanOutSettings:
        """The parallel-Lambda tutorial: no wait, no concurrency limit, the same execution timeout."""
        return MapFanOutSettings(
            max_concurrency=0, wait_duration_seconds=0,
            timeout_duration_seconds=self.map_fan_out.timeout_duration_seconds,
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
    )
    return Settings(
        common=common,
        map_fan_out=map_fan_out,
        image_downloader=load_image_downloader_settings(values),
        job_poller=load_job_poller_settings(values),
        lambda_iterator=load_lambda_iterator_settings(values),
        record_transfer=load_record_transfer_settings(values),
        task_tracker=load_task_tracker_settings(values),
    )


def _boolean(key: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise ConfigError(key, f"{raw!r} is not true or false")
    return lowered == "true"


def _hosts(key: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower() for host in raw.split(",") if host.strip())
    for host in hosts:
        if "/" in host or ":" in host or " " in host or ("." not in host and host != "localhost"):
            raise ConfigError(key, f"{host!r} is not a host name; give host names separated by commas")
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


def _loop_turns(key: str, raw: str, budget: HistoryBudget) -> int:
    high = budget.max_turns
    try:
        return _integer(key, raw, 1, high)
    except ConfigError as error:
        if raw.strip().isdigit() and int(raw) > high:
            raise ConfigError(
                key,
                f"{int(raw)} is out of range; use 1..{high}: each turn of the loop records {budget.events_per_turn} "
                f"history events ({budget.turn}) on top of {budget.fixed_events} outside it, and Step Functions "
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
    return TaskTrackerSettings(
        work_seconds=_read(
            values,
            "workSeconds",
            TaskTrackerSettings.work_seconds,
            lambda k, r: _integer(k, r, 0, MAX_EXECUTION_SECONDS),
        )
    )


#: Every project config key, for `__main__.py` to read and tests to check against Pulumi.dev.yaml.
CONFIG_KEYS = (
    "logRetentionDays",
    "lambdaRuntime",
    "lambdaArchitecture",
    "sfnLogLevel",
    "alarmEmail",
    "retainData",
    "maxConcurrency",
    "waitDurationSeconds",
    "timeoutDurationSeconds",
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
)
