"""JobPoller's args: your job service (a submit and a check function) and the poll loop's settings."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from dataclasses import dataclass
from typing import Annotated, NotRequired

import pulumi

from ..asl import LAMBDA_RETRY_ATTEMPTS, LOOP_RETRY_ATTEMPTS
from ..parts import HandlerSpec, WorkflowOptions
from ..setting import DECLARED, Setting, declared, defaults_from
from ..settings import MAX_EXECUTION_SECONDS, RETRY_EVENTS, HistoryBudget

# Counted from the definition with every Retry taken (a unit test derives them from the definition, an e2e test
# counts the retry-free history in the sandbox).
JOB_POLLER_HISTORY = HistoryBudget(
    14,
    11,
    "Wait 2 + check-status Task 5 + CountPoll Pass 2 + Choice 2",
    fixed_retry_events=2 * RETRY_EVENTS * LAMBDA_RETRY_ATTEMPTS,  # the submit and the final check
    retry_events_per_turn=RETRY_EVENTS * LOOP_RETRY_ATTEMPTS,
)


@declared
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
    poll_interval_seconds: Annotated[NotRequired[int], Setting(10, low=1, high=MAX_EXECUTION_SECONDS)]
    """Seconds between two status checks."""
    max_polls: Annotated[
        NotRequired[int], Setting(30, low=1, high=JOB_POLLER_HISTORY.max_turns, above=JOB_POLLER_HISTORY.above)
    ]
    """The most status checks before the execution fails with PollLimitExceeded (bounded so the longest loop fits
    the execution history)."""
    job_timeout_seconds: Annotated[NotRequired[int], Setting(120, low=1, high=MAX_EXECUTION_SECONDS)]
    """Seconds the whole execution may run (the default is the tutorial's 2 minutes)."""


@dataclass(frozen=True)
@defaults_from(JobPollerArgs)
class JobPollerSettings:
    """The job poller's loop, resolved: how often it checks, how many times, and how long the whole job may take."""

    poll_interval_seconds: int = DECLARED
    max_polls: int = DECLARED
    job_timeout_seconds: int = DECLARED
