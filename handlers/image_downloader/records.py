"""Record url -> key rows in DynamoDB with BatchWriteItem, retrying unprocessed items with bounded backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from errors import RowsNotWritten

CHUNK_SIZE = 25  # BatchWriteItem's limit
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
    left = sum(len(requests) for requests in pending.values())
    raise RowsNotWritten(f"{left} rows of {table} were still unprocessed after {WRITE_ATTEMPTS} BatchWriteItem calls")


def write_rows(
    client: Any, table: str, items: list[dict[str, Any]], sleep: Callable[[float], None] = time.sleep
) -> None:
    """Put every item, 25 per call; one url appears once per call (DynamoDB refuses duplicate keys in a batch)."""
    unique = list({item["url"]["S"]: item for item in items}.values())
    for chunk in _chunks(unique):
        _write_chunk(client, table, chunk, sleep)
