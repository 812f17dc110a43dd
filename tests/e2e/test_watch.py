"""The execution watcher against the sandbox: real executions followed through its endpoint as the operator."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.operator import operator_credentials_in_environment
from tools import start_download
from tools.sandbox.aws import REGION
from tools.sandbox.image_server import ImageServer
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import WORKFLOWS
from tools.watch import PlainDisplay, follow
from tools.watch.cli import main as watch_main

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
#: map-fan-out's three items at once, with no wait; image-downloader may fetch from the local image server.
OVERRIDES = {
    "workflows": "map-fan-out,parallel-lambda,lambda-iterator,image-downloader",  # the four these tests watch
    "maxConcurrency": "3",
    "waitDurationSeconds": "0",
    **WORKFLOWS["image-downloader"].sandbox_overrides,
}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(overrides=OVERRIDES) as deployed:
        yield deployed


@pytest.fixture
def operator_environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watcher's CLI reads credentials as boto3 does: here, the sandbox operator's, from the environment."""
    operator_credentials_in_environment(sandbox, monkeypatch)


def watcher_client(sandbox: Sandbox) -> Any:
    """A Step Functions client of the watcher's own, on the sandbox's endpoint with the operator's credentials."""
    credentials = sandbox.aws.operator_credentials
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        region_name=REGION,
    )
    return session.client("stepfunctions", endpoint_url=sandbox.aws.endpoint_url)


def start(sandbox: Sandbox, output: str, payload: Any) -> str:
    arn = sandbox.outputs[output]
    return str(
        sandbox.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))["executionArn"]
    )


def test_following_parallel_lambda_shows_its_map_and_a_summary_matching_the_execution(sandbox: Sandbox):
    execution_arn = start(sandbox, "parallelLambdaStateMachineArn", {})
    output = io.StringIO()
    summary = follow(
        watcher_client(sandbox), execution_arn, PlainDisplay(output), poll_seconds=0.05, timeout_seconds=120
    )
    description = sandbox.client("stepfunctions").describe_execution(executionArn=execution_arn)
    entered = [event for event in sandbox.history(execution_arn) if event["type"].endswith("StateEntered")]
    assert summary.status == description["status"] == "SUCCEEDED"
    assert summary.transitions == len(entered) == sandbox.state_transitions(execution_arn)
    assert summary.duration_seconds == (description["stopDate"] - description["startDate"]).total_seconds()
    lines = output.getvalue().splitlines()
    assert lines[:3] == ["state ProduceList", "state ListProduced?", "state IterateOverList"]
    assert sorted(line for line in lines if line.startswith("state LogItem")) == [
        f"state LogItem (IterateOverList #{index})" for index in range(3)
    ]
    assert "map IterateOverList: 3/3 done, 0 failed" in lines
    assert lines[-1] == f"SUCCEEDED in {summary.duration_seconds:.2f} s, {len(entered)} state transitions"


def test_watching_map_fan_out_without_its_list_shows_list_not_found_and_its_cause(
    sandbox: Sandbox, operator_environment: None, capsys: pytest.CaptureFixture[str]
):
    execution_arn = start(sandbox, "mapFanOutStateMachineArn", {})  # no list loaded into the table
    exit_code = watch_main([execution_arn, "--endpoint-url", sandbox.aws.endpoint_url, "--poll-seconds", "0.05"])
    description = sandbox.client("stepfunctions").describe_execution(executionArn=execution_arn)
    lines = capsys.readouterr().out.splitlines()
    assert exit_code == 1 and description["status"] == "FAILED"
    assert lines[:3] == ["state ReadList", "state ListFound", "state ListNotFound"]
    assert lines[-3:] == [
        f"FAILED in {(description['stopDate'] - description['startDate']).total_seconds():.2f} s, 3 state transitions",
        "error: ListNotFound",
        f"cause: {description['cause']}",
    ]
    assert "tools/load_ddb.py" in lines[-1]


def test_a_lambda_refusing_its_input_is_shown_as_a_lambda_failure_before_the_summary(sandbox: Sandbox):
    execution_arn = start(sandbox, "lambdaIteratorStateMachineArn", {"iterations": -1})
    output = io.StringIO()
    summary = follow(
        watcher_client(sandbox), execution_arn, PlainDisplay(output), poll_seconds=0.05, timeout_seconds=120
    )
    lines = output.getvalue().splitlines()
    failure = "Lambda failed in GetIterationCount: InvalidInput: iterations: -1 is negative; use 0..1000"
    assert lines[:2] == ["state GetIterationCount", failure]
    assert (summary.status, summary.error, summary.cause) == (
        "FAILED",
        "InvalidInput",
        "iterations: -1 is negative; use 0..1000",
    )


def test_start_download_watch_follows_the_execution_the_http_api_started(
    sandbox: Sandbox, operator_environment: None, capsys: pytest.CaptureFixture[str]
):
    images = sandbox.shared("images", ImageServer)
    exit_code = start_download.main(
        [
            "--api-url", sandbox.outputs["imageDownloaderApiUrl"], "--base-url", f"{images.url}/data/flags",
            "--paths", "ad/ad.gif", "ae/ae.gif", "--watch", "--endpoint-url", sandbox.aws.endpoint_url,
        ]
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert exit_code == 0, lines
    assert lines[0].startswith(f"arn:aws:states:{REGION}:") and ":execution:" in lines[0]
    assert "state ValidateAndBatch" in lines and "map DownloadInline: 1/1 done, 0 failed" in lines
    assert lines[-1].startswith("SUCCEEDED in ")


def test_sandbox_run_on_a_terminal_shows_the_live_watcher_then_the_report():
    main_end, terminal_end = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.sandbox", "run", "parallel-lambda"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=terminal_end, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160", "TERM": "xterm-256color"},
    )  # fmt: skip
    os.close(terminal_end)
    screen, deadline = b"", time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main_end, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        screen += chunk
    os.close(main_end)
    exit_code = process.wait(timeout=60)
    shown = ANSI_ESCAPE.sub("", screen.decode(errors="replace"))
    assert exit_code == 0, process.stderr.read().decode() if process.stderr else shown
    assert "map IterateOverList" in shown and "3/3 done, 0 failed" in shown, shown
    assert "parallel-lambda: SUCCEEDED" in shown and "Lambda invocations" in shown
