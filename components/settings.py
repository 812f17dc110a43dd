"""The resolved settings of each workflow and the AWS limits they are checked against: what the pure definition
builders and building blocks take, once a component has applied its defaults to its args."""

from __future__ import annotations

from dataclasses import dataclass

from .asl.retries import LAMBDA_RETRY_ATTEMPTS, LOOP_RETRY_ATTEMPTS

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


@dataclass(frozen=True)
class CommonSettings:
    """Settings every workflow's building blocks share."""

    log_retention_days: int = 30
    lambda_runtime: str = "python3.12"
    lambda_architecture: str = "x86_64"
    sfn_log_level: str = "ERROR"
    alarm_email: str | None = None
    #: Protect tables, buckets and queues, so `pulumi destroy` never deletes data (production stacks).
    retain_data: bool = False


@dataclass(frozen=True)
class MapFanOutSettings:
    """The MapFanOut tutorial's three knobs, and how many failed items an execution tolerates."""

    max_concurrency: int = 1
    wait_duration_seconds: int = 2
    timeout_duration_seconds: int = 60
    tolerated_failures: int = 0


@dataclass(frozen=True)
class ImageDownloaderSettings:
    """The ImageDownloader's bucket, API, batching and download guard rails."""

    transition_days: int = 1
    notification_email: str | None = None
    api_authorization: str = "iam"
    api_burst_limit: int = 10
    api_rate_limit: int = 5
    allow_insecure_http: bool = False
    allowed_hosts: tuple[str, ...] = ()
    allow_private_hosts: bool = False
    max_resources: int = 10_000
    batch_size: int = 25
    inline_limit: int = 1_000
    map_mode: str = "auto"
    download_concurrency: int = 10
    max_image_bytes: int = 25 * 1024 * 1024
    download_timeout_seconds: int = 120
    #: One vCPU at 1,769 MB: at a high lambdaConcur with small images the download Lambda is CPU-bound below it.
    download_memory_mb: int = 512
    execution_timeout_seconds: int = 3600


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


#: A retried Lambda attempt adds TaskScheduled, TaskStarted and TaskFailed to the history.
RETRY_EVENTS = 3
# Counted from the definitions in components/job_poller/ and components/lambda_iterator/ with every Retry
# taken (a unit test derives them from the definitions, an e2e test counts the retry-free history in the sandbox).
JOB_POLLER_HISTORY = HistoryBudget(
    14,
    11,
    "Wait 2 + check-status Task 5 + CountPoll Pass 2 + Choice 2",
    fixed_retry_events=2 * RETRY_EVENTS * LAMBDA_RETRY_ATTEMPTS,  # the submit and the final check
    retry_events_per_turn=RETRY_EVENTS * LOOP_RETRY_ATTEMPTS,
)
LAMBDA_ITERATOR_HISTORY = HistoryBudget(
    11,
    7,
    "Choice 2 + process Task 5",
    fixed_retry_events=RETRY_EVENTS * LAMBDA_RETRY_ATTEMPTS,  # the count
    retry_events_per_turn=RETRY_EVENTS * LOOP_RETRY_ATTEMPTS,
)


@dataclass(frozen=True)
class JobPollerSettings:
    """The job poller's loop: how often it checks, how many times, and how long the whole job may take."""

    poll_interval_seconds: int = 10
    max_polls: int = 30
    job_timeout_seconds: int = 120


@dataclass(frozen=True)
class LambdaIteratorSettings:
    """The Lambda iterator's largest accepted `iterations`."""

    max_iterations: int = 1000


# Counted from the definition in components/record_transfer/definition.py with every Retry taken (a unit test derives
# them with record_transfer.history_events; an e2e test counts the retry-free history in the sandbox).
RECORD_TRANSFER_HISTORY = HistoryBudget(
    29,
    22,
    "Choice 2 + GetItem Task 5 + RecordFound Choice 2 + SendMessage Task 5 + pop Pass 2, and one retry "
    "of each Task 3 + 3",
)


@dataclass(frozen=True)
class RecordTransferSettings:
    """The record transfer's largest accepted `count` of records."""

    max_records: int = 1000


@dataclass(frozen=True)
class TaskTrackerSettings:
    """How long the task tracker's stand-in work (a Wait) takes, and how long a run may take in all."""

    work_seconds: int = 30
    #: A run still going after this times out (TIMED_OUT), its task left STARTED past its `deadline`.
    timeout_seconds: int = 3600
