"""Follow a Step Functions execution in AWS or the sandbox: its current state, Map progress, failures, summary."""

from .display import Display, PlainDisplay, RichDisplay, display_for
from .follow import LiveWatch, Watcher, follow, make_client
from .history import ExecutionProgress, MapProgress, StateEntered, Summary, TaskFailure

__all__ = [
    "Display",
    "ExecutionProgress",
    "LiveWatch",
    "MapProgress",
    "PlainDisplay",
    "RichDisplay",
    "StateEntered",
    "Summary",
    "TaskFailure",
    "Watcher",
    "display_for",
    "follow",
    "make_client",
]
