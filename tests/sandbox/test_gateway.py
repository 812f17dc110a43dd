"""The sandbox's HTTP API gateway under a burst of connections: every request is answered, none is reset."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.gateway import HttpApiGateway


def test_a_hundred_connections_at_once_are_each_answered_not_reset_past_a_listen_backlog():
    callers = 100
    barrier = threading.Barrier(callers)

    def post(url: str) -> int | str:
        barrier.wait()
        try:
            return requests.post(url + "downloads", data="{}", timeout=60).status_code
        except requests.ConnectionError as error:
            return type(error).__name__

    with EmbeddedAws() as aws:
        gateway = HttpApiGateway(aws).start()
        try:
            with ThreadPoolExecutor(max_workers=callers) as pool:
                answers = list(pool.map(post, [gateway.url] * callers))
        finally:
            gateway.stop()

    assert answers == [404] * callers, "no API is deployed: each request is answered 404"
