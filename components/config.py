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
    execution_timeout_seconds: int = 3600


@dataclass(frozen=True)
class Settings:
    """Everything `__main__.py` needs, validated."""

    common: CommonSettings
    map_fan_out: MapFanOutSettings
    image_downloader: ImageDownloaderSettings = ImageDownloaderSettings()

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
    return Settings(common=common, map_fan_out=map_fan_out, image_downloader=load_image_downloader_settings(values))


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
        execution_timeout_seconds=_read(
            values,
            "imageDownloaderTimeoutSeconds",
            d.execution_timeout_seconds,
            lambda k, r: _integer(k, r, 1, MAX_EXECUTION_SECONDS),
        ),
    )
    return settings


#: Every project config key, for `__main__.py` to read and tests to check against Pulumi.dev.yaml.
CONFIG_KEYS = (
    "logRetentionDays",
    "lambdaRuntime",
    "lambdaArchitecture",
    "sfnLogLevel",
    "alarmEmail",
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
    "imageDownloaderTimeoutSeconds",
)
