"""tools/start_download.py's request files: `--paths-file` uploaded under requests/, and listed paths over the
256 KiB execution input sent as a file instead, each named by its content."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import start_download

BUCKET = "images-bucket"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def _args(*argv: str) -> Any:
    return start_download.parse_args(["--api-url", "https://api.example/downloads", "--region", "us-east-1", *argv])


def test_a_paths_file_goes_under_requests_and_the_body_names_it(s3: Any, tmp_path: Path):
    paths = tmp_path / "flags.jsonl"
    paths.write_text('"ad/ad.gif"\n"ae/ae.gif"\n')
    body = start_download.request_body(
        _args("--base-url", "https://h.example/flags", "--paths-file", str(paths), "--bucket", BUCKET)
    )
    assert set(body) == {"baseUrl", "resourcesFile"} and body["resourcesFile"].startswith("requests/")
    assert body["resourcesFile"].endswith("-flags.jsonl")
    stored = s3.get_object(Bucket=BUCKET, Key=body["resourcesFile"])
    assert stored["Body"].read() == paths.read_bytes() and stored["ServerSideEncryption"] == "AES256"


def test_listed_paths_over_the_execution_input_limit_are_sent_as_a_file(s3: Any, capsys: pytest.CaptureFixture[str]):
    paths = [f"archive/{index:06d}/photo.jpeg" for index in range(12_000)]
    small = start_download.request_body(_args("--base-url", "https://h.example", "--paths", *paths[:100]))
    assert small["resourcePaths"] == paths[:100], "under the limit the paths are listed as before"
    body = start_download.request_body(_args("--base-url", "https://h.example", "--paths", *paths, "--bucket", BUCKET))
    assert "resourcePaths" not in body and len(json.dumps(body)) < 1024
    assert "over Step Functions' 256 KiB execution input" in capsys.readouterr().err
    lines = s3.get_object(Bucket=BUCKET, Key=body["resourcesFile"])["Body"].read().decode().splitlines()
    assert [json.loads(line) for line in lines] == paths


def test_a_request_file_needs_the_bucket_and_a_known_format(s3: Any, tmp_path: Path):
    paths = tmp_path / "flags.txt"
    paths.write_text("ad/ad.gif\n")
    with pytest.raises(start_download.StartError, match=r"name it \.csv"):
        start_download.request_body(
            _args("--base-url", "https://h.example", "--paths-file", str(paths), "--bucket", BUCKET)
        )
    csv = tmp_path / "flags.csv"
    csv.write_text("path\nad/ad.gif\n")
    with pytest.raises(start_download.StartError, match="give --bucket"):
        start_download.request_body(_args("--base-url", "https://h.example", "--paths-file", str(csv)))
