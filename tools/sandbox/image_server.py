"""A local image server on 127.0.0.1 for the image-downloader workflow: small real GIFs, 404 for anything else."""

from __future__ import annotations

import hashlib
import re
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


class ImageServer:
    """Serves `FLAG_PATH` images with `image/gif`; everything else is 404. Counts the requests it answered."""

    def __init__(self, latency_seconds: float = 0.0) -> None:
        server = self
        self.latency_seconds = latency_seconds
        self.requests: list[str] = []
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real image host offers

            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def __enter__(self) -> ImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        import time

        with self._lock:
            self.requests.append(request.path)
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        match = FLAG_PATH.match(request.path.split("?", 1)[0])
        if match is None:
            body, status, content_type = b"not found", 404, "text/plain"
        else:
            body, status, content_type = flag_gif(match.group(1)), 200, "image/gif"
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
