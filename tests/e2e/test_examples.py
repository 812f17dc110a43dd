"""The example programs in examples/, as a team runs its own program in the sandbox: its own Lambdas, tables and
bucket, deployed with IAM enforced."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.one_sandbox import OneSandbox
from tools.program import PROJECT_ROOT
from tools.sandbox.scenarios import task_runs
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import start_task

pytestmark = pytest.mark.e2e
EXAMPLES = PROJECT_ROOT / "examples"
FAN_OUT = EXAMPLES / "fan-out-results"
REPORTS = EXAMPLES / "report-tasks"
SCORE_FUNCTION = "score-orders-item-function"
WORK_FUNCTION = "report-tasks-work-function"
WIDE_TERMINAL = {"COLUMNS": "250", "PATH": "/usr/bin:/bin"}
ORDERS = [{"orderId": f"o-{n}", "amount": n * 7} for n in range(1, 7)]


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[OneSandbox]:
    """Each example deployed once, one at a time: only one Sandbox runs in a process."""
    one = OneSandbox()
    yield one
    one.close()


@pytest.fixture
def fan_out(sandboxes: OneSandbox) -> Sandbox:
    return sandboxes.of(FAN_OUT, lambda: Sandbox(program_dir=FAN_OUT))


@pytest.fixture
def reports(sandboxes: OneSandbox) -> Sandbox:
    return sandboxes.of(REPORTS, lambda: Sandbox(program_dir=REPORTS))


def test_each_order_is_scored_by_the_teams_own_lambda_into_the_teams_own_table(fan_out: Sandbox):
    report = fan_out.execute("score-orders", fan_out.outputs["stateMachineArn"], {"orders": ORDERS})
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    calls = [call for call in report.invocations if call.function.startswith("score-orders-item-function")]
    assert sorted(call.event["orderId"] for call in calls) == [order["orderId"] for order in ORDERS]
    assert [result["orderId"] for result in report.output["results"]] == [order["orderId"] for order in ORDERS]
    rows = fan_out.client("dynamodb").scan(TableName=fan_out.outputs["resultsTableName"])["Items"]
    assert {row["orderId"]["S"]: int(row["score"]["N"]) for row in rows} == {
        order["orderId"]: min(100, order["amount"] // 10) for order in ORDERS
    }


def test_the_teams_lambda_may_write_scores_and_nothing_else(fan_out: Sandbox):
    dynamodb = fan_out.function_client(SCORE_FUNCTION, "dynamodb")
    table = fan_out.outputs["resultsTableName"]
    dynamodb.put_item(TableName=table, Item={"orderId": {"S": "by-hand"}, "score": {"N": "1"}})
    with pytest.raises(ClientError, match="not authorized to perform: dynamodb:DeleteItem"):
        dynamodb.delete_item(TableName=table, Key={"orderId": {"S": "by-hand"}})
    fan_out.client("dynamodb").create_table(
        TableName="someone-elses",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    with pytest.raises(ClientError, match="not authorized to perform: dynamodb:PutItem"):
        dynamodb.put_item(TableName="someone-elses", Item={"id": {"S": "x"}})


def test_a_bad_order_fails_the_execution_naming_the_order_and_the_teams_own_error_and_the_others_are_scored(
    fan_out: Sandbox,
):
    orders = [{"orderId": "o-x", "amount": "ten"}, {"orderId": "o-y", "amount": 30}]
    report = fan_out.execute("score-orders", fan_out.outputs["stateMachineArn"], {"orders": orders})
    assert (report.status, report.error) == ("FAILED", "ItemsFailed")
    cause = str(report.cause)
    assert cause.startswith("1 of 2 items failed, more than the 0 tolerated")
    assert '"index":0' in cause and '"orderId":"o-x"' in cause and '"error":"InvalidOrder"' in cause
    assert "amount: expected a number >= 0, got 'ten'" in cause
    calls = [call.event["orderId"] for call in report.invocations if call.function.startswith(SCORE_FUNCTION)]
    assert sorted(calls) == ["o-x", "o-y"], "the other order still ran"
    rows = fan_out.client("dynamodb").scan(TableName=fan_out.outputs["resultsTableName"])["Items"]
    assert "o-y" in {row["orderId"]["S"] for row in rows}


def test_an_input_without_the_orders_fails_with_invalid_input_naming_the_path(fan_out: Sandbox):
    report = fan_out.execute("score-orders", fan_out.outputs["stateMachineArn"], {"order": []})
    assert (report.status, report.error) == ("FAILED", "InvalidInput")
    assert report.cause == "$.orders: the execution input has no list of items there"
    assert report.invocations == []
    report = fan_out.execute("score-orders", fan_out.outputs["stateMachineArn"], {"orders": "o-1"})
    assert (report.status, report.error) == ("FAILED", "InvalidInput"), "a string where the list should be"


def _wait_for(sandbox: Sandbox, task_id: str, status: str) -> dict:
    deadline = time.monotonic() + 30
    while True:
        runs = task_runs(sandbox, task_id)
        if runs and runs[-1].get("Status") == status:
            return runs[-1]
        assert time.monotonic() < deadline, f"{task_id} never became {status}: {runs}"
        time.sleep(0.1)


def test_the_teams_work_lambda_runs_between_started_and_done_and_writes_its_report(reports: Sandbox):
    started = start_task(reports, {"taskId": "weekly"})
    run = _wait_for(reports, "weekly", "DONE")
    key = f"reports/weekly/{started['timestamp']}.json"
    body = reports.client("s3").get_object(Bucket=reports.outputs["reportsBucketName"], Key=key)["Body"].read()
    assert json.loads(body) == {"taskId": "weekly", "timestamp": started["timestamp"], "lines": 6}
    assert run["executionArn"] == started["executionArn"]
    output = json.loads(
        reports.client("stepfunctions").describe_execution(executionArn=started["executionArn"])["output"]
    )
    assert output["work"]["output"] == {"key": key}


def test_a_failing_work_lambda_records_the_task_failed_with_its_error(reports: Sandbox):
    started = start_task(reports, {"taskId": "broken-feed"})
    run = _wait_for(reports, "broken-feed", "FAILED")
    assert run["errorName"] == "ReportFailed"
    assert "the report's sources are unavailable" in run["errorCause"]
    description = reports.wait(started["executionArn"], timeout_seconds=30)
    assert (description["status"], description["error"]) == ("FAILED", "TaskFailed")
    assert "recorded FAILED: ReportFailed: " in description["cause"]


def test_the_work_lambda_may_write_reports_only(reports: Sandbox):
    s3 = reports.function_client(WORK_FUNCTION, "s3")
    bucket = reports.outputs["reportsBucketName"]
    s3.put_object(Bucket=bucket, Key="reports/by-hand.json", Body=b"{}")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.put_object(Bucket=bucket, Key="other/by-hand.json", Body=b"{}")
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.get_object(Bucket=bucket, Key="reports/by-hand.json")


def test_sandbox_run_with_program_reports_a_stack_outputs_execution_as_one_json_object():
    result = subprocess.run(
        [
            sys.executable, "-m", "tools.sandbox", "run", "stateMachineArn", "--program", str(FAN_OUT),
            "--input", json.dumps({"orders": ORDERS[:2]}), "--json",
        ],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "SUCCEEDED" and report["error"] is None
    assert [row["orderId"] for row in report["output"]["results"]] == ["o-1", "o-2"]
    assert len(report["invocations"]) == 2 and report["stateTransitions"] > 0


def test_sandbox_run_with_program_names_an_unknown_output(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "run", "nope", "--program", str(FAN_OUT), "--json"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "no stack output 'nope'; its outputs: resultsTableName, stateMachineArn" in " ".join(result.stderr.split())


def test_sandbox_preview_and_serve_take_the_program_folder():
    preview = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "preview", "--program", str(REPORTS)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240, check=False, env=WIDE_TERMINAL,
    )  # fmt: skip
    assert preview.returncode == 0, preview.stderr
    assert "report-tasks-work-function" in preview.stdout and "reportsBucketName" in preview.stdout
    serve = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "serve", "--program", str(FAN_OUT), "--seconds", "0.2"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240, check=False, env=WIDE_TERMINAL,
    )  # fmt: skip
    assert serve.returncode == 0, serve.stderr
    assert "stateMachineArn" in serve.stdout and "export AWS_ACCESS_KEY_ID=" in serve.stdout
