"""Record url -> key rows in DynamoDB with BatchWriteItem, retrying unprocessed items with bounded backoff."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from image_downloader.errors import RowsNotWritten

logger = logging.getLogger(__name__)

CHUNK_SIZE = 25  # BatchWriteItem's limit
READ_CHUNK_SIZE = 100  # BatchGetItem's limit
WRITE_ATTEMPTS = 6
BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 2.0


def row(url: str, key: str, size: int, content_type: str, downloaded_at: str) -> dict[str, Any]:
    """One item in DynamoDB's typed form: partition key `url`, then `key`, `bytes`, `contentType`, `downloadedAt`."""
    return {
        "url": {"S": url},
        "key": {"S": key},
        "bytes": {"N": str(size)},
        "contentType": {"S": content_type},
        "downloadedAt": {"S": downloaded_at},
    }


def _chunks(items: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), CHUNK_SIZE):
        yield items[start : start + CHUNK_SIZE]


def _write_chunk(client: Any, table: str, chunk: list[dict[str, Any]], sleep: Callable[[float], None]) -> None:
    pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:
            # full jitter: concurrent batches that were throttled together do not retry together
            sleep(random.uniform(0, min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2**attempt)))
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        if not pending:
            return
    left = [request["PutRequest"]["Item"]["url"]["S"] for requests in pending.values() for request in requests]
    raise RowsNotWritten(
        f"{len(left)} rows of {table} were still unprocessed after {WRITE_ATTEMPTS} BatchWriteItem calls", left
    )


def write_rows(
    client: Any, table: str, items: list[dict[str, Any]], sleep: Callable[[float], None] = time.sleep
) -> None:
    """Put every item, 25 per call; one url appears once per call (DynamoDB refuses duplicate keys in a batch)."""
    unique = list({item["url"]["S"]: item for item in items}.values())
    for chunk in _chunks(unique):
        _write_chunk(client, table, chunk, sleep)


def _read_chunk(client: Any, table: str, urls: list[str], sleep: Callable[[float], None]) -> set[str]:
    found: set[str] = set()
    keys = [{"url": {"S": url}} for url in urls]
    pending: dict[str, Any] = {
        table: {"Keys": keys, "ProjectionExpression": "#u", "ExpressionAttributeNames": {"#u": "url"}}
    }
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:
            sleep(random.uniform(0, min(MAX_BACKOFF_SECONDS, BACKOFF_SECONDS * 2**attempt)))
        answer = client.batch_get_item(RequestItems=pending)
        found.update(item["url"]["S"] for item in answer.get("Responses", {}).get(table, []))
        pending = answer.get("UnprocessedKeys") or {}
        if not pending:
            break
    return found


def recorded_urls(client: Any, table: str, urls: list[str], sleep: Callable[[float], None] = time.sleep) -> set[str]:
    """The URLs that already have a row (their image is stored: a row is written once its object is), 100 per
    BatchGetItem. Keys DynamoDB leaves unprocessed after every attempt count as not recorded: fetched again."""
    found: set[str] = set()
    for start in range(0, len(urls), READ_CHUNK_SIZE):
        found |= _read_chunk(client, table, urls[start : start + READ_CHUNK_SIZE], sleep)
    return found


#: What DynamoDB refusing rows (throttled for good, denied) raises; the rows' URLs are then `unrecorded`.
WRITE_ERRORS = (RowsNotWritten, ClientError, BotoCoreError)


class RowWriter:
    """Rows written while the batch goes on: every CHUNK_SIZE rows added go to DynamoDB in one BatchWriteItem, on a
    thread of their own, one call at a time. Leaving writes the rest (also when the batch failed: the images
    already stored keep their rows). Rows DynamoDB refused after every retry do not fail the batch: their URLs
    are in `unrecorded` (stored, with no row), and `write_error` says why. Any other error is raised on leaving,
    unless the batch is already raising one.

    `table` is checked on the first write, and `client` is called then: a batch that stores nothing needs neither.
    """

    def __init__(
        self, table: str | None, client: Callable[[], Any], sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._table = table
        self._client = client
        self._sleep = sleep
        self._pending: list[dict[str, Any]] = []
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()
        self.unrecorded: list[str] = []
        self.write_error: str | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rows")

    def add(self, item: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(item)
            if len(self._pending) >= CHUNK_SIZE:
                self._submit()

    def _submit(self) -> None:
        chunk, self._pending = self._pending, []
        self._futures.append(self._pool.submit(self._write, chunk))

    def _write(self, chunk: list[dict[str, Any]]) -> None:
        if not self._table:
            raise RuntimeError("URL_TABLE is not set")
        try:
            write_rows(self._client(), self._table, chunk, self._sleep)
        except RowsNotWritten as error:
            self._not_written(error.urls, str(error))
        except (ClientError, BotoCoreError) as error:
            self._not_written([item["url"]["S"] for item in chunk], f"BatchWriteItem failed: {error}")

    def _not_written(self, urls: list[str], why: str) -> None:
        logger.error("url rows not written: %s", why)
        with self._lock:
            self.unrecorded.extend(urls)
            self.write_error = self.write_error or why

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        with self._lock:
            if self._pending:
                self._submit()
        self._pool.shutdown(wait=True)
        errors = [error for error in (future.exception() for future in self._futures) if error is not None]
        if not errors:
            return
        if exc_type is None:
            raise errors[0]
        logger.error("rows not written while the batch failed: %s", errors[0])
