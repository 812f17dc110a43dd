"""A Distributed Map's children are executions: their input is bounded, and a Map Run fails beyond its tolerance."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.embedded import distributed_map, document_of_size, run
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.quotas import STATES_PAYLOAD_BYTES


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


def _map_run_items(aws: EmbeddedAws, execution_arn: str) -> dict:
    sfn = aws.client("stepfunctions")
    (map_run,) = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    return dict(sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])["itemCounts"])


def test_a_distributed_map_child_input_of_256_kib_runs_and_one_byte_more_fails_the_map(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="child-items")
    at_limit = json.loads(document_of_size(STATES_PAYLOAD_BYTES))
    over = json.loads(document_of_size(STATES_PAYLOAD_BYTES + 1))
    s3.put_object(Bucket="child-items", Key="fits.json", Body=json.dumps([at_limit]).encode())
    s3.put_object(Bucket="child-items", Key="over.json", Body=json.dumps([at_limit, over]).encode())

    def reading(key: str) -> dict:
        reader = {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "child-items", "Key": key},
        }
        return distributed_map({"Small": {"Type": "Pass", "Result": {"ok": True}, "End": True}}, ItemReader=reader)

    fits = run(aws, reading("fits.json"))
    assert fits["status"] == "SUCCEEDED" and json.loads(fits["output"]) == [{"ok": True}]
    failed = run(aws, reading("over.json"))
    assert (failed["status"], failed["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    items = _map_run_items(aws, failed["executionArn"])
    assert (items["total"], items["succeeded"], items["failed"]) == (2, 1, 1)


def test_a_failed_distributed_map_child_fails_the_map_unless_its_failures_are_tolerated(aws):
    one_of_two_fails = {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Fail"}],
            "Default": "Ok",
        },
        "Fail": {"Type": "Fail", "Error": "Boom"},
        "Ok": {"Type": "Pass", "End": True},
    }
    items = json.dumps([1, 2])
    untolerated = run(aws, distributed_map(one_of_two_fails), items)
    assert (untolerated["status"], untolerated["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert untolerated["cause"] == "The specified tolerated failure threshold was exceeded"
    for fields in ({"ToleratedFailureCount": 1}, {"ToleratedFailurePercentage": 50.0}):
        assert run(aws, distributed_map(one_of_two_fails, **fields), items)["status"] == "SUCCEEDED", fields
    for fields in ({"ToleratedFailureCount": 0}, {"ToleratedFailurePercentage": 49.0}):
        assert run(aws, distributed_map(one_of_two_fails, **fields), items)["status"] == "FAILED", fields
