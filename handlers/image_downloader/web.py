"""The one HTTP session per execution environment: pooled, retrying, timeouts set, and SSRF-guarded at connect."""

from __future__ import annotations

import socket
from typing import Any

import requests
import ssrf
from requests.adapters import HTTPAdapter
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


class GuardedAdapter(HTTPAdapter):
    """An adapter whose connections check the address they actually reached (unless private hosts are allowed)."""

    def __init__(self, *, guard: bool, **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        if self.guard:
            self.poolmanager.pool_classes_by_scheme = {
                "http": GuardedHTTPConnectionPool,
                "https": GuardedHTTPSConnectionPool,
            }


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


def build_session(settings: Settings) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment: every hop goes where the guard checked
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "image/*"})
    adapter = GuardedAdapter(
        guard=not settings.allow_private_hosts,
        pool_connections=POOL_SIZE,
        pool_maxsize=POOL_SIZE,
        max_retries=retry_policy(settings),
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
