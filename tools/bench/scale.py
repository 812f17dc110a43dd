"""Scale: ever larger image-downloader executions in distributed mode, until one fails or runs past its time limit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tools.bench.child_history import ChildHistories
from tools.bench.transitions import (
    PAYLOAD_LIMIT_BYTES,
    ExecutionFigures,
    Payload,
    image_request,
    measure_image_downloader,
)
from tools.sandbox.session import Sandbox

DEFAULT_SIZES = (1000, 5000, 10_000)


def scale_sizes(sizes: tuple[int, ...], max_images: int) -> list[int]:
    """The given sizes up to `max_images`, then doubling the largest, ending at `max_images` itself."""
    chosen = sorted(size for size in set(sizes) if 0 < size <= max_images)
    size = chosen[-1] if chosen else max_images
    while size * 2 < max_images:
        size *= 2
        chosen.append(size)
    if not chosen or chosen[-1] < max_images:
        chosen.append(max_images)
    return chosen


def request_bytes(images: int) -> int:
    """The size of the seed's request with `images` paths as `image_request` writes them: the execution input."""
    return len(json.dumps(image_request(images)).encode())


def images_within(limit_bytes: int = PAYLOAD_LIMIT_BYTES) -> int:
    """The most images whose request still fits one execution input of `limit_bytes` (the paths grow with n)."""
    low, high = 0, 1
    while request_bytes(high) <= limit_bytes:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if request_bytes(middle) <= limit_bytes else (low, middle)
    return low


@dataclass(frozen=True)
class ScaleAttempt:
    """One size tried: its figures, or why it has none (it ran past the time limit)."""

    images: int
    figures: ExecutionFigures | None
    note: str = ""

    @property
    def completed(self) -> bool:
        return self.figures is not None and self.figures.status == "SUCCEEDED"

    def as_json(self) -> dict[str, Any]:
        if self.figures is None:
            return {"items": self.images, "status": self.note}
        return self.figures.as_json()


def measure_scale(
    sandbox: Sandbox,
    children: ChildHistories,
    sizes: list[int],
    timeout_seconds: float,
    done: dict[int, ExecutionFigures] | None = None,
) -> list[ScaleAttempt]:
    """Each size in turn (reusing a figure already `done` at that size), stopping after the first that does not
    succeed within `timeout_seconds`."""
    attempts: list[ScaleAttempt] = []
    for images in sizes:
        figures = (done or {}).get(images)
        if figures is None:
            try:
                figures = measure_image_downloader(sandbox, children, images, timeout_seconds)
            except TimeoutError:
                _stop_running(sandbox)
                attempts.append(ScaleAttempt(images, None, f"not done within {timeout_seconds:g} s"))
                break
        attempts.append(ScaleAttempt(images, figures))
        if figures.status != "SUCCEEDED":
            break
    return attempts


def _stop_running(sandbox: Sandbox) -> None:
    sfn = sandbox.client("stepfunctions")
    arn = sandbox.outputs["imageDownloaderStateMachineArn"]
    for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
        sfn.stop_execution(executionArn=execution["executionArn"], error="Bench.TimeLimit")


def summary(attempts: list[ScaleAttempt], timeout_seconds: float) -> dict[str, Any]:
    """The largest completed execution, the largest whose every state payload also fits AWS's 256 KiB limit, and
    how many images fit one execution input at all."""
    completed = [attempt.figures for attempt in attempts if attempt.completed and attempt.figures is not None]
    within = [figures for figures in completed if figures.largest_payload.size <= PAYLOAD_LIMIT_BYTES]
    largest = max(completed, key=lambda figures: figures.items, default=None)
    payload = largest.largest_payload if largest else Payload()
    return {
        "timeLimitSeconds": timeout_seconds,
        "largestCompleted": largest.items if largest else 0,
        "largestCompletedSeconds": round(largest.seconds, 1) if largest else None,
        "largestCompletedWithinPayloadLimit": max((figures.items for figures in within), default=0),
        "largestPayloadBytes": payload.size,
        "largestPayloadAt": payload.where,
        "payloadLimitBytes": PAYLOAD_LIMIT_BYTES,
        "imagesPerExecutionInputLimit": images_within(),
        "attempts": [attempt.as_json() for attempt in attempts],
    }
