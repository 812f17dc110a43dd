"""The production stack file deployed in the sandbox (`--stack prod`): its workflows run, the others are absent."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tools.program import PROJECT_ROOT
from tools.sandbox.scenarios import task_runs
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import WORKFLOWS, WorkflowInputError, run_workflow, start_task

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def prod() -> Iterator[Sandbox]:
    # x86_64: the image downloader's compiled ijson is built for the stack's arm64, which cannot load on this
    # machine's x86_64, and the sandbox refuses such a function before it runs (README: the sandbox)
    with Sandbox(stack="prod", overrides={"workSeconds": "1", "lambdaArchitecture": "x86_64"}) as deployed:
        yield deployed


def test_the_prod_stack_runs_its_map_fan_out_all_at_once_without_waiting(prod: Sandbox):
    items = ["alpha", "beta", "gamma", "delta"]
    report = run_workflow(prod, WORKFLOWS["map-fan-out"], items=items)
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert [result["item"] for result in report.output["results"]] == items
    starts = [call.started_at for call in report.invocations if call.function.startswith("map-fan-out-log-item")]
    assert len(starts) == 4 and max(starts) - min(starts) < 1.5, "maxConcurrency 10 and no wait on prod"


def test_the_prod_stack_tracks_a_task_to_done(prod: Sandbox):
    start_task(prod, {"taskId": "release"})
    deadline = time.monotonic() + 20
    while [run.get("Status") for run in task_runs(prod, "release")][-1:] != ["DONE"]:
        assert time.monotonic() < deadline, task_runs(prod, "release")
        time.sleep(0.1)


def test_a_workflow_the_prod_stack_does_not_deploy_is_named_as_absent(prod: Sandbox):
    assert "lambdaIteratorStateMachineArn" not in prod.outputs
    with pytest.raises(WorkflowInputError, match="stack prod does not deploy lambda-iterator"):
        run_workflow(prod, WORKFLOWS["lambda-iterator"])


def test_sandbox_preview_of_the_prod_stack_lists_its_outputs():
    result = subprocess.run(
        [sys.executable, "-m", "tools.sandbox", "preview", "--stack", "prod"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=240, check=False,
        env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "taskTrackerStateMachineArn" in result.stdout and "lambdaIteratorStateMachineArn" not in result.stdout
