"""Download one batch of images concurrently into the images bucket, record them in DynamoDB, report counts."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import urllib3.exceptions
from botocore.exceptions import BotoCoreError, ClientError

from image_downloader import clients, fetch, records, storage
from image_downloader.errors import DownloadFailed, StoreFailed
from image_downloader.keys import object_key
from image_downloader.settings import SETTINGS
from image_downloader.validation import parse_request, resource_url

logger = logging.getLogger()
logger.setLevel(logging.INFO)

#: Of the time the Lambda context says is left, this share (within the bounds below) is kept back to finish the
#: uploads, write the last rows and return: downloads stop by the rest, and images not done by then are OutOfTime.
RESERVE_SHARE = 0.1
MIN_RESERVE_SECONDS = 1.0
MAX_RESERVE_SECONDS = 5.0
#: A timeout this close to the batch's deadline was the deadline's (the timeouts are cut to it).
DEADLINE_SLACK_SECONDS = 0.05
OUT_OF_TIME = "OutOfTime"


@dataclass(frozen=True)
class UrlResult:
    """What happened to one URL; `error` is None on success. `upload` is a small image's upload still running: its
    error (S3 refusing it) fails the image once the uploads end (`settled`)."""

    url: str
    status_code: int | None
    key: str | None
    size: int
    error: str | None
    upload: Future[str | None] | None = None

    def settled(self) -> UrlResult:
        error = self.upload.result() if self.upload is not None else None
        if error is None:
            return replace(self, upload=None)
        return UrlResult(self.url, self.status_code, None, 0, error)

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


def batch_deadline(context: Any, finish_by: Any = None) -> float | None:
    """When this batch's downloads must end (time.monotonic): the Lambda's remaining time less the reserve, and
    no later than the batch's `finishBy` (epoch seconds: the execution's own deadline, less the time its report
    needs); None with neither (a direct call)."""
    deadlines: list[float] = []
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if remaining_ms is not None:
        remaining = remaining_ms() / 1000
        reserve = min(MAX_RESERVE_SECONDS, max(MIN_RESERVE_SECONDS, remaining * RESERVE_SHARE))
        deadlines.append(time.monotonic() + remaining - reserve)
    if type(finish_by) in (int, float):
        deadlines.append(time.monotonic() + (finish_by - time.time()))
    return min(deadlines, default=None)


def _store(
    url: str, key: str, deadline: float, late: str, uploads: storage.Uploads, rows: records.RowWriter
) -> UrlResult:
    upload = None
    with fetch.fetched(url, deadline=deadline, late=late) as response:
        content_type = fetch.vet(response)
        body = fetch.CappedBody(response, SETTINGS.max_image_bytes, deadline, late, content_type)
        size = fetch.plain_size(response)
        if size is not None and size < storage.TRANSFER_CONFIG.multipart_threshold:
            # A small image is read whole (within the caps), then uploaded while this slot fetches the next one;
            # its row is added once the object is stored.
            data = body.read()
            row = _stored_row(url, key, body, content_type)
            upload = uploads.put(key, data, content_type, then=lambda: rows.add(row))
        else:
            try:
                storage.upload_image(body, key, content_type, size)
            except (ClientError, BotoCoreError) as error:  # S3 refused this image: it alone fails
                raise DownloadFailed(storage.store_error(error), response.status) from error
            rows.add(_stored_row(url, key, body, content_type))
    return UrlResult(url, response.status, key, body.bytes_read, None, upload)


def download_one(
    url: str, uploads: storage.Uploads, rows: records.RowWriter, batch_ends: float | None = None
) -> UrlResult:
    """Fetch and store one URL, and record it; a failure of the URL (not of S3) becomes the result's `error`.
    Nothing starts at or past `batch_ends`, and what is still running then stops, as OutOfTime."""
    started = time.monotonic()
    if batch_ends is not None and started >= batch_ends:
        result = UrlResult(url, None, None, 0, OUT_OF_TIME)
        logger.info(json.dumps({**result.payload(), "ms": 0}))
        return result
    deadline, late = started + SETTINGS.max_download_seconds, "Timeout"
    if batch_ends is not None and batch_ends < deadline:
        deadline, late = batch_ends, OUT_OF_TIME
    try:
        result = _store(url, object_key(url), deadline, late, uploads, rows)
    except DownloadFailed as failure:
        result = UrlResult(url, failure.status_code, None, 0, failure.error)
    except urllib3.exceptions.HTTPError as error:  # connection, timeout, protocol and decoding errors
        name = fetch.error_name(error)
        if name == "Timeout" and late == OUT_OF_TIME and time.monotonic() >= deadline - DEADLINE_SLACK_SECONDS:
            name = OUT_OF_TIME  # the timeouts were cut to the batch's deadline
        result = UrlResult(url, None, None, 0, name)
    logger.info(json.dumps({**result.payload(), "ms": round((time.monotonic() - started) * 1000)}))
    return result


def summary(
    results: list[UrlResult], sample: int, already_stored: int = 0, unrecorded: list[str] | None = None
) -> dict[str, Any]:
    """Exact counts (images already stored count as succeeded), and at most `sample` failures (by default all a
    batch can hold: every failed URL is reported). A failure is an image NOT stored; `unrecorded` lists the
    images stored whose url row DynamoDB refused (succeeded, and named apart)."""
    failures = [result for result in results if result.error is not None]
    unrecorded = unrecorded or []
    return {
        "succeeded": len(results) - len(failures) + already_stored,
        "failed": len(failures),
        "alreadyStored": already_stored,
        "bytes": sum(result.size for result in results),
        "failures": [failure.payload() for failure in failures[:sample]],
        "unrecorded": len(unrecorded),
        "unrecordedUrls": unrecorded[:sample],
    }


def already_stored(urls: list[str]) -> set[str]:
    """URLs a run before this one stored and recorded (a rerun after a failure fetches only the rest). When the
    table cannot be read, none: the batch fetches them all again, and their objects and rows are overwritten."""
    if not SETTINGS.url_table:
        return set()
    try:
        return records.recorded_urls(clients.dynamodb(), SETTINGS.url_table, urls)
    except (ClientError, BotoCoreError) as error:
        logger.warning(json.dumps({"alreadyStored": "unknown", "error": str(error)}))
        return set()


def handler(event: Any, context: Any) -> dict[str, Any]:
    """{"baseUrl", "resourcePaths", "lambdaConcur"} -> {"succeeded", "failed", "alreadyStored", "bytes",
    "failures": [...], "unrecorded", "unrecordedUrls"}; it returns before the Lambda's deadline, whatever its
    hosts do."""
    request = parse_request(event, SETTINGS)
    batch_ends = batch_deadline(context, event.get("finishBy"))
    urls = [resource_url(request.base_url, path) for path in request.resource_paths]
    stored = already_stored(urls)
    urls = [url for url in urls if url not in stored]
    # Rows are written 25 at a time while the downloads go on, each once its image is stored. Leaving closes the
    # download pool first (every fetch done), then `Uploads` (every upload done: an image S3 refused is that
    # image's failure), then the row writer (the last rows written; rows DynamoDB refused are `unrecorded`).
    try:
        with (
            records.RowWriter(SETTINGS.url_table, clients.dynamodb) as rows,
            storage.Uploads(request.lambda_concur) as uploads,
            ThreadPoolExecutor(max_workers=request.lambda_concur, thread_name_prefix="download") as pool,
        ):
            started = list(pool.map(lambda url: download_one(url, uploads, rows, batch_ends), urls))
    except ClientError as error:  # one name the state machine retries and reports, whatever the service's code
        code = error.response.get("Error", {}).get("Code", "unknown")
        raise StoreFailed(f"{error.operation_name} failed with {code}: {error}") from error
    except BotoCoreError as error:
        raise StoreFailed(f"{type(error).__name__}: {error}") from error
    results = [result.settled() for result in started]
    unrecorded = [url for url in rows.unrecorded if url in {result.url for result in results if not result.error}]
    if unrecorded:
        logger.warning(json.dumps({"unrecorded": len(unrecorded), "error": rows.write_error, "urls": unrecorded}))
    return summary(results, SETTINGS.failure_sample, len(stored), unrecorded)
