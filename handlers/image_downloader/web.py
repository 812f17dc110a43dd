"""The one HTTP connection pool per execution environment: keep-alive, retrying, timeouts set, SSRF-guarded at connect.

urllib3 itself rather than a requests.Session over it: requests' own work per call (merging settings, preparing the
request, hooks, cookies) was about half of each GET's CPU, and a download Lambda is CPU-bound at high lambdaConcur.
Like a Session with `trust_env = False`, urllib3 reads no proxy or .netrc from the environment: every hop goes where
the guard checked.
"""

from __future__ import annotations

import socket
from typing import Any

import ssrf
import urllib3
from settings import Settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry
from validation import MAX_LAMBDA_CONCUR

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: One connection per concurrent download, whatever lambdaConcur a batch asks for.
POOL_SIZE = MAX_LAMBDA_CONCUR
USER_AGENT = "sfn-patterns-image-downloader/1.0"
#: What every request sends (the Accept-Encoding a requests.Session sent; a compressed body is decoded and counted
#: against the byte cap as it is read).
HEADERS = {"User-Agent": USER_AGENT, "Accept": "image/*", "Accept-Encoding": "gzip, deflate"}


class GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        ssrf.check_peer(sock)
        return sock


class GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        ssrf.check_peer(sock)
        return sock


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class BoundedRetry(Retry):
    """urllib3's Retry, but a server's Retry-After cannot park the Lambda longer than `max_retry_after` seconds."""

    def __init__(self, *args: Any, max_retry_after: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> BoundedRetry:
        kw.setdefault("max_retry_after", self.max_retry_after)
        return super().new(**kw)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.max_retry_after)


def retry_policy(settings: Settings) -> BoundedRetry:
    """GET only; connection errors, read errors and 429/5xx, with backoff; the last response is returned, not raised."""
    attempts = settings.retry_attempts
    return BoundedRetry(
        total=attempts,
        connect=attempts,
        read=attempts,
        status=attempts,
        other=0,
        redirect=False,  # redirects are followed (and checked) by the caller, one hop at a time
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.retry_backoff_seconds,
        respect_retry_after_header=True,
        raise_on_status=False,
        max_retry_after=settings.max_retry_after_seconds,
    )


def build_pool(settings: Settings) -> urllib3.PoolManager:
    """Keep-alive connections, up to POOL_SIZE per host (and POOL_SIZE hosts kept), each connection checked against
    the SSRF guard once connected unless private hosts are allowed; GETs retried and timed out per `settings`."""
    pool = urllib3.PoolManager(
        num_pools=POOL_SIZE,
        maxsize=POOL_SIZE,
        headers=HEADERS,
        retries=retry_policy(settings),
        timeout=urllib3.Timeout(connect=settings.connect_timeout_seconds, read=settings.read_timeout_seconds),
    )
    if not settings.allow_private_hosts:
        pool.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}
    return pool
