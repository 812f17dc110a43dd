"""A request's paths read from a file in the images bucket (`resourcesFile`), streamed and checked line by line."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import ijson
from botocore.exceptions import ClientError

from image_downloader import clients
from image_downloader.errors import InvalidInput
from image_downloader.validation import check_resource_path

REQUESTS_PREFIX = "requests/"
#: The formats a request file may have, by its name's extension.
FORMATS = {
    ".csv": "CSV with a `path` header",
    ".jsonl": "JSON lines, one path string per line",
    ".json": "a JSON array of path strings",
}
#: How many invalid lines one refusal lists.
MAX_REPORTED_ERRORS = 20


def parse_key(value: Any) -> str:
    """`resourcesFile`: a key under requests/ in the images bucket, with a known format's extension."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"resourcesFile: expected a key such as {REQUESTS_PREFIX}<name>.csv, got {value!r}")
    if not value.startswith(REQUESTS_PREFIX) or value == REQUESTS_PREFIX:
        raise InvalidInput(f"resourcesFile: {value!r} is outside {REQUESTS_PREFIX}; request files live there alone")
    if any(segment in ("", ".", "..") for segment in value.split("/")[1:]):
        raise InvalidInput(f"resourcesFile: {value!r} has an empty, '.' or '..' segment")
    if file_format(value) is None:
        known = "; ".join(f"{extension} ({text})" for extension, text in FORMATS.items())
        raise InvalidInput(f"resourcesFile: {value!r} has no known format; name it {known}")
    return value


def file_format(key: str) -> str | None:
    return next((extension for extension in FORMATS if key.endswith(extension)), None)


def _lines(body: Any) -> Iterator[str]:
    """The body's lines, decoded as UTF-8 while they stream (a character split across chunks is kept whole)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""
    for chunk in body.iter_chunks(64 * 1024):
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        yield from (line.rstrip("\r") for line in complete)
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending.rstrip("\r")


def _csv_entries(body: Any) -> Iterator[tuple[str, Any]]:
    rows = csv.reader(_lines(body))
    header = next(rows, None)
    if header is None:
        return
    columns = [column.strip() for column in header]
    if "path" not in columns:
        raise InvalidInput(f"resourcesFile: line 1: the CSV header has no `path` column (it has {columns})")
    index = columns.index("path")
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        yield f"line {number}", row[index] if index < len(row) else None


def _jsonl_entries(body: Any) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(_lines(body), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except ValueError:
            yield f"line {number}", _NotJson(line)


def _json_entries(body: Any) -> Iterator[tuple[str, Any]]:
    try:
        for number, item in enumerate(ijson.items(body, "item"), start=1):  # reads the body as it streams
            yield f"element {number}", item
    except ijson.JSONError as error:
        raise InvalidInput(f"resourcesFile: not a JSON array of path strings ({error})") from None


class _NotJson(str):
    """A JSON-lines line that does not parse: reported as such, not as a bad path."""


def entries(body: Any, key: str) -> Iterator[tuple[str, Any]]:
    """(where, value) for each path the file holds, in order, e.g. ("line 3", "ad/ad.gif")."""
    reader = {".csv": _csv_entries, ".jsonl": _jsonl_entries, ".json": _json_entries}[file_format(key) or ""]
    try:
        yield from reader(body)
    except UnicodeDecodeError:
        raise InvalidInput(f"resourcesFile: {key} is not UTF-8 text") from None


def open_file(bucket: str, key: str) -> tuple[Any, str]:
    """The object's streaming body and its ETag (which names the batches of this content)."""
    try:
        found = clients.s3().get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
            raise InvalidInput(
                f"resourcesFile: no object {key} in the images bucket; upload it first (tools/start_download.py "
                "--paths-file FILE does both)"
            ) from None
        raise
    return found["Body"], str(found.get("ETag", "")).strip('"')


def checked_paths(body: Any, key: str, max_resources: int) -> Iterator[str]:
    """Every valid path once, in first-seen order, as the file streams. Once the file is read, invalid lines (the
    first MAX_REPORTED_ERRORS) or an empty file raise InvalidInput: the caller has started nothing by then."""
    seen: set[bytes] = set()  # 16-byte digests, not the paths: a million of them fit a small Lambda
    errors: list[str] = []
    invalid = count = 0
    for where, value in entries(body, key):
        count += 1
        if count > max_resources:
            raise InvalidInput(f"resourcesFile: more than MAX_RESOURCES ({max_resources}) paths")
        problem = _problem(where, value)
        if problem is not None:
            invalid += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append(problem)
            continue
        digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if digest not in seen:
            seen.add(digest)
            yield value
    if invalid:
        shown = "; ".join(errors)
        more = f" (the first {MAX_REPORTED_ERRORS} shown)" if invalid > len(errors) else ""
        raise InvalidInput(f"resourcesFile: {invalid} invalid line(s){more}, nothing was downloaded: {shown}")
    if not seen:
        raise InvalidInput(f"resourcesFile: {key} holds no paths")


def _problem(where: str, value: Any) -> str | None:
    if isinstance(value, _NotJson):
        return f"{where}: not JSON (a JSON-lines file holds one JSON string per line)"
    try:
        check_resource_path(0, value, field=where)
    except InvalidInput as error:
        return str(error)
    return None
