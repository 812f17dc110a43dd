"""The team's report tasks in the sandbox: its work Lambda runs between STARTED and DONE and writes to its bucket."""

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sfn_patterns.sandbox.plugin import DeployedProgram

WORK_FUNCTION = "report-tasks-work-function"


@pytest.fixture(autouse=True)
def no_reports_yet(sfn_sandbox: DeployedProgram) -> None:
    sfn_sandbox.empty()


def start_task(sfn_sandbox: DeployedProgram, task_id: str) -> dict[str, Any]:
    """Invoke the starter Lambda, as the team's scheduler does; it answers the run's executionArn and timestamp."""
    response = sfn_sandbox.client("lambda").invoke(
        FunctionName=sfn_sandbox.outputs["taskStarterFunctionName"], Payload=json.dumps({"taskId": task_id})
    )
    assert "FunctionError" not in response
    return json.loads(response["Payload"].read())


def wait_for_run(sfn_sandbox: DeployedProgram, task_id: str, status: str) -> dict[str, Any]:
    """The task's latest row in the tasks table, once it has this status."""
    deadline = time.monotonic() + 30
    while True:
        rows = sfn_sandbox.client("dynamodb").query(
            TableName=sfn_sandbox.outputs["tasksTableName"],
            KeyConditionExpression="taskId = :taskId",
            ExpressionAttributeValues={":taskId": {"S": task_id}},
            ConsistentRead=True,
        )["Items"]
        if rows and rows[-1]["Status"]["S"] == status:
            return rows[-1]
        assert time.monotonic() < deadline, f"{task_id} never became {status}: {rows}"
        time.sleep(0.1)


def test_the_work_lambda_runs_between_started_and_done_and_writes_its_report(sfn_sandbox: DeployedProgram) -> None:
    started = start_task(sfn_sandbox, "weekly")
    run = wait_for_run(sfn_sandbox, "weekly", "DONE")
    assert run["executionArn"]["S"] == started["executionArn"]
    key = f"reports/weekly/{started['timestamp']}.json"
    body = sfn_sandbox.client("s3").get_object(Bucket=sfn_sandbox.outputs["reportsBucketName"], Key=key)["Body"]
    assert json.loads(body.read()) == {"taskId": "weekly", "timestamp": started["timestamp"], "lines": 6}
    execution = sfn_sandbox.client("stepfunctions").describe_execution(executionArn=started["executionArn"])
    assert json.loads(execution["output"])["work"]["output"] == {"key": key}


def test_a_failing_work_lambda_records_the_task_failed_with_its_error(sfn_sandbox: DeployedProgram) -> None:
    start_task(sfn_sandbox, "broken-feed")
    run = wait_for_run(sfn_sandbox, "broken-feed", "FAILED")
    assert run["errorName"]["S"] == "ReportFailed"
    assert "the report's sources are unavailable" in run["errorCause"]["S"]


def test_the_work_lambda_may_write_reports_only(sfn_sandbox: DeployedProgram) -> None:
    s3 = sfn_sandbox.function_client(WORK_FUNCTION, "s3")
    bucket = sfn_sandbox.outputs["reportsBucketName"]
    s3.put_object(Bucket=bucket, Key="reports/by-hand.json", Body=b"{}")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object(Bucket=bucket, Key="other/by-hand.json", Body=b"{}")
