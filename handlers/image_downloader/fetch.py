"""Fetch one image URL: each redirect hop checked, the response vetted, the body streamed with a byte cap."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

import ssrf
import urllib3
import web
from errors import DownloadFailed
from settings import SETTINGS, Settings
from validation import allowed_schemes

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
    (`late`: the error a passed deadline is, Timeout for one image's own, OutOfTime for its batch's)."""

    def __init__(self, response: Response, limit: int, deadline: float, late: str = "Timeout") -> None:
        self._raw = response
        self._limit = limit
        self._deadline = deadline
        self._late = late
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
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


def _check_hop(url: str, origin_host: str, settings: Settings, status_code: int | None) -> None:
    parts = urlsplit(url)
    if (
        parts.scheme not in allowed_schemes(settings)
        or (parts.hostname or "").rstrip(".") != origin_host
        or parts.username is not None
        or parts.password is not None
    ):
        raise DownloadFailed("RedirectRefused", status_code)


def _guard(url: str, settings: Settings) -> None:
    if settings.allow_private_hosts:
        return
    parts = urlsplit(url)
    ssrf.check_host(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))


def _done(response: Response) -> None:
    """Hand the connection back to the pool: reused when the body was read to the end (urllib3 has then released
    it already), closed when it was not, so no unread bytes reach the next request."""
    response.close()
    response.release_conn()


def get(url: str, settings: Settings = SETTINGS, deadline: float | None = None) -> Response:
    """GET with redirects followed by hand: at most 3, same host only, every hop SSRF-checked before connecting;
    timeouts and retries end by `deadline` (time.monotonic) when given.
    The body is not read yet: use `fetched`, or read it and call `_done`."""
    origin_host = (urlsplit(url).hostname or "").rstrip(".")
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        _guard(current, settings)
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
        _check_hop(current, origin_host, settings, response.status)
    raise DownloadFailed("RedirectRefused", response.status)  # more than MAX_REDIRECTS hops


@contextmanager
def fetched(url: str, settings: Settings = SETTINGS, deadline: float | None = None) -> Iterator[Response]:
    """`get`, with the connection handed back to the pool however the body's reading ends."""
    response = get(url, settings, deadline)
    try:
        yield response
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
    if not content_type.split(";", 1)[0].strip().lower().startswith("image/"):
        raise DownloadFailed("NotAnImage", status)
    length = _content_length(response)
    if length is not None and length > settings.max_image_bytes:
        raise DownloadFailed("TooLarge", status)
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
