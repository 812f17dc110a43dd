"""The seed tutorial's image downloader: batches, a Map of downloads, then a Map of one DynamoDB PutItem per image."""

from __future__ import annotations

import json
import math
from typing import Any

from tools.bench.formula import TransitionFormula, path_formula

TUTORIAL_BATCH_SIZE = 5
#: What each Map iterates over, for `path_formula`.
UNITS = {"resourceIterator": "batch", "dynamoPutIterator": "image"}
SUCCEEDED = {"Check for errored tasks": "All resource downloads succeeded"}
FAILED = {"Check for errored tasks": "publishErroredTasks"}

# The tutorial's CDK chains `batchLambdaTask` -> `resourceIterator` (a Map of `downloadLambdaTask` per batch, results
# flattened with `$[*][*]`) -> `consolidateLambdaTask` -> `dynamoPutIterator` (a Map of `commitSucceededToDynamoTask`,
# one DynamoDB PutItem per downloaded image) -> `Check for errored tasks` (a Choice) -> `publishErroredTasks` (SNS) and
# a Fail, or the Pass `All resource downloads succeeded`. Its batch Lambda's example output holds 5 paths per batch.


def _lambda(function_arn: str, next_state: str | None = None) -> dict[str, Any]:
    # LambdaInvoke with payloadResponseOnly: the function ARN is the resource, the input is the whole state input.
    state: dict[str, Any] = {"Type": "Task", "Resource": function_arn, "InputPath": "$", "ResultPath": "$"}
    return {**state, "Next": next_state} if next_state else {**state, "End": True}


def definition(
    *,
    batch_fn_arn: str,
    download_fn_arn: str,
    consolidate_fn_arn: str,
    table_name: str,
    topic_arn: str,
    max_concurrency: int = 0,
    stand_ins: bool = False,
) -> dict[str, Any]:
    """The tutorial's state machine. `stand_ins` swaps each Lambda task for a Pass of the same data shape (one state
    entered either way), so the sandbox can run it without the tutorial's functions."""
    batch = {"Type": "Pass", "Next": "resourceIterator"} if stand_ins else _lambda(batch_fn_arn, "resourceIterator")
    download = {"Type": "Pass", "OutputPath": "$.results", "End": True} if stand_ins else _lambda(download_fn_arn)
    consolidate = (
        {
            "Type": "Pass",
            "Parameters": {"succeeded.$": "$.results", "allSucceeded": True},
            "Next": "dynamoPutIterator",
        }
        if stand_ins
        else _lambda(consolidate_fn_arn, "dynamoPutIterator")
    )
    return {
        "Comment": "The seed tutorial's DownloadImagesConcurrently state machine",
        "StartAt": "batchLambdaTask",
        "States": {
            "batchLambdaTask": batch,
            "resourceIterator": {
                "Type": "Map",
                "ItemsPath": "$.tasks",
                "MaxConcurrency": max_concurrency,
                "Iterator": {"StartAt": "downloadLambdaTask", "States": {"downloadLambdaTask": download}},
                "ResultSelector": {"results.$": "$[*][*]"},
                "Next": "consolidateLambdaTask",
            },
            "consolidateLambdaTask": consolidate,
            "dynamoPutIterator": {
                "Type": "Map",
                "ItemsPath": "$.succeeded",
                "Iterator": {
                    "StartAt": "commitSucceededToDynamoTask",
                    "States": {
                        "commitSucceededToDynamoTask": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::dynamodb:putItem",
                            "Parameters": {
                                "TableName": table_name,
                                "Item": {"url": {"S.$": "$.url"}, "filename": {"S.$": "$.filename"}},
                            },
                            "End": True,
                        }
                    },
                },
                "ResultPath": None,
                "Next": "Check for errored tasks",
            },
            "Check for errored tasks": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.allSucceeded", "BooleanEquals": False, "Next": "publishErroredTasks"}],
                "Default": "All resource downloads succeeded",
            },
            "publishErroredTasks": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic_arn, "Message.$": "States.JsonToString($.failed)"},
                "Next": "All resource downloads did not succeed",
            },
            "All resource downloads did not succeed": {
                "Type": "Fail",
                "Cause": "One or more resources failed to download",
            },
            "All resource downloads succeeded": {"Type": "Pass", "End": True},
        },
    }


def formula(tutorial: dict[str, Any], succeeded: bool = True) -> TransitionFormula:
    """States entered: fixed ones, one download task per batch, one PutItem task per downloaded image."""
    return path_formula(tutorial, UNITS, SUCCEEDED if succeeded else FAILED)


def units(images: int, batch_size: int = TUTORIAL_BATCH_SIZE) -> dict[str, int]:
    return {"batch": math.ceil(images / batch_size), "image": images}


def stand_in_input(base_url: str, paths: list[str], batch_size: int = TUTORIAL_BATCH_SIZE) -> dict[str, Any]:
    """The batch Lambda's output for the stand-in run, each batch carrying the results its download would return."""
    tasks = []
    for start in range(0, len(paths), batch_size):
        batch = paths[start : start + batch_size]
        results = [
            {"url": f"{base_url}/{path}", "statusCode": 200, "filename": f"{path.replace('/', '_')}"} for path in batch
        ]
        tasks.append(
            {"resourcePaths": batch, "batchInput": {"baseUrl": base_url, "lambdaConcur": 5}, "results": results}
        )
    return {"tasks": tasks}


def stand_in_policy(table_arn: str) -> str:
    """The stand-in state machine's role: PutItem on its table, nothing else."""
    statement = {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [table_arn]}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
