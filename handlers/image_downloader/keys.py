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


def object_key(url: str) -> str:
    """`host/path[?query]`, each segment reduced to `[A-Za-z0-9._-]`; when that changed anything (or the key is
    too long), a digest of the whole URL keeps distinct URLs on distinct keys. Same URL, same key."""
    parts = urlsplit(url)
    host = (parts.hostname or "unknown-host").rstrip(".")
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
