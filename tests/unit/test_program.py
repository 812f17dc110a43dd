"""The whole program: its stack outputs, its workflows, and how its components own their resources."""

from __future__ import annotations

import re

import pytest

from tests.support import inventory
from tools.program import ACCOUNT_ID, ProgramRun

REGION = "us-east-1"
#: The outputs users wire further; each must be exported.
EXPECTED_OUTPUTS = {
    "alarmTopicArn",
    "mapFanOutStateMachineArn",
    "mapFanOutStateMachineName",
    "mapFanOutTableName",
    "parallelLambdaStateMachineArn",
    "parallelLambdaStateMachineName",
}
STATE_MACHINE_ARN = re.compile(rf"^arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:(?P<name>[A-Za-z0-9_-]{{1,80}})$")
TOPIC_ARN = re.compile(rf"^arn:aws:sns:{REGION}:{ACCOUNT_ID}:[A-Za-z0-9_-]{{1,256}}$")


def test_every_expected_output_is_exported(program: ProgramRun):
    assert set(program.outputs) >= EXPECTED_OUTPUTS, f"missing: {EXPECTED_OUTPUTS - set(program.outputs)}"


def test_every_output_is_a_non_empty_string(program: ProgramRun):
    bad = {name: value for name, value in program.outputs.items() if not isinstance(value, str) or not value}
    assert not bad


def _outputs_ending(program: ProgramRun, suffix: str) -> dict[str, str]:
    return {name: value for name, value in program.outputs.items() if name.endswith(suffix)}


def test_every_output_has_a_known_shape(program: ProgramRun):
    shapes = (
        "StateMachineArn", "StateMachineName", "TopicArn", "TableName", "QueueUrl", "FunctionName", "ApiUrl",
        "BucketName",
    )  # fmt: skip
    unknown = [name for name in program.outputs if not name.endswith(shapes)]
    assert not unknown, f"outputs without a shape rule in this test: {unknown}; add one"


def test_state_machine_arn_outputs_are_state_machine_arns_of_registered_machines(program: ProgramRun):
    arns = _outputs_ending(program, "StateMachineArn")
    assert arns
    for name, value in arns.items():
        assert STATE_MACHINE_ARN.match(value), f"{name}={value!r} is not a state machine ARN"
        inventory.by_arn(program, inventory.STATE_MACHINE, value)


def test_state_machine_name_outputs_match_the_tail_of_their_arn(program: ProgramRun):
    names = _outputs_ending(program, "StateMachineName")
    assert names
    for name, value in names.items():
        arn_output = program.outputs[name.removesuffix("Name") + "Arn"]
        match = STATE_MACHINE_ARN.match(arn_output)
        assert match and match["name"] == value, f"{name}={value!r} but its ARN is {arn_output!r}"


def test_topic_arn_outputs_are_arns_of_registered_topics(program: ProgramRun):
    for name, value in _outputs_ending(program, "TopicArn").items():
        assert TOPIC_ARN.match(value), f"{name}={value!r} is not an SNS topic ARN"
        inventory.by_arn(program, inventory.TOPIC, value)


def test_api_url_outputs_are_https_urls_of_a_registered_stage(program: ProgramRun):
    urls = _outputs_ending(program, "ApiUrl")
    assert urls
    stages = [stage.state["invokeUrl"] for stage in program.of_type("aws:apigatewayv2/stage:Stage")]
    for name, value in urls.items():
        assert value.startswith("https://") and any(value.startswith(stage) for stage in stages), f"{name}={value!r}"


def test_bucket_name_outputs_are_physical_names_of_registered_buckets(program: ProgramRun):
    names = _outputs_ending(program, "BucketName")
    assert names
    for name, value in names.items():
        bucket = inventory.one([b for b in program.of_type("aws:s3/bucket:Bucket") if b.state["bucket"] == value], name)
        assert value != bucket.name, f"{name} is the logical name {value!r}, not the bucket's physical name"


def test_table_name_outputs_are_physical_names_of_registered_tables(program: ProgramRun):
    names = _outputs_ending(program, "TableName")
    assert names
    for name, value in names.items():
        table = inventory.by_physical_name(program, inventory.TABLE, value)
        assert value != table.name, f"{name} is the logical name {value!r}, not the table's physical name"


def test_queue_url_outputs_are_urls_of_registered_queues(program: ProgramRun):
    urls = _outputs_ending(program, "QueueUrl")
    assert urls
    for name, value in urls.items():
        queues = [q for q in program.of_type(inventory.QUEUE) if q.state.get("url") == value]
        assert len(queues) == 1, f"{name}={value!r} is not the URL of one queue of the program"
        assert value.endswith(f"/{ACCOUNT_ID}/{inventory.physical_name(queues[0])}"), f"{name}={value!r}"


def test_function_name_outputs_are_physical_names_of_registered_functions(program: ProgramRun):
    names = _outputs_ending(program, "FunctionName")
    assert names
    for name, value in names.items():
        function = inventory.by_physical_name(program, inventory.FUNCTION, value)
        assert value != function.name, f"{name} is the logical name {value!r}, not the function's physical name"


def test_map_fan_out_table_name_is_the_table_the_map_fan_out_workflow_reads(program: ProgramRun):
    table = inventory.by_physical_name(program, inventory.TABLE, program.outputs["mapFanOutTableName"])
    workflow = inventory.by_urn(program, table.parent)
    assert workflow is not None and workflow.name == "map-fan-out"


def test_both_workflows_have_their_own_state_machine(program: ProgramRun):
    arns = [program.outputs["mapFanOutStateMachineArn"], program.outputs["parallelLambdaStateMachineArn"]]
    machines = [inventory.by_arn(program, inventory.STATE_MACHINE, arn) for arn in arns]
    assert machines[0].name != machines[1].name
    assert len(program.of_type(inventory.STATE_MACHINE)) >= 2


def test_every_component_is_an_sfn_patterns_index_type(program: ProgramRun):
    components = inventory.components(program)
    assert components
    assert [c.type for c in components if not c.type.startswith(inventory.COMPONENT_TYPE_PREFIX)] == []


def test_every_cloud_resource_belongs_to_a_component(program: ProgramRun):
    orphans = [r.name for r in program.resources if r.custom and inventory.by_urn(program, r.parent) is None]
    assert not orphans, "__main__.py builds components; resources live inside them"


@pytest.mark.parametrize("kind", ["component", "cloud resource"])
def test_every_child_is_named_after_its_parent_component(program: ProgramRun, kind: str):
    children = [r for r in program.resources if r.custom == (kind == "cloud resource")]
    misnamed = []
    for child in children:
        parent = inventory.by_urn(program, child.parent)
        if parent is not None and not child.name.startswith(parent.name):
            misnamed.append(f"{child.name} (parent {parent.name})")
    assert [child for child in children if inventory.by_urn(program, child.parent) is not None]
    assert not misnamed
