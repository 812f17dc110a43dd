"""Per-stack composition: the `workflows` key picks what a stack deploys, and the production stack file."""

from __future__ import annotations

import pytest

from components.config import WORKFLOW_NAMES, ConfigError, load_settings
from tests.support import inventory
from tools.program import PreviewMocks, ProgramRun, run_program

#: The state machine and outputs each workflow adds to a stack.
WORKFLOW_OUTPUTS = {
    "map-fan-out": {"mapFanOutStateMachineArn", "mapFanOutStateMachineName", "mapFanOutTableName"},
    "parallel-lambda": {"parallelLambdaStateMachineArn", "parallelLambdaStateMachineName"},
    "image-downloader": {
        "imageDownloaderStateMachineArn", "imageDownloaderApiUrl", "imagesBucketName", "imageUrlTableName",
        "downloadFailuresTopicArn",
    },
    "job-poller": {"jobPollerStateMachineArn", "jobPollerStateMachineName", "jobsTableName"},
    "lambda-iterator": {"lambdaIteratorStateMachineArn", "lambdaIteratorStateMachineName"},
    "record-transfer": {
        "recordTransferStateMachineArn", "recordTransferStateMachineName", "recordsTableName", "recordsQueueUrl",
    },
    "task-tracker": {"taskTrackerStateMachineArn", "tasksTableName", "taskStarterFunctionName"},
}  # fmt: skip


def _state_machines(run: ProgramRun) -> set[str]:
    return {r.name.removesuffix("-state-machine") for r in run.of_type(inventory.STATE_MACHINE)}


def test_all_is_the_default_and_deploys_every_workflow(program: ProgramRun):
    assert _state_machines(program) == set(WORKFLOW_NAMES)
    assert set(program.outputs) == {"alarmTopicArn"}.union(*WORKFLOW_OUTPUTS.values())


@pytest.mark.parametrize("chosen", ["job-poller", "task-tracker,map-fan-out", " image-downloader , record-transfer "])
def test_only_the_chosen_workflows_resources_and_outputs_exist_and_the_alarm_topic_always_does(run_with, chosen):
    names = {name.strip() for name in chosen.split(",")}
    run = run_with(workflows=chosen)
    assert _state_machines(run) == names
    assert set(run.outputs) == {"alarmTopicArn"}.union(*(WORKFLOW_OUTPUTS[name] for name in names))
    assert "alarms" in {r.name for r in inventory.components(run)}
    others = set(WORKFLOW_NAMES) - names
    leftovers = [r.name for r in run.resources if any(r.name == o or r.name.startswith(f"{o}-") for o in others)]
    assert leftovers == []


def test_an_unknown_workflow_name_stops_the_program_naming_the_key_and_the_valid_names():
    with pytest.raises(ConfigError) as error:
        load_settings({"workflows": "map-fan-out,image-downlaoder"})
    message = str(error.value)
    assert message.startswith("config key 'workflows': 'image-downlaoder' is not a workflow; use all, or")
    assert all(name in message for name in WORKFLOW_NAMES)
    with pytest.raises(ConfigError, match="config key 'workflows': no workflow named"):
        load_settings({"workflows": " , "})


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_program(PreviewMocks(), stack="prod")


def test_the_production_stack_deploys_its_workflows(prod: ProgramRun):
    assert _state_machines(prod) == {"map-fan-out", "image-downloader", "job-poller", "task-tracker"}


def test_the_production_stack_protects_every_table_bucket_and_queue(prod: ProgramRun):
    holders = [r for r in prod.resources if r.type in (inventory.TABLE, "aws:s3/bucket:Bucket", inventory.QUEUE)]
    assert holders and all(r.protect and r.retain_on_delete for r in holders), [r.name for r in holders]


def test_the_production_stack_keeps_logs_a_year_and_runs_graviton_functions(prod: ProgramRun):
    assert {r.inputs["retentionInDays"] for r in prod.of_type(inventory.LOG_GROUP)} == {365}
    assert {tuple(r.inputs["architectures"]) for r in prod.of_type(inventory.FUNCTION)} == {("arm64",)}


def test_the_production_stack_sets_only_keys_the_program_knows():
    from components.config import CONFIG_KEYS

    assert set(inventory.project_config("prod")) <= set(CONFIG_KEYS)
