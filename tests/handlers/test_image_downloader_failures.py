"""The download Lambda against misbehaving hosts and a deadline: each image fails with a named reason, the batch
returns before its Lambda's timeout, and a rerun fetches only what is missing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.handlers import test_image_downloader_handlers as handler_tests
from tests.handlers.test_image_downloader_handlers import FLAGS, LOCAL, Load, flags_event, key_of, object_keys, rows
from tools.sandbox.image_server import ImageServer, flag_gif

# The handler tests' fixtures: the handlers loaded fresh with an environment, and moto's S3 and DynamoDB.
load, aws, moto_aws = handler_tests.load, handler_tests.aws, handler_tests.moto_aws


class LambdaContext:
    """The part of a Lambda context the download handler reads: the time left before its deadline."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@pytest.fixture(scope="module")
def host() -> Any:
    with ImageServer() as server:
        yield server


def run(handlers: SimpleNamespace, host: ImageServer, paths: list[str], context: Any = None, concur: int = 5) -> Any:
    return handlers.download.handler(flags_event(f"{host.url}/data/flags", paths, concur), context)


def errors(result: dict[str, Any]) -> dict[str, str]:
    """path -> error of each failed image."""
    return {failure["url"].split("/data/flags/", 1)[1]: failure["error"] for failure in result["failures"]}


@pytest.mark.parametrize("fault", ["fault-slow-30", "fault-hang", "fault-trickle-1"])
def test_a_slow_hung_or_trickling_host_is_out_of_time_before_the_lambda_deadline_and_the_rest_is_stored(
    load: Load, aws: SimpleNamespace, host: ImageServer, fault: str
) -> None:
    handlers = load(READ_TIMEOUT_SECONDS="10", **LOCAL)
    paths = [f"{fault}/ad/ad.gif", "ae/ae.gif", "af/af.gif"]

    started = time.monotonic()
    result = run(handlers, host, paths, LambdaContext(3.0))
    took = time.monotonic() - started

    assert took < 3.0 - 0.5, f"returned {took:.2f} s into a 3 s Lambda: the reserve is kept for the uploads"
    assert errors(result) == {f"{fault}/ad/ad.gif": "OutOfTime"}
    assert result["succeeded"] == 2 and len(object_keys(aws)) == 2 and len(rows(aws)) == 2


def test_images_not_started_by_the_deadline_are_out_of_time_and_never_requested(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    handlers = load(**LOCAL)
    paths = ["fault-slow-1.2/ad/ad.gif", "fault-slow-1.2/ae/ae.gif", "af/af.gif"]
    before = host.requests

    result = run(handlers, host, paths, LambdaContext(2.5), concur=1)  # 1.5 s to download, one at a time

    assert errors(result) == {"fault-slow-1.2/ae/ae.gif": "OutOfTime", "af/af.gif": "OutOfTime"}
    assert host.requests - before == 2, "af was never requested: no download starts after the deadline"
    assert result["succeeded"] == 1 and object_keys(aws) == [key_of(f"{host.url}/data/flags/fault-slow-1.2/ad/ad.gif")]


def test_a_retry_after_longer_than_the_bound_fails_that_image_and_the_batch_goes_on(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    handlers = load(MAX_RETRY_AFTER_SECONDS="10", **LOCAL)

    started = time.monotonic()
    result = run(handlers, host, ["fault-busy-11/ad/ad.gif", "ae/ae.gif"])

    assert errors(result) == {"fault-busy-11/ad/ad.gif": "RetryAfterTooLong"}
    assert result["failures"][0]["statusCode"] == 429
    assert result["succeeded"] == 1 and time.monotonic() - started < 2


def test_a_retry_after_within_the_bound_but_past_the_deadline_is_not_waited_for(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    handlers = load(MAX_RETRY_AFTER_SECONDS="10", **LOCAL)

    started = time.monotonic()
    result = run(handlers, host, ["fault-busy-5/ad/ad.gif"], LambdaContext(3.0))

    assert result["failed"] == 1 and time.monotonic() - started < 2.5
    assert result["failures"][0]["statusCode"] == 429


def test_a_redirect_loop_is_refused_after_three_hops(load: Load, aws: SimpleNamespace, host: ImageServer) -> None:
    result = run(load(**LOCAL), host, ["fault-loop/ad/ad.gif", "ae/ae.gif"])

    assert errors(result) == {"fault-loop/ad/ad.gif": "RedirectRefused"} and result["succeeded"] == 1


def test_a_connection_cut_mid_body_is_an_incomplete_body_and_stores_nothing_of_it(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    result = run(load(**LOCAL), host, ["fault-cut/ad/ad.gif", "ae/ae.gif"], concur=1)

    assert errors(result) == {"fault-cut/ad/ad.gif": "IncompleteBody"}
    assert object_keys(aws) == [key_of(f"{host.url}/data/flags/ae/ae.gif")] and len(rows(aws)) == 1


def test_a_host_sending_more_than_it_declared_is_read_only_to_the_declared_length(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    """HTTP/1.1 ends a body at its Content-Length: the excess is never read, so the byte cap holds, and it never
    reaches the next image on the same keep-alive connection."""
    result = run(load(**LOCAL), host, ["fault-overlong/ad/ad.gif", "ae/ae.gif", "af/af.gif"], concur=1)

    stored = {key: aws.s3.get_object(Bucket="images", Key=key)["Body"].read() for key in object_keys(aws)}
    assert result["succeeded"] == 3
    key = key_of(f"{host.url}/data/flags/fault-overlong/ad/ad.gif")
    assert stored[key] == flag_gif("ad")[: len(flag_gif("ad")) // 2]
    assert stored[key_of(f"{host.url}/data/flags/ae/ae.gif")] == flag_gif("ae")
    assert stored[key_of(f"{host.url}/data/flags/af/af.gif")] == flag_gif("af")


def test_a_rerun_fetches_only_what_is_missing_and_leaves_what_was_stored_untouched(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    handlers = load(**LOCAL)
    paths = FLAGS[:3]
    first = run(handlers, host, [*paths, "zz/zz.gif"])
    stored = {key: aws.s3.head_object(Bucket="images", Key=key)["ETag"] for key in object_keys(aws)}
    recorded = rows(aws)
    before = host.requests

    second = run(handlers, host, [*paths, "zz/zz.gif"])

    assert (first["succeeded"], first["failed"]) == (3, 1)
    assert (second["succeeded"], second["alreadyStored"], second["failed"]) == (3, 3, 1)
    assert host.requests - before == 1, "only the missing zz was asked for again"
    assert {key: aws.s3.head_object(Bucket="images", Key=key)["ETag"] for key in object_keys(aws)} == stored
    assert rows(aws) == recorded, "the rows keep their first downloadedAt"


def test_when_the_url_table_cannot_be_read_a_rerun_fetches_everything_again(
    load: Load, aws: SimpleNamespace, host: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = load(**LOCAL)
    run(handlers, host, FLAGS[:2])
    client = handlers.clients.dynamodb()
    throttled = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchGetItem")
    monkeypatch.setattr(client, "batch_get_item", lambda **kwargs: (_ for _ in ()).throw(throttled))
    before = host.requests

    result = run(handlers, host, FLAGS[:2])

    assert (result["succeeded"], result["alreadyStored"], result["failed"]) == (2, 0, 0)
    assert host.requests - before == 2 and len(object_keys(aws)) == 2 and len(rows(aws)) == 2


def test_batches_carry_the_executions_deadline_less_the_time_its_report_needs(load: Load) -> None:
    handlers = load(EXECUTION_TIMEOUT_SECONDS="100")

    before = time.time()
    result = handlers.batch.handler(flags_event("https://h.example", FLAGS, 5), None)

    deadlines = {batch["finishBy"] for batch in result["batches"]}
    assert len(deadlines) == 1 and before + 89.99 <= deadlines.pop() <= time.time() + 90.01, "100 s less 10 s"


def test_a_batch_started_after_the_executions_deadline_fetches_nothing_and_is_out_of_time(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    handlers = load(**LOCAL)
    before = host.requests
    event = {**flags_event(f"{host.url}/data/flags", FLAGS[:3]), "finishBy": time.time() - 1}

    result = handlers.download.handler(event, LambdaContext(60))

    assert set(errors(result).values()) == {"OutOfTime"} and result["failed"] == 3
    assert host.requests == before and object_keys(aws) == []


def test_a_slow_host_stops_at_the_executions_deadline_well_before_the_lambdas(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    handlers = load(**LOCAL)
    event = {
        **flags_event(f"{host.url}/data/flags", ["fault-slow-30/ad/ad.gif", "ae/ae.gif"]),
        "finishBy": time.time() + 1.5,
    }

    started = time.monotonic()
    result = handlers.download.handler(event, LambdaContext(60))

    assert time.monotonic() - started < 2.5
    assert errors(result) == {"fault-slow-30/ad/ad.gif": "OutOfTime"} and result["succeeded"] == 1


def test_consolidate_reports_each_image_of_a_failed_batch_with_the_batchs_error(load: Load) -> None:
    base = "https://images.example.com/data/flags"
    results = [
        {"failedBatch": {"error": "Sandbox.Timedout", "baseUrl": base, "resourcePaths": ["ad/ad.gif", "ae/ae.gif"]}},
        {"succeeded": 2, "failed": 0, "alreadyStored": 1, "bytes": 86, "failures": []},
    ]

    report = load().consolidate.handler({"results": results, "execution": "run-1"}, None)

    assert (report["succeeded"], report["failed"], report["alreadyStored"]) == (2, 2, 1)
    assert report["message"].splitlines() == [
        "2 of 4 images failed to download.",
        f"BatchFailed (Sandbox.Timedout): {base}/ad/ad.gif",
        f"BatchFailed (Sandbox.Timedout): {base}/ae/ae.gif",
    ]
    assert report["notification"] == report["message"] and report["failuresObject"] is None


# Issue 22: no silent overwrite, every phase inside the deadline, reports that count only what is lost.


def other_bytes(code: str) -> Any:
    """A host serving the flags with another flag's bytes: the same paths as `flag_response`, other images."""
    return lambda path: (200, "image/gif", flag_gif(code)) if path.endswith(".gif") else (404, "text/plain", b"no")


def test_two_hosts_differing_only_by_port_keep_their_own_objects_rows_and_reruns(
    load: Load, aws: SimpleNamespace, host: ImageServer
) -> None:
    """The issue's silent overwrite: same host, same path, another port was keyed alike, so the second download
    replaced the first one's bytes and the first URL's row led to them."""
    handlers = load(**LOCAL)
    with ImageServer(respond=other_bytes("zy")) as other:
        first, second = f"{host.url}/data/flags/ad/ad.gif", f"{other.url}/data/flags/ad/ad.gif"
        run(handlers, host, ["ad/ad.gif"])
        handlers.download.handler(flags_event(f"{other.url}/data/flags", ["ad/ad.gif"]), None)
        before = host.requests + other.requests

        again = [run(handlers, host, ["ad/ad.gif"]), run(handlers, other, ["ad/ad.gif"])]

        assert host.requests + other.requests == before, "a rerun of either skips its own stored image"
    recorded = rows(aws)
    assert recorded[first]["key"]["S"] != recorded[second]["key"]["S"] and len(object_keys(aws)) == 2
    for url, code in ((first, "ad"), (second, "zy")):
        body = aws.s3.get_object(Bucket="images", Key=recorded[url]["key"]["S"])["Body"].read()
        assert body == flag_gif(code), f"{url}'s row leads to its own bytes"
    assert [(result["alreadyStored"], result["failed"]) for result in again] == [(1, 0), (1, 0)]


@pytest.mark.parametrize("limit", ["batch", "image"])
def test_a_host_sending_its_headers_a_line_at_a_time_is_cut_off_by_the_deadline_and_the_rest_is_stored(
    load: Load, aws: SimpleNamespace, host: ImageServer, limit: str
) -> None:
    """Each header line beats the 10 s read timeout; only a deadline on the whole response ends it: the batch's
    (OutOfTime), or the image's own MAX_DOWNLOAD_SECONDS (Timeout)."""
    per_image = {"MAX_DOWNLOAD_SECONDS": "1"} if limit == "image" else {}
    handlers = load(READ_TIMEOUT_SECONDS="10", **per_image, **LOCAL)
    paths = ["fault-headers-0.2/ad/ad.gif", "ae/ae.gif", "af/af.gif"]

    started = time.monotonic()
    result = run(handlers, host, paths, LambdaContext(2.5))
    took = time.monotonic() - started

    assert errors(result) == {paths[0]: "OutOfTime" if limit == "batch" else "Timeout"}
    assert took < (2.5 - 0.5 if limit == "batch" else 1.5), f"returned {took:.2f} s in"
    assert result["succeeded"] == 2 and len(object_keys(aws)) == 2 and len(rows(aws)) == 2


@pytest.fixture
def slow_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`slow.example` resolves (to 127.0.0.1) only after 5 s; every other name as usual."""
    release, original = threading.Event(), socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow.example":
            release.wait(5)
            host = "127.0.0.1"
        return original(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield "slow.example"
    release.set()


@pytest.mark.parametrize("guard", ["ssrf-check", "private-hosts-allowed"])
def test_a_name_slow_to_resolve_is_out_of_time_at_the_deadline(
    load: Load, aws: SimpleNamespace, host: ImageServer, slow_dns: str, guard: str
) -> None:
    """Resolution is bounded both where the SSRF guard looks the name up and where the connection does."""
    handlers = load(CONNECT_TIMEOUT_SECONDS="30", **(LOCAL if guard == "private-hosts-allowed" else {}))
    port = host.url.rsplit(":", 1)[1]

    started = time.monotonic()
    result = handlers.download.handler(
        flags_event(f"http://{slow_dns}:{port}/data/flags", ["ad/ad.gif"]), LambdaContext(2.0)
    )

    assert errors_of(result) == ["OutOfTime"] and time.monotonic() - started < 1.6
    assert object_keys(aws) == [] and rows(aws) == {}


def errors_of(result: dict[str, Any]) -> list[str]:
    return [failure["error"] for failure in result["failures"]]


def test_an_image_s3_refuses_fails_alone_as_store_failed_and_the_rest_is_stored_and_recorded(
    load: Load, aws: SimpleNamespace, host: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 refusing one upload used to fail the whole batch (BatchFailed for every image, stored or not)."""
    handlers = load(**LOCAL)
    real_s3 = handlers.clients.s3()
    refused = key_of(f"{host.url}/data/flags/ae/ae.gif")

    class RefusingS3:
        def put_object(self, **kwargs: Any) -> Any:
            if kwargs["Key"] == refused:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
            return real_s3.put_object(**kwargs)

    monkeypatch.setattr(handlers.clients, "s3", RefusingS3)

    result = run(handlers, host, FLAGS[:4], concur=2)

    assert errors(result) == {"ae/ae.gif": "StoreFailed (AccessDenied)"}
    assert (result["succeeded"], result["failed"], result["unrecorded"]) == (3, 1, 0)
    assert refused not in object_keys(aws) and len(object_keys(aws)) == 3
    assert sorted(rows(aws)) == sorted(f"{host.url}/data/flags/{path}" for path in FLAGS[:4] if path != "ae/ae.gif")


def test_rows_refused_for_good_leave_their_images_stored_counted_apart_and_a_rerun_records_them(
    load: Load, aws: SimpleNamespace, host: ImageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    handlers = load(**LOCAL)
    client = handlers.clients.dynamodb()
    throttled = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "BatchWriteItem")
    with monkeypatch.context() as patch:
        patch.setattr(client, "batch_write_item", lambda **kwargs: (_ for _ in ()).throw(throttled))
        result = run(handlers, host, FLAGS[:3])
    urls = sorted(f"{host.url}/data/flags/{path}" for path in FLAGS[:3])

    report = handlers.consolidate.handler({"results": [result]}, None)
    rerun = run(handlers, host, FLAGS[:3])

    assert (result["succeeded"], result["failed"], result["unrecorded"]) == (3, 0, 3)
    assert sorted(result["unrecordedUrls"]) == urls and len(object_keys(aws)) == 3
    assert (report["allSucceeded"], report["failed"], report["unrecorded"], report["failedUrls"]) == (False, 0, 3, [])
    lines = report["message"].splitlines()
    assert lines[0] == "All 3 images downloaded." and lines[1].startswith("3 images were stored but not recorded")
    assert sorted(lines[2:]) == [f"NotRecorded: {url}" for url in urls]
    assert (rerun["succeeded"], rerun["alreadyStored"], rerun["unrecorded"]) == (3, 0, 0), "fetched again"
    assert sorted(rows(aws)) == urls and len(object_keys(aws)) == 3, "the same objects, now recorded"


@pytest.mark.parametrize(("fault", "error"), [("fault-empty", "EmptyBody"), ("fault-html", "ContentMismatch")])
def test_an_empty_body_or_a_page_sent_as_a_gif_is_a_named_failure_and_stores_nothing(
    load: Load, aws: SimpleNamespace, host: ImageServer, fault: str, error: str
) -> None:
    result = run(load(**LOCAL), host, [f"{fault}/ad/ad.gif", "ae/ae.gif"])

    assert errors(result) == {f"{fault}/ad/ad.gif": error} and result["succeeded"] == 1
    assert object_keys(aws) == [key_of(f"{host.url}/data/flags/ae/ae.gif")] and len(rows(aws)) == 1


def test_the_notification_lists_every_unrecorded_image_and_the_cause_the_first_few(load: Load) -> None:
    consolidate = load(FAILED_URL_CAP="2").consolidate
    urls = [f"https://h.example/{index}.gif" for index in range(5)]
    result = {"succeeded": 6, "failed": 1, "bytes": 0, "unrecorded": 5, "unrecordedUrls": urls,
              "failures": [{"url": "https://h.example/zz.gif", "error": "NotFound"}]}  # fmt: skip

    report = consolidate.handler({"results": [result]}, None)

    assert report["message"].splitlines()[0] == "1 of 7 images failed to download."
    assert [line for line in report["notification"].splitlines() if line.startswith("NotRecorded: ")] == [
        f"NotRecorded: {url}" for url in urls
    ]
    assert report["message"].splitlines()[-1] == "(Listed 2 of 5; the download function logs every URL.)"


def test_the_watchdog_shuts_a_watched_socket_at_the_deadline_but_not_one_handed_back_to_the_pool(load: Load) -> None:
    """A connection goes back to the pool as soon as its body is read: another download may be using it when the
    first one's deadline passes (waiting for an upload slot, say), so the pool takes it out of the watch."""
    web = load().web
    watched, watched_peer = socket.socketpair()
    pooled, pooled_peer = socket.socketpair()
    with watched, watched_peer, pooled, pooled_peer, web.Watchdog(time.monotonic() + 0.1) as watchdog:
        web._watch(watched)
        web._watch(pooled)
        web._forget(pooled)
        time.sleep(0.2)

        assert watchdog.expired and watched.recv(1) == b"", "shut down: a blocked read returns at once"
        pooled_peer.sendall(b"x")
        assert pooled.recv(1) == b"x", "the pooled connection is another download's now"
