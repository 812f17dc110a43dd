"""Test doubles for the image downloader: a tiny GIF, slow and chunked responders, a concurrency meter, a fake DNS."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug import Request, Response

#: The classic 1x1 transparent GIF (43 bytes).
TINY_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def gif_response(request: Request | None = None) -> Response:
    return Response(TINY_GIF, status=200, content_type="image/gif")


def chunked(
    total_bytes: int, chunk_bytes: int = 64 * 1024, pause_seconds: float = 0.0
) -> Callable[[Request], Response]:
    """A handler streaming `total_bytes` of image/gif with no Content-Length (chunked), optionally trickling; the
    body starts as a GIF does (the downloader checks an image's first bytes)."""
    content = TINY_GIF[:6]

    def body() -> Iterator[bytes]:
        sent = 0
        while sent < total_bytes:
            size = min(chunk_bytes, total_bytes - sent)
            if pause_seconds:
                time.sleep(pause_seconds)
            yield (content + b"\0" * size)[sent : sent + size] if sent < len(content) else b"\0" * size
            sent += size

    return lambda request: Response(body(), status=200, content_type="image/gif")


def sleeping(seconds: float, then: Callable[[Request], Response] = gif_response) -> Callable[[Request], Response]:
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return then(request)

    return handler


class ConcurrencyMeter:
    """A handler that holds each request `hold_seconds` and records the most requests it held at once."""

    def __init__(self, hold_seconds: float) -> None:
        self.hold_seconds = hold_seconds
        self.active = 0
        self.peak = 0
        self.served = 0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self.hold_seconds)
            return gif_response()
        finally:
            with self._lock:
                self.active -= 1
                self.served += 1


@contextlib.contextmanager
def fake_dns(answers: dict[str, list[str]]) -> Iterator[dict[str, list[str]]]:
    """Patch `socket.getaddrinfo`: names in `answers` resolve to their (mutable) addresses, IP literals and
    localhost as usual, anything else fails, so a test never asks a real resolver."""
    original = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in answers:
            return [
                (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in answers[name]
            ]
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        except OSError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, f"fake DNS has no answer for {name}") from None
        return original(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    try:
        yield answers
    finally:
        socket.getaddrinfo = original
