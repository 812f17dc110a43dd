"""Check a simulated job: RUNNING until its duration has passed since it was submitted, then its outcome."""

from __future__ import annotations

import time
from typing import Any

from job_poller import jobs
from job_poller.errors import InvalidEvent, JobNotFound


def handler(event: Any, context: Any) -> dict[str, Any]:
    """{"jobId": ...} (what submit_job returned) -> {"jobId", "status", ...; "reason" when FAILED}."""
    job_id = event.get("jobId") if isinstance(event, dict) else None
    if not isinstance(job_id, str) or not job_id:
        raise InvalidEvent(f"jobId: expected the id submit_job returned, got {job_id!r}")
    table = jobs.table_name()
    item = jobs.dynamodb().get_item(TableName=table, Key={"jobId": {"S": job_id}}, ConsistentRead=True).get("Item")
    if item is None:
        raise JobNotFound(f"jobId: no job {job_id!r} in table {table}")
    submitted_at, duration = jobs.number(item["submittedAt"]["N"]), jobs.number(item["durationSeconds"]["N"])
    finished = time.time() >= submitted_at + duration
    status: dict[str, Any] = {"jobId": job_id, "status": item["outcome"]["S"] if finished else jobs.RUNNING}
    status.update(submittedAt=jobs.timestamp(submitted_at), durationSeconds=duration)
    if finished:
        status["finishedAt"] = jobs.timestamp(submitted_at + duration)
    if status["status"] == jobs.FAILED:
        status["reason"] = item["reason"]["S"]
    return status
