"""Consolidate at a Distributed Map's size: result files are read as they stream in, memory holds one notification's
worth of failures however many images fail, and the failures object still lists every one."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.handlers import test_image_downloader_handlers as handler_tests
from tests.handlers.test_image_downloader_handlers import BUCKET, Load

load, aws, moto_aws = handler_tests.load, handler_tests.aws, handler_tests.moto_aws
RUN = "arn:aws:states:us-east-1:123456789012:mapRun:downloader/DownloadDistributed:scale"
BASE = "https://images.example.com/i"


def _record(index: int, failed_per_batch: int) -> dict[str, Any]:
    failures = [{"url": f"{BASE}/{index}/{n}.jpg", "error": "NotFound"} for n in range(failed_per_batch)]
    result = {"succeeded": 100 - failed_per_batch, "failed": failed_per_batch, "bytes": 4_300, "failures": failures}
    return {"ExecutionArn": f"{RUN}-{index}", "Name": str(index), "Status": "SUCCEEDED", "Output": json.dumps(result)}


def _manifest(aws: SimpleNamespace, batches: int, failed_per_batch: int, json_lines: bool = False) -> str:
    """A manifest over two SUCCEEDED result files of `batches` batches of 100 images in all."""
    folder, files = "results/scale/", []
    for part, indexes in enumerate((range(0, batches // 2), range(batches // 2, batches))):
        records = [_record(index, failed_per_batch) for index in indexes]
        body = (
            "".join(json.dumps(record) + "\n" for record in records) if json_lines else json.dumps(records)
        ).encode()
        key = f"{folder}SUCCEEDED_{part}.json"
        aws.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        files.append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": BUCKET, "MapRunArn": RUN, "ResultFiles": {"SUCCEEDED": files, "FAILED": []}}
    aws.s3.put_object(Bucket=BUCKET, Key=f"{folder}manifest.json", Body=json.dumps(manifest).encode())
    return f"{folder}manifest.json"


@pytest.mark.parametrize("json_lines", [False, True], ids=["JSON arrays", "JSON lines"])
def test_every_failure_of_100000_is_counted_and_in_the_failures_object_with_memory_bounded(
    load: Load, aws: SimpleNamespace, json_lines: bool
) -> None:
    batches, failed_per_batch = 2_000, 50  # 200,000 images, 100,000 failed
    key = _manifest(aws, batches, failed_per_batch, json_lines)
    report = load().consolidate.handler({"resultWriter": {"Bucket": BUCKET, "Key": key}, "execution": "big"}, None)
    assert (report["succeeded"], report["failed"]) == (100_000, 100_000)
    assert report["failuresObject"] == f"s3://{BUCKET}/failures/big.jsonl"
    lines = aws.s3.get_object(Bucket=BUCKET, Key="failures/big.jsonl")["Body"].read().decode().splitlines()
    assert len(lines) == 100_000 and json.loads(lines[-1]) == {"url": f"{BASE}/1999/49.jpg", "error": "NotFound"}
    assert len(report["notification"].encode()) <= 150_000 + 200


class DiskS3:
    """S3 as the network gives it to a Lambda: objects stream from (and to) files in chunks, so that what the
    handler's process holds is measured, not what an in-process S3 mock holds for it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
        return {"Body": self.path(Key).open("rb")}

    def upload_fileobj(self, file: Any, bucket: str, key: str, ExtraArgs: Any = None) -> None:  # noqa: N803
        with self.path(key).open("wb") as out:
            while chunk := file.read(1 << 20):
                out.write(chunk)


def test_consolidating_100000_failures_from_8_mib_of_result_files_allocates_under_8_mib_at_its_peak(
    load: Load, tmp_path: Path
) -> None:
    disk = DiskS3(tmp_path)
    folder, files = "results/disk/", []
    for part in range(2):
        with disk.path(f"{folder}SUCCEEDED_{part}.json").open("w") as out:
            out.write("[")
            for index in range(part * 1_000, (part + 1) * 1_000):
                out.write(("," if index % 1_000 else "") + json.dumps(_record(index, 50)))
            out.write("]")
        files.append({"Key": f"{folder}SUCCEEDED_{part}.json"})
    disk.path(f"{folder}manifest.json").write_text(json.dumps({"ResultFiles": {"SUCCEEDED": files}}))
    handlers = load()
    handlers.clients.s3 = lambda: disk
    read = sum(disk.path(entry["Key"]).stat().st_size for entry in files)
    tracemalloc.start()
    try:
        report = handlers.consolidate.handler(
            {"resultWriter": {"Bucket": BUCKET, "Key": f"{folder}manifest.json"}, "execution": "disk"}, None
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report["failed"] == 100_000 and sum(1 for _ in disk.path("failures/disk.jsonl").open()) == 100_000
    assert read > 8 * 1024 * 1024, "the result files together"
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB of Python allocations"  # measured: 2.7 MiB


def test_a_tally_keeps_one_notifications_worth_of_failures_and_spools_the_rest(load: Load) -> None:
    tally = load().tally
    total = tally.Tally()
    tally.add_failed_batch(total, "BatchFailed (Sandbox.Timedout)", [f"{BASE}/{n}.jpg" for n in range(50_000)], "b")
    assert total.failed == total.reported == 50_000
    kept = sum(len(failure.line().encode()) + 1 for failure in total.failures)
    assert kept <= tally.MAX_NOTIFICATION_BYTES < kept + 100 and len(total.failures) < 5_000
    assert not tally.fits_one_notification(total)
    assert sum(1 for _ in total.failures_file()) == 50_000


def test_a_result_file_that_is_not_json_names_the_file_and_the_record_before(load: Load, aws: SimpleNamespace) -> None:
    key = _manifest(aws, 4, 0)
    good = json.dumps(_record(0, 0)).encode()
    aws.s3.put_object(Bucket=BUCKET, Key="results/scale/SUCCEEDED_1.json", Body=b"[" + good + b", {bad")
    handlers = load()
    with pytest.raises(
        handlers.errors.InvalidInput, match=r"results/scale/SUCCEEDED_1\.json: expected an array .* after record 0"
    ):
        handlers.consolidate.handler({"resultWriter": {"Bucket": BUCKET, "Key": key}}, None)
