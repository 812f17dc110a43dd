"""Add up batch results into one tally, and word it: the failure notification, and the execution's cause."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from image_downloader.errors import InvalidInput
from image_downloader.validation import resource_url

#: A Fail state's Cause is limited to 32,768 characters.
MAX_CAUSE_CHARS = 30_000
#: SNS takes 256 KiB a message, but the message travels in Consolidate's result (a state payload, 256 KiB too) with
#: the cause and the failed URLs: past this, the full list goes to a failures object and the message names it.
MAX_NOTIFICATION_BYTES = 150_000
#: The report's `failedUrls` (the first failed URLs, for a caller reading the output) stay within this.
MAX_FAILED_URLS_BYTES = 20_000
#: What a batch whose Lambda failed (crash, out of memory, timeout, throttled) reports for each of its images.
BATCH_FAILED = "BatchFailed"
#: The line of an image stored whose url row DynamoDB refused: not lost, and not failed, but not recorded either.
NOT_RECORDED = "NotRecorded"
#: The most unrecorded URLs a report keeps to list (the count stays exact).
MAX_UNRECORDED_LISTED = 1000


@dataclass(frozen=True)
class Failure:
    """One failed URL (`url` set), or a failed batch execution whose URLs are unknown (`subject` names it)."""

    error: str
    subject: str
    url: str | None

    def line(self) -> str:
        return f"Could not find: {self.subject}" if self.error == "NotFound" else f"{self.error}: {self.subject}"

    def record(self) -> dict[str, Any]:
        return {"url": self.url, "error": self.error} if self.url else {"batch": self.subject, "error": self.error}


@dataclass
class Tally:
    """Exact counts; the first failures, as many as one notification lists; and every failure whose details reached
    us, one JSON line each in a spool file (a Lambda's /tmp), so that memory holds no more than one message's worth
    however many images fail."""

    succeeded: int = 0
    failed: int = 0
    already_stored: int = 0
    size: int = 0
    failures: list[Failure] = field(default_factory=list)
    #: Failures whose details reached us (a batch may send only a sample of its own).
    reported: int = 0
    #: The bytes every reported failure's line takes in a notification.
    listed_bytes: int = 0
    spool: IO[bytes] | None = None
    _listing_full: bool = False
    #: Images stored whose url row could not be written (counted in `succeeded`), and the first of their URLs.
    unrecorded: int = 0
    unrecorded_urls: list[str] = field(default_factory=list)

    def add_unrecorded(self, urls: list[str], count: int) -> None:
        self.unrecorded += count
        self.unrecorded_urls.extend(urls[: max(0, MAX_UNRECORDED_LISTED - len(self.unrecorded_urls))])

    def add_failure(self, failure: Failure) -> None:
        self.reported += 1
        line_bytes = len(failure.line().encode()) + 1
        if not self._listing_full and self.listed_bytes + line_bytes <= MAX_NOTIFICATION_BYTES:
            self.failures.append(failure)
        else:
            self._listing_full = True
        self.listed_bytes += line_bytes
        if self.spool is None:
            self.spool = tempfile.TemporaryFile("w+b")  # noqa: SIM115 - kept open until the report is written
        self.spool.write(json.dumps(failure.record(), separators=(",", ":")).encode() + b"\n")

    def failures_file(self) -> IO[bytes]:
        """Every reported failure as JSON lines ({"url", "error"} or {"batch", "error"}), from the start."""
        if self.spool is None:
            self.spool = tempfile.TemporaryFile("w+b")  # noqa: SIM115
        self.spool.flush()
        self.spool.seek(0)
        return self.spool


def _count(result: dict[str, Any], name: str, where: str, default: int | None = None) -> int:
    value = result.get(name, default)
    if type(value) is not int or value < 0:
        raise InvalidInput(f"{where}.{name}: expected a non-negative integer")
    return value


def _failed_batch(tally: Tally, batch: Any, where: str) -> None:
    """The result a batch's Catch made: {"error", "baseUrl", "resourcePaths"}; each image failed with the error."""
    if not isinstance(batch, dict):
        raise InvalidInput(f"{where}.failedBatch: expected an object")
    error = f"{BATCH_FAILED} ({batch.get('error') or 'unknown error'})"
    base_url, paths = batch.get("baseUrl"), batch.get("resourcePaths")
    if isinstance(base_url, str) and isinstance(paths, list) and all(isinstance(path, str) for path in paths):
        add_failed_batch(tally, error, [resource_url(base_url, path) for path in paths], where)
    else:
        add_failed_batch(tally, error, None, where)


def add_download_result(tally: Tally, result: Any, where: str) -> None:
    """Add one download return: {"succeeded", "failed", "bytes", "failures": [{"url", "error", ...}]}, or a failed
    batch's {"failedBatch": {...}}."""
    if not isinstance(result, dict):
        raise InvalidInput(f"{where}: expected a download result object")
    if "failedBatch" in result:
        _failed_batch(tally, result["failedBatch"], where)
        return
    tally.succeeded += _count(result, "succeeded", where)
    tally.failed += _count(result, "failed", where)
    tally.already_stored += _count(result, "alreadyStored", where, 0)
    tally.size += _count(result, "bytes", where)
    failures = result.get("failures", [])
    if not isinstance(failures, list):
        raise InvalidInput(f"{where}.failures: expected an array")
    for index, failure in enumerate(failures):
        if not (isinstance(failure, dict) and isinstance(failure.get("url"), str)):
            raise InvalidInput(f"{where}.failures[{index}]: expected an object with a url")
        url = failure["url"]
        tally.add_failure(Failure(str(failure.get("error") or "Failed"), url, url))
    unrecorded = result.get("unrecordedUrls", [])
    if not (isinstance(unrecorded, list) and all(isinstance(url, str) for url in unrecorded)):
        raise InvalidInput(f"{where}.unrecordedUrls: expected an array of URLs")
    tally.add_unrecorded(unrecorded, _count(result, "unrecorded", where, len(unrecorded)))


def add_failed_batch(tally: Tally, error: str, urls: list[str] | None, subject: str) -> None:
    """A batch that returned nothing: all its URLs failed with the batch's error, or (URLs unknown) it counts once."""
    if urls is None:
        tally.failed += 1
        tally.add_failure(Failure(error, subject, None))
        return
    tally.failed += len(urls)
    for url in urls:
        tally.add_failure(Failure(error, url, url))


def _images(count: int) -> str:
    return "image" if count == 1 else "images"


def headline(tally: Tally) -> str:
    total = tally.succeeded + tally.failed
    if not tally.failed:
        return f"All {total} {_images(total)} downloaded."
    return f"{tally.failed} of {total} {_images(total)} failed to download."


def unrecorded_headline(tally: Tally) -> str:
    """Stored images without their url row: kept, so not failed, but a rerun does not know them."""
    count = tally.unrecorded
    were = "was" if count == 1 else "were"
    return (
        f"{count} {_images(count)} {were} stored but not recorded (the url table refused the rows): a rerun of the "
        f"same request fetches {'it' if count == 1 else 'them'} again, overwrites the same objects and records them."
    )


def _unrecorded_lines(tally: Tally, limit: int, cap: int) -> list[str]:
    if not tally.unrecorded:
        return []
    lines, size = [unrecorded_headline(tally)], 0
    for url in tally.unrecorded_urls[:cap]:
        line = f"{NOT_RECORDED}: {url}"
        if size + len(line.encode()) + 1 > limit:
            break
        lines.append(line)
        size += len(line.encode()) + 1
    if len(lines) - 1 < tally.unrecorded:
        lines.append(f"(Listed {len(lines) - 1} of {tally.unrecorded}; the download function logs every URL.)")
    return lines


def _listing(tally: Tally, limit: int, cap: int, more: str, unrecorded_cap: int | None = None) -> str:
    """The headline, then one line per failure (at most `cap`) while they fit in `limit` bytes; `more` says where
    the rest are when the list is cut short. Images stored without their row follow, apart (at most
    `unrecorded_cap`, default `cap`, within a tenth of `limit`)."""
    tail = _unrecorded_lines(tally, limit // 10, cap if unrecorded_cap is None else unrecorded_cap)
    lines = [headline(tally)]
    size = len(lines[0].encode()) + len(more.encode()) + 200 + sum(len(line.encode()) + 1 for line in tail)
    listed = 0
    for failure in tally.failures[:cap]:
        line = failure.line()
        if size + len(line.encode()) + 1 > limit:
            break
        lines.append(line)
        size += len(line.encode()) + 1
        listed += 1
    if listed < tally.failed:
        lines.append(f"(Listed {listed} of {tally.failed} failures; {more}.)")
    return "\n".join(lines + tail)


def _rest(tally: Tally, failures_object: str | None, elsewhere: str) -> str:
    if tally.reported < tally.failed:  # batches sent a sample (FAILURE_SAMPLE below their size)
        return "the download function logs every URL"
    return f"every failed URL is in {failures_object}" if failures_object else elsewhere


def notification(tally: Tally, failures_object: str | None) -> str:
    """The SNS text: every failure, or (too many for one message) as many as fit and the object holding them all."""
    more = _rest(tally, failures_object, "the download function logs every URL")
    return _listing(tally, MAX_NOTIFICATION_BYTES, len(tally.failures), more, len(tally.unrecorded_urls))


def fits_one_notification(tally: Tally) -> bool:
    return len(headline(tally).encode()) + 200 + tally.listed_bytes <= MAX_NOTIFICATION_BYTES


def message(tally: Tally, cap: int, failures_object: str | None = None) -> str:
    """The execution's cause: the headline and the first `cap` failures, within a Fail state's cause."""
    return _listing(tally, MAX_CAUSE_CHARS, cap, _rest(tally, failures_object, "the failures topic has every URL"))


def failed_urls(tally: Tally, cap: int) -> list[str]:
    """The first `cap` failed URLs, as many as fit in MAX_FAILED_URLS_BYTES."""
    urls: list[str] = []
    size = 0
    for url in (failure.url for failure in tally.failures if failure.url is not None):
        size += len(url.encode()) + 3
        if len(urls) == cap or size > MAX_FAILED_URLS_BYTES:
            break
        urls.append(url)
    return urls
