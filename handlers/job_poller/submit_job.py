"""Submit a simulated job: validate the execution input, record the job in the jobs table, return its id."""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

from job_poller import jobs
from job_poller.errors import InvalidInput

OUTCOMES = (jobs.SUCCEEDED, jobs.FAILED)
FIELDS = ("durationSeconds", "outcome", "reason")
#: No job outlives a Standard workflow's one-year limit.
MAX_DURATION_SECONDS = 365 * 24 * 3600
DEFAULT_REASON = "the simulated job was submitted with outcome FAILED"


def _duration(event: dict[str, Any]) -> int | float:
    if "durationSeconds" not in event:
        raise InvalidInput(f"durationSeconds: missing; give how long the job runs, 0..{MAX_DURATION_SECONDS}")
    value = event["durationSeconds"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"durationSeconds: expected a number of seconds, got {value!r}")
    if not 0 <= value <= MAX_DURATION_SECONDS:
        raise InvalidInput(f"durationSeconds: {value} is out of range; use 0..{MAX_DURATION_SECONDS}")
    return value


def _validated(event: Any) -> tuple[int | float, str, str | None]:
    if not isinstance(event, dict):
        raise InvalidInput(f'event: expected a JSON object like {{"durationSeconds": 30}}, got {type(event).__name__}')
    unknown = sorted(set(event) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: unknown field; a job takes {', '.join(FIELDS)}")
    duration = _duration(event)
    outcome = event.get("outcome", jobs.SUCCEEDED)
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome: expected {' or '.join(OUTCOMES)}, got {outcome!r}")
    reason = event.get("reason")
    if reason is not None and (outcome != jobs.FAILED or not isinstance(reason, str) or not reason.strip()):
        raise InvalidInput(f"reason: a FAILED job's reason is a non-empty string; got {reason!r} for a {outcome} job")
    return duration, outcome, (reason or DEFAULT_REASON) if outcome == jobs.FAILED else None


def handler(event: Any, context: Any) -> dict[str, Any]:
    """{"durationSeconds": n, "outcome": "SUCCEEDED"|"FAILED", "reason": "..."} -> {"jobId", "status", ...}."""
    duration, outcome, reason = _validated(event)
    job_id = uuid.uuid4().hex
    submitted_at = round(time.time(), 3)
    item = {
        "jobId": {"S": job_id},
        "submittedAt": {"N": repr(submitted_at)},
        "durationSeconds": {"N": repr(duration)},
        "outcome": {"S": outcome},
        "expiresAt": {"N": str(int(submitted_at + duration) + jobs.RETENTION_SECONDS)},
    }
    if reason is not None:
        item["reason"] = {"S": reason}
    jobs.dynamodb().put_item(TableName=jobs.table_name(), Item=item, ConditionExpression="attribute_not_exists(jobId)")
    return {"jobId": job_id, "status": jobs.SUBMITTED, "submittedAt": jobs.timestamp(submitted_at)}
