"""Validate a download request and split its paths into batches: inline in the payload, or one S3 object."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from typing import IO, Any

from image_downloader import request_file, storage
from image_downloader.keys import batches_id, batches_key
from image_downloader.settings import SETTINGS, Settings
from image_downloader.validation import DownloadRequest, FileRequest, parse_file_request, parse_request

logger = logging.getLogger()
logger.setLevel(logging.INFO)

#: Step Functions refuses a state output over 256 KiB; inline batches larger than this go to S3 instead.
MAX_INLINE_PAYLOAD_BYTES = 200 * 1024
#: What one failed image adds to its batch's result beyond its URL ({"url", "statusCode", "key", "bytes", "error"}).
FAILURE_RESULT_BYTES = 80


#: Of the execution's TimeoutSeconds, this share (within the bounds below) is kept for Consolidate and the
#: notification after the last batch: batches end by `finishBy`, so the execution ends in its own words.
REPORT_RESERVE_SHARE = 0.1
MIN_REPORT_RESERVE_SECONDS = 5.0
MAX_REPORT_RESERVE_SECONDS = 300.0


def finish_by(settings: Settings, now: float | None = None) -> float | None:
    """When every batch must be done (epoch seconds): the execution's timeout from now (it started moments ago),
    less the report's reserve; None when the timeout is unknown."""
    timeout = settings.execution_timeout_seconds
    if not timeout:
        return None
    reserve = min(MAX_REPORT_RESERVE_SECONDS, max(MIN_REPORT_RESERVE_SECONDS, timeout * REPORT_RESERVE_SHARE))
    return round((time.time() if now is None else now) + timeout - reserve, 3)


def _batch(base_url: str, paths: list[str], lambda_concur: int, deadline: float | None) -> dict[str, Any]:
    batch: dict[str, Any] = {"baseUrl": base_url, "resourcePaths": paths, "lambdaConcur": lambda_concur}
    if deadline is not None:
        batch["finishBy"] = deadline
    return batch


def make_batches(request: DownloadRequest, batch_size: int, deadline: float | None = None) -> list[dict[str, Any]]:
    """Each batch is a whole download event: {"baseUrl", "resourcePaths", "lambdaConcur"[, "finishBy"]}."""
    paths = request.resource_paths
    return [
        _batch(request.base_url, paths[start : start + batch_size], request.lambda_concur, deadline)
        for start in range(0, len(paths), batch_size)
    ]


def choose_mode(total: int, batches: list[dict[str, Any]], settings: Settings) -> str:
    """MAP_MODE, or for auto: distributed past INLINE_LIMIT paths, or when the batches would crowd the payload."""
    if settings.map_mode != "auto":
        return settings.map_mode
    if total > settings.inline_limit:
        return "distributed"
    too_big = len(json.dumps(batches, separators=(",", ":")).encode()) > MAX_INLINE_PAYLOAD_BYTES
    # Every failed URL comes back in its batch's result: the Map's output must hold them all, should all fail.
    worst_results = sum(
        len(batch["baseUrl"].encode()) + len(path.encode()) + FAILURE_RESULT_BYTES
        for batch in batches
        for path in batch["resourcePaths"]
    )
    return "distributed" if too_big or worst_results > MAX_INLINE_PAYLOAD_BYTES else "inline"


def handler(event: Any, context: Any) -> dict[str, Any]:
    """-> {"mode": "inline", "total", "batchCount", "batches"} or {"mode": "distributed", ..., "batchesKey"}."""
    file_request = parse_file_request(event, SETTINGS, request_file.parse_key)
    if file_request is not None:
        return plan_file(file_request, SETTINGS)
    request = parse_request(event, SETTINGS)
    batches = make_batches(request, SETTINGS.batch_size, finish_by(SETTINGS))
    total = len(request.resource_paths)
    mode = choose_mode(total, batches, SETTINGS)
    logger.info(json.dumps({"mode": mode, "total": total, "batchCount": len(batches), "baseUrl": request.base_url}))
    if mode == "inline":
        return {"mode": "inline", "total": total, "batchCount": len(batches), "batches": batches}
    identifier = batches_id(request.base_url, request.resource_paths, request.lambda_concur, SETTINGS.batch_size)
    key = batches_key(identifier)
    storage.put_json(key, batches)
    return {
        "mode": "distributed",
        "total": total,
        "batchCount": len(batches),
        "batchesBucket": storage.images_bucket(),
        "batchesKey": key,
        "batchesId": identifier,
    }


class BatchesFile:
    """Batches written to a temporary file as their paths arrive, so no more than one batch is held; the first
    `keep` paths are also kept, for a request small enough to run inline."""

    def __init__(
        self, base_url: str, lambda_concur: int, batch_size: int, keep: int, deadline: float | None = None
    ) -> None:
        self.base_url, self.lambda_concur, self.batch_size, self.keep = base_url, lambda_concur, batch_size, keep
        self.deadline = deadline
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by plan_file once uploaded
        self.file.write(b"[")
        self.total = self.batch_count = 0
        self.head: list[str] = []
        self._batch: list[str] = []

    def add(self, path: str) -> None:
        self.total += 1
        if self.total <= self.keep:
            self.head.append(path)
        else:
            self.head = []  # too many to run inline: only the file is needed
        self._batch.append(path)
        if len(self._batch) == self.batch_size:
            self._flush()

    def _flush(self) -> None:
        batch = _batch(self.base_url, self._batch, self.lambda_concur, self.deadline)
        self.file.write(b"," if self.batch_count else b"")
        self.file.write(json.dumps(batch, separators=(",", ":")).encode())
        self.batch_count += 1
        self._batch = []

    def finish(self) -> IO[bytes]:
        if self._batch:
            self._flush()
        self.file.write(b"]")
        self.file.seek(0)
        return self.file


def plan_file(request: FileRequest, settings: Settings) -> dict[str, Any]:
    """Stream the request file into batches; inline when it is small (as a listed request), else one S3 object."""
    bucket = storage.images_bucket()
    body, etag = request_file.open_file(bucket, request.resources_file)
    deadline = finish_by(settings)
    writer = BatchesFile(
        request.base_url, request.lambda_concur, settings.batch_size, keep=settings.inline_limit, deadline=deadline
    )
    for path in request_file.checked_paths(body, request.resources_file, settings.max_resources):
        writer.add(path)
    with writer.finish() as batches_file:
        if writer.head and len(writer.head) == writer.total:
            listed = DownloadRequest(request.base_url, writer.head, request.lambda_concur)
            batches = make_batches(listed, settings.batch_size, deadline)
            if choose_mode(writer.total, batches, settings) == "inline":
                logger.info(json.dumps({"mode": "inline", "total": writer.total, "file": request.resources_file}))
                return {"mode": "inline", "total": writer.total, "batchCount": len(batches), "batches": batches}
        canonical = json.dumps(
            [request.base_url, request.resources_file, etag, request.lambda_concur, settings.batch_size]
        ).encode()
        identifier = hashlib.sha256(canonical).hexdigest()[:16]  # the same file's rerun names the same batches
        key = batches_key(identifier)
        storage.put_json_file(key, batches_file)
    logger.info(json.dumps({"mode": "distributed", "total": writer.total, "resourcesFile": request.resources_file}))
    return {
        "mode": "distributed",
        "total": writer.total,
        "batchCount": writer.batch_count,
        "batchesBucket": bucket,
        "batchesKey": key,
        "batchesId": identifier,
    }
