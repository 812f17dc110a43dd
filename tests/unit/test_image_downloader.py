"""ImageDownloader under Pulumi mocks: a private encrypted bucket, least-privilege roles, an IAM-authorized API."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.config import ConfigError, load_image_downloader_settings
from tests.support import inventory
from tools.program import ProgramRun, RegisteredResource


def _child(run: ProgramRun, type_: str, name: str) -> RegisteredResource:
    return inventory.one([r for r in run.of_type(type_) if r.name == name], name)


def _function_statements(run: ProgramRun, function_name: str) -> list[dict[str, Any]]:
    function = _child(run, inventory.FUNCTION, f"image-downloader-{function_name}-function")
    role = inventory.role_of(run, function, "role")
    documents = inventory.role_policy_documents(run, role).values()
    return [s for d in documents for s in d["Statement"] if s["Sid"] not in ("OwnLogGroup", "Tracing")]


def _bucket_arn(run: ProgramRun) -> str:
    return str(_child(run, "aws:s3/bucket:Bucket", "image-downloader-images").state["arn"])


def test_the_bucket_blocks_all_public_access_and_enforces_bucket_owner(program: ProgramRun):
    block = _child(
        program, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "image-downloader-images-public-access"
    )
    assert all(
        block.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    ownership = _child(
        program, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "image-downloader-images-ownership"
    )
    assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_the_bucket_encrypts_at_rest_and_denies_requests_without_tls(program: ProgramRun):
    sse = _child(
        program,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "image-downloader-images-encryption",
    )
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    policy = json.loads(
        _child(program, "aws:s3/bucketPolicy:BucketPolicy", "image-downloader-images-tls-only").inputs["policy"]
    )
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(statement["Resource"]) == sorted([_bucket_arn(program), f"{_bucket_arn(program)}/*"])


def test_the_download_lambda_has_512_mb_unless_download_memory_mb_says_otherwise(program: ProgramRun, run_with):
    def memory(run: ProgramRun) -> int:
        return int(_child(run, inventory.FUNCTION, "image-downloader-download-function").inputs["memorySize"])

    assert memory(program) == 512
    assert memory(run_with(downloadMemoryMb="1769")) == 1769


def test_images_move_to_glacier_instant_retrieval_after_transition_days(run_with):
    run = run_with(transitionDays="7")
    lifecycle = _child(
        run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "image-downloader-images-lifecycle"
    )
    rules = {rule["id"]: rule for rule in lifecycle.inputs["rules"]}
    assert rules["images-to-glacier-instant-retrieval"]["transitions"] == [{"days": 7, "storageClass": "GLACIER_IR"}]
    assert rules["abort-incomplete-multipart-uploads"]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}


def test_the_download_role_may_write_only_to_its_bucket_and_table(program: ProgramRun):
    table_arn = _child(program, inventory.TABLE, "image-downloader-url-table").state["arn"]
    grants = {(a, r) for s in _function_statements(program, "download") for a in s["Action"] for r in s["Resource"]}
    objects = f"{_bucket_arn(program)}/*"
    assert grants == {
        ("s3:PutObject", objects),
        ("s3:AbortMultipartUpload", objects),
        ("dynamodb:BatchWriteItem", table_arn),
        ("dynamodb:BatchGetItem", table_arn),  # a rerun skips the images already recorded
    }


def test_the_batch_role_writes_only_batch_files_and_consolidate_reads_only_results(program: ProgramRun):
    batch = {(a, r) for s in _function_statements(program, "batch") for a in s["Action"] for r in s["Resource"]}
    bucket = _bucket_arn(program)
    # Request files (resourcesFile) are read from requests/ alone; a large batches object goes up in parts.
    assert batch == {
        ("s3:PutObject", f"{bucket}/batches/*"),
        ("s3:AbortMultipartUpload", f"{bucket}/batches/*"),
        ("s3:GetObject", f"{bucket}/requests/*"),
    }
    consolidate = {
        (a, r) for s in _function_statements(program, "consolidate") for a in s["Action"] for r in s["Resource"]
    }
    assert consolidate == {
        ("s3:GetObject", f"{bucket}/results/*"),
        ("s3:PutObject", f"{bucket}/failures/*"),  # failures too many for one notification
    }


def test_the_state_machine_publishes_only_to_its_failures_topic(program: ProgramRun):
    machine = _child(program, inventory.STATE_MACHINE, "image-downloader-state-machine")
    role = inventory.role_of(program, machine, "roleArn")
    documents = inventory.role_policy_documents(program, role).values()
    publish = [r for d in documents for s in d["Statement"] if "sns:Publish" in s["Action"] for r in s["Resource"]]
    topic = _child(program, "aws:sns/topic:Topic", "image-downloader-failures")
    assert publish == [topic.state["arn"]]
    assert topic.inputs["kmsMasterKeyId"] == "alias/aws/sns"


def test_the_api_role_may_only_start_this_state_machine(program: ProgramRun):
    role = _child(program, inventory.ROLE, "image-downloader-api-role")
    machine = _child(program, inventory.STATE_MACHINE, "image-downloader-state-machine")
    (document,) = inventory.role_policy_documents(program, role).values()
    assert [(s["Action"], s["Resource"]) for s in document["Statement"]] == [
        (["states:StartExecution"], [machine.state["arn"]])
    ]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "apigateway.amazonaws.com"}


def test_the_route_starts_executions_and_requires_iam_auth_by_default(program: ProgramRun):
    route = _child(program, "aws:apigatewayv2/route:Route", "image-downloader-route")
    assert route.inputs["routeKey"] == "POST /downloads" and route.inputs["authorizationType"] == "AWS_IAM"
    integration = _child(program, "aws:apigatewayv2/integration:Integration", "image-downloader-integration")
    machine = _child(program, inventory.STATE_MACHINE, "image-downloader-state-machine")
    assert integration.inputs["integrationSubtype"] == "StepFunctions-StartExecution"
    assert integration.inputs["requestParameters"] == {
        "Input": "$request.body",
        "StateMachineArn": machine.state["arn"],
    }
    assert program.outputs["imageDownloaderApiUrl"].endswith("/downloads")


def test_api_authorization_none_opens_the_route(run_with):
    route = _child(run_with(apiAuthorization="none"), "aws:apigatewayv2/route:Route", "image-downloader-route")
    assert route.inputs["authorizationType"] == "NONE"


def test_the_stage_throttles_and_writes_access_logs_with_retention(run_with):
    run = run_with(apiBurstLimit="3", apiRateLimit="2")
    stage = _child(run, "aws:apigatewayv2/stage:Stage", "image-downloader-stage")
    assert stage.inputs["defaultRouteSettings"] == {"throttlingBurstLimit": 3, "throttlingRateLimit": 2}
    logs = _child(run, inventory.LOG_GROUP, "image-downloader-api-access-logs")
    assert stage.inputs["accessLogSettings"]["destinationArn"] == logs.state["arn"]
    assert logs.inputs["retentionInDays"] == 30


def test_the_url_table_is_keyed_by_url_encrypted_with_point_in_time_recovery(program: ProgramRun):
    table = _child(program, inventory.TABLE, "image-downloader-url-table")
    assert table.inputs["hashKey"] == "url" and table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["serverSideEncryption"] == {"enabled": True}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}


def test_every_output_of_the_issue_is_exported(program: ProgramRun):
    for key in ("imageDownloaderStateMachineArn", "imageDownloaderApiUrl", "imagesBucketName",
                "imageUrlTableName", "downloadFailuresTopicArn"):  # fmt: skip
        assert program.outputs[key], key


def test_notification_email_subscribes_to_the_failures_topic(run_with):
    run = run_with(notificationEmail="ops@example.com")
    subscription = _child(run, "aws:sns/topicSubscription:TopicSubscription", "image-downloader-failures-email")
    assert subscription.inputs["protocol"] == "email" and subscription.inputs["endpoint"] == "ops@example.com"


def test_the_definition_batches_then_maps_inline_or_distributed_then_notifies_and_fails(program: ProgramRun):
    machine = _child(program, inventory.STATE_MACHINE, "image-downloader-state-machine")
    states = json.loads(machine.inputs["definition"])["States"]
    assert states["DownloadInline"]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE"
    assert states["DownloadDistributed"]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert "ItemBatcher" not in states["DownloadDistributed"], "the embedded interpreter has no ItemBatcher"
    assert states["NotifyFailures"]["Next"] == "FailedOrNotRecorded"
    assert states["FailedOrNotRecorded"]["Choices"][0]["Next"] == "DownloadsFailed"
    assert states["DownloadsFailed"] == {"Type": "Fail", "Error": "DownloadsFailed", "CausePath": "$.message"}
    assert "PutItem" not in json.dumps(states), "rows are written in batches by the download Lambda"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("apiAuthorization", "open", "iam, none"),
        ("mapMode", "fast", "auto, inline, distributed"),
        ("downloadConcurrency", "0", "1..1000"),
        ("batchSize", "0", "1..1000"),
        ("allowInsecureHttp", "yes", "true or false"),
        ("allowedHosts", "http://x.org/", "host name"),
        ("transitionDays", "-1", "0..3650"),
        ("maxImageBytes", "0", "1.."),
        ("downloadTimeoutSeconds", "901", "1..900"),
        ("downloadMemoryMb", "127", "128..10240"),
        ("downloadMemoryMb", "1.5", "128..10240"),
        ("notificationEmail", "nobody", "e-mail"),
    ],
)
def test_each_invalid_image_downloader_value_names_the_key(key: str, value: str, message: str):
    with pytest.raises(ConfigError, match=re.escape(message)) as raised:
        load_image_downloader_settings({key: value})
    assert f"'{key}'" in str(raised.value)


def test_an_inline_map_refuses_more_than_40_at_once():
    with pytest.raises(ConfigError, match=re.escape("1..40")):
        load_image_downloader_settings({"mapMode": "inline", "downloadConcurrency": "41"})
    assert (
        load_image_downloader_settings({"mapMode": "distributed", "downloadConcurrency": "500"}).download_concurrency
        == 500
    )
