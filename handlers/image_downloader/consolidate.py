"""Add up every batch's download result (inline Map output, or a Distributed Map's ResultWriter files) into a report."""

from __future__ import annotations

import json
import logging
from typing import Any

import map_results
import tally
from errors import InvalidInput
from settings import SETTINGS
from validation import json_type

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def _from_inline(results: Any) -> tally.Tally:
    if not isinstance(results, list):
        raise InvalidInput(f"results: expected an array of download results, got {json_type(results)}")
    total = tally.Tally()
    for index, result in enumerate(results):
        tally.add_download_result(total, result, f"results[{index}]")
    return total


def _from_result_writer(details: Any) -> tally.Tally:
    if not (
        isinstance(details, dict) and isinstance(details.get("Bucket"), str) and isinstance(details.get("Key"), str)
    ):
        raise InvalidInput('resultWriter: expected {"Bucket": ..., "Key": ...} of the manifest')
    total = tally.Tally()
    for execution in map_results.execution_records(details["Bucket"], details["Key"]):
        if execution.succeeded:
            tally.add_download_result(total, execution.output(), f"{execution.where}.Output")
        else:
            tally.add_failed_batch(total, execution.error(), execution.urls(), execution.subject())
    return total


def handler(event: Any, context: Any) -> dict[str, Any]:
    """{"results": [...]} or {"resultWriter": {"Bucket", "Key"}} -> {"allSucceeded", counts, "failedUrls", ...}."""
    if not isinstance(event, dict):
        raise InvalidInput(f"event: expected a JSON object, got {json_type(event)}")
    if "results" in event:
        total = _from_inline(event["results"])
    elif "resultWriter" in event:
        total = _from_result_writer(event["resultWriter"])
    else:
        raise InvalidInput("event: expected results (inline Map) or resultWriter (Distributed Map)")
    report = {
        "allSucceeded": total.failed == 0,
        "succeeded": total.succeeded,
        "failed": total.failed,
        "bytes": total.size,
        "failedUrls": tally.failed_urls(total, SETTINGS.failed_url_cap),
        "message": tally.message(total, SETTINGS.failed_url_cap),
    }
    logger.info(json.dumps({k: v for k, v in report.items() if k != "message"}))
    return report
