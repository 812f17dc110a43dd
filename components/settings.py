"""The args every workflow component shares (WorkflowOptions, each setting declared once), their resolved form
(CommonSettings, what the building blocks take), and the AWS limits settings are checked against.

Internal, but for WorkflowOptions and CommonSettings, which the package exports.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads WorkflowOptions' annotations as types.
from dataclasses import dataclass
from typing import Annotated, TypedDict

import pulumi

from .setting import DECLARED, Setting, declared, defaults_from

#: The retention periods CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
LAMBDA_RUNTIMES = ("python3.11", "python3.12", "python3.13")
LAMBDA_ARCHITECTURES = ("x86_64", "arm64")
SFN_LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
#: Above this an inline Map is refused: AWS advises a Distributed Map for higher concurrency.
INLINE_MAP_MAX_CONCURRENCY = 40
#: A Standard workflow may run for one year.
MAX_EXECUTION_SECONDS = 365 * 24 * 3600


#: Step Functions fails a Standard execution whose history passes 25,000 events; a loop must stay below it.
HISTORY_EVENT_LIMIT = 25_000


@dataclass(frozen=True)
class HistoryBudget:
    """The history events of a looping workflow: those outside its loop, and those each loop turn adds."""

    fixed_events: int
    events_per_turn: int
    turn: str  # what one turn records, for the message
    #: What the Retries may add at most: outside the loop, and in each turn.
    fixed_retry_events: int = 0
    retry_events_per_turn: int = 0

    @property
    def worst_fixed_events(self) -> int:
        return self.fixed_events + self.fixed_retry_events

    @property
    def worst_events_per_turn(self) -> int:
        return self.events_per_turn + self.retry_events_per_turn

    @property
    def max_turns(self) -> int:
        """The most loop turns whose worst-case history (every Retry taken) stays below HISTORY_EVENT_LIMIT."""
        return (HISTORY_EVENT_LIMIT - 1 - self.worst_fixed_events) // self.worst_events_per_turn

    def note(self) -> str:
        """Why a loop bound has the high it has, as the docs say it."""
        return (
            f"each turn records {_with_retries(self.events_per_turn, self.retry_events_per_turn)} history events "
            f"({self.turn}), an execution may have {HISTORY_EVENT_LIMIT:,}"
        )

    def above(self, value: int, high: int) -> str:
        """Why a loop bound above `max_turns` is refused: the history it would take."""
        return (
            f"{value} is out of range; use 1..{high}: each turn of the loop records "
            f"{_with_retries(self.events_per_turn, self.retry_events_per_turn)} history events ({self.turn}) on top "
            f"of {_with_retries(self.fixed_events, self.fixed_retry_events)} outside it, and Step Functions fails an "
            f"execution whose history passes {HISTORY_EVENT_LIMIT:,} events"
        )


def _with_retries(events: int, retry_events: int) -> str:
    return f"{events} ({events + retry_events} if every Retry is taken)" if retry_events else str(events)


#: A retried Lambda attempt adds TaskScheduled, TaskStarted and TaskFailed to the history.
RETRY_EVENTS = 3


def inline_map_above(value: int, high: int) -> str:
    """Why an inline Map's concurrency above its bound is refused, and what to do instead."""
    return (
        f"{value} is above {high}, the most an inline Map runs at once; use 0..{high} (0 = unlimited), or a "
        "distributed Map for more"
    )


@declared
class WorkflowOptions(TypedDict, total=False):
    """The settings every workflow component shares; each has a secure default."""

    alarm_topic_arn: pulumi.Input[str]
    """The SNS topic the state machine's alarms (failed, timed out, throttled executions) notify; default: an
    encrypted topic of the component's own."""
    alarm_email: Annotated[str, Setting(None, kind="email")]
    """An e-mail address subscribed to the component's own alarm topic (only without `alarm_topic_arn`)."""
    log_retention_days: Annotated[int, Setting(30, choices=LOG_RETENTION_DAYS)]
    """How long the state machine's and functions' logs are kept: a CloudWatch Logs retention period."""
    lambda_runtime: Annotated[str, Setting("python3.12", choices=LAMBDA_RUNTIMES)]
    """The runtime of the functions the component builds (their dependencies are built for it)."""
    lambda_architecture: Annotated[str, Setting("x86_64", choices=LAMBDA_ARCHITECTURES)]
    """The functions' architecture (their dependencies are built for it)."""
    log_level: Annotated[str, Setting("ERROR", choices=SFN_LOG_LEVELS, old_keys=("sfnLogLevel",))]
    """The state machine's log level; execution data is never logged."""
    retain_data: Annotated[bool, Setting(False)]
    """Protect tables, buckets and queues (Pulumi's `protect` and `retain_on_delete`): `pulumi destroy` refuses to
    delete them and a replacement keeps the old one. Set it true on production stacks."""
    tags: dict[str, str]
    """Tags added to every taggable resource the component creates."""


@dataclass(frozen=True)
@defaults_from(WorkflowOptions)
class CommonSettings:
    """The shared settings, resolved: what every workflow's building blocks take."""

    log_retention_days: int = DECLARED
    lambda_runtime: str = DECLARED
    lambda_architecture: str = DECLARED
    log_level: str = DECLARED
    alarm_email: str | None = DECLARED
    retain_data: bool = DECLARED
