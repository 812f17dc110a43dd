"""Each Lambda task attempt of an execution joined to the sandbox's record of its invocation and its log lines."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping

from ..lambda_runtime import FunctionSpec, Invocation
from .execution import Attempt

#: How far (seconds) an invocation's start may lie outside its task attempt's scheduled..ended window.
SLACK_SECONDS = 0.5
#: A request id as Lambda writes it (a UUID), in START/END/REPORT lines and the runtime's log format.
_REQUEST_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_START = re.compile(r"^START RequestId: (\S+)")
_END = re.compile(r"^END RequestId: (\S+)")
_REPORT = re.compile(r"^REPORT RequestId: (\S+).*?\tBilled Duration: (\d+) ms")


def log_blocks(text: str) -> dict[str, list[str]]:
    """A log stream split by request: from its START line to its REPORT line.

    An environment's stream has one request open at a time, so a line that names no request (a print) is the open
    one's; the streams of environments that ran at once are read apart (`Invocation.log_stream`). Were two open in
    one text, such a line would go to the one that started last.
    """
    blocks: dict[str, list[str]] = {}
    open_requests: list[str] = []
    for line in text.splitlines():
        if match := _START.match(line):
            open_requests.append(match.group(1))
            blocks[match.group(1)] = [line]
            continue
        # A line naming a request is its own (REPORT comes after END); another goes to the request still open.
        named = _REQUEST_ID.search(line)
        owner = named.group(0) if named and named.group(0) in blocks else None
        if owner is None and open_requests:
            owner = open_requests[-1]
        if owner is None:
            continue
        blocks.setdefault(owner, []).append(line)
        if (match := _END.match(line)) and match.group(1) in open_requests:
            open_requests.remove(match.group(1))
    return blocks


def billed_ms(lines: Iterable[str], invocation: Invocation) -> int:
    """Lambda's billed duration: the REPORT line's, else the invocation's time rounded up to the millisecond."""
    for line in lines:
        if match := _REPORT.match(line):
            return int(match.group(2))
    return max(1, math.ceil((invocation.ended_at - invocation.started_at) * 1000))


def link(
    attempts: Iterable[Attempt],
    invocations: Iterable[Invocation],
    functions: Mapping[str, FunctionSpec],
    log_stream_text: Callable[[str], str],
) -> None:
    """Give each Lambda attempt the invocation it caused: the same function, started inside the attempt's window,
    the same payload first, then the nearest start; then that invocation's log lines (from its own log stream) and
    billed duration."""
    physical = {spec.logical_name: spec.function_name for spec in functions.values()}
    free = list(invocations)
    logs: dict[str, dict[str, list[str]]] = {}
    for attempt in sorted(attempts, key=lambda a: a.scheduled_at):
        if attempt.function is None:
            continue
        end = attempt.ended_at if attempt.ended_at is not None else math.inf
        candidates = [
            call
            for call in free
            if physical.get(call.function, call.function) == attempt.function
            and attempt.scheduled_at - SLACK_SECONDS <= call.started_at <= end + SLACK_SECONDS
        ]
        if not candidates:
            continue
        chosen = min(candidates, key=lambda c: (c.event != attempt.payload, abs(c.started_at - attempt.scheduled_at)))
        free.remove(chosen)
        attempt.invocation = chosen
        if chosen.log_stream not in logs:
            logs[chosen.log_stream] = log_blocks(log_stream_text(chosen.log_stream)) if chosen.log_stream else {}
        attempt.log_lines = logs[chosen.log_stream].get(chosen.request_id, [])
        attempt.billed_ms = billed_ms(attempt.log_lines, chosen)
