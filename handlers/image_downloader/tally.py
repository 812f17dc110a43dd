"""Add up batch results into one tally, and word it as the failure notification's message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from errors import InvalidInput

#: A Fail state's Cause (which carries the message) is limited to 32,768 characters.
MAX_MESSAGE_CHARS = 30_000


@dataclass(frozen=True)
class Failure:
    """One failed URL (`url` set), or a failed batch execution whose URLs are unknown (`subject` names it)."""

    error: str
    subject: str
    url: str | None

    def line(self) -> str:
        return f"Could not find: {self.subject}" if self.error == "NotFound" else f"{self.error}: {self.subject}"


@dataclass
class Tally:
    """Exact counts; `failures` holds the ones whose details reached us (batches send a sample)."""

    succeeded: int = 0
    failed: int = 0
    size: int = 0
    failures: list[Failure] = field(default_factory=list)


def _count(result: dict[str, Any], name: str, where: str) -> int:
    value = result.get(name)
    if type(value) is not int or value < 0:
        raise InvalidInput(f"{where}.{name}: expected a non-negative integer")
    return value


def add_download_result(tally: Tally, result: Any, where: str) -> None:
    """Add one download return: {"succeeded", "failed", "bytes", "failures": [{"url", "error", ...}]}."""
    if not isinstance(result, dict):
        raise InvalidInput(f"{where}: expected a download result object")
    tally.succeeded += _count(result, "succeeded", where)
    tally.failed += _count(result, "failed", where)
    tally.size += _count(result, "bytes", where)
    failures = result.get("failures", [])
    if not isinstance(failures, list):
        raise InvalidInput(f"{where}.failures: expected an array")
    for index, failure in enumerate(failures):
        if not (isinstance(failure, dict) and isinstance(failure.get("url"), str)):
            raise InvalidInput(f"{where}.failures[{index}]: expected an object with a url")
        url = failure["url"]
        tally.failures.append(Failure(str(failure.get("error") or "Failed"), url, url))


def add_failed_batch(tally: Tally, error: str, urls: list[str] | None, subject: str) -> None:
    """A batch that returned nothing: all its URLs failed with the batch's error, or (URLs unknown) it counts once."""
    if urls is None:
        tally.failed += 1
        tally.failures.append(Failure(error, subject, None))
        return
    tally.failed += len(urls)
    tally.failures.extend(Failure(error, url, url) for url in urls)


def _images(count: int) -> str:
    return "image" if count == 1 else "images"


def message(tally: Tally, cap: int) -> str:
    """The SNS text: a headline, then one line per failure (at most `cap`), saying when the list is cut short."""
    total = tally.succeeded + tally.failed
    if not tally.failed:
        return f"All {total} {_images(total)} downloaded."
    lines = [f"{tally.failed} of {total} {_images(total)} failed to download."]
    size = len(lines[0])
    listed = 0
    for failure in tally.failures[:cap]:
        line = failure.line()
        if size + len(line) + 200 > MAX_MESSAGE_CHARS:
            break
        lines.append(line)
        size += len(line) + 1
        listed += 1
    if listed < tally.failed:
        lines.append(f"(Listed {listed} of {tally.failed} failures; the download function logs every URL.)")
    return "\n".join(lines)


def failed_urls(tally: Tally, cap: int) -> list[str]:
    return [failure.url for failure in tally.failures if failure.url is not None][:cap]
