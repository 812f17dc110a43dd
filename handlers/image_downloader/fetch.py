"""Fetch one image URL: each redirect hop checked, the response vetted, the body streamed with a byte cap."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

import urllib3

from image_downloader import image_types, ssrf, web
from image_downloader.errors import DownloadFailed
from image_downloader.keys import DEFAULT_PORTS
from image_downloader.settings import SETTINGS, Settings
from image_downloader.validation import allowed_schemes

MAX_REDIRECTS = 3
READ_CHUNK_BYTES = 64 * 1024
_MAX_CAUSE_DEPTH = 10
#: urllib3's ReadTimeoutError and ConnectTimeoutError, and a bare socket timeout.
_TIMEOUTS = (urllib3.exceptions.TimeoutError, TimeoutError)

#: Created once per execution environment, shared by every download thread (32 connections per host).
POOL = web.build_pool(SETTINGS)
Response = urllib3.BaseHTTPResponse


class CappedBody:
    """A read-only file for `upload_fileobj`: full reads, counted; past the byte cap or the deadline it raises
    (`late`: the error a passed deadline is, Timeout for one image's own, OutOfTime for its batch's). Its first
    bytes are read before any is handed on, and must be the image `content_type` claims (image_types): an empty
    body or another kind of content never reaches S3."""

    def __init__(
        self, response: Response, limit: int, deadline: float, late: str = "Timeout", content_type: str = ""
    ) -> None:
        self._raw = response
        self._limit = limit
        self._deadline = deadline
        self._late = late
        self._content_type = content_type
        self._head: bytes | None = None
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head is None:
            self._head = self._read(image_types.SNIFF_BYTES)
            image_types.check_content(self._content_type, self._head)
        if not self._head:
            return self._read(size)
        if 0 <= size <= len(self._head):
            data, self._head = self._head[:size], self._head[size:]
            return data
        data, self._head = self._head, b""
        return data + self._read(size - len(data) if size >= 0 else -1)

    def _read(self, size: int = -1) -> bytes:
        chunks: list[bytes] = []
        wanted = size if size >= 0 else self._limit + 1
        while wanted > 0:
            if time.monotonic() > self._deadline:  # a server trickling bytes never trips the read timeout
                raise DownloadFailed(self._late, 200)
            # read1 returns what has arrived: read() would wait for a full chunk, however slowly it trickles in
            chunk = self._raw.read1(min(wanted, READ_CHUNK_BYTES), decode_content=True)
            if not chunk:
                break
            self.bytes_read += len(chunk)
            if self.bytes_read > self._limit:
                raise DownloadFailed("TooLarge", 200)
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)


Origin = tuple[str, str, int | None]


def origin(url: str) -> Origin:
    """(scheme, host, port) with the scheme's default port when the URL names none; a port that is not a number
    is None (no hop is allowed to it)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port if parts.port is not None else DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").rstrip("."), port


def same_host(hop: Origin, first: Origin) -> bool:
    """A redirect stays on the first URL's scheme, host and port; the one exception is an upgrade from http on
    its default port to https on its default port (never the other way)."""
    if hop[1] != first[1] or hop[2] is None:
        return False
    upgrade = first[0] == "http" and first[2] == DEFAULT_PORTS["http"] and hop[0] == "https"
    return hop == first or (upgrade and hop[2] == DEFAULT_PORTS["https"])


def _check_hop(url: str, first: Origin, settings: Settings, status_code: int | None) -> None:
    parts = urlsplit(url)
    if (
        parts.scheme not in allowed_schemes(settings)
        or not same_host(origin(url), first)
        or parts.username is not None
        or parts.password is not None
    ):
        raise DownloadFailed("RedirectRefused", status_code)


def _guard(url: str, settings: Settings, deadline: float | None) -> None:
    """Check every address the host resolves to before connecting; the lookup takes at most the connect timeout,
    cut to the deadline."""
    if settings.allow_private_hosts:
        return
    scheme, host, port = origin(url)
    timeout = settings.connect_timeout_seconds
    if deadline is not None:
        timeout = max(0.001, min(timeout, deadline - time.monotonic()))
    ssrf.check_host(host, port if port is not None else DEFAULT_PORTS.get(scheme, 443), timeout)


def _done(response: Response) -> None:
    """Hand the connection back to the pool: reused when the body was read to the end (urllib3 has then released
    it already), closed when it was not, so no unread bytes reach the next request."""
    response.close()
    response.release_conn()


def get(url: str, settings: Settings = SETTINGS, deadline: float | None = None) -> Response:
    """GET with redirects followed by hand: at most 3, same host only, every hop SSRF-checked before connecting;
    timeouts and retries end by `deadline` (time.monotonic) when given.
    The body is not read yet: use `fetched`, or read it and call `_done`."""
    first = origin(url)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        _guard(current, settings, deadline)
        # The pool carries the timeouts and the retry policy (web.build_pool); redirects are ours, hop by hop.
        response = POOL.request(
            "GET",
            current,
            preload_content=False,
            redirect=False,
            retries=web.retry_policy(settings, deadline),
            timeout=web.timeout(settings, deadline),
        )
        location = response.get_redirect_location()
        if not location:
            return response
        _done(response)
        current = urljoin(current, location)
        _check_hop(current, first, settings, response.status)
    raise DownloadFailed("RedirectRefused", response.status)  # more than MAX_REDIRECTS hops


#: What a download's deadline may interrupt: urllib3's errors, a socket's, http.client's, a body's own.
_INTERRUPTED = (urllib3.exceptions.HTTPError, OSError, http.client.HTTPException, DownloadFailed)


@contextmanager
def fetched(
    url: str, settings: Settings = SETTINGS, deadline: float | None = None, late: str = "Timeout"
) -> Iterator[Response]:
    """`get`, with the connection handed back to the pool however the body's reading ends. With a `deadline`, a
    watchdog shuts the download's sockets down when it passes, whatever phase it is in (resolving, connecting,
    headers, body), and the download then fails as `late` alone."""
    if deadline is None:
        response = get(url, settings, deadline)
        try:
            yield response
        finally:
            _done(response)
        return
    with web.Watchdog(deadline) as watchdog:
        try:
            response = get(url, settings, deadline)
        except _INTERRUPTED:
            if watchdog.expired or time.monotonic() >= deadline:
                raise DownloadFailed(late) from None
            raise
        try:
            yield response
        except _INTERRUPTED as error:
            if watchdog.expired and not (isinstance(error, DownloadFailed) and error.error == late):
                raise DownloadFailed(late, response.status) from None
            raise
        finally:
            _done(response)


def _content_length(response: Response) -> int | None:
    try:
        return int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None


def plain_size(response: Response) -> int | None:
    """The body's size as announced when it arrives as is; None when chunked or content-encoded (decoded, a
    gzip body may be far larger than its Content-Length)."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    return _content_length(response) if encoding in ("", "identity") else None


def vet(response: Response, settings: Settings = SETTINGS) -> str:
    """Refuse anything but a 200 image within the byte cap (by its Content-Length), before reading the body;
    returns the Content-Type to store the image with."""
    status = response.status
    if status == 404:
        raise DownloadFailed("NotFound", status)
    if web.retry_after_too_long(response, settings.max_retry_after_seconds):
        raise DownloadFailed("RetryAfterTooLong", status)  # the bound on waiting: the batch goes on without it
    if status != 200:
        raise DownloadFailed(f"HTTP {status}", status)
    content_type = response.headers.get("Content-Type", "").strip()
    if not image_types.accepted(content_type):
        raise DownloadFailed("NotAnImage", status)
    length = _content_length(response)
    if length is not None and length > settings.max_image_bytes:
        raise DownloadFailed("TooLarge", status)
    if length == 0 and plain_size(response) == 0:
        raise DownloadFailed(image_types.EMPTY_BODY, status)
    if not (content_type.isascii() and content_type.isprintable()):
        content_type = content_type.split(";", 1)[0].strip()
    return content_type


def error_name(error: BaseException) -> str:
    """OutOfTime (no time left to retry), IncompleteBody, Timeout or ConnectionError, whichever layer (urllib3's
    retries, the socket, body streaming) raised it."""
    cause: BaseException | None = error
    for _ in range(_MAX_CAUSE_DEPTH):
        if cause is None:
            break
        if isinstance(cause, urllib3.exceptions.MaxRetryError) and cause.reason is not None:
            cause = cause.reason
            continue
        if isinstance(cause, web.OutOfTime):
            return "OutOfTime"
        if isinstance(cause, (urllib3.exceptions.IncompleteRead, http.client.IncompleteRead)):
            return "IncompleteBody"  # the connection closed before the body's declared length arrived
        if isinstance(cause, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
            return "ConnectionError"
        if isinstance(cause, _TIMEOUTS):
            return "Timeout"
        nested = next((arg for arg in cause.args if isinstance(arg, BaseException)), None)
        cause = nested or cause.__cause__ or cause.__context__
    return "ConnectionError"
