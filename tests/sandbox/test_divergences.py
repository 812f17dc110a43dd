"""Where the sandbox still differs from AWS, proven: each test fails once moto (or the sandbox) closes the gap."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pulumi
import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.embedded import create_role, create_state_machine, distributed_map, policy, run, wait
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.engine import RECORDED_NOT_EMULATED, SandboxMocks
from tools.sandbox.gateway import HttpApiGateway
from tools.sandbox.lambda_runtime import LambdaRuntime

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.enforce_iam()
        yield embedded


def test_moto_refuses_a_whole_number_tolerated_failure_percentage(aws):
    with pytest.raises(ClientError, match="ToleratedFailurePercentage"):
        run(aws, distributed_map({"P": {"Type": "Pass", "End": True}}, ToleratedFailurePercentage=5), "[1]")


def test_moto_refuses_a_definition_with_an_item_batcher(aws):
    with pytest.raises(ClientError, match="ItemBatcher"):
        run(aws, distributed_map({"P": {"Type": "Pass", "End": True}}, ItemBatcher={"MaxItemsPerBatch": 2}), "[1]")


def test_a_string_execution_output_is_not_json_encoded(aws):
    """AWS's output is JSON text ("\\"done\\""); moto's is the bare string."""
    described = run(aws, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "done", "End": True}}})
    assert described["output"] == "done"


def test_an_sqs_queue_policy_deny_is_not_enforced(aws):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="denied-by-policy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}
    document = json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    sender = aws.client("sqs", aws.role_credentials(create_role(aws, "lambda", policy("sqs:SendMessage"))))
    assert sender.send_message(QueueUrl=url, MessageBody="x")["MessageId"], "AWS would deny it"


def test_alarms_are_recorded_and_never_created_or_evaluated(aws):
    with LambdaRuntime() as runtime:
        mocks = SandboxMocks(aws, runtime)
        args = pulumi.runtime.MockResourceArgs(
            typ="aws:cloudwatch/metricAlarm:MetricAlarm", name="failed", inputs={"name": "failed-alarm"},
            provider=None, resource_id=None, custom=True,
        )  # fmt: skip
        mocks.new_resource(args)
    assert "aws:cloudwatch/metricAlarm:MetricAlarm" in RECORDED_NOT_EMULATED
    assert aws.client("cloudwatch").describe_alarms()["MetricAlarms"] == []


def test_http_api_access_logs_are_not_written(aws):
    logs = aws.client("logs")
    logs.create_log_group(logGroupName="/api/access")
    destination = "arn:aws:logs:us-east-1:123456789012:log-group:/api/access"
    gateway_api = aws.client("apigatewayv2")
    api_id = gateway_api.create_api(Name="logged", ProtocolType="HTTP")["ApiId"]
    integration = gateway_api.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="StepFunctions-StartExecution",
        CredentialsArn=create_role(aws, "apigateway", policy("states:StartExecution")),
        RequestParameters={"StateMachineArn": create_state_machine(aws, PASS), "Input": "$request.body"},
        PayloadFormatVersion="1.0",
    )["IntegrationId"]
    gateway_api.create_route(
        ApiId=api_id, RouteKey="POST /start", AuthorizationType="NONE", Target=f"integrations/{integration}"
    )
    gateway_api.create_stage(
        ApiId=api_id,
        StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 5, "ThrottlingRateLimit": 5.0},
        AccessLogSettings={"DestinationArn": destination, "Format": "$context.requestId"},
    )
    gateway = HttpApiGateway(aws).start()
    try:
        assert requests.post(f"{gateway.url}start", data=b"{}", timeout=10).status_code == 200
    finally:
        gateway.stop()
    assert logs.describe_log_streams(logGroupName="/api/access")["logStreams"] == []


def test_an_sns_topic_maximum_message_size_above_256_kib_is_not_honoured(aws):
    """AWS lets a topic take up to 1 MiB when its MaximumMessageSize says so; moto refuses above 256 KiB."""
    sns = aws.client("sns")
    topic = sns.create_topic(Name="large-payloads", Attributes={"MaximumMessageSize": "1048576"})["TopicArn"]
    with pytest.raises(ClientError, match="Message too long"):
        sns.publish(TopicArn=topic, Message="x" * 300_000)


def test_get_execution_history_answers_every_event_at_once_oldest_first(aws):
    """moto ignores maxResults, nextToken and reverseOrder: a caller paging the history gets it whole."""
    loop = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}}}
    arn = create_state_machine(aws, loop)
    execution_arn = aws.client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    wait(aws, execution_arn)
    page = aws.client("stepfunctions").get_execution_history(
        executionArn=execution_arn, maxResults=2, reverseOrder=True
    )
    assert [event["id"] for event in page["events"]] == [1, 2, 3, 4, 5, 6] and "nextToken" not in page


def test_a_fifo_deduplication_id_already_consumed_is_delivered_again(aws):
    """AWS drops a message whose deduplication id was sent in the last 5 minutes, consumed or not; moto drops only
    a duplicate of a message still on the queue, so a RecordTransfer rerun after its records were consumed sends
    them again here (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html)."""
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="dedup-window.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="record 1", MessageGroupId="t", MessageDeduplicationId="r1")
    (received,) = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"])
    sqs.send_message(QueueUrl=url, MessageBody="record 1", MessageGroupId="t", MessageDeduplicationId="r1")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])] == ["record 1"], "AWS: none"
