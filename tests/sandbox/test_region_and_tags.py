"""A team's stack in eu-west-1 with team tags: every resource and ARN is in that region, an execution runs there,
and each service's ListTags returns the tags the program gave (a component's included)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.program import PreviewMocks, run_program
from tools.sandbox.session import Sandbox

REGION = "eu-west-1"
TEAM_TAGS = {"team": "invoices", "cost-center": "cc-42"}
PROGRAM = f"""
import pulumi
import pulumi_aws as aws
from sfn_patterns.map_fan_out import MapFanOut, MapFanOutArgs

TAGS = {TEAM_TAGS!r}
fan_out = MapFanOut("invoices", MapFanOutArgs(wait_duration_seconds=0, tags=TAGS))
bucket = aws.s3.Bucket("exports", tags=TAGS)
queue = aws.sqs.Queue("retries", tags=TAGS)
topic = aws.sns.Topic("notices", tags=TAGS)
group = aws.cloudwatch.LogGroup("audit", retention_in_days=7, tags=TAGS)
pulumi.export("stateMachineArn", fan_out.state_machine_arn)
pulumi.export("tableName", fan_out.table_name)
pulumi.export("functionArn", fan_out.item_function_arn)
pulumi.export("bucket", bucket.bucket)
pulumi.export("queueUrl", queue.url)
pulumi.export("topicArn", topic.arn)
pulumi.export("logGroup", group.name)
pulumi.export("region", aws.get_region().region)
"""


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("team-program")
    (folder / "Pulumi.yaml").write_text("name: team-invoices\nruntime: python\n")
    (folder / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: {REGION}\n")
    (folder / "__main__.py").write_text(PROGRAM)
    return folder


@pytest.fixture(scope="module")
def sandbox(program_dir: Path) -> Iterator[Sandbox]:
    with Sandbox(program_dir=program_dir) as deployed:
        yield deployed


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def test_every_arn_of_a_stack_in_eu_west_1_is_in_eu_west_1(sandbox: Sandbox) -> None:
    outputs = sandbox.outputs
    assert outputs["region"] == REGION
    assert _region_of(outputs["stateMachineArn"]) == _region_of(outputs["functionArn"]) == REGION
    assert _region_of(outputs["topicArn"]) == REGION
    regional = [
        (resource.type, str(resource.state["arn"]))
        for resource in sandbox.mocks.created
        if str(resource.state.get("arn", "")).count(":") >= 5 and not resource.type.startswith(("aws:iam", "aws:s3"))
    ]
    types = {typ for typ, _ in regional}
    assert {"aws:lambda/function:Function", "aws:sfn/stateMachine:StateMachine", "aws:dynamodb/table:Table"} <= types
    assert {"aws:cloudwatch/logGroup:LogGroup", "aws:sqs/queue:Queue", "aws:sns/topic:Topic"} <= types
    assert [arn for _, arn in regional if _region_of(arn) != REGION] == []
    assert sandbox.aws.region == REGION
    location = sandbox.client("s3").get_bucket_location(Bucket=outputs["bucket"])["LocationConstraint"]
    assert location == REGION
    assert {spec.region for spec in sandbox.mocks.functions.values()} == {REGION}  # each function's AWS_REGION


def test_an_execution_runs_in_the_stack_s_region(sandbox: Sandbox) -> None:
    from tools.load_ddb import write_list

    write_list(sandbox.client("dynamodb"), sandbox.outputs["tableName"], ["a", "b"])
    report = sandbox.execute("invoices", sandbox.outputs["stateMachineArn"], {}, timeout_seconds=60)

    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert _region_of(report.execution_arn) == REGION
    items = [call.event for call in report.invocations if call.function == "invoices-log-item-function"]
    assert sorted(items) == ["a", "b"]  # the item function ran for each, through its eu-west-1 ARN


def test_each_service_lists_the_tags_the_program_gave(sandbox: Sandbox) -> None:
    outputs = sandbox.outputs
    pairs = sorted(TEAM_TAGS.items())
    lambda_tags = sandbox.client("lambda").list_tags(Resource=outputs["functionArn"])["Tags"]
    states_tags = sandbox.client("stepfunctions").list_tags_for_resource(resourceArn=outputs["stateMachineArn"])["tags"]
    table_arn = sandbox.client("dynamodb").describe_table(TableName=outputs["tableName"])["Table"]["TableArn"]
    table_tags = sandbox.client("dynamodb").list_tags_of_resource(ResourceArn=table_arn)["Tags"]
    bucket_tags = sandbox.client("s3").get_bucket_tagging(Bucket=outputs["bucket"])["TagSet"]
    queue_tags = sandbox.client("sqs").list_queue_tags(QueueUrl=outputs["queueUrl"])["Tags"]
    topic_tags = sandbox.client("sns").list_tags_for_resource(ResourceArn=outputs["topicArn"])["Tags"]
    log_tags = sandbox.client("logs").list_tags_log_group(logGroupName=outputs["logGroup"])["tags"]

    assert sorted(lambda_tags.items()) == pairs  # a component's function: the component's tags
    assert sorted((tag["key"], tag["value"]) for tag in states_tags) == pairs
    assert sorted((tag["Key"], tag["Value"]) for tag in table_tags) == pairs
    assert sorted((tag["Key"], tag["Value"]) for tag in bucket_tags) == pairs
    assert sorted(queue_tags.items()) == pairs
    assert sorted((tag["Key"], tag["Value"]) for tag in topic_tags) == pairs
    assert sorted(log_tags.items()) == pairs
    role = sandbox.client("lambda").get_function(FunctionName=outputs["functionArn"])["Configuration"]["Role"]
    role_tags = sandbox.client("iam").list_role_tags(RoleName=role.split("/")[-1])["Tags"]
    assert sorted((tag["Key"], tag["Value"]) for tag in role_tags) == pairs


def test_preview_names_the_stack_s_region_too(program_dir: Path) -> None:
    preview = run_program(PreviewMocks(), root=program_dir, preview=True)
    assert preview.outputs["region"] == REGION
    assert _region_of(json.loads(json.dumps(preview.outputs))["topicArn"]) == REGION
