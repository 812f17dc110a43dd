"""The image-downloader's configuration, read from the environment once per execution environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from image_downloader.errors import InvalidSetting

MAP_MODES = ("inline", "distributed", "auto")
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True)
class Settings:
    """Every knob of the three handlers; defaults are the documented ones."""

    images_bucket: str = ""
    url_table: str = ""
    allowed_hosts: frozenset[str] = frozenset()
    allow_insecure_http: bool = False
    allow_private_hosts: bool = False
    max_resources: int = 10_000
    batch_size: int = 25
    map_mode: str = "auto"
    inline_limit: int = 1000
    connect_timeout_seconds: float = 3.05
    read_timeout_seconds: float = 10.0
    retry_attempts: int = 3
    retry_backoff_seconds: float = 0.2
    max_retry_after_seconds: float = 10.0
    max_download_seconds: float = 60.0
    max_image_bytes: int = 26_214_400
    failure_sample: int = 1000  # every failure of the largest batch (batchSize is at most 1,000)
    failed_url_cap: int = 50
    execution_timeout_seconds: float = 0.0  # the execution's TimeoutSeconds; 0: unknown (no finishBy)


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise InvalidSetting(f"{name}: expected true or false, got {value!r}")
    return value in _TRUE


def _number(
    environ: Mapping[str, str], name: str, kind: Callable[[str], _Number], default: _Number, minimum: _Number
) -> _Number:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidSetting(f"{name}: expected a number, got {raw!r}") from None
    if not value >= minimum:  # also refuses NaN
        raise InvalidSetting(f"{name}: must be at least {minimum}, got {raw!r}")
    return value


def _host_entry(entry: str) -> str:
    """`name` (the scheme's default port) or `name:port`, lower case, without a trailing dot on the name."""
    name, colon, port = entry.partition(":")
    if not colon:
        return name.rstrip(".")
    if not (port.isdigit() and 0 < int(port) < 65536) or not name:
        raise InvalidSetting(f"ALLOWED_HOSTS: {entry!r} is not a host name or host:port")
    return f"{name.rstrip('.')}:{int(port)}"


def _hosts(environ: Mapping[str, str]) -> frozenset[str]:
    """The allowed hosts: `name` allows the name on its scheme's default port alone, `name:port` on that port."""
    names = (name.strip().lower() for name in environ.get("ALLOWED_HOSTS", "").split(","))
    return frozenset(_host_entry(name) for name in names if name)


def _map_mode(environ: Mapping[str, str]) -> str:
    mode = environ.get("MAP_MODE", "").strip().lower() or "auto"
    if mode not in MAP_MODES:
        raise InvalidSetting(f"MAP_MODE: expected one of {', '.join(MAP_MODES)}, got {mode!r}")
    return mode


def load(environ: Mapping[str, str]) -> Settings:
    """Parse the environment; an unusable value raises InvalidSetting naming the variable."""
    d = Settings()
    return Settings(
        images_bucket=environ.get("IMAGES_BUCKET", "").strip(),
        url_table=environ.get("URL_TABLE", "").strip(),
        allowed_hosts=_hosts(environ),
        allow_insecure_http=_flag(environ, "ALLOW_INSECURE_HTTP"),
        allow_private_hosts=_flag(environ, "ALLOW_PRIVATE_HOSTS"),
        max_resources=_number(environ, "MAX_RESOURCES", int, d.max_resources, 1),
        batch_size=_number(environ, "BATCH_SIZE", int, d.batch_size, 1),
        map_mode=_map_mode(environ),
        inline_limit=_number(environ, "INLINE_LIMIT", int, d.inline_limit, 0),
        connect_timeout_seconds=_number(environ, "CONNECT_TIMEOUT_SECONDS", float, d.connect_timeout_seconds, 0.001),
        read_timeout_seconds=_number(environ, "READ_TIMEOUT_SECONDS", float, d.read_timeout_seconds, 0.001),
        retry_attempts=_number(environ, "RETRY_ATTEMPTS", int, d.retry_attempts, 0),
        retry_backoff_seconds=_number(environ, "RETRY_BACKOFF_SECONDS", float, d.retry_backoff_seconds, 0.0),
        max_retry_after_seconds=_number(environ, "MAX_RETRY_AFTER_SECONDS", float, d.max_retry_after_seconds, 0.0),
        max_download_seconds=_number(environ, "MAX_DOWNLOAD_SECONDS", float, d.max_download_seconds, 0.001),
        max_image_bytes=_number(environ, "MAX_IMAGE_BYTES", int, d.max_image_bytes, 1),
        failure_sample=_number(environ, "FAILURE_SAMPLE", int, d.failure_sample, 0),
        failed_url_cap=_number(environ, "FAILED_URL_CAP", int, d.failed_url_cap, 0),
        execution_timeout_seconds=_number(
            environ, "EXECUTION_TIMEOUT_SECONDS", float, d.execution_timeout_seconds, 0.0
        ),
    )


#: Read once, when the execution environment imports the handler.
SETTINGS = load(os.environ)
