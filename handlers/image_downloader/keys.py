"""Deterministic, sanitized S3 keys: an image's key from its URL, and the batches object's key from the request."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

BATCHES_PREFIX = "batches/"
#: S3 allows 1024 bytes; keys are ASCII after sanitizing, so characters are bytes.
MAX_KEY_LENGTH = 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_DIGEST_LENGTH = 12


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _safe_segment(segment: str) -> str:
    safe = _UNSAFE.sub("_", segment)
    return "_" * len(safe) if set(safe) <= {"."} else safe  # "." and ".." (and "...") name no directory here


def _with_suffix(key: str, suffix: str) -> str:
    """Insert `-suffix` before the last segment's extension, so `a b.gif` -> `a_b-1a2b3c4d5e6f.gif`."""
    head, _, last = key.rpartition("/")
    stem, dot, extension = last.rpartition(".")
    named = f"{stem}-{suffix}.{extension}" if dot and stem else f"{last}-{suffix}"
    return f"{head}/{named}" if head else named


#: The port a URL means when it names none.
DEFAULT_PORTS = {"https": 443, "http": 80}


def origin_segment(url: str) -> str:
    """The key's first segment: the host alone for https on its default port (the keys stored before ports and
    schemes were told apart), else `<scheme>_<host>_<port>`, as `http_127.0.0.1_8080`. A host name holds no `_`,
    so the two forms never meet."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "unknown-host").rstrip(".")
    port = parts.port if parts.port is not None else DEFAULT_PORTS.get(scheme)
    if scheme == "https" and port == DEFAULT_PORTS["https"]:
        return host
    return f"{scheme}_{host}_{port}"


def object_key(url: str) -> str:
    """`<origin>/path[?query]` (see `origin_segment`), each segment reduced to `[A-Za-z0-9._-]`; when that changed
    anything (or the key is too long), a digest of the whole URL keeps distinct URLs on distinct keys. Distinct
    scheme, host, port, path or query, distinct keys; same URL, same key."""
    parts = urlsplit(url)
    host = origin_segment(url)
    relative = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    original = f"{host}/{relative}"
    segments = [_safe_segment(segment) for segment in original.split("/") if segment]
    key = "/".join(segments)
    if key != original:
        key = _with_suffix(key, _digest(url, _DIGEST_LENGTH))
    if len(key) > MAX_KEY_LENGTH:
        key = f"{key[: MAX_KEY_LENGTH - _DIGEST_LENGTH - 1]}-{_digest(url, _DIGEST_LENGTH)}"
    return key


def batches_id(base_url: str, resource_paths: list[str], lambda_concur: int, batch_size: int) -> str:
    """16 hex digits of the sha256 of the canonical request (and batch size): a rerun names the same object."""
    canonical = json.dumps(
        {"baseUrl": base_url, "resourcePaths": resource_paths, "lambdaConcur": lambda_concur, "batchSize": batch_size},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return _digest(canonical, 16)


def batches_key(batches_id: str) -> str:
    """`batches/<id>.json`, where the Distributed Map's ItemReader finds the batches."""
    return f"{BATCHES_PREFIX}{batches_id}.json"
