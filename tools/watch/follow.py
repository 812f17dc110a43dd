"""Follow one execution: poll DescribeExecution and the history's new events, and tell a display what changed."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import boto3
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from .display import Display, display_for
from .history import TERMINAL_STATUSES, ExecutionProgress, Notice, Summary

#: Events asked for per history page (the most Step Functions returns).
PAGE_SIZE = 1000
#: After the status turns final, how long to wait for the history's last events to be readable.
CATCH_UP_SECONDS = 2.0


def make_client(region: str | None = None, profile: str | None = None, endpoint_url: str | None = None) -> BaseClient:
    """A Step Functions client from a profile (or the environment's credentials), e.g. for the sandbox's endpoint."""
    session = boto3.Session(profile_name=profile, region_name=region)
    return session.client("stepfunctions", endpoint_url=endpoint_url)


class Watcher:
    """Reads an execution's progress each time it is polled; `finish` reads the rest and shows the summary."""

    def __init__(self, client: BaseClient, execution_arn: str, display: Display, poll_seconds: float = 1.0) -> None:
        self.client = client
        self.execution_arn = execution_arn
        self.display = display
        self.poll_seconds = poll_seconds
        self.progress = ExecutionProgress()
        self._last_read = float("-inf")

    def describe(self) -> dict[str, Any]:
        description: dict[str, Any] = self.client.describe_execution(executionArn=self.execution_arn)
        return description

    def poll(self, description: dict[str, Any] | None = None) -> dict[str, Any]:
        """Show what happened since the last poll; the history is read at most every `poll_seconds`."""
        description = description or self.describe()
        notices: list[Notice] = []
        final = description["status"] in TERMINAL_STATUSES
        if final or time.monotonic() - self._last_read >= self.poll_seconds:
            notices = self.read()
        self.display.show(notices, self.progress, description)
        return description

    def read(self) -> list[Notice]:
        """The history's new events and the Distributed Map runs' counts, applied to the progress."""
        self._last_read = time.monotonic()
        notices = self.progress.apply(self._new_events())
        for map_run_arn, state in list(self.progress.map_runs.items()):
            try:
                run = self.client.describe_map_run(mapRunArn=map_run_arn)
            except ClientError:  # e.g. an emulator without map runs: the Map shows no bar
                del self.progress.map_runs[map_run_arn]
                continue
            notices += self.progress.apply_map_run(state, run.get("itemCounts", {}))
            if run.get("status") != "RUNNING":
                del self.progress.map_runs[map_run_arn]
        return notices

    def _new_events(self) -> list[dict[str, Any]]:
        """Events after the last one read: newest first, page by page, until a page reaches an event already read."""
        events: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "executionArn": self.execution_arn, "reverseOrder": True, "maxResults": PAGE_SIZE,
            "includeExecutionData": False,
        }  # fmt: skip
        while True:
            page = self.client.get_execution_history(**request)
            new = [event for event in page["events"] if event["id"] > self.progress.last_event_id]
            events += new
            if len(new) < len(page["events"]) or not page.get("nextToken"):
                return sorted(events, key=lambda event: int(event["id"]))
            request["nextToken"] = page["nextToken"]

    def finish(self, description: dict[str, Any] | None = None, *, show_summary: bool = True) -> Summary:
        """Read the rest of the history (it may trail a final status by a moment), then end the display."""
        description = description or self.describe()
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while True:
            self.display.show(self.read(), self.progress, description)
            done = self.progress.ended is not None or description["status"] not in TERMINAL_STATUSES
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        summary = Summary.of(description, self.progress)
        self.display.finish(summary if show_summary else None)
        return summary


def follow(
    client: BaseClient,
    execution_arn: str,
    output: Display | TextIO | None = None,
    poll_seconds: float = 1.0,
    timeout_seconds: float | None = None,
) -> Summary:
    """Show an execution until it ends, then its summary; `output` is a display, or a stream (default stdout)."""
    display = output if isinstance(output, Display) else display_for(output or sys.stdout)
    watcher = Watcher(client, execution_arn, display, poll_seconds)
    deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
    try:
        while (description := watcher.poll())["status"] not in TERMINAL_STATUSES:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} is still {description['status']} after {timeout_seconds} s")
            time.sleep(poll_seconds)
    except BaseException:
        display.finish(None)  # give the terminal back (a Ctrl-C, a timeout, an AWS error)
        raise
    return watcher.finish(description)


class LiveWatch:
    """A watcher for a caller that polls DescribeExecution itself (the sandbox's `run`): pass it each description.

    Use it as `with LiveWatch(make_client, display) as watch:`, and `watch` as the caller's poll callback; the
    display ends with the block, without a summary (the caller reports the execution its own way).
    """

    def __init__(self, client: Callable[[], BaseClient], display: Display, poll_seconds: float = 0.25) -> None:
        self.client, self.display, self.poll_seconds = client, display, poll_seconds
        self.watcher: Watcher | None = None

    def __call__(self, description: dict[str, Any], *_: object) -> None:
        if self.watcher is None:  # the execution's ARN is known from its first description
            self.watcher = Watcher(self.client(), description["executionArn"], self.display, self.poll_seconds)
        self.watcher.poll(description)

    def __enter__(self) -> LiveWatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None and self.watcher is not None:
            self.watcher.finish(show_summary=False)  # the last events: the Maps' final counts
        else:
            self.display.finish(None)
