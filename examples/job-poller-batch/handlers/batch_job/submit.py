"""Submit one AWS Batch job named by the execution input; JobPoller then polls it with check.py."""

import os
from typing import Any

import boto3

batch = boto3.client("batch")


class InvalidInput(ValueError):
    """The execution input names no job (JobPoller ends the execution InvalidInput, by this class name)."""


def handler(event: Any, context: Any) -> dict[str, str]:
    name = event.get("jobName") if isinstance(event, dict) else None
    if not isinstance(name, str) or not name:
        raise InvalidInput("jobName: expected a non-empty string naming the job")
    job = batch.submit_job(jobName=name, jobQueue=os.environ["JOB_QUEUE"], jobDefinition=os.environ["JOB_DEFINITION"])
    return {"jobId": job["jobId"]}
