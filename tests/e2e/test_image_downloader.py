"""ImageDownloader's seed walkthrough in the sandbox: started through the HTTP API, downloading from 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import requests

from tools.sandbox.scenarios import SCENARIOS, recorded_urls, run_scenario, stored_images
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import EXAMPLES, WORKFLOWS, run_workflow

pytestmark = pytest.mark.e2e
WORKFLOW = WORKFLOWS["image-downloader"]


def scenario(name: str):
    return next(s for s in SCENARIOS if s.name == name)


def sandbox(**overrides: str) -> Sandbox:
    return Sandbox(overrides={**WORKFLOW.sandbox_overrides, **overrides})


def test_success_script_downloads_the_ten_flags_into_the_bucket_and_records_them():
    report, outcome = run_scenario(scenario("image-downloader: flags-success.json"))
    assert outcome.passed, outcome.observed
    downloads = [c for c in report.invocations if c.function == "image-downloader-download-function"]
    assert len(downloads) == 1, "10 paths make one batch of 25"
    assert report.state_transitions < 15


def test_fail_script_publishes_the_missing_zz_flag_and_fails_with_downloads_failed():
    report, outcome = run_scenario(scenario("image-downloader: flags-fail.json"))
    assert outcome.passed, outcome.observed
    assert "Could not find: " in (report.cause or "")


def test_invalid_input_fails_with_invalid_input_naming_the_field_and_downloads_nothing():
    request = json.loads((EXAMPLES / "flags-success.json").read_text())
    with sandbox() as deployed:
        report = run_workflow(deployed, WORKFLOW, payload={**request, "lambdaConcur": 33})
        assert stored_images(deployed) == [] and recorded_urls(deployed) == {}
    assert report.status == "FAILED" and report.error == "InvalidInput"
    assert "lambdaConcur" in (report.cause or "")


def test_distributed_mode_reads_batches_from_s3_and_writes_results_to_s3():
    with sandbox(mapMode="distributed", batchSize="3") as deployed:
        report = run_workflow(deployed, WORKFLOW, payload=json.loads((EXAMPLES / "flags-fail.json").read_text()))
        keys = deployed.client("s3").list_objects_v2(Bucket=deployed.outputs["imagesBucketName"])["Contents"]
        stored = stored_images(deployed)
    assert report.status == "FAILED" and report.error == "DownloadsFailed", report.cause
    assert len(stored) == 10
    assert any(k["Key"].startswith("batches/") for k in keys) and any(k["Key"].endswith("manifest.json") for k in keys)
    downloads = [c for c in report.invocations if c.function == "image-downloader-download-function"]
    assert len(downloads) == 4, "11 paths in batches of 3"


def test_a_rerun_skips_the_stored_images_instead_of_duplicating_them():
    request = json.loads((EXAMPLES / "flags-success.json").read_text())
    with sandbox() as deployed:
        first = run_workflow(deployed, WORKFLOW, payload=request)
        second = run_workflow(deployed, WORKFLOW, payload=request)
        assert first.status == second.status == "SUCCEEDED"
        assert (first.output["alreadyStored"], second.output["alreadyStored"]) == (0, 10)
        assert len(stored_images(deployed)) == 10 and len(recorded_urls(deployed)) == 10


def test_the_api_refuses_unsigned_requests_and_callers_without_permission():
    body = json.dumps(json.loads((EXAMPLES / "flags-success.json").read_text()))
    with sandbox() as deployed:
        url = deployed.outputs["imageDownloaderApiUrl"]
        unsigned = requests.post(url, data=body, timeout=10)
        import boto3

        from tools.start_download import signed_headers

        role = deployed.client("lambda").get_function(
            FunctionName=deployed.mocks.functions["map-fan-out-log-item-function"].function_name
        )["Configuration"]["Role"]
        creds = deployed.aws.role_credentials(role)
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        stranger = requests.post(
            url, data=body, headers=signed_headers(url, body.encode(), session, "us-east-1"), timeout=10
        )
        executions = deployed.client("stepfunctions").list_executions(
            stateMachineArn=deployed.outputs["imageDownloaderStateMachineArn"]
        )["executions"]
    assert unsigned.status_code == 403 and "Authentication" in unsigned.text
    assert stranger.status_code == 403
    assert executions == [], "a refused request starts nothing"


def test_the_stage_throttles_requests_beyond_its_burst():
    with sandbox(apiAuthorization="none", apiBurstLimit="1", apiRateLimit="1") as deployed:
        url = deployed.outputs["imageDownloaderApiUrl"]
        statuses = [requests.post(url, data="{}", timeout=10).status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses[1:]
