"""Add up every batch's download result (inline Map output, or a Distributed Map's ResultWriter files) into a report."""

from __future__ import annotations

import json
import logging
from typing import Any

from image_downloader import map_results, storage, tally
from image_downloader.errors import InvalidInput
from image_downloader.settings import SETTINGS
from image_downloader.validation import json_type

logger = logging.getLogger()
logger.setLevel(logging.INFO)

FAILURES_PREFIX = "failures/"


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


def failures_key(event: dict[str, Any], context: Any) -> str:
    """`failures/<execution name>.jsonl` (the request id when the event names no execution)."""
    name = event.get("execution")
    if not isinstance(name, str) or not name or "/" in name:
        name = str(getattr(context, "aws_request_id", None) or "unnamed")
    return f"{FAILURES_PREFIX}{name}.jsonl"


def write_failures(key: str, total: tally.Tally) -> str:
    """Every failure, one JSON object a line ({"url", "error"}), in the images bucket, uploaded from the tally's spool
    file (in parts when it is large); returns its s3:// URL."""
    storage.put_file(key, total.failures_file(), "application/x-ndjson")
    return f"s3://{storage.images_bucket()}/{key}"


def handler(event: Any, context: Any) -> dict[str, Any]:
    """{"results": [...]} or {"resultWriter": {"Bucket", "Key"}}, and the "execution" name -> {"allSucceeded",
    counts ("failed": images not stored; "unrecorded": stored without their url row), "failedUrls", "message" (the
    cause), "notification" (the SNS text), "failuresObject"}."""
    if not isinstance(event, dict):
        raise InvalidInput(f"event: expected a JSON object, got {json_type(event)}")
    if "results" in event:
        total = _from_inline(event["results"])
    elif "resultWriter" in event:
        total = _from_result_writer(event["resultWriter"])
    else:
        raise InvalidInput("event: expected results (inline Map) or resultWriter (Distributed Map)")
    failures_object = None
    if total.failed and not tally.fits_one_notification(total):
        failures_object = write_failures(failures_key(event, context), total)
    report = {
        "allSucceeded": total.failed == 0 and total.unrecorded == 0,
        "succeeded": total.succeeded,
        "failed": total.failed,
        "unrecorded": total.unrecorded,
        "alreadyStored": total.already_stored,
        "bytes": total.size,
        "failedUrls": tally.failed_urls(total, SETTINGS.failed_url_cap),
        "failuresObject": failures_object,
        "message": tally.message(total, SETTINGS.failed_url_cap, failures_object),
        "notification": tally.notification(total, failures_object),
    }
    logger.info(json.dumps({k: v for k, v in report.items() if k not in ("message", "notification")}))
    return report
