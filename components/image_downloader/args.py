"""ImageDownloader's args: the bucket, the HTTP API, batching and the download guard rails."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, NotRequired

from ..parts import WorkflowOptions
from ..setting import DECLARED, Setting, declared, defaults_from
from ..settings import INLINE_MAP_MAX_CONCURRENCY, MAX_EXECUTION_SECONDS

MAP_MODES = ("auto", "inline", "distributed")
#: A Distributed Map runs at most this many child executions at once (Step Functions quotas).
DISTRIBUTED_MAP_MAX_CONCURRENCY = 1_000


def _download_concurrency_high(resolved: Mapping[str, Any]) -> int:
    """An inline Map runs 40 at once at most; a distributed Map (or `auto`, which may choose it) 1,000."""
    return INLINE_MAP_MAX_CONCURRENCY if resolved["map_mode"] == "inline" else DISTRIBUTED_MAP_MAX_CONCURRENCY


@declared
class ImageDownloaderArgs(WorkflowOptions):
    """The bucket, the HTTP API, batching and the download guard rails."""

    transition_days: Annotated[NotRequired[int], Setting(1, low=0, high=3650)]
    """Days before stored images move to Glacier Instant Retrieval."""
    notification_email: Annotated[NotRequired[str], Setting(None, kind="email")]
    """An e-mail address subscribed to the failures topic."""
    api_authorization: Annotated[NotRequired[str], Setting("iam", choices=("iam", "none"))]
    """`iam` (callers sign with SigV4) or `none` (an open API)."""
    api_burst_limit: Annotated[NotRequired[int], Setting(10, low=1, high=5_000)]
    """The HTTP API stage's burst limit: requests at once."""
    api_rate_limit: Annotated[NotRequired[int], Setting(5, low=1, high=10_000)]
    """The HTTP API stage's steady requests per second."""
    allow_insecure_http: Annotated[NotRequired[bool], Setting(False)]
    """Accept http:// base URLs (false: https only)."""
    allowed_hosts: Annotated[NotRequired[list[str]], Setting((), kind="hosts", shown="any host")]
    """If given, the only hosts a base URL may name: `name` allows the scheme's default port only (443, or 80 for
    http), `name:port` that port only."""
    allow_private_hosts: Annotated[NotRequired[bool], Setting(False)]
    """Allow hosts that resolve to private, loopback or link-local addresses (for a sandbox only)."""
    max_resources: Annotated[NotRequired[int], Setting(10_000, low=1, high=1_000_000)]
    """The most paths one request may list."""
    batch_size: Annotated[NotRequired[int], Setting(25, low=1, high=1_000)]
    """Images per download Lambda invocation."""
    inline_limit: Annotated[NotRequired[int], Setting(1_000, low=1, high=10_000)]
    """Up to this many images an inline Map runs the batches; above it a Distributed Map."""
    map_mode: Annotated[NotRequired[str], Setting("auto", choices=MAP_MODES)]
    """`auto` (inline up to inline_limit images, else distributed), `inline` or `distributed`."""
    download_concurrency: Annotated[
        NotRequired[int],
        Setting(
            10,
            low=1,
            high=_download_concurrency_high,
            old_name="download_map_concurrency",
            values="1..40 with map_mode inline, else 1..1000",
        ),
    ]
    """Batches downloaded at once, one download Lambda each (formerly download_map_concurrency, still taken with a
    warning)."""
    max_image_bytes: Annotated[
        NotRequired[int], Setting(25 * 1024 * 1024, low=1, high=1024**3, shown="25 MB (26214400)")
    ]
    """The largest image stored; a larger one fails as TooLarge."""
    download_timeout_seconds: Annotated[NotRequired[int], Setting(120, low=1, high=900)]
    """The download Lambda's timeout in seconds (the tutorial's task timeout)."""
    download_memory_mb: Annotated[NotRequired[int], Setting(512, low=128, high=10_240)]
    """The download Lambda's memory in MB, and with it its CPU (one vCPU at 1,769 MB): with many downloads at once
    (a high `lambdaConcur`) and small images the function is CPU-bound below that (docs/benchmarks.md)."""
    execution_timeout_seconds: Annotated[
        NotRequired[int], Setting(3600, low=1, high=MAX_EXECUTION_SECONDS, old_keys=("imageDownloaderTimeoutSeconds",))
    ]
    """Seconds one execution may run (its TimeoutSeconds)."""


@dataclass(frozen=True)
@defaults_from(ImageDownloaderArgs)
class ImageDownloaderSettings:
    """The ImageDownloader's bucket, API, batching and download guard rails, resolved."""

    transition_days: int = DECLARED
    notification_email: str | None = DECLARED
    api_authorization: str = DECLARED
    api_burst_limit: int = DECLARED
    api_rate_limit: int = DECLARED
    allow_insecure_http: bool = DECLARED
    allowed_hosts: tuple[str, ...] = DECLARED
    allow_private_hosts: bool = DECLARED
    max_resources: int = DECLARED
    batch_size: int = DECLARED
    inline_limit: int = DECLARED
    map_mode: str = DECLARED
    download_concurrency: int = DECLARED
    max_image_bytes: int = DECLARED
    download_timeout_seconds: int = DECLARED
    download_memory_mb: int = DECLARED
    execution_timeout_seconds: int = DECLARED
