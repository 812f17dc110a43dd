"""A request file, started as a team starts a large request: `tools/start_download.py --paths-file` uploads it
with the caller's credentials and posts a small body naming it to the HTTP API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.operator import operator_credentials_in_environment
from tools import start_download
from tools.sandbox.image_server import ImageServer
from tools.sandbox.scenarios import stored_images
from tools.sandbox.session import Sandbox
from tools.sandbox.workflows import WORKFLOWS

pytestmark = pytest.mark.e2e
COUNTRIES = ["ad", "ae", "af", "ag", "al", "am", "ao", "ar", "at", "au", "az", "ba", "bb", "bd", "be", "bf"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(overrides={**WORKFLOWS["image-downloader"].sandbox_overrides, "inlineLimit": "10"}) as deployed:
        yield deployed


@pytest.fixture
def operator(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    operator_credentials_in_environment(sandbox, monkeypatch)


def _start(sandbox: Sandbox, paths_file: Path, capsys: pytest.CaptureFixture[str]) -> str:
    images = sandbox.shared("images", ImageServer)
    code = start_download.main(
        [
            "--api-url", sandbox.outputs["imageDownloaderApiUrl"], "--base-url", f"{images.url}/data/flags",
            "--paths-file", str(paths_file), "--bucket", sandbox.outputs["imagesBucketName"],
            "--endpoint-url", sandbox.aws.endpoint_url,
        ]
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out.strip()


def test_a_paths_file_is_uploaded_and_its_images_downloaded_in_a_distributed_map(
    sandbox: Sandbox, operator: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    paths = [f"{cc}/{cc}.gif" for cc in COUNTRIES]
    csv = tmp_path / "flags.csv"
    csv.write_text("path\n" + "\n".join(paths) + "\n")
    execution_arn = _start(sandbox, csv, capsys)
    description = sandbox.wait(execution_arn, timeout_seconds=120)
    assert description["status"] == "SUCCEEDED", description.get("cause")
    started = json.loads(description["input"])
    assert started["resourcesFile"].startswith("requests/") and "resourcePaths" not in started
    history = sandbox.history(execution_arn)
    assert any(e.get("stateEnteredEventDetails", {}).get("name") == "DownloadDistributed" for e in history)
    assert {key.rsplit("/", 1)[-1] for key in stored_images(sandbox)} >= {f"{cc}.gif" for cc in COUNTRIES}


def test_a_file_with_a_bad_line_fails_with_invalid_input_naming_the_line_and_downloads_nothing(
    sandbox: Sandbox, operator: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    before = stored_images(sandbox)
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('"zw/zw.gif"\n"../secrets.gif"\n')
    description = sandbox.wait(_start(sandbox, jsonl, capsys), timeout_seconds=60)
    assert (description["status"], description["error"]) == ("FAILED", "InvalidInput")
    assert "line 2: must not contain '.' or '..' segments" in description["cause"]
    assert stored_images(sandbox) == before


def test_a_resources_file_outside_requests_is_refused_before_anything_is_read(sandbox: Sandbox):
    from tools.sandbox.workflows import run_workflow

    images = sandbox.shared("images", ImageServer)
    request = {"baseUrl": f"{images.url}/data/flags", "resourcesFile": "batches/someone-elses.json"}
    report = run_workflow(sandbox, WORKFLOWS["image-downloader"], payload=request)
    assert (report.status, report.error) == ("FAILED", "InvalidInput")
    assert "is outside requests/" in str(report.cause)


@pytest.mark.parametrize(
    ("key", "body", "message"),
    [
        ("requests/empty.csv", b"", "requests/empty.csv holds no paths"),
        ("requests/flags.txt", b"ad/ad.gif\n", "has no known format"),
        ("requests/never-uploaded.csv", None, "no object requests/never-uploaded.csv in the images bucket"),
    ],
)
def test_an_empty_unknown_or_missing_request_file_fails_with_invalid_input_and_downloads_nothing(
    sandbox: Sandbox, key: str, body: bytes | None, message: str
):
    from tools.sandbox.workflows import run_workflow

    bucket = sandbox.outputs["imagesBucketName"]
    if body is not None:
        sandbox.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    before = stored_images(sandbox)
    images = sandbox.shared("images", ImageServer)
    request = {"baseUrl": f"{images.url}/data/flags", "resourcesFile": key}
    report = run_workflow(sandbox, WORKFLOWS["image-downloader"], payload=request)
    assert (report.status, report.error) == ("FAILED", "InvalidInput")
    assert message in str(report.cause)
    assert stored_images(sandbox) == before


def test_the_batch_lambda_may_read_request_files_and_nothing_else_of_the_bucket(sandbox: Sandbox):
    from botocore.exceptions import ClientError

    s3 = sandbox.function_client("image-downloader-batch-function", "s3")
    bucket = sandbox.outputs["imagesBucketName"]
    sandbox.client("s3").put_object(Bucket=bucket, Key="requests/mine.csv", Body=b"path\nad/ad.gif\n")
    sandbox.client("s3").put_object(Bucket=bucket, Key="private/other.csv", Body=b"path\nad/ad.gif\n")
    assert s3.get_object(Bucket=bucket, Key="requests/mine.csv")["Body"].read() == b"path\nad/ad.gif\n"
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.get_object(Bucket=bucket, Key="private/other.csv")
