"""The benchmark's own servers and hooks: the latency image host, and the child-history recorder's clean exit."""

from __future__ import annotations

import importlib
import time

import pytest
import requests

from tools.bench.child_history import MAP_RUN_MODULE, ChildHistories
from tools.bench.latency_server import LatencyImageServer, gif_body, image_path


def test_the_host_answers_each_image_after_its_latency_on_one_kept_alive_connection() -> None:
    with LatencyImageServer(latency_seconds=0.05, image_bytes=20 * 1024) as server, requests.Session() as session:
        started = time.monotonic()
        first = session.get(f"{server.url}/data/{image_path(1)}", timeout=5)
        second = session.get(f"{server.url}/data/{image_path(2)}", timeout=5)
        elapsed = time.monotonic() - started

    assert first.status_code == second.status_code == 200
    assert first.headers["Content-Type"] == "image/gif" and len(first.content) == 20 * 1024
    assert first.content.startswith(b"GIF89a") and first.content != second.content
    assert elapsed >= 0.1
    assert server.requests == 2 and server.connections == 1


def test_the_host_refuses_paths_that_name_no_image() -> None:
    with LatencyImageServer(latency_seconds=0) as server:
        response = requests.get(f"{server.url}/data/img/not-a-number.gif", timeout=5)

    assert response.status_code == 404


def test_an_image_too_small_for_its_header_is_refused() -> None:
    assert len(gif_body(7, 100)) == 100
    with pytest.raises(ValueError, match="header"):
        gif_body(7, 5)


def test_child_histories_put_the_interpreter_back_as_it_was() -> None:
    module = importlib.import_module(MAP_RUN_MODULE)
    original = module.EventManager

    with ChildHistories() as children:
        assert module.EventManager is not original and issubclass(module.EventManager, original)
        module.EventManager()
        assert children.take() == [] and children.take() == []

    assert module.EventManager is original
