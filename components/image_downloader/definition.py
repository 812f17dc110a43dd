"""ImageDownloader's definition: validate and batch, download in an inline or distributed Map, report, notify."""

from __future__ import annotations

from typing import Any

from .. import asl
from ..asl import INVALID_INPUT, TERMINAL_ERRORS
from .args import ImageDownloaderSettings

BATCHES_PREFIX = "batches/"
#: Request files (`resourcesFile`) live here; the batch Lambda may read this prefix alone.
REQUESTS_PREFIX = "requests/"
RESULTS_PREFIX = "results/"
#: Every failed URL of an execution whose failures do not fit one notification: `failures/<execution>.jsonl`.
FAILURES_PREFIX = "failures/"
#: The tutorial's HTTP API route, as the seed's scripts call it.
ROUTE_KEY = "POST /downloads"


#: The errors an execution can end with (its README section says when): its own words, never a raw platform error
#: (and asl.INVALID_INPUT).
DOWNLOADS_FAILED = "DownloadsFailed"
DOWNLOADS_INCOMPLETE = "DownloadsIncomplete"
#: Every image was stored, but some url rows could not be written (the report lists those images apart).
DOWNLOADS_NOT_RECORDED = "DownloadsNotRecorded"
#: A publish to the failures topic is tried again on any error (throttled, KMS), 1 s, 2 s, 4 s apart.
PUBLISH_RETRY: asl.State = {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}
#: What a cause ends with when the failures topic could not be told (the publish failed after its retries).
NOT_NOTIFIED = "States.Format('{}\n(The failures topic could not be notified: {}.)', $.message, $.notifyError.Error)"
FAILED_BATCH_NOTE = "the images already stored are kept and recorded; rerunning the same request fetches the rest"


def _catch_all(next_state: str, result_path: str | None = None) -> list[asl.State]:
    """Every error, the terminal ones too, to `next_state` (with the error at `result_path`, or as the input)."""
    catchers = [
        {"ErrorEquals": TERMINAL_ERRORS, "Next": next_state},
        {"ErrorEquals": ["States.ALL"], "Next": next_state},
    ]
    if result_path is not None:
        for catcher in catchers:
            catcher["ResultPath"] = result_path
    return catchers


def _download_iteration(start: str, download_fn_arn: str, timeout_seconds: int) -> dict[str, Any]:
    """One batch: the download Lambda, or, when it fails anyway (crash, out of memory, timeout, throttled), a
    result that reports each of the batch's images failed with the batch's error."""
    caught = f"{start}Failed"
    # A batch's own counts only: per-URL results stay in the Lambda's log, so the payload stays small.
    task = asl.lambda_task(
        download_fn_arn,
        TimeoutSeconds=timeout_seconds + 5,
        ResultSelector={
            "succeeded.$": "$.Payload.succeeded",
            "failed.$": "$.Payload.failed",
            "alreadyStored.$": "$.Payload.alreadyStored",
            "bytes.$": "$.Payload.bytes",
            "failures.$": "$.Payload.failures",
            "unrecorded.$": "$.Payload.unrecorded",
            "unrecordedUrls.$": "$.Payload.unrecordedUrls",
        },
        OutputPath=None,
    )
    task["Catch"] = _catch_all(caught, "$.batchError")
    failed_batch = {
        "Type": "Pass",
        "Parameters": {
            "failedBatch": {
                "error.$": "$.batchError.Error",
                "baseUrl.$": "$.baseUrl",
                "resourcePaths.$": "$.resourcePaths",
            }
        },
        "End": True,
    }
    return {"StartAt": start, "States": {start: task, caught: failed_batch}}


def _incomplete(state: str) -> asl.State:
    """Word what failed in `state` (its caught error is the input) for the failures topic and the cause."""
    return {
        "Type": "Pass",
        "Parameters": {
            "message.$": (
                f"States.Format('Image downloads did not complete: {state} failed with {{}}: {{}}. "
                f"{FAILED_BATCH_NOTE.capitalize()}.', $.Error, $.Cause)"
            )
        },
        "Next": "NotifyIncomplete",
    }


def _publish(topic_arn: str, subject: str, message_path: str, next_state: str, caught: str) -> asl.State:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": topic_arn, "Subject": subject, "Message.$": message_path},
        "ResultPath": None,
        "Retry": [dict(PUBLISH_RETRY)],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notifyError", "Next": caught}],
        "Next": next_state,
    }


def definition(
    *,
    batch_fn_arn: str,
    download_fn_arn: str,
    consolidate_fn_arn: str,
    bucket_name: str,
    topic_arn: str,
    settings: ImageDownloaderSettings,
) -> dict[str, Any]:
    """Validate and batch -> inline or distributed Map of downloads -> consolidate -> notify and fail, or succeed.
    Whatever fails on the way ends in one of the workflow's own errors, notified unless the request was invalid."""
    timeout = settings.download_timeout_seconds
    validate = asl.lambda_task(batch_fn_arn, next_state="ChooseMapMode")
    validate["Catch"] = [
        {"ErrorEquals": [INVALID_INPUT], "Next": "DescribeInvalidInput"},
        *_catch_all("ValidateAndBatchFailed"),
    ]
    report = {"execution.$": "$$.Execution.Name"}
    consolidate = asl.lambda_task(consolidate_fn_arn, next_state="AllSucceeded")
    consolidate["Catch"] = _catch_all("ConsolidateFailed")
    return {
        "Comment": "ImageDownloader: concurrent, SSRF-safe image downloads into a private bucket",
        "StartAt": "ValidateAndBatch",
        "TimeoutSeconds": settings.execution_timeout_seconds,
        "States": {
            "ValidateAndBatch": validate,
            # The handler's message alone ("lambdaConcur: must be from 1 to 32, got 33"), not the Lambda's JSON.
            **asl.invalid_input_states(reader="DescribeInvalidInput", field="cause", comment=None),
            "ValidateAndBatchFailed": _incomplete("ValidateAndBatch"),
            "ChooseMapMode": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.mode", "StringEquals": "distributed", "Next": "DownloadDistributed"}],
                "Default": "DownloadInline",
            },
            "DownloadInline": {
                "Type": "Map",
                "ItemsPath": "$.batches",
                "MaxConcurrency": min(settings.download_concurrency, 40),
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    **_download_iteration("DownloadBatch", download_fn_arn, timeout),
                },
                "ResultSelector": {"results.$": "$", **report},
                "Catch": _catch_all("DownloadInlineFailed"),
                "Next": "Consolidate",
            },
            "DownloadInlineFailed": _incomplete("DownloadInline"),
            "DownloadDistributed": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    # A literal bucket and key prefix, so the role's read can be checked against the definition.
                    "Parameters": {
                        "Bucket": bucket_name,
                        "Key.$": f"States.Format('{BATCHES_PREFIX}{{}}.json', $.batchesId)",
                    },
                },
                "MaxConcurrency": settings.download_concurrency,
                # Each batch's failure is caught in its child; one that fails anyway is counted by Consolidate
                # from the ResultWriter's FAILED file, not by failing every other batch's run.
                "ToleratedFailurePercentage": 100.0,  # a float: moto refuses a whole number (sandbox limits)
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    # State names are unique across the whole definition, nested ones included.
                    **_download_iteration("DownloadChildBatch", download_fn_arn, timeout),
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": bucket_name, "Prefix": RESULTS_PREFIX.rstrip("/")},
                },
                "ResultSelector": {"resultWriter.$": "$.ResultWriterDetails", **report},
                "Catch": _catch_all("DownloadDistributedFailed"),
                "Next": "Consolidate",
            },
            "DownloadDistributedFailed": _incomplete("DownloadDistributed"),
            "Consolidate": consolidate,
            "ConsolidateFailed": _incomplete("Consolidate"),
            "AllSucceeded": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.allSucceeded", "BooleanEquals": True, "Next": "Done"}],
                "Default": "NotifyFailures",
            },
            "NotifyFailures": _publish(
                topic_arn, "Image downloads failed", "$.notification", "FailedOrNotRecorded", "NotNotified"
            ),
            "NotNotified": {
                "Type": "Pass",
                "Parameters": {"message.$": NOT_NOTIFIED, "failed.$": "$.failed"},
                "Next": "FailedOrNotRecorded",
            },
            # Images not stored fail the execution as DownloadsFailed; all stored, some without their url rows, as
            # DownloadsNotRecorded.
            "FailedOrNotRecorded": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.failed", "NumericGreaterThan": 0, "Next": DOWNLOADS_FAILED}],
                "Default": DOWNLOADS_NOT_RECORDED,
            },
            DOWNLOADS_FAILED: {"Type": "Fail", "Error": DOWNLOADS_FAILED, "CausePath": "$.message"},
            DOWNLOADS_NOT_RECORDED: {"Type": "Fail", "Error": DOWNLOADS_NOT_RECORDED, "CausePath": "$.message"},
            "NotifyIncomplete": _publish(
                topic_arn,
                "Image downloads did not complete",
                "$.message",
                DOWNLOADS_INCOMPLETE,
                "IncompleteNotNotified",
            ),
            "IncompleteNotNotified": {
                "Type": "Pass",
                "Parameters": {"message.$": NOT_NOTIFIED},
                "Next": DOWNLOADS_INCOMPLETE,
            },
            DOWNLOADS_INCOMPLETE: {"Type": "Fail", "Error": DOWNLOADS_INCOMPLETE, "CausePath": "$.message"},
            "Done": {"Type": "Succeed"},
        },
    }
