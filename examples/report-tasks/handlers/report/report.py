"""Build one task's report and store it in the team's bucket, under reports/<taskId>/<timestamp>.json."""

import json
import os
from typing import Any

import boto3

REPORTS_BUCKET = os.environ["REPORTS_BUCKET"]
_s3 = boto3.client("s3")


class InvalidTask(ValueError):
    """The event is not {"taskId": "...", "timestamp": <Unix seconds>}; the message names the field."""


class ReportFailed(RuntimeError):
    """The report could not be built; the task is recorded FAILED with this error."""


def handler(event: Any, context: Any) -> dict[str, str]:
    if not isinstance(event, dict):
        raise InvalidTask(f"event: expected a task object, got {event!r}")
    task_id, timestamp = event.get("taskId"), event.get("timestamp")
    if not isinstance(task_id, str) or not task_id:
        raise InvalidTask(f"taskId: expected a non-empty string, got {task_id!r}")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise InvalidTask(f"timestamp: expected Unix seconds, got {timestamp!r}")
    if task_id.startswith("broken"):  # stands for a report whose sources are unavailable
        raise ReportFailed(f"task {task_id}: the report's sources are unavailable")
    key = f"reports/{task_id}/{timestamp}.json"
    body = json.dumps({"taskId": task_id, "timestamp": timestamp, "lines": len(task_id)})
    _s3.put_object(Bucket=REPORTS_BUCKET, Key=key, Body=body.encode(), ContentType="application/json")
    return {"key": key}
