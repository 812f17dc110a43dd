"""The jobs table both job handlers share: its name from the environment, one DynamoDB client per environment."""

from __future__ import annotations

import functools
import os
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3

#: Job statuses, as AWS Batch names them; the state machine loops while a job is SUBMITTED or RUNNING.
SUBMITTED, RUNNING, SUCCEEDED, FAILED = "SUBMITTED", "RUNNING", "SUCCEEDED", "FAILED"
#: A job's record expires (DynamoDB TTL on `expiresAt`) this long after the job has finished.
RETENTION_SECONDS = 7 * 24 * 3600


def table_name() -> str:
    """The jobs table, from `JOBS_TABLE_NAME` (set by the JobPoller component)."""
    name = os.environ.get("JOBS_TABLE_NAME", "")
    if not name:
        raise RuntimeError("JOBS_TABLE_NAME is not set; the JobPoller component sets it to its jobs table")
    return name


@functools.cache
def dynamodb() -> Any:
    """One DynamoDB client per execution environment, created on first use."""
    return boto3.client("dynamodb")


def number(value: str) -> int | float:
    """A DynamoDB number as JSON wants it: an int when whole."""
    exact = Decimal(value)
    return int(exact) if exact == exact.to_integral_value() else float(exact)


def timestamp(epoch_seconds: float) -> str:
    """ISO 8601 in UTC with milliseconds, as AWS APIs print times."""
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds")
