"""JobPoller's args: your job service (a submit and a check function) and the poll loop's settings."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from typing import NotRequired

import pulumi

from ..parts import HandlerSpec, WorkflowOptions


class JobPollerArgs(WorkflowOptions):
    """Your job service (a submit and a check function) and the poll loop's knobs; default: a simulated job."""

    submit_handler: NotRequired[HandlerSpec]
    """Your function that submits the job: it gets the execution input and returns the job (any JSON), which the
    check function is given; default: the simulated job service's submit Lambda."""
    submit_function_arn: NotRequired[pulumi.Input[str]]
    """An existing submit function, instead of one built here."""
    check_handler: NotRequired[HandlerSpec]
    """Your function that checks the job: it gets the job and returns `{"status": "SUBMITTED" | "RUNNING" |
    "SUCCEEDED" | "FAILED", "reason": ...}`; give it with the submit function."""
    check_function_arn: NotRequired[pulumi.Input[str]]
    """An existing check function, instead of one built here."""
    poll_interval_seconds: NotRequired[int]
    """Seconds between two status checks (default 10)."""
    max_polls: NotRequired[int]
    """The most status checks before the execution fails with PollLimitExceeded (default 30; bounded so the
    longest loop fits the execution history)."""
    job_timeout_seconds: NotRequired[int]
    """Seconds the whole execution may run (default 120, the tutorial's 2 minutes)."""
