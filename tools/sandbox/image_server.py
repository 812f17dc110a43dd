"""A local image server on 127.0.0.1 for the image-downloader workflow: small real GIFs, 404 for anything else, and
the faults of real hosts on request: a path segment `fault-<mode>[-<seconds>]` before the image makes that image's
host misbehave (`/data/flags/fault-slow-3/ad/ad.gif` answers after 3 s); see `FAULTS`."""

from __future__ import annotations

import hashlib
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .aws import SERVE_POLL_SECONDS

HOST = "127.0.0.1"
#: `/<anything>/<cc>/<cc>.gif` for a two-letter code other than the seed's missing `zz`, like the tutorial's flags.
FLAG_PATH = re.compile(r"^/(?:.+/)?([a-y][a-z]|z[a-y])/\1\.gif$")


def flag_gif(code: str) -> bytes:
    """A valid 1x1 GIF whose colour comes from the code, so every flag's bytes differ."""
    digest = hashlib.sha256(code.encode()).digest()
    palette = digest[:3] + b"\xff\xff\xff"
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + palette
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
    # LZW minimum code size 2, one sub-block: clear, pixel 0, end of information (the classic 1x1 GIF).
    data = b"\x02\x02\x44\x01\x00"
    return header + image + data + b"\x3b"


#: The host faults a path can ask for: mode -> what the host does (the README's ImageDownloader failure table).
FAULTS = {
    "slow": "answers after <seconds> (default 5)",
    "hang": "never answers (holds the connection open until the server stops)",
    "trickle": "sends the image one byte every <seconds> (default 1)",
    "cut": "declares the whole image, sends half of it, then closes the connection",
    "busy": "answers 429 Too Many Requests with Retry-After: <seconds> (default 3600)",
    "loop": "redirects to the same URL, forever",
    "overlong": "declares a Content-Length of half the image, then sends all of it",
    "headers": "sends its status line, then a header line every <seconds> (default 1), never ending them",
    "empty": "answers 200 image/gif with no body at all",
    "html": "answers 200 with an HTML page it calls image/gif",
}
FAULT_SEGMENT = re.compile(r"/fault-(" + "|".join(FAULTS) + r")(?:-(\d+(?:\.\d+)?))?(?=/)")
DEFAULT_FAULT_SECONDS = {"slow": 5.0, "trickle": 1.0, "busy": 3600.0, "headers": 1.0}
#: What `html` sends as image/gif.
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>Sorry.</body></html>"
#: The longest a `hang` holds its connection (the server's shutdown ends it sooner).
HANG_SECONDS = 600.0


def fault_of(path: str) -> tuple[str, float] | None:
    """(mode, seconds) of the path's `fault-<mode>[-<seconds>]` segment, or None for a well-behaved path."""
    match = FAULT_SEGMENT.search(path.split("?", 1)[0])
    if match is None:
        return None
    mode = match.group(1)
    return mode, float(match.group(2)) if match.group(2) else DEFAULT_FAULT_SECONDS.get(mode, 0.0)


#: What an image host answers for a request path: (status, content type, body).
Responder = Callable[[str], tuple[int, str, bytes]]


def flag_response(path: str) -> tuple[int, str, bytes]:
    """A flag GIF for `FLAG_PATH`, 404 for anything else (the seed's `zz/zz.gif` among them)."""
    match = FLAG_PATH.match(path.split("?", 1)[0])
    if match is None:
        return 404, "text/plain", b"not found"
    return 200, "image/gif", flag_gif(match.group(1))


class ImageServer:
    """A keep-alive image host on 127.0.0.1: each GET waits `latency_seconds`, then gets `respond(path)`.

    Counts the requests and connections it served (the benchmark reports them).
    """

    def __init__(self, latency_seconds: float = 0.0, respond: Responder = flag_response) -> None:
        server = self
        self.latency_seconds = latency_seconds
        self.respond = respond
        self.requests = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real image host offers
            # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed
            # ACK of the headers (40 ms on Linux) on every reused connection, as no real image host lets it.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server.connections += 1

            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            # The default backlog of 5 drops SYNs when 16+ clients connect at once (a 1 s retransmit each).
            request_queue_size = 256

        self._server = Server((HOST, 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(SERVE_POLL_SECONDS,), name="image-server", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def __enter__(self) -> ImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        fault = fault_of(request.path)
        if fault is None:
            self._answer(request, *self.respond(request.path))
            return
        mode, seconds = fault
        if mode in ("slow", "hang") and self._stopping.wait(HANG_SECONDS if mode == "hang" else seconds):
            return
        if mode == "busy":
            self._answer(request, 429, "text/plain", b"slow down", {"Retry-After": str(int(seconds))})
        elif mode == "headers":
            self._drip_headers(request, seconds)
        elif mode == "empty":
            self._answer(request, 200, "image/gif", b"")
        elif mode == "html":
            self._answer(request, 200, "image/gif", HTML_PAGE)
        elif mode == "loop":
            self._answer(request, 302, "text/plain", b"", {"Location": request.path})
        else:
            self._misbehave(request, mode, seconds, *self.respond(FAULT_SEGMENT.sub("", request.path)))

    @staticmethod
    def _answer(
        request: BaseHTTPRequestHandler,
        status: int,
        content_type: str,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def _drip_headers(self, request: BaseHTTPRequestHandler, seconds: float) -> None:
        """A status line, then one header line every `seconds`: each read of the client's is answered in time, so
        only a deadline on the whole response ends it."""
        request.close_connection = True
        request.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\n")
        request.wfile.flush()
        for line in range(int(HANG_SECONDS / max(seconds, 0.01))):
            if self._stopping.wait(seconds):
                return
            try:
                request.wfile.write(f"X-Drip-{line}: {line}\r\n".encode())
                request.wfile.flush()
            except OSError:  # the client gave up
                return

    def _misbehave(
        self, request: BaseHTTPRequestHandler, mode: str, seconds: float, status: int, content_type: str, body: bytes
    ) -> None:
        """slow, trickle, cut and overlong: the image the path names without its fault segment, delivered badly."""
        declared = len(body) // 2 if mode == "overlong" else len(body)
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(declared))
        if mode == "cut":
            request.send_header("Connection", "close")
        request.end_headers()
        if mode == "trickle":
            for index in range(len(body)):
                request.wfile.write(body[index : index + 1])
                request.wfile.flush()
                if self._stopping.wait(seconds):
                    return
        elif mode == "cut":
            request.wfile.write(body[: len(body) // 2])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
        else:
            request.wfile.write(body)
