"""TaskTracker: a Lambda starts a workflow that records a task STARTED, does the work, then DONE or FAILED."""

from .args import TaskTrackerArgs, TaskTrackerSettings
from .component import TaskTracker, executions_of
from .definition import DEADLINE_ATTRIBUTE, TASK_KEY_ATTRIBUTE, TIME_KEY_ATTRIBUTE, definition

__all__ = [
    "DEADLINE_ATTRIBUTE",
    "TASK_KEY_ATTRIBUTE",
    "TIME_KEY_ATTRIBUTE",
    "TaskTracker",
    "TaskTrackerArgs",
    "TaskTrackerSettings",
    "definition",
    "executions_of",
]
