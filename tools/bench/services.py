"""The throughput benchmark's outside world (the embedded S3 and DynamoDB, the latency image host), one process each."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from typing import Any

#: The objects and rows the download handler writes.
BUCKET = "bench-images"
TABLE = "bench-urls"
START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class AwsEndpoint:
    """Where the embedded AWS listens and the operator's key (an administrator; IAM is not enforced here)."""

    endpoint_url: str
    access_key_id: str
    secret_access_key: str
    bucket: str
    table: str


def _serve_aws(connection: multiprocessing.connection.Connection) -> None:
    from tools.sandbox.aws import EmbeddedAws

    with EmbeddedAws() as aws:
        aws.client("s3").create_bucket(Bucket=BUCKET)
        aws.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "url", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "url", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        credentials = aws.operator_credentials
        connection.send(
            AwsEndpoint(aws.endpoint_url, credentials["AccessKeyId"], credentials["SecretAccessKey"], BUCKET, TABLE)
        )
        _serve_until_asked(connection, dict)


def _serve_images(connection: multiprocessing.connection.Connection, latency_seconds: float, image_bytes: int) -> None:
    from tools.bench.latency_server import LatencyImageServer

    with LatencyImageServer(latency_seconds, image_bytes) as server:
        connection.send(server.url)
        _serve_until_asked(connection, lambda: {"requests": server.requests, "connections": server.connections})


def _serve_until_asked(
    connection: multiprocessing.connection.Connection, stats: Callable[[], dict[str, float]]
) -> None:
    """Answer "stats" with the server's counters and CPU seconds until "stop" (or the parent going away)."""
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message == "stop":
            return
        connection.send({**stats(), "cpuSeconds": time.process_time()})


# The handler under test runs in the benchmark's process; were moto and the image host threads of that process too,
# their request handling would take turns with the handler's threads on one GIL and the benchmark would measure the
# emulator as much as the handler. In their own processes they behave like the remote services they stand in for.
class ChildService(AbstractContextManager["ChildService"]):
    """A server running in a spawned process: `value` is what it sent once ready; `stats()` asks it for counters."""

    def __init__(self, target: Callable[..., None], *args: Any) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(target=target, args=(child_end, *args), daemon=True)
        self.value: Any = None

    def __enter__(self) -> ChildService:
        self._process.start()
        if not self._connection.poll(START_TIMEOUT_SECONDS):
            self._process.kill()
            raise RuntimeError(f"{self._process.name} did not start within {START_TIMEOUT_SECONDS:g} s")
        self.value = self._connection.recv()
        return self

    @property
    def pid(self) -> int:
        if self._process.pid is None:
            raise RuntimeError(f"{self._process.name} is not started")
        return self._process.pid

    def stats(self) -> dict[str, float]:
        self._connection.send("stats")
        answer: dict[str, float] = self._connection.recv()
        return answer

    def __exit__(self, *exc: object) -> None:
        with suppress(OSError):
            self._connection.send("stop")
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def embedded_aws() -> ChildService:
    """The embedded AWS with the benchmark's bucket and url table; `value` is an AwsEndpoint."""
    return ChildService(_serve_aws)


def latency_images(latency_seconds: float, image_bytes: int) -> ChildService:
    """The latency image host; `value` is its base URL; `stats()` counts requests and TCP connections."""
    return ChildService(_serve_images, latency_seconds, image_bytes)
