"""A download request that names a file of paths (`resourcesFile`) instead of listing them: read as it streams,
each line checked, nothing started when one is bad."""
# ruff: noqa: F811 - the handler fixtures are imported from the image-downloader handler tests and used by name

from __future__ import annotations

import json
import tracemalloc
from types import SimpleNamespace
from typing import Any

import pytest

from tests.handlers.test_image_downloader_handlers import (  # noqa: F401 - fixtures
    BUCKET,
    FLAGS,
    Load,
    aws,
    flags_event,
    load,
    moto_aws,
)

BASE = "https://images.example.com/flags"


def put(aws: SimpleNamespace, key: str, text: str | bytes) -> None:
    aws.s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode() if isinstance(text, str) else text)


def file_event(key: str, lambda_concur: int = 5) -> dict[str, Any]:
    return {"baseUrl": BASE, "resourcesFile": key, "lambdaConcur": lambda_concur}


def csv_text(paths: list[str]) -> str:
    return "path\n" + "".join(f"{path}\n" for path in paths)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("flags.csv", csv_text(FLAGS)),
        ("flags.jsonl", "".join(json.dumps(path) + "\n" for path in FLAGS)),
        ("flags.json", json.dumps(FLAGS)),
    ],
)
def test_each_format_gives_the_same_batches_as_listing_the_paths(load: Load, aws: SimpleNamespace, name, text):
    handlers = load()
    put(aws, f"requests/{name}", text)
    from_file = handlers.batch.handler(file_event(f"requests/{name}"), None)
    listed = handlers.batch.handler(flags_event(BASE, FLAGS), None)
    assert from_file == listed and from_file["mode"] == "inline" and from_file["total"] == len(FLAGS)


def test_a_csv_with_more_columns_reads_its_path_column_and_a_repeated_path_once(load: Load, aws: SimpleNamespace):
    put(aws, "requests/tagged.csv", "country,path\r\nandorra,ad/ad.gif\r\nuae,ae/ae.gif\r\nagain,ad/ad.gif\r\n")
    result = load().batch.handler(file_event("requests/tagged.csv"), None)
    assert result["batches"][0]["resourcePaths"] == ["ad/ad.gif", "ae/ae.gif"]


def test_a_large_file_goes_distributed_into_one_batches_object_a_rerun_names_again(load: Load, aws: SimpleNamespace):
    handlers = load(MAX_RESOURCES="100000", INLINE_LIMIT="1000")
    paths = [f"img/{index:06d}.png" for index in range(20_000)]
    put(aws, "requests/big.csv", csv_text(paths))
    result = handlers.batch.handler(file_event("requests/big.csv", 8), None)
    assert (result["mode"], result["total"], result["batchCount"]) == ("distributed", 20_000, 800)
    stored = aws.s3.get_object(Bucket=BUCKET, Key=result["batchesKey"])
    assert stored["ServerSideEncryption"] == "AES256"
    batches = json.loads(stored["Body"].read())
    assert batches[1] == flags_event(BASE, paths[25:50], 8) and len(batches) == 800
    assert handlers.batch.handler(file_event("requests/big.csv", 8), None) == result


def test_the_file_streams_its_lines_holding_a_small_digest_per_path_not_the_paths(load: Load, aws: SimpleNamespace):
    handlers = load(MAX_RESOURCES="200000")
    long_name = "x" * 250
    text = csv_text([f"archive/{index:07d}/{long_name}.jpeg" for index in range(50_000)])
    put(aws, "requests/huge.csv", text)
    body, _ = handlers.request_file.open_file(BUCKET, "requests/huge.csv")
    tracemalloc.start()
    count = sum(1 for _ in handlers.request_file.checked_paths(body, "requests/huge.csv", 200_000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 50_000
    # A 13 MB file: what is held is about 100 bytes of digest and set slot per path, whatever the path's length.
    assert peak < 150 * count and peak < len(text) / 2, f"peak {peak} bytes for a {len(text)}-byte file"


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("flags.csv", "resourcesFile: 'flags.csv' is outside requests/"),
        ("images/requests/flags.csv", "is outside requests/"),
        ("requests/../batches/x.json", "has an empty, '.' or '..' segment"),
        ("requests/flags.txt", "has no known format; name it .csv (CSV with a `path` header)"),
        ("requests/missing.csv", "no object requests/missing.csv in the images bucket; upload it first"),
    ],
)
def test_a_file_outside_requests_of_an_unknown_format_or_missing_is_refused(
    load: Load, aws: SimpleNamespace, key: str, message: str
):
    handlers = load()
    with pytest.raises(handlers.errors.InvalidInput, match=None) as refused:
        handlers.batch.handler(file_event(key), None)
    assert message in str(refused.value)
    assert _batches(aws) == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", "requests/empty.csv holds no paths"),
        ("header-only.csv", "path\n", "requests/header-only.csv holds no paths"),
        ("blank.jsonl", "\n\n", "requests/blank.jsonl holds no paths"),
        ("no-header.csv", "ad/ad.gif\n", "line 1: the CSV header has no `path` column"),
        ("object.json", '{"paths": ["a.gif"]}', "holds no paths"),
        ("broken.json", '["a.gif", ', "not a JSON array of path strings"),
        ("latin1.csv", "path\ncaf\xe9.gif\n".encode("latin-1"), "is not UTF-8 text"),
    ],
)
def test_an_empty_or_malformed_file_is_refused_with_a_clear_error(
    load: Load, aws: SimpleNamespace, name: str, text: str | bytes, message: str
):
    handlers = load()
    put(aws, f"requests/{name}", text)
    with pytest.raises(handlers.errors.InvalidInput) as refused:
        handlers.batch.handler(file_event(f"requests/{name}"), None)
    assert message in str(refused.value)
    assert _batches(aws) == []


def test_invalid_lines_are_named_by_number_the_first_twenty_reported_and_nothing_is_batched(
    load: Load, aws: SimpleNamespace
):
    handlers = load(MAX_RESOURCES="100000")
    lines = [f"ok/{index}.gif" for index in range(5000)]
    for index in range(100, 130):
        lines[index] = f"../escape/{index}.gif"
    lines[3] = "/absolute.gif"
    put(aws, "requests/bad.csv", csv_text(lines))
    with pytest.raises(handlers.errors.InvalidInput) as refused:
        handlers.batch.handler(file_event("requests/bad.csv"), None)
    message = str(refused.value)
    assert message.startswith("resourcesFile: 31 invalid line(s) (the first 20 shown), nothing was downloaded: ")
    assert "line 5: must be relative to baseUrl (no leading '/')" in message  # line 1 is the header
    assert "line 102: must not contain '.' or '..' segments" in message
    assert message.count("; ") == 19 and "line 120:" in message and "line 121:" not in message
    assert _batches(aws) == []


def test_a_jsonl_line_that_is_not_json_or_not_a_string_is_named(load: Load, aws: SimpleNamespace):
    handlers = load()
    put(aws, "requests/mixed.jsonl", '"ad/ad.gif"\n{not json\n42\n')
    with pytest.raises(handlers.errors.InvalidInput) as refused:
        handlers.batch.handler(file_event("requests/mixed.jsonl"), None)
    assert "line 2: not JSON" in str(refused.value)
    assert "line 3: expected a non-empty string, got number" in str(refused.value)


def test_a_file_over_max_resources_is_refused(load: Load, aws: SimpleNamespace):
    handlers = load(MAX_RESOURCES="10")
    put(aws, "requests/many.csv", csv_text([f"{index}.gif" for index in range(11)]))
    with pytest.raises(handlers.errors.InvalidInput, match=r"more than MAX_RESOURCES \(10\)"):
        handlers.batch.handler(file_event("requests/many.csv"), None)


def test_resource_paths_and_a_resources_file_together_are_refused(load: Load, aws: SimpleNamespace):
    handlers = load()
    event = {**file_event("requests/flags.csv"), "resourcePaths": ["a.gif"]}
    with pytest.raises(handlers.errors.InvalidInput, match="give resourcePaths or resourcesFile, not both"):
        handlers.batch.handler(event, None)


def _batches(aws: SimpleNamespace) -> list[str]:
    listed = aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="batches/")
    return [item["Key"] for item in listed.get("Contents", [])]
