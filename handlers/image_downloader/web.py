"""The one HTTP connection pool per execution environment: keep-alive, retrying, timeouts set, SSRF-guarded at connect.

urllib3 itself rather than a requests.Session over it: requests' own work per call (merging settings, preparing the
request, hooks, cookies) was about half of each GET's CPU, and a download Lambda is CPU-bound at high lambdaConcur.
Like a Session with `trust_env = False`, urllib3 reads no proxy or .netrc from the environment: every hop goes where
the guard checked.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self, cast

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import ConnectionPool, HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from image_downloader import ssrf
from image_downloader.settings import Settings
from image_downloader.validation import MAX_LAMBDA_CONCUR

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: One connection per concurrent download, whatever lambdaConcur a batch asks for.
POOL_SIZE = MAX_LAMBDA_CONCUR
USER_AGENT = "sfn-patterns-image-downloader/1.0"
#: What every request sends (the Accept-Encoding a requests.Session sent; a compressed body is decoded and counted
#: against the byte cap as it is read).
HEADERS = {"User-Agent": USER_AGENT, "Accept": "image/*", "Accept-Encoding": "gzip, deflate"}


class Watchdog:
    """One download's deadline over every socket it uses: when it passes, those sockets are shut down, so a read
    blocked anywhere (the TLS handshake, headers sent a line a second, a body) ends at once. A socket timeout
    bounds each read alone, and a host may keep every read just within it."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self.expired:
                sock.shutdown(socket.SHUT_RDWR)
            elif not self._done:
                self._sockets.append(sock)

    def forget(self, sock: socket.socket | None) -> None:
        """The socket goes back to the pool: another download may take it, so this deadline no longer binds it."""
        with self._lock:
            self._sockets = [watched for watched in self._sockets if watched is not sock]

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Watchdog:
        _current.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
            self._sockets = []
        self._timer.cancel()
        _current.watchdog = None


#: The watchdog of the download running on this thread (urllib3 connects and reads on the caller's thread).
_current = threading.local()


def _watch(sock: socket.socket | None) -> None:
    watchdog: Watchdog | None = getattr(_current, "watchdog", None)
    if watchdog is not None:
        watchdog.watch(sock)


def _forget(sock: socket.socket | None) -> None:
    watchdog: Watchdog | None = getattr(_current, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.forget(sock)


class WatchedPoolMixin:
    """A pool that takes a connection out of its download's watch as it takes it back (urllib3 hands a connection
    back on the reading thread, as soon as its body is read to the end)."""

    def _put_conn(self, conn: Any) -> None:
        _forget(getattr(conn, "sock", None))
        super()._put_conn(conn)  # type: ignore[misc]


def _connect_time_left(timeout: Any) -> float | None:
    """The connection's connect timeout in seconds (None: no bound)."""
    return timeout if isinstance(timeout, (int, float)) else None


class BoundedConnectionMixin:
    """A connection whose name lookup is bounded by its connect timeout (the resolver call takes none), whose
    every address is SSRF-checked when `guarded`, and whose socket is watched by the download's deadline."""

    guarded = True
    _dns_host: str
    port: int
    timeout: Any

    def _new_conn(self) -> socket.socket:
        host = self._dns_host
        try:
            answers = ssrf.lookup(host, self.port, _connect_time_left(self.timeout))
        except ssrf.ResolveTimeout as error:
            raise urllib3.exceptions.ConnectTimeoutError(self, str(error)) from error
        except (socket.gaierror, UnicodeError) as error:
            raise urllib3.exceptions.NameResolutionError(host, self, error) from error  # type: ignore[arg-type]
        last: Exception | None = None
        # Each address in turn, as urllib3 tries them: connecting to the address itself looks nothing up again.
        for address in dict.fromkeys(str(answer[4][0]) for answer in answers):
            self._dns_host = address
            try:
                sock: socket.socket = super()._new_conn()  # type: ignore[misc]
            except urllib3.exceptions.NewConnectionError as error:
                last = error
                continue
            finally:
                self._dns_host = host
            _watch(sock)
            if self.guarded:
                ssrf.check_peer(sock)
            return sock
        raise last or urllib3.exceptions.NewConnectionError(self, f"{host} has no address")  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(getattr(self, "sock", None))  # a kept-alive connection: its socket is watched by this download too
        super().request(*args, **kwargs)  # type: ignore[misc]


class BoundedHTTPConnection(BoundedConnectionMixin, HTTPConnection):
    pass


class BoundedHTTPSConnection(BoundedConnectionMixin, HTTPSConnection):
    pass


class OpenHTTPConnection(BoundedConnectionMixin, HTTPConnection):
    guarded = False


class OpenHTTPSConnection(BoundedConnectionMixin, HTTPSConnection):
    guarded = False


class GuardedHTTPConnectionPool(WatchedPoolMixin, HTTPConnectionPool):
    ConnectionCls = BoundedHTTPConnection


class GuardedHTTPSConnectionPool(WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = BoundedHTTPSConnection


class OpenHTTPConnectionPool(WatchedPoolMixin, HTTPConnectionPool):
    """For the sandbox's 127.0.0.1 image server only (`allowPrivateHosts`): no SSRF check, the same bounds."""

    ConnectionCls = OpenHTTPConnection


class OpenHTTPSConnectionPool(WatchedPoolMixin, HTTPSConnectionPool):
    ConnectionCls = OpenHTTPSConnection


class OutOfTime(urllib3.exceptions.HTTPError):
    """The next attempt would not fit in the time the batch has left: the request gives up now."""


class BoundedRetry(Retry):
    """urllib3's Retry with two bounds: a server's Retry-After longer than `max_retry_after` seconds is not waited
    for (the last response is returned: `fetch.vet` names it RetryAfterTooLong), and no retry starts or sleeps past
    `deadline` (time.monotonic; the batch's own deadline)."""

    def __init__(self, *args: Any, max_retry_after: float = 10.0, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after
        self.deadline = deadline

    def new(self, **kw: Any) -> BoundedRetry:
        kw.setdefault("max_retry_after", self.max_retry_after)
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        pool = cast(ConnectionPool, _pool)  # MaxRetryError's annotation; urllib3 itself passes None at times
        if response is not None and retry_after_too_long(response, self.max_retry_after):
            raise urllib3.exceptions.MaxRetryError(pool, url or "", urllib3.exceptions.ResponseError("Retry-After"))
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.deadline is not None:
            wait = (self.get_retry_after(response) if response is not None else None) or new.get_backoff_time()
            if time.monotonic() + wait >= self.deadline:
                raise urllib3.exceptions.MaxRetryError(pool, url or "", OutOfTime("no time left for another attempt"))
        return new


def retry_after_too_long(response: BaseHTTPResponse, max_retry_after: float) -> bool:
    """True when the response asks to be retried later than `max_retry_after` seconds from now."""
    header = response.headers.get("Retry-After")
    if not header or response.status not in Retry.RETRY_AFTER_STATUS_CODES:
        return False
    try:
        seconds = Retry(0).parse_retry_after(header)
    except urllib3.exceptions.InvalidHeader:
        return False
    return seconds > max_retry_after


def retry_policy(settings: Settings, deadline: float | None = None) -> BoundedRetry:
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
        deadline=deadline,
    )


def timeout(settings: Settings, deadline: float | None = None) -> urllib3.Timeout:
    """The configured connect and read timeouts, each cut to the time left before `deadline` (time.monotonic)."""
    connect, read = settings.connect_timeout_seconds, settings.read_timeout_seconds
    if deadline is not None:
        left = max(0.001, deadline - time.monotonic())
        connect, read = min(connect, left), min(read, left)
    return urllib3.Timeout(connect=connect, read=read)


def build_pool(settings: Settings) -> urllib3.PoolManager:
    """Keep-alive connections, up to POOL_SIZE per host (and POOL_SIZE hosts kept), each connection checked against
    the SSRF guard once connected unless private hosts are allowed, its name lookup bounded and its socket watched
    by the download's deadline either way; GETs retried and timed out per `settings`."""
    pool = urllib3.PoolManager(
        num_pools=POOL_SIZE,
        maxsize=POOL_SIZE,
        headers=HEADERS,
        retries=retry_policy(settings),
        timeout=timeout(settings),
    )
    if settings.allow_private_hosts:
        pool.pool_classes_by_scheme = {"http": OpenHTTPConnectionPool, "https": OpenHTTPSConnectionPool}
    else:
        pool.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}
    return pool
