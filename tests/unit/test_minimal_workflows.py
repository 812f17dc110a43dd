"""examples/minimal-workflows, the minimal code four workflow pages include: evaluated as `pulumi preview` would, each
component builds the seed tutorial's parts with the args the page shows."""

from __future__ import annotations

import json

import pytest

from tests.support import inventory
from tools.program import PROJECT_ROOT, PreviewMocks, ProgramRun, run_program

PROGRAM = PROJECT_ROOT / "examples" / "minimal-workflows"


@pytest.fixture(scope="module")
def program() -> ProgramRun:
    return run_program(PreviewMocks(), root=PROGRAM, preview=True)


def names(program: ProgramRun, type_: str) -> set[str]:
    return {resource.name for resource in program.of_type(type_)}


def definition(program: ProgramRun, component: str) -> dict:
    [machine] = [r for r in program.of_type(inventory.STATE_MACHINE) if r.name == f"{component}-state-machine"]
    return json.loads(machine.inputs["definition"])


def test_each_workflow_builds_its_state_machine_and_the_seeds_functions(program: ProgramRun):
    machines = names(program, inventory.STATE_MACHINE)
    assert {f"{name}-state-machine" for name in ("downloads", "jobs", "loop", "transfer")} == machines
    functions = names(program, inventory.FUNCTION)
    for function in (
        "downloads-batch",
        "downloads-download",
        "downloads-consolidate",
        "jobs-submit-job",
        "jobs-check-job",
        "loop-get-count",
        "loop-process-iteration",
        "transfer-seed-records",
    ):
        assert f"{function}-function" in functions  # fmt: skip
    assert {"jobs-jobs", "transfer-table", "downloads-url-table"} <= names(program, inventory.TABLE)
    assert sorted(program.outputs) == sorted(
        ["downloadsApiUrl", "downloadsBucketName", "jobsStateMachineArn", "loopStateMachineArn", "transferQueueUrl",
         "transferStateMachineArn"]
    )  # fmt: skip


def test_the_args_each_page_shows_reach_the_definition(program: ProgramRun):
    assert definition(program, "jobs")["TimeoutSeconds"] == 900
    [wait] = [state for state in definition(program, "jobs")["States"].values() if state["Type"] == "Wait"]
    assert wait["Seconds"] == 30
    functions = program.of_type(inventory.FUNCTION)
    environment = {r.name: r.inputs.get("environment", {}).get("variables", {}) for r in functions}
    assert environment["downloads-batch-function"]["ALLOWED_HOSTS"] == "images.example.com"
    assert environment["loop-get-count-function"]["MAX_ITERATIONS"] == "100"
    assert environment["transfer-seed-records-function"]["MAX_RECORDS"] == "500"
    [subscription] = program.of_type(inventory.TOPIC_SUBSCRIPTION)
    assert (subscription.name, subscription.inputs["endpoint"]) == ("downloads-failures-email", "ops@example.com")
    [queue] = [r for r in program.of_type(inventory.QUEUE) if r.name == "transfer-queue"]
    assert queue.protect, "retain_data protects the transfer's queue"
