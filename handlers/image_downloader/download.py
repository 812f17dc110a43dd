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
import requests
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
    content_type: str = ""  # for the DynamoDB row only

    def payload(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "statusCode": self.status_code,
            "key": self.key,
            "bytes": self.size,
            "error": self.error,
        }


def _store(url: str, key: str, deadline: float, uploads: storage.Uploads) -> UrlResult:
    response = fetch.get(url)
    with response:
        content_type = fetch.vet(response)
        body = fetch.CappedBody(response, SETTINGS.max_image_bytes, deadline)
        size = fetch.plain_size(response)
        if size is not None and size < storage.TRANSFER_CONFIG.multipart_threshold:
            # A small image is read whole (within the caps), then uploaded while this slot fetches the next one.
            uploads.put(key, body.read(), content_type)
        else:
            storage.upload_image(body, key, content_type, size)
    return UrlResult(url, response.status_code, key, body.bytes_read, None, content_type)


def download_one(url: str, uploads: storage.Uploads) -> UrlResult:
    """Fetch and store one URL; a failure of the URL (not of S3) becomes the result's `error`."""
    started = time.monotonic()
    try:
        result = _store(url, object_key(url), started + SETTINGS.max_download_seconds, uploads)
    except DownloadFailed as failure:
        result = UrlResult(url, failure.status_code, None, 0, failure.error)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
        result = UrlResult(url, None, None, 0, fetch.error_name(error))
    logger.info(json.dumps({**result.payload(), "ms": round((time.monotonic() - started) * 1000)}))
    return result


def _record(results: list[UrlResult]) -> None:
    downloaded_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [
        records.row(result.url, result.key, result.size, result.content_type, downloaded_at)
        for result in results
        if result.error is None and result.key is not None
    ]
    if rows:
        if not SETTINGS.url_table:
            raise RuntimeError("URL_TABLE is not set")
        records.write_rows(clients.dynamodb(), SETTINGS.url_table, rows)


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
    # The download pool closes first (every fetch done), then `Uploads` (every upload done).
    with (
        storage.Uploads(request.lambda_concur) as uploads,
        ThreadPoolExecutor(max_workers=request.lambda_concur, thread_name_prefix="download") as pool,
    ):
        results = list(pool.map(lambda url: download_one(url, uploads), urls))
    # Leaving `Uploads` waited for every upload and raised the first S3 error: only stored images are recorded.
    _record(results)
    return summary(results, SETTINGS.failure_sample)
