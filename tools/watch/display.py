"""How the watcher shows an execution: plain lines for pipes and logs, a live view with progress bars on a terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO, runtime_checkable

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.text import Text

from .history import ExecutionProgress, MapProgress, Notice, StateEntered, Summary, TaskFailure

STATUS_COLORS = {"RUNNING": "cyan", "SUCCEEDED": "green"}


@runtime_checkable
class Display(Protocol):
    """Told after each poll what happened since the last one, and once how the execution ended."""

    def show(self, notices: Sequence[Notice], progress: ExecutionProgress, description: Mapping[str, Any]) -> None:
        """New states entered, task failures and changed Maps, with everything read so far."""

    def finish(self, summary: Summary | None) -> None:
        """The end: show the summary (None: the caller shows its own) and release the terminal."""


class PlainDisplay:
    """One line per state entered, task failure or Map progress change, then the summary's lines."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def show(self, notices: Sequence[Notice], progress: ExecutionProgress, description: Mapping[str, Any]) -> None:
        for notice in notices:
            print(notice.text, file=self.stream, flush=True)

    def finish(self, summary: Summary | None) -> None:
        for line in summary.lines() if summary else []:
            print(line, file=self.stream, flush=True)


def _elapsed(description: Mapping[str, Any]) -> float:
    started: datetime = description["startDate"]
    return ((description.get("stopDate") or datetime.now(UTC)) - started).total_seconds()


class RichDisplay:
    """A live view: status, elapsed time, transitions, the current state and a bar per Map; failures scroll above."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[counts]}"), console=console
        )
        self.tasks: dict[str, TaskID] = {}
        self.live: Live | None = None

    def show(self, notices: Sequence[Notice], progress: ExecutionProgress, description: Mapping[str, Any]) -> None:
        if self.live is None:
            self.live = Live(console=self.console, refresh_per_second=8)
            self.live.start()
        for notice in notices:
            if isinstance(notice, TaskFailure):
                self.live.console.print(f"[red]{escape(notice.text)}[/red]", highlight=False)
        for map_progress in progress.maps.values():
            self._bar(map_progress)
        self.live.update(self._view(progress, description))

    def _bar(self, progress: MapProgress) -> None:
        total = progress.total or None  # unknown until the Map has started
        if progress.state not in self.tasks:
            self.tasks[progress.state] = self.bars.add_task(f"map {progress.state}", total=total, counts="")
        self.bars.update(self.tasks[progress.state], total=total, completed=progress.done, counts=progress.counts)

    def _view(self, progress: ExecutionProgress, description: Mapping[str, Any]) -> Group:
        status = str(description["status"])
        color = STATUS_COLORS.get(status, "red")
        header = Text.assemble(
            (str(description.get("name", "")), "bold"), "  ", (status, color),
            f"  {_elapsed(description):.1f} s  {progress.transitions} state transitions",
        )  # fmt: skip
        current: StateEntered | None = progress.current
        state = Text(f"current {current.text}" if current else "waiting for the first state", style="dim")
        return Group(header, state, self.bars) if self.tasks else Group(header, state)

    def finish(self, summary: Summary | None) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None
        if summary is None:
            return
        color = "green" if summary.status == "SUCCEEDED" else "red"
        first, *rest = summary.lines()
        self.console.print(f"[bold {color}]{escape(first)}[/bold {color}]", highlight=False)
        for line in rest:
            self.console.print(escape(line), highlight=False)


def display_for(stream: TextIO) -> Display:
    """A rich live view on a terminal, plain lines otherwise (a pipe, a file, a CI log)."""
    if stream.isatty():
        return RichDisplay(Console(file=stream))
    return PlainDisplay(stream)
