"""The ImageDownloader Lambdas as the seed uses them: validate and batch, download concurrently into S3, consolidate."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from moto import mock_aws
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.support.handler_modules import forget, import_fresh
from tests.support.image_server import (
    TINY_GIF,
    ConcurrencyMeter,
    chunked,
    fake_dns,
    gif_response,
    sleeping,
)
from tools.sandbox.image_server import ImageServer, flag_gif

HANDLER_DIR = Path(__file__).resolve().parents[2] / "handlers" / "image_downloader"
#: The package's modules, imported as `image_downloader.<module>` (its Lambda archive holds the package at its root).
HANDLER_MODULES = tuple(sorted(path.stem for path in HANDLER_DIR.glob("*.py") if path.stem != "__init__"))
#: Every variable the handlers read: cleared before each load, so the machine's environment cannot leak in.
ENVIRONMENT = [
    "IMAGES_BUCKET", "URL_TABLE", "ALLOWED_HOSTS", "ALLOW_INSECURE_HTTP", "ALLOW_PRIVATE_HOSTS", "MAX_RESOURCES",
    "BATCH_SIZE", "MAP_MODE", "INLINE_LIMIT", "CONNECT_TIMEOUT_SECONDS", "READ_TIMEOUT_SECONDS", "RETRY_ATTEMPTS",
    "RETRY_BACKOFF_SECONDS", "MAX_RETRY_AFTER_SECONDS", "MAX_DOWNLOAD_SECONDS", "MAX_IMAGE_BYTES", "FAILURE_SAMPLE",
    "FAILED_URL_CAP", "EXECUTION_TIMEOUT_SECONDS",
]  # fmt: skip
BUCKET, TABLE = "images", "urls"
#: Short timeouts keep the file fast; the local server speaks plain HTTP.
TEST_ENVIRONMENT = {
    "IMAGES_BUCKET": BUCKET,
    "URL_TABLE": TABLE,
    "ALLOW_INSECURE_HTTP": "true",
    "CONNECT_TIMEOUT_SECONDS": "1",
    "READ_TIMEOUT_SECONDS": "2",
    "RETRY_BACKOFF_SECONDS": "0.01",
}
#: Only tests that download from 127.0.0.1 allow private hosts.
LOCAL = {"ALLOW_PRIVATE_HOSTS": "true"}
FLAGS = ["ad/ad.gif", "ae/ae.gif", "af/af.gif", "ag/ag.gif", "al/al.gif", "am/am.gif"]
FLAGS += ["ao/ao.gif", "ar/ar.gif", "at/at.gif", "au/au.gif", "zz/zz.gif"]

Load = Callable[..., SimpleNamespace]


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch) -> Iterator[Load]:
    """Import the package fresh with an environment, as a new execution environment would (settings are read once)."""
    root_level = logging.getLogger().level

    def load_handlers(**environment: str) -> SimpleNamespace:
        for name in ENVIRONMENT:
            monkeypatch.delenv(name, raising=False)
        for name, value in {**TEST_ENVIRONMENT, **environment}.items():
            monkeypatch.setenv(name, value)
        return import_fresh("image_downloader", HANDLER_MODULES)

    try:
        yield load_handlers
    finally:
        forget("image_downloader")
        logging.getLogger().setLevel(root_level)


@pytest.fixture(scope="module")
def image_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(image_server: HTTPServer) -> Iterator[HTTPServer]:
    """The image host on 127.0.0.1, with no handlers left from the test before."""
    image_server.clear()
    yield image_server
    image_server.clear()


@pytest.fixture(scope="module")
def moto_aws() -> Iterator[tuple[Any, SimpleNamespace]]:
    """One moto mock for the module (clients are slow to create); each test resets it."""
    with mock_aws() as mock:
        clients = SimpleNamespace(
            s3=boto3.client("s3", region_name="us-east-1"), dynamodb=boto3.client("dynamodb", region_name="us-east-1")
        )
        yield mock, clients


@pytest.fixture
def aws(moto_aws: tuple[Any, SimpleNamespace]) -> SimpleNamespace:
    """Empty moto S3 and DynamoDB, with the images bucket and the url table."""
    mock, clients = moto_aws
    mock.reset()
    clients.s3.create_bucket(Bucket=BUCKET)
    clients.dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "url", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "url", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return clients


def flags_event(base_url: str, paths: list[str], lambda_concur: int = 5) -> dict[str, Any]:
    return {"baseUrl": base_url, "resourcePaths": paths, "lambdaConcur": lambda_concur}


def serve_flags(server: HTTPServer, paths: list[str], missing: tuple[str, ...] = ("zz/zz.gif",)) -> str:
    """Serve each path under /data/flags as a GIF (404 for `missing`); returns the baseUrl."""
    for path in paths:
        if path in missing:
            server.expect_request(f"/data/flags/{path}").respond_with_data("not found", status=404)
        else:
            server.expect_request(f"/data/flags/{path}").respond_with_handler(gif_response)
    return server.url_for("/data/flags")


def hits(server: HTTPServer, path: str) -> int:
    """Requests the server answered for `path` (a slow handler of an earlier test may still log after a clear)."""
    return sum(1 for request, _ in server.log if request.path == path)


def key_of(url: str) -> str:
    """The object key of a local http URL: `http_<host>_<port>/<path>` (an https URL on port 443 keeps `host/path`)."""
    parts = urlsplit(url)
    return f"http_{parts.hostname}_{parts.port}{parts.path}"


def object_keys(aws: SimpleNamespace) -> list[str]:
    return [item["Key"] for item in aws.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def rows(aws: SimpleNamespace) -> dict[str, dict[str, Any]]:
    return {item["url"]["S"]: item for item in aws.dynamodb.scan(TableName=TABLE)["Items"]}


def only_failure(result: dict[str, Any]) -> dict[str, Any]:
    assert result["failed"] == 1, result
    return dict(result["failures"][0])


# batch: validate and split


def test_the_seeds_flags_split_into_batches_of_five_inline(load: Load) -> None:
    handlers = load(BATCH_SIZE="5")
    event = flags_event("https://www.fluentpython.com/data/flags", FLAGS)

    result = handlers.batch.handler(event, None)

    assert result["mode"] == "inline" and result["total"] == 11 and result["batchCount"] == 3
    assert [len(batch["resourcePaths"]) for batch in result["batches"]] == [5, 5, 1]
    assert result["batches"][0] == flags_event("https://www.fluentpython.com/data/flags", FLAGS[:5])


def test_a_thousand_paths_validate_and_batch_into_40_batches(load: Load) -> None:
    paths = [f"flags/{index:04d}.gif" for index in range(1000)]

    result = load().batch.handler(flags_event("https://images.example.com", paths, 8), None)

    assert (result["mode"], result["total"], result["batchCount"]) == ("inline", 1000, 40)
    assert all(len(batch["resourcePaths"]) == 25 and batch["lambdaConcur"] == 8 for batch in result["batches"])
    assert [path for batch in result["batches"] for path in batch["resourcePaths"]] == paths


def test_the_same_path_twice_is_batched_once(load: Load) -> None:
    result = load().batch.handler(flags_event("https://h.example", ["a.gif", "b.gif", "a.gif"]), None)

    assert result["total"] == 2 and result["batches"][0]["resourcePaths"] == ["a.gif", "b.gif"]


def test_lambda_concur_defaults_to_five(load: Load) -> None:
    result = load().batch.handler({"baseUrl": "https://h.example", "resourcePaths": ["a.gif"]}, None)

    assert result["batches"][0]["lambdaConcur"] == 5


def test_distributed_mode_writes_one_batches_object_and_returns_a_tiny_payload(
    load: Load, aws: SimpleNamespace
) -> None:
    handlers = load(MAX_RESOURCES="100000")
    paths = [f"images/{index:06d}.png" for index in range(100_000)]
    event = flags_event("https://images.example.com/archive", paths, 16)

    result = handlers.batch.handler(event, None)

    assert len(json.dumps(result).encode()) < 2048
    assert result["mode"] == "distributed" and result["total"] == 100_000 and result["batchCount"] == 4000
    assert result["batchesBucket"] == BUCKET and result["batchesKey"] == f"batches/{result['batchesId']}.json"
    assert len(result["batchesId"]) == 16 and int(result["batchesId"], 16) >= 0
    stored = aws.s3.get_object(Bucket=BUCKET, Key=result["batchesKey"])
    assert stored["ServerSideEncryption"] == "AES256"
    batches = json.loads(stored["Body"].read())
    assert len(batches) == 4000 and batches[1] == flags_event(event["baseUrl"], paths[25:50], 16)
    assert handlers.batch.handler(event, None) == result  # deterministic: a rerun overwrites the same object
    assert object_keys(aws) == [result["batchesKey"]]


def test_auto_mode_goes_distributed_past_the_inline_limit(load: Load, aws: SimpleNamespace) -> None:
    handlers = load(INLINE_LIMIT="10")

    assert handlers.batch.handler(flags_event("https://h.example", FLAGS[:10]), None)["mode"] == "inline"
    assert handlers.batch.handler(flags_event("https://h.example", FLAGS), None)["mode"] == "distributed"


def test_auto_mode_goes_distributed_when_inline_batches_would_crowd_the_payload(
    load: Load, aws: SimpleNamespace
) -> None:
    paths = [f"{index:04d}/{'x' * 900}.gif" for index in range(300)]  # ~270 KB of paths, under the count limit

    assert load().batch.handler(flags_event("https://h.example", paths), None)["mode"] == "distributed"


def test_map_mode_inline_is_honoured_whatever_the_count(load: Load) -> None:
    result = load(MAP_MODE="inline", INLINE_LIMIT="1").batch.handler(flags_event("https://h.example", FLAGS), None)

    assert result["mode"] == "inline" and result["batchCount"] == 1


def _request(base_url: Any = "https://h.example/flags", paths: Any = ("a.gif",)) -> dict[str, Any]:
    return {"baseUrl": base_url, "resourcePaths": list(paths) if isinstance(paths, tuple) else paths}


INVALID_EVENTS = [
    ("event-array", ["https://h.example"], "event", {}),
    ("baseUrl-missing", {"resourcePaths": ["a.gif"]}, "baseUrl", {}),
    ("baseUrl-number", _request(3), "baseUrl", {}),
    ("baseUrl-ftp", _request("ftp://h.example/x"), "baseUrl", {}),
    ("baseUrl-http", _request("http://h.example/x"), "baseUrl", {"ALLOW_INSECURE_HTTP": ""}),
    ("baseUrl-no-host", _request("https:///x"), "baseUrl", {}),
    ("baseUrl-userinfo", _request("https://u:p@h.example/x"), "baseUrl", {}),
    ("baseUrl-query", _request("https://h.example/x?a=1"), "baseUrl", {}),
    ("baseUrl-fragment", _request("https://h.example/x#f"), "baseUrl", {}),
    ("baseUrl-backslash", _request("https://evil.example\\@h.example/"), "baseUrl", {}),
    ("baseUrl-bad-port", _request("https://h.example:99999/"), "baseUrl", {}),
    ("baseUrl-dot-dot", _request("https://h.example/a/../b"), "baseUrl", {}),
    ("baseUrl-not-allowed", _request("https://evil.example/"), "baseUrl", {"ALLOWED_HOSTS": "h.example"}),
    ("resourcePaths-string", _request(paths="a.gif"), "resourcePaths", {}),
    ("resourcePaths-empty", _request(paths=[]), "resourcePaths", {}),
    ("resourcePaths-too-many", _request(paths=["a", "b", "c", "d"]), "resourcePaths", {"MAX_RESOURCES": "3"}),
]
BAD_PATHS = [
    ("number", 7),
    ("empty", ""),
    ("parent", "../secret"),
    ("nested-parent", "a/../../b"),
    ("encoded-parent", "%2e%2e/x"),
    ("double-encoded-parent", "%252e%252e/x"),
    ("encoded-slash-parent", "a/..%2fsecret"),
    ("dot", "./a.gif"),
    ("absolute", "/etc/passwd"),
    ("host", "//evil.example/x.gif"),
    ("url", "https://evil.example/x.gif"),
    ("scheme", "file:x.gif"),
    ("backslash", "a\\..\\b.gif"),
    ("control", "a\nb.gif"),
    ("encoded-control", "a%00b.gif"),
    ("empty-segment", "a//b.gif"),
    ("trailing-slash", "a/"),
    ("fragment", "a.gif#x"),
    ("too-long", "a" * 1025),
]
BAD_CONCUR = [("zero", 0), ("thirty-three", 33), ("string", "5"), ("true", True), ("float", 5.0), ("negative", -1)]


@pytest.mark.parametrize(
    ("event", "field", "environment"),
    [case[1:] for case in INVALID_EVENTS],
    ids=[case[0] for case in INVALID_EVENTS],
)
def test_batch_rejects_a_bad_event_naming_the_field(
    load: Load, event: Any, field: str, environment: dict[str, str]
) -> None:
    handlers = load(**environment)
    with pytest.raises(handlers.errors.InvalidInput, match=rf"^{field}: "):
        handlers.batch.handler(event, None)


@pytest.mark.parametrize("path", [case[1] for case in BAD_PATHS], ids=[case[0] for case in BAD_PATHS])
def test_batch_rejects_a_bad_resource_path_naming_its_index(load: Load, path: Any) -> None:
    handlers = load()
    with pytest.raises(handlers.errors.InvalidInput, match=r"^resourcePaths\[1\]: "):
        handlers.batch.handler({"baseUrl": "https://h.example", "resourcePaths": ["ok.gif", path]}, None)


@pytest.mark.parametrize("value", [case[1] for case in BAD_CONCUR], ids=[case[0] for case in BAD_CONCUR])
def test_batch_rejects_a_lambda_concur_outside_1_to_32(load: Load, value: Any) -> None:
    handlers = load()
    with pytest.raises(handlers.errors.InvalidInput, match=r"^lambdaConcur: "):
        handlers.batch.handler(flags_event("https://h.example", ["a.gif"], value), None)


@pytest.mark.parametrize(
    ("base_url", "allowed"),
    [
        ("https://images.example.com/flags", True),
        ("https://images.example.com:443/flags", True),
        ("http://images.example.com/flags", True),
        ("https://images.example.com:8443/flags", False),
        ("http://images.example.com:8080/flags", False),
        ("https://cdn.example.com:8443/flags", True),
        ("https://cdn.example.com/flags", False),
        ("http://cdn.example.com:8443/flags", True),
    ],
)
def test_allowed_hosts_take_the_port_into_account(load: Load, base_url: str, allowed: bool) -> None:
    """Issue 22, point 9: `name` allows the scheme's default port only, `name:port` that port only."""
    handlers = load(ALLOWED_HOSTS="images.example.com, cdn.example.com:8443", ALLOW_INSECURE_HTTP="true")
    event = flags_event(base_url, FLAGS[:1])

    if allowed:
        assert handlers.batch.handler(event, None)["total"] == 1
    else:
        with pytest.raises(handlers.errors.InvalidInput, match=r"^baseUrl: host .* is not one of ALLOWED_HOSTS"):
            handlers.batch.handler(event, None)


@pytest.mark.parametrize("entry", ["h.example:", "h.example:0", "h.example:x", ":443", "h.example:70000"])
def test_an_allowed_host_whose_port_is_not_one_names_the_variable(load: Load, entry: str) -> None:
    handlers = load()
    with pytest.raises(handlers.errors.InvalidSetting, match=r"^ALLOWED_HOSTS: "):
        handlers.settings.load({"ALLOWED_HOSTS": entry})


def test_allowed_hosts_admit_their_hosts(load: Load) -> None:
    handlers = load(ALLOWED_HOSTS="www.fluentpython.com, images.example.com")

    result = handlers.batch.handler(flags_event("https://WWW.fluentpython.com/data/flags", FLAGS[:1]), None)

    assert result["total"] == 1


@pytest.mark.parametrize(
    "event",
    [{"resourcePaths": ["../secret"]}, {"resourcePaths": ["a.gif"], "lambdaConcur": 33}, {}],
    ids=["traversal", "concurrency", "no-paths"],
)
def test_download_validates_its_batch_too_and_fetches_nothing(
    load: Load, server: HTTPServer, event: dict[str, Any]
) -> None:
    handlers = load(**LOCAL)
    server.expect_request("/flags/a.gif").respond_with_handler(gif_response)
    with pytest.raises(handlers.errors.InvalidInput):
        handlers.download.handler({"baseUrl": server.url_for("/flags"), **event}, None)
    assert hits(server, "/flags/a.gif") == 0


# download: the happy path


def test_a_batch_of_flags_lands_in_the_bucket_and_the_url_table(
    load: Load, server: HTTPServer, aws: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    handlers = load(**LOCAL)
    base_url = serve_flags(server, FLAGS[:3])

    with caplog.at_level(logging.INFO):
        result = handlers.download.handler(flags_event(base_url, FLAGS[:3], 3), None)

    assert result == {
        "succeeded": 3,
        "failed": 0,
        "alreadyStored": 0,
        "bytes": 3 * len(TINY_GIF),
        "failures": [],
        "unrecorded": 0,
        "unrecordedUrls": [],
    }
    assert sorted(object_keys(aws)) == [key_of(f"{base_url}/{path}") for path in FLAGS[:3]]
    assert key_of(base_url).startswith("http_127.0.0.1_")
    stored = aws.s3.get_object(Bucket=BUCKET, Key=key_of(f"{base_url}/ad/ad.gif"))
    assert stored["Body"].read() == TINY_GIF
    assert stored["ContentType"] == "image/gif" and stored["ServerSideEncryption"] == "AES256"
    row = rows(aws)[f"{base_url}/ad/ad.gif"]
    assert row["key"] == {"S": key_of(f"{base_url}/ad/ad.gif")} and row["bytes"] == {"N": str(len(TINY_GIF))}
    assert row["contentType"] == {"S": "image/gif"} and row["downloadedAt"]["S"].endswith("+00:00")
    url_lines = [json.loads(r.message) for r in caplog.records if r.message.startswith('{"url"')]
    assert sorted(line["url"] for line in url_lines) == [f"{base_url}/{path}" for path in FLAGS[:3]]


def test_404_is_not_found_and_leaves_no_object_and_no_row(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    base_url = serve_flags(server, ["ad/ad.gif", "zz/zz.gif"])

    result = handlers.download.handler(flags_event(base_url, ["ad/ad.gif", "zz/zz.gif"]), None)

    assert result["succeeded"] == 1 and result["bytes"] == len(TINY_GIF)
    assert only_failure(result) == {
        "url": f"{base_url}/zz/zz.gif",
        "statusCode": 404,
        "key": None,
        "bytes": 0,
        "error": "NotFound",
    }
    assert object_keys(aws) == [key_of(f"{base_url}/ad/ad.gif")]
    assert list(rows(aws)) == [f"{base_url}/ad/ad.gif"]  # rows for successes only


def test_a_rerun_keeps_the_same_keys_and_rows_and_fetches_nothing_again(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(**LOCAL)
    event = flags_event(serve_flags(server, FLAGS[:4]), FLAGS[:4])

    handlers.download.handler(event, None)
    first = sorted(object_keys(aws))
    again = handlers.download.handler(event, None)

    assert sorted(object_keys(aws)) == first and len(first) == 4 and len(rows(aws)) == 4
    assert (again["succeeded"], again["alreadyStored"]) == (4, 4) and hits(server, "/data/flags/ad/ad.gif") == 1


def test_failures_are_sampled_but_counts_stay_exact(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(FAILURE_SAMPLE="2", **LOCAL)
    missing = tuple(f"missing/{index}.gif" for index in range(5))
    base_url = serve_flags(server, ["ad/ad.gif", *missing], missing=missing)

    result = handlers.download.handler(flags_event(base_url, ["ad/ad.gif", *missing]), None)

    assert (result["succeeded"], result["failed"], len(result["failures"])) == (1, 5, 2)


def test_lambda_concur_4_never_has_more_than_4_requests_in_flight(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(**LOCAL)
    meter = ConcurrencyMeter(hold_seconds=0.15)
    paths = [f"{index}.gif" for index in range(12)]
    for path in paths:
        server.expect_request(f"/c/{path}").respond_with_handler(meter)

    result = handlers.download.handler(flags_event(server.url_for("/c"), paths, 4), None)

    assert result["succeeded"] == 12 and meter.served == 12
    assert 1 < meter.peak <= 4


def test_the_pool_keeps_a_connection_for_each_of_32_concurrent_downloads(load: Load, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    codes = [f"{first}{second}" for first in "ab" for second in "abcdefghijklmnop"]
    paths = [f"{code}/{code}.gif" for code in codes]

    with ImageServer(latency_seconds=0.05) as host:
        for run in range(2):  # other URLs the second time: a rerun of the same ones would skip them (stored)
            result = handlers.download.handler(flags_event(f"{host.url}/flags{run}", paths, 32), None)
            assert result["succeeded"] == 32, result

    assert host.requests == 64
    assert host.connections <= 32, "the second batch reuses the first one's connections (none closed, none extra)"


def test_a_response_left_unread_never_leaves_its_bytes_for_the_next_request(load: Load, aws: SimpleNamespace) -> None:
    handlers = load(RETRY_ATTEMPTS="0", **LOCAL)  # a garbled reuse would surface as an error, not be retried away
    paths = ["zz/zz.gif", "ad/ad.gif", "ab/cd.gif", "ae/ae.gif", "af/af.gif"]  # zz and ab/cd: 404

    with ImageServer() as host:
        result = handlers.download.handler(flags_event(f"{host.url}/flags", paths, 1), None)

    assert (result["succeeded"], result["failed"]) == (3, 2)
    assert {failure["error"] for failure in result["failures"]} == {"NotFound"}
    stored = aws.s3.get_object(Bucket=BUCKET, Key=key_of(f"{host.url}/flags/ae/ae.gif"))["Body"].read()
    assert stored == flag_gif("ae")


# download: retries and timeouts


@pytest.mark.parametrize("attempts", ["0", "1"])
def test_a_server_slower_than_the_read_timeout_is_a_timeout(
    load: Load, server: HTTPServer, aws: SimpleNamespace, attempts: str
) -> None:
    handlers = load(READ_TIMEOUT_SECONDS="0.2", RETRY_ATTEMPTS=attempts, **LOCAL)
    server.expect_request("/slow.gif").respond_with_handler(sleeping(0.6))

    result = handlers.download.handler(flags_event(server.url_for("/"), ["slow.gif"]), None)

    assert only_failure(result)["error"] == "Timeout" and object_keys(aws) == []


def test_a_500_then_200_is_retried_and_stored(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    server.expect_oneshot_request("/flaky.gif").respond_with_data("oops", status=500)
    server.expect_request("/flaky.gif").respond_with_handler(gif_response)

    result = handlers.download.handler(flags_event(server.url_for("/"), ["flaky.gif"]), None)

    assert (
        result["succeeded"] == 1
        and hits(server, "/flaky.gif") == 2
        and object_keys(aws) == [key_of(server.url_for("/flaky.gif"))]
    )


def test_a_429_waits_for_retry_after_then_succeeds(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    server.expect_oneshot_request("/busy.gif").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    server.expect_request("/busy.gif").respond_with_handler(gif_response)

    started = time.monotonic()
    result = handlers.download.handler(flags_event(server.url_for("/"), ["busy.gif"]), None)

    assert result["succeeded"] == 1 and hits(server, "/busy.gif") == 2
    assert time.monotonic() - started >= 0.9  # the backoff alone would be 0.01 s


def test_a_retry_after_past_the_bound_fails_the_image_at_once_as_retry_after_too_long(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(MAX_RETRY_AFTER_SECONDS="0.1", **LOCAL)
    server.expect_request("/busy.gif").respond_with_data("later", status=429, headers={"Retry-After": "3600"})
    server.expect_request("/ad/ad.gif").respond_with_handler(gif_response)

    started = time.monotonic()
    result = handlers.download.handler(flags_event(server.url_for("/"), ["busy.gif", "ad/ad.gif"]), None)

    assert only_failure(result)["error"] == "RetryAfterTooLong" and only_failure(result)["statusCode"] == 429
    assert hits(server, "/busy.gif") == 1, "not retried: waiting an hour is not an option"
    assert result["succeeded"] == 1 and time.monotonic() - started < 2, "the batch goes on"


def test_a_retry_after_within_the_bound_is_waited_for(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(MAX_RETRY_AFTER_SECONDS="1", **LOCAL)
    server.expect_oneshot_request("/busy.gif").respond_with_data("later", status=503, headers={"Retry-After": "1"})
    server.expect_request("/busy.gif").respond_with_handler(gif_response)

    result = handlers.download.handler(flags_event(server.url_for("/"), ["busy.gif"]), None)

    assert result["succeeded"] == 1 and hits(server, "/busy.gif") == 2


def test_a_persistent_503_gives_up_after_the_retry_attempts(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(RETRY_ATTEMPTS="2", **LOCAL)
    server.expect_request("/down.gif").respond_with_data("down", status=503)

    result = handlers.download.handler(flags_event(server.url_for("/"), ["down.gif"]), None)

    assert only_failure(result) | {"url": None} == {
        "url": None,
        "statusCode": 503,
        "key": None,
        "bytes": 0,
        "error": "HTTP 503",
    }
    assert hits(server, "/down.gif") == 3


def test_a_closed_port_is_a_connection_error(load: Load, aws: SimpleNamespace) -> None:
    handlers = load(RETRY_ATTEMPTS="1", **LOCAL)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nothing listens there

    result = handlers.download.handler(flags_event(f"http://127.0.0.1:{port}", ["a.gif"]), None)

    assert only_failure(result)["error"] == "ConnectionError" and only_failure(result)["statusCode"] is None


# download: what is refused


GIF, PNG, JPEG = TINY_GIF, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", b"\xff\xd8\xff\xe0\0\x10JFIF\0"
WEBP, AVIF = b"RIFF\x24\0\0\0WEBPVP8 ", b"\0\0\0\x1cftypavif\0\0\0\0"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'
HTML = b"<!DOCTYPE html><html><body>moved</body></html>"


#: (Content-Type, first bytes, the failure they are, or None for an image stored).
SNIFFED = [
    ("image/gif", GIF, None), ("image/png", PNG, None), ("image/jpeg", JPEG, None), ("image/webp", WEBP, None),
    ("image/avif", AVIF, None), ("image/svg+xml; charset=utf-8", SVG, None), ("image/gif", HTML, "ContentMismatch"),
    ("image/png", GIF, "ContentMismatch"), ("image/jpeg", PNG, "ContentMismatch"),
    ("image/svg+xml", HTML, "ContentMismatch"), ("image/gif", b"", "EmptyBody"),
]  # fmt: skip


def test_an_image_is_accepted_only_when_its_first_bytes_are_the_type_it_claims(load: Load) -> None:
    handlers = load()
    outcomes = []
    for content_type, body, _ in SNIFFED:
        try:
            handlers.image_types.check_content(content_type, body[: handlers.image_types.SNIFF_BYTES])
            outcomes.append(None)
        except handlers.errors.DownloadFailed as failure:
            outcomes.append(failure.error)

    assert outcomes == [error for _, _, error in SNIFFED]
    assert not handlers.image_types.accepted("image/x-unheard-of") and handlers.image_types.accepted("IMAGE/GIF")


def test_a_small_page_sent_as_a_png_is_a_content_mismatch_and_stores_nothing(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(**LOCAL)
    server.expect_request("/page.png").respond_with_data(HTML, content_type="image/png")

    result = handlers.download.handler(flags_event(server.url_for("/"), ["page.png"]), None)

    assert only_failure(result)["error"] == "ContentMismatch" and object_keys(aws) == [] and rows(aws) == {}


def test_a_streamed_page_sent_as_a_gif_never_reaches_s3(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    page = iter([HTML, b"<p>" * 10_000])  # chunked: no Content-Length, so the body streams to S3 as it is read
    server.expect_request("/page.gif").respond_with_response(Response(page, content_type="image/gif"))

    result = handlers.download.handler(flags_event(server.url_for("/"), ["page.gif"]), None)

    assert only_failure(result)["error"] == "ContentMismatch" and object_keys(aws) == []
    assert aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_page_is_not_an_image(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    server.expect_request("/index.html").respond_with_data("<html></html>", content_type="text/html")

    result = handlers.download.handler(flags_event(server.url_for("/"), ["index.html"]), None)

    assert only_failure(result)["error"] == "NotAnImage" and object_keys(aws) == [] and rows(aws) == {}


def test_an_image_announced_larger_than_the_cap_is_too_large_unread(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(MAX_IMAGE_BYTES="1000", **LOCAL)
    # The body is short of what it announces: reading it would end in a broken connection, not TooLarge.
    announced = Response(iter([TINY_GIF]), content_type="image/gif", headers={"Content-Length": str(10**9)})
    server.expect_request("/big.gif").respond_with_response(announced)

    started = time.monotonic()
    result = handlers.download.handler(flags_event(server.url_for("/"), ["big.gif"]), None)

    assert only_failure(result)["error"] == "TooLarge" and object_keys(aws) == []
    assert time.monotonic() - started < 1.5  # reading would wait out the 2 s read timeout for the missing bytes


def test_a_streamed_image_past_the_cap_is_too_large_and_leaves_no_object(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(MAX_IMAGE_BYTES="100000", **LOCAL)
    server.expect_request("/big.gif").respond_with_handler(chunked(300_000, chunk_bytes=16_384))

    result = handlers.download.handler(flags_event(server.url_for("/"), ["big.gif"]), None)

    assert only_failure(result)["error"] == "TooLarge" and object_keys(aws) == []


def test_a_multipart_upload_past_the_cap_is_aborted(
    load: Load, server: HTTPServer, aws: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = load(MAX_IMAGE_BYTES=str(6 * 1024 * 1024), **LOCAL)
    part = 5 * 1024 * 1024  # S3's smallest part
    config = TransferConfig(use_threads=False, multipart_threshold=part, multipart_chunksize=part)
    monkeypatch.setattr(handlers.storage, "TRANSFER_CONFIG", config)
    server.expect_request("/huge.gif").respond_with_handler(chunked(7 * 1024 * 1024))

    result = handlers.download.handler(flags_event(server.url_for("/"), ["huge.gif"]), None)

    assert only_failure(result)["error"] == "TooLarge" and object_keys(aws) == []
    assert aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_server_trickling_bytes_runs_out_of_download_time(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(MAX_DOWNLOAD_SECONDS="0.3", **LOCAL)
    server.expect_request("/drip.gif").respond_with_handler(chunked(60, chunk_bytes=1, pause_seconds=0.05))

    started = time.monotonic()
    result = handlers.download.handler(flags_event(server.url_for("/"), ["drip.gif"]), None)

    assert only_failure(result)["error"] == "Timeout" and object_keys(aws) == []
    assert time.monotonic() - started < 2  # each byte beats the read timeout; the whole body would take 3 s


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_without_allow_private_hosts_loopback_is_refused_before_any_request(
    load: Load, server: HTTPServer, aws: SimpleNamespace, host: str
) -> None:
    handlers = load()
    server.expect_request("/a.gif").respond_with_handler(gif_response)

    result = handlers.download.handler(flags_event(f"http://{host}:{server.port}", ["a.gif"]), None)

    assert only_failure(result)["error"] == "Refused" and hits(server, "/a.gif") == 0 and object_keys(aws) == []


def test_a_host_rebound_to_loopback_after_the_check_is_refused_at_connect(
    load: Load, server: HTTPServer, aws: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = load()
    server.expect_request("/a.gif").respond_with_handler(gif_response)
    monkeypatch.setattr(
        handlers.ssrf, "resolve", lambda host, port, timeout=None: ["93.184.216.34"]
    )  # the guard's lookup

    with fake_dns({"images.example": ["127.0.0.1"]}):  # the connection's lookup
        result = handlers.download.handler(flags_event(f"http://images.example:{server.port}", ["a.gif"]), None)

    assert only_failure(result)["error"] == "Refused" and hits(server, "/a.gif") == 0


@pytest.fixture
def public_images_host(
    load: Load, server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SimpleNamespace, dict[str, list[str]], str]]:
    """`images.example` is the local server, and the guard takes 127.0.0.1 for a public address (SSRF guard on)."""
    handlers = load()
    blocked = handlers.ssrf.is_blocked
    monkeypatch.setattr(handlers.ssrf, "is_blocked", lambda address: address != "127.0.0.1" and blocked(address))
    with fake_dns({"images.example": ["127.0.0.1"]}) as answers:
        yield handlers, answers, f"http://images.example:{server.port}"


def test_same_host_redirects_are_followed_up_to_three(
    public_images_host: tuple[SimpleNamespace, dict[str, list[str]], str], server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers, _, base_url = public_images_host
    for hop in range(3):
        server.expect_request(f"/{hop}.gif").respond_with_data("", status=302, headers={"Location": f"/{hop + 1}.gif"})
    server.expect_request("/3.gif").respond_with_handler(gif_response)

    result = handlers.download.handler(flags_event(base_url, ["0.gif"]), None)

    assert result["succeeded"] == 1 and object_keys(aws) == [key_of(f"{base_url}/0.gif")]  # the URL asked for


def test_a_fourth_redirect_is_refused(
    public_images_host: tuple[SimpleNamespace, dict[str, list[str]], str], server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers, _, base_url = public_images_host
    for hop in range(4):
        server.expect_request(f"/{hop}.gif").respond_with_data("", status=301, headers={"Location": f"/{hop + 1}.gif"})

    result = handlers.download.handler(flags_event(base_url, ["0.gif"]), None)

    assert (
        only_failure(result)["error"] == "RedirectRefused"
        and hits(server, "/3.gif") == 1
        and hits(server, "/4.gif") == 0
    )


@pytest.mark.parametrize(
    "location",
    [
        "http://other.example/a.gif",
        "http://127.0.0.1:{port}/a.gif",
        "http://169.254.169.254/latest/meta-data/",
        "http://images.example:{other_port}/a.gif",
        "https://images.example:{port}/a.gif",
    ],
    ids=["other-host", "loopback", "instance-metadata", "other-port", "other-scheme"],
)
def test_a_redirect_off_the_host_is_refused(
    public_images_host: tuple[SimpleNamespace, dict[str, list[str]], str],
    server: HTTPServer,
    aws: SimpleNamespace,
    location: str,
) -> None:
    handlers, _, base_url = public_images_host
    server.expect_request("/a.gif").respond_with_data(
        "", status=302, headers={"Location": location.format(port=server.port, other_port=server.port + 1)}
    )

    result = handlers.download.handler(flags_event(base_url, ["a.gif"]), None)

    failure = only_failure(result)
    assert (failure["error"], failure["statusCode"]) == ("RedirectRefused", 302) and hits(server, "/a.gif") == 1


@pytest.mark.parametrize(
    ("first", "hop", "allowed"),
    [
        ("http://h.example/a.gif", "https://h.example/a.gif", True),
        ("http://h.example:80/a.gif", "https://h.example:443/a.gif", True),
        ("https://h.example/a.gif", "http://h.example/a.gif", False),
        ("http://h.example:8080/a.gif", "https://h.example/a.gif", False),
        ("https://h.example:8443/a.gif", "https://h.example:8443/b.gif", True),
        ("https://h.example:8443/a.gif", "https://h.example/b.gif", False),
        ("https://h.example/a.gif", "https://h.example:8443/b.gif", False),
    ],
)
def test_a_redirect_stays_on_the_scheme_host_and_port_but_may_upgrade_to_https(
    load: Load, first: str, hop: str, allowed: bool
) -> None:
    fetch = load().fetch

    assert fetch.same_host(fetch.origin(hop), fetch.origin(first)) is allowed


def test_every_redirect_hop_is_resolved_and_checked_again(
    public_images_host: tuple[SimpleNamespace, dict[str, list[str]], str], server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers, answers, base_url = public_images_host

    def redirect_and_rebind(request: Any) -> Response:
        answers["images.example"] = ["169.254.169.254"]  # by the next hop, the name points at instance metadata
        return Response("", status=302, headers={"Location": "/b.gif"})

    server.expect_request("/a.gif").respond_with_handler(redirect_and_rebind)
    server.expect_request("/b.gif").respond_with_handler(gif_response)

    result = handlers.download.handler(flags_event(base_url, ["a.gif"]), None)

    assert only_failure(result)["error"] == "Refused" and hits(server, "/a.gif") == 1 and hits(server, "/b.gif") == 0


@pytest.mark.parametrize(
    "address",
    ["10.0.0.1", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "fd00:ec2::254", "::1", "fe80::1",
     "224.0.0.1", "0.0.0.0", "::", "100.64.0.1", "240.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "not-an-ip"],
)  # fmt: skip
def test_the_guard_blocks_every_non_public_address(load: Load, address: str) -> None:
    assert load().ssrf.is_blocked(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_the_guard_lets_public_addresses_through(load: Load, address: str) -> None:
    assert not load().ssrf.is_blocked(address)


# keys


def test_keys_are_host_and_path_when_already_safe(load: Load) -> None:
    keys = load().keys

    assert keys.object_key("https://www.fluentpython.com/data/flags/ad/ad.gif") == (
        "www.fluentpython.com/data/flags/ad/ad.gif"
    )


def test_unsafe_characters_are_replaced_and_distinct_urls_keep_distinct_keys(load: Load) -> None:
    keys = load().keys
    spaced, underscored = keys.object_key("https://h.example/a b.gif"), keys.object_key("https://h.example/a_b.gif")

    assert underscored == "h.example/a_b.gif"
    assert spaced.startswith("h.example/a_b-") and spaced.endswith(".gif") and spaced != underscored
    assert keys.object_key("https://h.example/a.php?id=3") != keys.object_key("https://h.example/a.php?id=4")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://h.example/a/b.gif", "h.example/a/b.gif"),
        ("https://h.example:443/a/b.gif", "h.example/a/b.gif"),
        ("https://h.example:8443/a/b.gif", "https_h.example_8443/a/b.gif"),
        ("http://h.example/a/b.gif", "http_h.example_80/a/b.gif"),
        ("http://h.example:8080/a/b.gif", "http_h.example_8080/a/b.gif"),
        ("http://127.0.0.1:8080/a/b.gif", "http_127.0.0.1_8080/a/b.gif"),
    ],
)
def test_keys_tell_scheme_and_port_apart_and_keep_todays_key_for_https_on_its_default_port(
    load: Load, url: str, key: str
) -> None:
    """Issue 22, point 1: keys were host + path, so two ports (or schemes) of one host shared an object."""
    assert load().keys.object_key(url) == key


def test_distinct_scheme_host_port_path_or_query_give_distinct_keys(load: Load) -> None:
    keys = load().keys
    urls = [
        "https://h.example/a.gif", "http://h.example/a.gif", "https://h.example:8443/a.gif",
        "http://h.example:8443/a.gif", "https://g.example/a.gif", "https://h.example/b.gif",
        "https://h.example/a.gif?v=2", "https://[::1]:8443/a.gif", "https://[::2]:8443/a.gif",
    ]  # fmt: skip

    assert len({keys.object_key(url) for url in urls}) == len(urls)


@hypothesis_settings(max_examples=300, deadline=None)
@given(path=st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), min_size=1, max_size=300))
def test_keys_never_have_dot_segments_or_a_leading_slash_and_are_stable(path: str) -> None:
    keys = _keys_module()
    url = f"https://images.example.com/base/{path}"

    key = keys.object_key(url)

    assert not key.startswith("/") and ".." not in key.split("/") and "." not in key.split("/")
    assert "" not in key.split("/") and len(key) <= 1024 and key.isascii()
    assert key == keys.object_key(url)


@functools.cache
def _keys_module() -> Any:
    """keys.py imports only the standard library and reads no settings, so hypothesis examples share one copy."""
    spec = importlib.util.spec_from_file_location("image_downloader_keys", HANDLER_DIR / "keys.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# records


class StubDynamoDB:
    """A BatchWriteItem that leaves the last item of the first `unprocessed_calls` calls unprocessed."""

    def __init__(self, unprocessed_calls: int) -> None:
        self.unprocessed_calls = unprocessed_calls
        self.calls: list[dict[str, Any]] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append(RequestItems)
        if len(self.calls) > self.unprocessed_calls:
            return {"UnprocessedItems": {}}
        return {"UnprocessedItems": {table: items[-1:] for table, items in RequestItems.items()}}


def _rows(records: Any, count: int) -> list[dict[str, Any]]:
    return [records.row(f"https://h.example/{i}.gif", f"h.example/{i}.gif", 43, "image/gif", "t") for i in range(count)]


def test_unprocessed_rows_are_retried_with_backoff(load: Load) -> None:
    records = load().records
    client, sleeps = StubDynamoDB(unprocessed_calls=1), []

    records.write_rows(client, TABLE, _rows(records, 3), sleep=sleeps.append)

    assert len(client.calls) == 2 and len(sleeps) == 1
    assert client.calls[1] == {TABLE: [{"PutRequest": {"Item": _rows(records, 3)[2]}}]}


def test_rows_go_25_per_call(load: Load) -> None:
    records = load().records
    client = StubDynamoDB(unprocessed_calls=0)

    records.write_rows(client, TABLE, _rows(records, 60), sleep=lambda seconds: None)

    assert [len(call[TABLE]) for call in client.calls] == [25, 25, 10]


def test_rows_still_unprocessed_after_every_attempt_raise(load: Load) -> None:
    handlers = load()
    client = StubDynamoDB(unprocessed_calls=100)

    with pytest.raises(handlers.errors.RowsNotWritten, match="1 rows of urls"):
        handlers.records.write_rows(client, TABLE, _rows(handlers.records, 2), sleep=lambda seconds: None)
    assert len(client.calls) == handlers.records.WRITE_ATTEMPTS


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_row_writer_writes_each_25_rows_while_the_batch_goes_on_and_the_rest_on_leaving(load: Load) -> None:
    records = load().records
    client, items = StubDynamoDB(unprocessed_calls=0), _rows(records, 60)

    with records.RowWriter(TABLE, lambda: client) as writer:
        for item in items[:25]:
            writer.add(item)
        assert _wait_for(lambda: len(client.calls) == 1), "25 rows are written before the batch ends"
        for item in items[25:]:
            writer.add(item)

    assert [len(call[TABLE]) for call in client.calls] == [25, 25, 10]
    assert [request["PutRequest"]["Item"] for call in client.calls for request in call[TABLE]] == items


def test_the_row_writer_names_the_rows_dynamodb_kept_refusing_and_still_writes_the_other_chunks(load: Load) -> None:
    """Issue 22: rows refused for good no longer fail the batch (its images are stored): they are named apart."""
    handlers = load()
    client = StubDynamoDB(unprocessed_calls=handlers.records.WRITE_ATTEMPTS)  # the first chunk never goes in

    with handlers.records.RowWriter(TABLE, lambda: client, sleep=lambda seconds: None) as writer:
        for item in _rows(handlers.records, 30):
            writer.add(item)

    assert len(client.calls) == handlers.records.WRITE_ATTEMPTS + 1, "the second chunk was written all the same"
    assert len(client.calls[-1][TABLE]) == 5
    assert writer.unrecorded == ["https://h.example/24.gif"] and "1 rows of urls" in str(writer.write_error)


def test_the_row_writer_writes_what_it_holds_when_the_batch_fails_and_lets_that_error_through(load: Load) -> None:
    records = load().records
    client = StubDynamoDB(unprocessed_calls=0)

    writer = records.RowWriter(TABLE, lambda: client)
    with pytest.raises(KeyError, match="the batch's own error"), writer:
        for item in _rows(records, 3):
            writer.add(item)
        raise KeyError("the batch's own error")

    assert [len(call[TABLE]) for call in client.calls] == [3]


def test_the_row_writer_needs_no_table_or_client_until_a_row_is_added(load: Load) -> None:
    records = load().records

    def no_client() -> Any:
        raise AssertionError("a client was created for no rows")

    with records.RowWriter(None, no_client):
        pass
    with pytest.raises(RuntimeError, match="URL_TABLE is not set"), records.RowWriter(None, no_client) as writer:
        writer.add(_rows(records, 1)[0])


# settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BATCH_SIZE", "0"), ("MAX_IMAGE_BYTES", "lots"), ("MAP_MODE", "sideways"), ("ALLOW_PRIVATE_HOSTS", "maybe"),
     ("READ_TIMEOUT_SECONDS", "nan")],
)  # fmt: skip
def test_an_unusable_setting_names_its_variable(load: Load, variable: str, value: str) -> None:
    handlers = load()
    with pytest.raises(handlers.errors.InvalidSetting, match=rf"^{variable}: "):
        handlers.settings.load({variable: value})


def test_the_settings_read_exactly_the_documented_variables() -> None:
    source = (HANDLER_DIR / "settings.py").read_text()

    assert set(re.findall(r'"([A-Z][A-Z_]{3,})"', source)) == set(ENVIRONMENT)


def test_settings_defaults_are_the_documented_ones(load: Load) -> None:
    defaults = load().settings.load({})

    assert (defaults.batch_size, defaults.max_resources, defaults.inline_limit, defaults.map_mode) == (
        25,
        10_000,
        1000,
        "auto",
    )
    assert (defaults.connect_timeout_seconds, defaults.read_timeout_seconds, defaults.retry_attempts) == (3.05, 10, 3)
    assert (defaults.max_image_bytes, defaults.failure_sample, defaults.failed_url_cap) == (26_214_400, 1000, 50)
    assert not defaults.allow_private_hosts and not defaults.allow_insecure_http


# consolidate


def _download_result(succeeded: int, failures: list[tuple[str, str]], size: int = 43) -> dict[str, Any]:
    return {
        "succeeded": succeeded,
        "failed": len(failures),
        "bytes": succeeded * size,
        "failures": [{"url": url, "statusCode": None, "key": None, "bytes": 0, "error": e} for url, e in failures],
    }


FLAGS_URL = "https://www.fluentpython.com/data/flags"


def test_consolidate_words_the_seeds_failure_message(load: Load) -> None:
    results = [
        _download_result(5, []),
        _download_result(3, [(f"{FLAGS_URL}/zz/zz.gif", "NotFound"), (f"{FLAGS_URL}/zy/zy.gif", "HTTP 500")]),
        _download_result(0, [(f"{FLAGS_URL}/zx/zx.gif", "Timeout")]),
    ]

    report = load().consolidate.handler({"results": results}, None)

    listing = (
        "3 of 11 images failed to download.\n"
        f"Could not find: {FLAGS_URL}/zz/zz.gif\n"
        f"HTTP 500: {FLAGS_URL}/zy/zy.gif\n"
        f"Timeout: {FLAGS_URL}/zx/zx.gif"
    )
    assert report == {
        "allSucceeded": False,
        "succeeded": 8,
        "failed": 3,
        "unrecorded": 0,
        "alreadyStored": 0,
        "bytes": 8 * 43,
        "failedUrls": [f"{FLAGS_URL}/zz/zz.gif", f"{FLAGS_URL}/zy/zy.gif", f"{FLAGS_URL}/zx/zx.gif"],
        "failuresObject": None,
        "message": listing,
        "notification": listing,
    }


def test_consolidate_reports_all_succeeded(load: Load) -> None:
    report = load().consolidate.handler({"results": [_download_result(5, []), _download_result(5, [])]}, None)

    assert report["allSucceeded"] and report["failedUrls"] == [] and report["message"] == "All 10 images downloaded."


def test_consolidate_caps_failed_urls_and_keeps_counts_exact(load: Load) -> None:
    consolidate = load(FAILED_URL_CAP="3").consolidate
    sampled = [(f"{FLAGS_URL}/{index}.gif", "NotFound") for index in range(4)]
    results = [_download_result(1, sampled), {**_download_result(0, sampled[:1]), "failed": 20}]

    report = consolidate.handler({"results": results}, None)

    assert (report["succeeded"], report["failed"], len(report["failedUrls"])) == (1, 24, 3)
    assert report["message"].splitlines()[0] == "24 of 25 images failed to download."
    assert report["message"].splitlines()[-1] == "(Listed 3 of 24 failures; the download function logs every URL.)"


def _put_json(aws: SimpleNamespace, key: str, document: Any) -> int:
    body = json.dumps(document).encode()
    aws.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return len(body)


def test_consolidate_reads_a_distributed_maps_result_writer_manifest(load: Load, aws: SimpleNamespace) -> None:
    folder = "results/0f1e2d3c-map-run/"
    run = "arn:aws:states:us-east-1:123456789012:mapRun:downloader/DownloadDistributed:0f1e2d3c-map-run"
    succeeded = [
        {"ExecutionArn": f"{run}-1", "Name": "1", "Status": "SUCCEEDED", "Input": "{}",
         "InputDetails": {"Included": True}, "Output": json.dumps(_download_result(25, [])),
         "OutputDetails": {"Included": True}},
        {"ExecutionArn": f"{run}-2", "Name": "2", "Status": "SUCCEEDED",
         "Output": json.dumps(_download_result(24, [(f"{FLAGS_URL}/zz/zz.gif", "NotFound")]))},
    ]  # fmt: skip
    batch = flags_event(FLAGS_URL, ["x1.gif", "x2.gif"])
    failed = [
        {"ExecutionArn": f"{run}-3", "Name": "3", "Status": "FAILED", "Input": json.dumps(batch),
         "Error": "States.Timeout", "Cause": "The download task timed out"},
        {"ExecutionArn": f"{run}-4", "Name": "4", "Status": "FAILED", "Error": "Lambda.Unknown", "Cause": "OOM"},
    ]  # fmt: skip
    files = {
        "SUCCEEDED": [
            {"Key": f"{folder}SUCCEEDED_0.json", "Size": _put_json(aws, f"{folder}SUCCEEDED_0.json", succeeded)}
        ],
        "FAILED": [{"Key": f"{folder}FAILED_0.json", "Size": _put_json(aws, f"{folder}FAILED_0.json", failed)}],
        "PENDING": [],
    }
    _put_json(aws, f"{folder}manifest.json", {"DestinationBucket": BUCKET, "MapRunArn": run, "ResultFiles": files})

    report = load().consolidate.handler({"resultWriter": {"Bucket": BUCKET, "Key": f"{folder}manifest.json"}}, None)

    assert (report["succeeded"], report["failed"], report["bytes"]) == (49, 4, 49 * 43)
    assert report["failedUrls"] == [f"{FLAGS_URL}/zz/zz.gif", f"{FLAGS_URL}/x1.gif", f"{FLAGS_URL}/x2.gif"]
    assert report["message"].splitlines() == [
        "4 of 53 images failed to download.",
        f"Could not find: {FLAGS_URL}/zz/zz.gif",
        f"States.Timeout (The download task timed out): {FLAGS_URL}/x1.gif",
        f"States.Timeout (The download task timed out): {FLAGS_URL}/x2.gif",
        "Lambda.Unknown (OOM): batch 4",
    ]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ([], "event"),
        ({}, "event"),
        ({"results": {"succeeded": 1}}, "results"),
        ({"results": [{"succeeded": 1, "failed": -1, "bytes": 0}]}, r"results\[0\]\.failed"),
        ({"results": [{"succeeded": True, "failed": 0, "bytes": 0}]}, r"results\[0\]\.succeeded"),
        ({"results": [{"succeeded": 1, "failed": 0, "bytes": 0, "failures": [{}]}]}, r"results\[0\]\.failures\[0\]"),
        ({"resultWriter": {"Bucket": BUCKET}}, "resultWriter"),
    ],
    ids=["array", "empty", "results-object", "negative", "bool", "failure-without-url", "no-key"],
)
def test_consolidate_rejects_a_bad_event_naming_the_field(load: Load, event: Any, field: str) -> None:
    handlers = load()
    with pytest.raises(handlers.errors.InvalidInput, match=rf"^{field}: "):
        handlers.consolidate.handler(event, None)


# the three together, as the state machine runs them


def test_the_seeds_flags_end_to_end_report_the_missing_flag(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(BATCH_SIZE="5", **LOCAL)
    base_url = serve_flags(server, FLAGS)

    plan = handlers.batch.handler(flags_event(base_url, FLAGS), None)
    results = [handlers.download.handler(batch, None) for batch in plan["batches"]]
    report = handlers.consolidate.handler({"results": results}, None)

    assert report["message"] == f"1 of 11 images failed to download.\nCould not find: {base_url}/zz/zz.gif"
    assert len(object_keys(aws)) == 10 and len(rows(aws)) == 10 and not report["allSucceeded"]


class _RecordingS3:
    """put_object that holds each call briefly and remembers how many ran at once; one key can be made to fail."""

    def __init__(self, failing_key: str | None = None) -> None:
        self.failing_key, self.running, self.most, self.keys = failing_key, 0, 0, []
        self.lock = threading.Lock()

    def put_object(self, **kwargs: Any) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
            self.keys.append(kwargs["Key"])
        if kwargs["Key"] == self.failing_key:
            raise RuntimeError("S3 refused the upload")


def test_small_images_upload_on_their_own_threads_at_most_the_limit_at_once(
    load: Load, monkeypatch: pytest.MonkeyPatch
):
    modules = load()
    s3 = _RecordingS3()
    monkeypatch.setattr(modules.clients, "s3", lambda: s3)
    with modules.storage.Uploads(3) as uploads:
        for index in range(9):
            uploads.put(f"k{index}", b"gif", "image/gif")
    assert sorted(s3.keys) == sorted(f"k{index}" for index in range(9)), "leaving waits for every upload"
    assert 1 < s3.most <= 3


def test_an_upload_error_fails_the_batch_when_the_uploads_end(load: Load, monkeypatch: pytest.MonkeyPatch):
    modules = load()
    monkeypatch.setattr(modules.clients, "s3", lambda: _RecordingS3(failing_key="k1"))
    with pytest.raises(RuntimeError, match="S3 refused"), modules.storage.Uploads(2) as uploads:
        for index in range(3):
            uploads.put(f"k{index}", b"gif", "image/gif")


def test_an_s3_failure_fails_the_batch_but_the_images_stored_keep_their_rows(
    load: Load, server: HTTPServer, aws: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = load(**LOCAL)
    base_url = serve_flags(server, FLAGS[:4])
    real_s3 = handlers.clients.s3()
    refused = key_of(f"{base_url}/ae/ae.gif")

    class RefusingS3:
        def put_object(self, **kwargs: Any) -> Any:
            if kwargs["Key"] == refused:
                raise RuntimeError("S3 refused the upload")
            return real_s3.put_object(**kwargs)

    monkeypatch.setattr(handlers.clients, "s3", RefusingS3)

    with pytest.raises(RuntimeError, match="S3 refused"):
        handlers.download.handler(flags_event(base_url, FLAGS[:4], 2), None)

    stored = sorted(f"{base_url}/{key.split('/flags/', 1)[1]}" for key in object_keys(aws))
    assert len(stored) == 3 and f"{base_url}/ae/ae.gif" not in stored
    assert sorted(rows(aws)) == stored, "every stored image, and only those, has its row"


def test_a_batch_of_more_than_25_images_records_every_one(load: Load, server: HTTPServer, aws: SimpleNamespace) -> None:
    handlers = load(**LOCAL)
    paths = [f"n{index}/n{index}.gif" for index in range(60)]
    base_url = serve_flags(server, paths, missing=("n7/n7.gif",))

    result = handlers.download.handler(flags_event(base_url, paths, 8), None)

    assert (result["succeeded"], result["failed"]) == (59, 1)
    assert sorted(rows(aws)) == sorted(f"{base_url}/{path}" for path in paths if path != "n7/n7.gif")


def test_a_batch_that_stores_images_without_a_url_table_says_so(
    load: Load, server: HTTPServer, aws: SimpleNamespace
) -> None:
    handlers = load(URL_TABLE="", **LOCAL)
    base_url = serve_flags(server, FLAGS[:2])

    with pytest.raises(RuntimeError, match="URL_TABLE is not set"):
        handlers.download.handler(flags_event(base_url, FLAGS[:2]), None)
