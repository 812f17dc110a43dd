"""An image host on 127.0.0.1 that answers every GET after a fixed latency with a same-size GIF, over keep-alive."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
#: `/<anything>/<n>.gif`: any number names a distinct image, so a run needs no list of paths.
IMAGE_PATH = re.compile(r"^/(?:.+/)?(\d+)\.gif$")
GIF_HEADER = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"


def image_path(index: int) -> str:
    """The resource path (relative to the server's base URL) of image `index`."""
    return f"img/{index}.gif"


def gif_body(index: int, size: int) -> bytes:
    """`size` bytes starting with a GIF header; the index is in the padding, so images differ."""
    tag = f"#{index};".encode()
    padding = size - len(GIF_HEADER) - len(tag)
    if padding < 0:
        raise ValueError(f"an image of {size} bytes cannot hold its header")
    return GIF_HEADER + tag + b"\x00" * padding


class LatencyImageServer:
    """ThreadingHTTPServer, HTTP/1.1 keep-alive: `time.sleep(latency)` then `size` bytes of `image/gif` per request."""

    def __init__(self, latency_seconds: float, image_bytes: int = 20 * 1024) -> None:
        self.latency_seconds = latency_seconds
        self.image_bytes = image_bytes
        self.requests = 0
        self.connections = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
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
        self._thread = threading.Thread(target=self._server.serve_forever, name="latency-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def __enter__(self) -> LatencyImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
        time.sleep(self.latency_seconds)
        match = IMAGE_PATH.match(request.path.split("?", 1)[0])
        if match is None:
            body, status, content_type = b"not found", 404, "text/plain"
        else:
            body, status, content_type = gif_body(int(match.group(1)), self.image_bytes), 200, "image/gif"
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
