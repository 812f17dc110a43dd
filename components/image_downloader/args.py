"""ImageDownloader's args: the bucket, the HTTP API, batching and the download guard rails."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from typing import NotRequired

from ..parts import WorkflowOptions

MAP_MODES = ("auto", "inline", "distributed")
#: A Distributed Map runs at most this many child executions at once (Step Functions quotas).
DISTRIBUTED_MAP_MAX_CONCURRENCY = 1_000


class ImageDownloaderArgs(WorkflowOptions):
    """The bucket, the HTTP API, batching and the download guard rails."""

    transition_days: NotRequired[int]
    """Days before stored images move to Glacier Instant Retrieval, 0..3650 (default 1)."""
    notification_email: NotRequired[str]
    """An e-mail address subscribed to the failures topic."""
    api_authorization: NotRequired[str]
    """`iam` (callers sign with SigV4) or `none` (an open API); default: `iam`."""
    api_burst_limit: NotRequired[int]
    """The HTTP API stage's burst limit, 1..5000 (default 10)."""
    api_rate_limit: NotRequired[int]
    """The HTTP API stage's steady requests per second, 1..10000 (default 5)."""
    allow_insecure_http: NotRequired[bool]
    """Accept http:// base URLs (default false: https only)."""
    allowed_hosts: NotRequired[list[str]]
    """If given, the only hosts a base URL may name: `name` allows the scheme's default port only (443, or 80 for
    http), `name:port` that port only."""
    allow_private_hosts: NotRequired[bool]
    """Allow hosts that resolve to private, loopback or link-local addresses (default false; for a sandbox only)."""
    max_resources: NotRequired[int]
    """The most paths one request may list, 1..1000000 (default 10000)."""
    batch_size: NotRequired[int]
    """Images per download Lambda invocation, 1..1000 (default 25)."""
    inline_limit: NotRequired[int]
    """Up to this many images an inline Map runs the batches; above it a Distributed Map, 1..10000 (default 1000)."""
    map_mode: NotRequired[str]
    """`auto` (inline up to inline_limit images, else distributed), `inline` or `distributed`; default: `auto`."""
    download_map_concurrency: NotRequired[int]
    """Batches downloaded at once: 1..40 inline, 1..1000 distributed (default 10)."""
    max_image_bytes: NotRequired[int]
    """The largest image stored; a larger one fails as TooLarge (default 25 MB)."""
    download_timeout_seconds: NotRequired[int]
    """The download Lambda's timeout, 1..900 s (default 120)."""
    download_memory_mb: NotRequired[int]
    """The download Lambda's memory, and so its CPU, 128..10240 MB (default 512)."""
    execution_timeout_seconds: NotRequired[int]
    """Seconds one execution may run (default 3600)."""
