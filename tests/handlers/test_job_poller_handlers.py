"""The JobPoller Lambdas against moto DynamoDB: submit records a simulated job, check reports its status."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support.handler_modules import handler_modules

#: In the Lambda zip these are top-level modules; other handler packages have their own `errors`.
HANDLER_MODULES = ("errors", "jobs", "submit_job", "check_job")
TABLE = "job-poller-jobs"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def handlers() -> Iterator[SimpleNamespace]:
    """Import the package's modules fresh from handlers/job_poller, and forget them afterwards."""
    with handler_modules("job_poller", HANDLER_MODULES) as modules:
        yield modules


@pytest.fixture
def table(handlers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """The jobs table in moto (hash key jobId), named in JOBS_TABLE_NAME as the component sets it."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("JOBS_TABLE_NAME", TABLE)
    handlers.jobs.dynamodb.cache_clear()  # a client made outside this test's mock would not be mocked
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "jobId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "jobId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client
    handlers.jobs.dynamodb.cache_clear()


def _items(table: Any) -> list[dict[str, Any]]:
    return list(table.scan(TableName=TABLE)["Items"])


def _record(table: Any, job_id: str, *, submitted_ago: float, duration: float, outcome: str, reason: str = "") -> None:
    """A job as submit_job records it, submitted `submitted_ago` seconds ago."""
    item = {
        "jobId": {"S": job_id},
        "submittedAt": {"N": repr(round(time.time() - submitted_ago, 3))},
        "durationSeconds": {"N": repr(duration)},
        "outcome": {"S": outcome},
        "expiresAt": {"N": str(int(time.time()) + 3600)},
    }
    if reason:
        item["reason"] = {"S": reason}
    table.put_item(TableName=TABLE, Item=item)


# submit_job


def test_submit_records_the_job_and_returns_its_id(handlers: SimpleNamespace, table: Any) -> None:
    before = time.time()

    submitted = handlers.submit_job.handler({"durationSeconds": 1.5, "outcome": "SUCCEEDED"}, None)

    assert submitted["status"] == "SUBMITTED" and set(submitted) == {"jobId", "status", "submittedAt"}
    [item] = _items(table)
    assert item["jobId"] == {"S": submitted["jobId"]}
    assert item["outcome"] == {"S": "SUCCEEDED"} and item["durationSeconds"] == {"N": "1.5"}
    assert "reason" not in item
    assert before - 0.01 <= float(item["submittedAt"]["N"]) <= time.time()
    assert int(item["expiresAt"]["N"]) >= before + 1.5 + handlers.jobs.RETENTION_SECONDS - 1, "records expire later"


def test_submit_defaults_to_a_job_that_succeeds(handlers: SimpleNamespace, table: Any) -> None:
    handlers.submit_job.handler({"durationSeconds": 0}, None)
    assert _items(table)[0]["outcome"] == {"S": "SUCCEEDED"}


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"durationSeconds": 2, "outcome": "FAILED", "reason": "out of memory"}, "out of memory"),
        ({"durationSeconds": 2, "outcome": "FAILED"}, "the simulated job was submitted with outcome FAILED"),
    ],
    ids=["given-reason", "default-reason"],
)
def test_submit_records_a_failing_jobs_reason(handlers: SimpleNamespace, table: Any, event: Any, reason: str) -> None:
    handlers.submit_job.handler(event, None)
    assert _items(table)[0]["reason"] == {"S": reason}


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (None, "event"),
        ([{"durationSeconds": 1}], "event"),
        ({}, "durationSeconds"),
        ({"durationSeconds": "3"}, "durationSeconds"),
        ({"durationSeconds": True}, "durationSeconds"),
        ({"durationSeconds": -1}, "durationSeconds"),
        ({"durationSeconds": float("nan")}, "durationSeconds"),
        ({"durationSeconds": 366 * 24 * 3600}, "durationSeconds"),
        ({"durationSeconds": 1, "outcome": "DONE"}, "outcome"),
        ({"durationSeconds": 1, "outcome": "succeeded"}, "outcome"),
        ({"durationSeconds": 1, "reason": "disk full"}, "reason"),
        ({"durationSeconds": 1, "outcome": "FAILED", "reason": ""}, "reason"),
        ({"durationSeconds": 1, "outcome": "FAILED", "reason": 7}, "reason"),
        ({"duration": 1}, "duration"),
    ],
    ids=[
        "none", "list", "no-duration", "string-duration", "bool-duration", "negative-duration", "nan-duration",
        "over-a-year", "unknown-outcome", "lowercase-outcome", "reason-on-success", "empty-reason", "number-reason",
        "misspelled-field",
    ],
)  # fmt: skip
def test_submit_refuses_a_bad_job_naming_the_field_and_records_nothing(
    handlers: SimpleNamespace, table: Any, event: Any, field: str
) -> None:
    with pytest.raises(handlers.errors.InvalidInput, match=rf"^{field}: "):
        handlers.submit_job.handler(event, None)
    assert _items(table) == []


def test_submit_without_the_table_variable_says_which_variable(
    handlers: SimpleNamespace, table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOBS_TABLE_NAME")
    with pytest.raises(RuntimeError, match="JOBS_TABLE_NAME"):
        handlers.submit_job.handler({"durationSeconds": 1}, None)


# check_job


def test_check_reports_running_until_the_duration_has_passed(handlers: SimpleNamespace, table: Any) -> None:
    _record(table, "job-1", submitted_ago=2, duration=60, outcome="SUCCEEDED")

    status = handlers.check_job.handler({"jobId": "job-1", "status": "SUBMITTED"}, None)

    assert status["status"] == "RUNNING"
    assert "finishedAt" not in status and "reason" not in status


def test_check_reports_the_outcome_once_the_duration_has_passed(handlers: SimpleNamespace, table: Any) -> None:
    _record(table, "job-2", submitted_ago=10, duration=5, outcome="SUCCEEDED")

    status = handlers.check_job.handler({"jobId": "job-2"}, None)

    assert status["status"] == "SUCCEEDED" and status["jobId"] == "job-2" and status["durationSeconds"] == 5
    assert status["finishedAt"] > status["submittedAt"]
    assert "reason" not in status


def test_check_reports_a_failed_jobs_reason(handlers: SimpleNamespace, table: Any) -> None:
    _record(table, "job-3", submitted_ago=10, duration=1.5, outcome="FAILED", reason="out of memory")

    status = handlers.check_job.handler({"jobId": "job-3"}, None)

    assert (status["status"], status["reason"], status["durationSeconds"]) == ("FAILED", "out of memory", 1.5)


def test_check_of_a_job_just_submitted_follows_it_to_its_outcome(handlers: SimpleNamespace, table: Any) -> None:
    job = handlers.submit_job.handler({"durationSeconds": 0.3, "outcome": "FAILED", "reason": "bad input file"}, None)

    first = handlers.check_job.handler(job, None)
    time.sleep(0.35)
    later = handlers.check_job.handler(job, None)

    assert first["status"] == "RUNNING"
    assert (later["status"], later["reason"]) == ("FAILED", "bad input file")


@pytest.mark.parametrize(
    "event", [None, "job-1", {}, {"jobId": ""}, {"jobId": 7}], ids=["none", "string", "empty", "blank", "number"]
)
def test_check_refuses_an_event_without_a_job_id(handlers: SimpleNamespace, table: Any, event: Any) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=r"^jobId: "):
        handlers.check_job.handler(event, None)


def test_check_of_an_unknown_job_names_the_job_and_the_table(handlers: SimpleNamespace, table: Any) -> None:
    with pytest.raises(handlers.errors.JobNotFound, match=rf"'no-such-job'.*{TABLE}"):
        handlers.check_job.handler({"jobId": "no-such-job"}, None)
