"""An image host on 127.0.0.1 that answers every GET after a fixed latency with a same-size GIF, over keep-alive."""

from __future__ import annotations

import re

from tools.sandbox.image_server import ImageServer

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


class LatencyImageServer(ImageServer):
    """The sandbox's image host serving `<n>.gif` images of `image_bytes` each after `latency_seconds`."""

    def __init__(self, latency_seconds: float, image_bytes: int = 20 * 1024) -> None:
        self.image_bytes = image_bytes
        super().__init__(latency_seconds, respond=self._image)

    def _image(self, path: str) -> tuple[int, str, bytes]:
        match = IMAGE_PATH.match(path.split("?", 1)[0])
        if match is None:
            return 404, "text/plain", b"not found"
        return 200, "image/gif", gif_body(int(match.group(1)), self.image_bytes)
