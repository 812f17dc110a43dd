"""Report a Batch job's status as JobPoller reads it: SUBMITTED, RUNNING, SUCCEEDED or FAILED, with its reason."""

from typing import Any

import boto3

batch = boto3.client("batch")


def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    [job] = batch.describe_jobs(jobs=[event["jobId"]])["jobs"]
    # Batch's PENDING, RUNNABLE and STARTING are still running to the poller.
    status = job["status"] if job["status"] in ("SUBMITTED", "SUCCEEDED", "FAILED") else "RUNNING"
    return {"jobId": job["jobId"], "status": status, "reason": job.get("statusReason", "no reason given")}
