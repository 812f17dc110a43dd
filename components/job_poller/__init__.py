"""JobPoller: submit a job, then check its status every few seconds until it succeeds, fails or runs too long."""

from .args import JOB_POLLER_HISTORY, JobPollerArgs, JobPollerSettings
from .component import JOB_EXPIRY_ATTRIBUTE, JOB_KEY_ATTRIBUTE, JobPoller
from .definition import JOB_STATUSES, STILL_RUNNING, definition

__all__ = [
    "JOB_EXPIRY_ATTRIBUTE",
    "JOB_KEY_ATTRIBUTE",
    "JOB_POLLER_HISTORY",
    "JOB_STATUSES",
    "STILL_RUNNING",
    "JobPoller",
    "JobPollerArgs",
    "JobPollerSettings",
    "definition",
]
