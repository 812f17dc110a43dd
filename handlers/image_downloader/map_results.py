"""Read a Distributed Map's ResultWriter output: the manifest, then every child execution record it lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ijson

from image_downloader import storage
from image_downloader.errors import InvalidInput
from image_downloader.validation import resource_url

#: The groups a manifest's ResultFiles has; any other group is read as failed too.
SUCCEEDED = "SUCCEEDED"


@dataclass(frozen=True)
class ExecutionRecord:
    """One child execution: where its record was (for messages), its result group, and the record itself."""

    where: str
    group: str
    record: dict[str, Any]

    @property
    def succeeded(self) -> bool:
        return self.group == SUCCEEDED and self.record.get("Status", SUCCEEDED) == SUCCEEDED

    def output(self) -> Any:
        try:
            return json.loads(self.record["Output"])
        except (KeyError, TypeError, ValueError):
            raise InvalidInput(f"{self.where}.Output: expected the JSON string of a download result") from None

    def error(self) -> str:
        error = str(self.record.get("Error") or self.record.get("Status") or self.group)
        cause = str(self.record.get("Cause") or "")
        return f"{error} ({cause[:200]})" if cause else error

    def subject(self) -> str:
        return f"batch {self.record.get('Name') or self.record.get('ExecutionArn') or self.where}"

    def urls(self) -> list[str] | None:
        """The URLs of the batch this execution was given (its Input), or None when the input is not a batch."""
        try:
            batch = json.loads(self.record.get("Input") or "null")
        except (TypeError, ValueError):
            return None
        if not isinstance(batch, dict):
            return None
        base_url, paths = batch.get("baseUrl"), batch.get("resourcePaths")
        if not isinstance(base_url, str) or not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            return None
        return [resource_url(base_url, path) for path in paths]


def _manifest_files(manifest: Any, where: str) -> dict[str, Any]:
    files = manifest.get("ResultFiles") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise InvalidInput(f"{where}: expected a ResultWriter manifest with ResultFiles")
    return files


def execution_records(bucket: str, key: str) -> Iterator[ExecutionRecord]:
    """Every record of every result file the manifest at s3://bucket/key lists, SUCCEEDED first."""
    manifest = storage.get_json(bucket, key)
    files = _manifest_files(manifest, key)
    destination = manifest.get("DestinationBucket") or bucket
    for group in sorted(files, key=lambda name: name != SUCCEEDED):
        entries = files[group] or []
        for entry in entries:
            if not (isinstance(entry, dict) and isinstance(entry.get("Key"), str)):
                raise InvalidInput(f"{key}: ResultFiles.{group}: expected [{{'Key': ...}}, ...]")
            yield from _records(destination, entry["Key"], group)


def _records(bucket: str, key: str, group: str) -> Iterator[ExecutionRecord]:
    """One result file's records, as it streams in."""
    index = -1
    try:
        for index, record in enumerate(storage.json_records(bucket, key)):
            if not isinstance(record, dict):
                raise InvalidInput(f"{key}[{index}]: expected an execution record object")
            yield ExecutionRecord(f"{key}[{index}]", group, record)
    except (ijson.JSONError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"{key}: expected an array (or JSON lines) of execution records; after record {index}: "
                           f"{error}") from None  # fmt: skip
