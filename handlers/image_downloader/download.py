"""Download one batch of images concurrently into the images bucket, record them in DynamoDB, report counts."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import clients
import fetch
import records
import storage
import urllib3.exceptions
from errors import DownloadFailed
from keys import object_key
from settings import SETTINGS
from validation import parse_request, resource_url

logger = logging.getLogger()
logger.setLevel(logging.INFO)


@dataclass(frozen=True)
class UrlResult:
    """What happened to one URL; `error` is None on success."""

    url: str
    status_code: int | None
    key: str | None
    size: int
    error: str | None

    def payload(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "statusCode": self.status_code,
            "key": self.key,
            "bytes": self.size,
            "error": self.error,
        }


def _stored_row(url: str, key: str, body: fetch.CappedBody, content_type: str) -> dict[str, Any]:
    downloaded_at = datetime.now(UTC).isoformat(timespec="seconds")
    return records.row(url, key, body.bytes_read, content_type, downloaded_at)


def _store(url: str, key: str, deadline: float, uploads: storage.Uploads, rows: records.RowWriter) -> UrlResult:
    with fetch.fetched(url) as response:
        content_type = fetch.vet(response)
        body = fetch.CappedBody(response, SETTINGS.max_image_bytes, deadline)
        size = fetch.plain_size(response)
        if size is not None and size < storage.TRANSFER_CONFIG.multipart_threshold:
            # A small image is read whole (within the caps), then uploaded while this slot fetches the next one;
            # its row is added once the object is stored.
            data = body.read()
            row = _stored_row(url, key, body, content_type)
            uploads.put(key, data, content_type, then=lambda: rows.add(row))
        else:
            storage.upload_image(body, key, content_type, size)
            rows.add(_stored_row(url, key, body, content_type))
    return UrlResult(url, response.status, key, body.bytes_read, None)


def download_one(url: str, uploads: storage.Uploads, rows: records.RowWriter) -> UrlResult:
    """Fetch and store one URL, and record it; a failure of the URL (not of S3) becomes the result's `error`."""
    started = time.monotonic()
    try:
        result = _store(url, object_key(url), started + SETTINGS.max_download_seconds, uploads, rows)
    except DownloadFailed as failure:
        result = UrlResult(url, failure.status_code, None, 0, failure.error)
    except urllib3.exceptions.HTTPError as error:  # connection, timeout, protocol and decoding errors
        result = UrlResult(url, None, None, 0, fetch.error_name(error))
    logger.info(json.dumps({**result.payload(), "ms": round((time.monotonic() - started) * 1000)}))
    return result


def summary(results: list[UrlResult], sample: int) -> dict[str, Any]:
    """Exact counts, and at most `sample` failures, so the state payload stays small."""
    failures = [result for result in results if result.error is not None]
    return {
        "succeeded": len(results) - len(failures),
        "failed": len(failures),
        "bytes": sum(result.size for result in results),
        "failures": [failure.payload() for failure in failures[:sample]],
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    """{"baseUrl", "resourcePaths", "lambdaConcur"} -> {"succeeded", "failed", "bytes", "failures": [...]}."""
    request = parse_request(event, SETTINGS)
    urls = [resource_url(request.base_url, path) for path in request.resource_paths]
    # Rows are written 25 at a time while the downloads go on, each once its image is stored. Leaving closes the
    # download pool first (every fetch done), then `Uploads` (every upload done; the first S3 error is raised),
    # then the row writer (the last rows written, also when an upload failed: stored images keep their rows).
    with (
        records.RowWriter(SETTINGS.url_table, clients.dynamodb) as rows,
        storage.Uploads(request.lambda_concur) as uploads,
        ThreadPoolExecutor(max_workers=request.lambda_concur, thread_name_prefix="download") as pool,
    ):
        results = list(pool.map(lambda url: download_one(url, uploads, rows), urls))
    return summary(results, SETTINGS.failure_sample)
