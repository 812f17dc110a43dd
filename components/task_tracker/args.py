"""TaskTracker's args: the work a task does, and the table its runs are recorded in."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from dataclasses import dataclass
from typing import Annotated, NotRequired

import pulumi

from ..parts import HandlerSpec, WorkflowOptions
from ..setting import DECLARED, Setting, declared, defaults_from
from ..settings import MAX_EXECUTION_SECONDS


@declared
class TaskTrackerArgs(WorkflowOptions):
    """The work a task does, and the table its runs are recorded in."""

    work_handler: NotRequired[HandlerSpec]
    """Your function that does the task's work, between STARTED and DONE: it gets `{"taskId", "timestamp"}` and
    its result becomes the execution's `work.output`; its failure records the run FAILED with its error. Default:
    a Wait of `work_seconds`, standing for the work."""
    work_function_arn: NotRequired[pulumi.Input[str]]
    """An existing work function, instead of one built here."""
    work_seconds: Annotated[NotRequired[int], Setting(30, low=0, high=MAX_EXECUTION_SECONDS)]
    """Without a work function: how long the stand-in Wait takes (the default is the tutorial's)."""
    table_name: NotRequired[pulumi.Input[str]]
    """An existing tasks table (partition key `taskId`, a string; sort key `timestamp`, a number); default: a
    table of the component's own."""
    task_timeout_seconds: Annotated[NotRequired[int], Setting(3600, low=1, high=MAX_EXECUTION_SECONDS)]
    """Seconds a run may take in all, more than work_seconds: past it the execution times out and its task stays
    STARTED with a `deadline` (Unix seconds) in the past, which is how a run never finished shows."""


@dataclass(frozen=True)
@defaults_from(TaskTrackerArgs)
class TaskTrackerSettings:
    """How long the task tracker's stand-in work (a Wait) takes, and how long a run may take in all, resolved."""

    work_seconds: int = DECLARED
    task_timeout_seconds: int = DECLARED
