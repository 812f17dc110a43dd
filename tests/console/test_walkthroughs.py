"""Seed 004 from the console, on the sandbox `python -m tools.sandbox serve` makes ready: task-tracker's example input
started through its starter Lambda, as the seed's Lambda console Test does; the task STARTED while it works, DONE
after; a task id the starter refuses named on the form."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from tools.sandbox.console.app import create_app
from tools.sandbox.scenarios import TASK_ID, task_runs
from tools.sandbox.session import Sandbox
from tools.sandbox.walkthroughs import serve_ready

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def console() -> Iterator[tuple[Sandbox, FlaskClient]]:
    with Sandbox(overrides={"workflows": "task-tracker", "workSeconds": "1"}) as sandbox:
        yield sandbox, create_app(sandbox, serve_ready(sandbox).presets).test_client()


def _form(page: FlaskClient, arn: str) -> str:
    return page.get(f"/state-machines/{arn}").get_data(as_text=True)


def test_task_trackers_example_input_starts_through_the_starter_lambda_started_then_done(
    console: tuple[Sandbox, FlaskClient],
) -> None:
    sandbox, page = console
    machine = sandbox.outputs["taskTrackerStateMachineArn"]
    form = _form(page, machine)
    assert re.search(r'<option value="0" selected>&#34;Breakfast&#34;, work 2 s \[serve --config workSeconds=2\]', form)
    assert "Started through the starter Lambda (taskStarterFunctionName)" in form
    assert '"taskId": "Breakfast"' in form.replace("&#34;", '"'), "the box holds the starter's event"
    started = page.post(
        f"/state-machines/{machine}/executions", data={"preset": "0", "input": '{"taskId": "Breakfast"}'}
    )
    assert started.status_code == 303
    execution = unquote(started.headers["Location"].rsplit("/", 1)[1])
    calls = [call for call in sandbox.runtime.invocations() if "start-task" in call.function]
    assert [call.event for call in calls] == [{"taskId": TASK_ID}], "the starter Lambda started it"
    description = sandbox.client("stepfunctions").describe_execution(executionArn=execution)
    assert description["stateMachineArn"] == machine and '"timestamp"' in description["input"]
    deadline = time.monotonic() + 5
    while not task_runs(sandbox, TASK_ID) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [run["Status"] for run in task_runs(sandbox, TASK_ID)] == ["STARTED"]
    assert sandbox.wait(execution, 30)["status"] == "SUCCEEDED"
    assert [run["Status"] for run in task_runs(sandbox, TASK_ID)] == ["DONE"]
    shown = page.get(f"/executions/{execution}").get_data(as_text=True)
    assert "SUCCEEDED" in shown and "RecordDone" in shown


def test_a_task_id_the_starter_refuses_is_named_on_the_form_and_starts_nothing(
    console: tuple[Sandbox, FlaskClient],
) -> None:
    sandbox, page = console
    machine = sandbox.outputs["taskTrackerStateMachineArn"]
    before = sandbox.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]
    refused = page.post(f"/state-machines/{machine}/executions", data={"preset": "0", "input": '{"taskId": "a/b"}'})
    assert refused.status_code == 400
    [message] = re.findall(r'id="start-error">([^<]*)', refused.get_data(as_text=True))
    assert message.startswith("Not started (through the starter Lambda") and "InvalidEvent: taskId: " in message
    assert sandbox.client("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == before
    assert page.post(f"/state-machines/{machine}/executions", data={"preset": "7", "input": "{}"}).status_code == 400
