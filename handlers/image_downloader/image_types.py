"""The image types the downloader stores, and the first bytes each must start with: a body is what it claims."""

from __future__ import annotations

import re
from collections.abc import Callable

from image_downloader.errors import DownloadFailed

#: Enough of a body's start to tell every accepted type (an ISO media file's brand ends at byte 12).
SNIFF_BYTES = 32
EMPTY_BODY = "EmptyBody"
CONTENT_MISMATCH = "ContentMismatch"


def _starts(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(signatures)


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _iso_media(*brands: bytes) -> Callable[[bytes], bool]:
    """HEIF and AVIF: an ISO base media file whose first box is `ftyp` with one of the brands."""
    return lambda head: head[4:8] == b"ftyp" and head[8:12] in brands


_SVG_START = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]", re.S
)


def _svg(head: bytes) -> bool:
    """An XML declaration, comments or an svg doctype, then `<svg` (an HTML page starts `<!DOCTYPE html` or
    `<html`); a longer prolog than SNIFF_BYTES shows is accepted on its start."""
    if _SVG_START.match(head):
        return True
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<!--")) and b"html" not in start


_JPEG, _PNG, _GIF = _starts(b"\xff\xd8\xff"), _starts(b"\x89PNG\r\n\x1a\n"), _starts(b"GIF87a", b"GIF89a")
_ICO, _BMP = _starts(b"\x00\x00\x01\x00", b"\x00\x00\x02\x00"), _starts(b"BM")
_HEIF = _iso_media(b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")

#: Every Content-Type (without parameters) the downloader stores, and the test its first bytes must pass. Any
#: other type, `image/*` or not, is NotAnImage.
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/gif": _GIF,
    "image/png": _PNG,
    "image/apng": _PNG,
    "image/x-png": _PNG,
    "image/jpeg": _JPEG,
    "image/jpg": _JPEG,
    "image/pjpeg": _JPEG,
    "image/webp": _webp,
    "image/bmp": _BMP,
    "image/x-bmp": _BMP,
    "image/x-ms-bmp": _BMP,
    "image/tiff": _starts(b"II*\x00", b"MM\x00*"),
    "image/x-icon": _ICO,
    "image/vnd.microsoft.icon": _ICO,
    "image/avif": _iso_media(b"avif", b"avis"),
    "image/heic": _HEIF,
    "image/heif": _HEIF,
    "image/jxl": _starts(b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n"),
    "image/svg+xml": _svg,
}


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def accepted(content_type: str) -> bool:
    return media_type(content_type) in SIGNATURES


def check_content(content_type: str, head: bytes) -> None:
    """Raise EmptyBody for no bytes at all, ContentMismatch when the first bytes are not the claimed type's (an
    HTML page sent as image/gif)."""
    if not head:
        raise DownloadFailed(EMPTY_BODY, 200)
    signature = SIGNATURES.get(media_type(content_type))
    if signature is not None and not signature(head):
        raise DownloadFailed(CONTENT_MISMATCH, 200)
