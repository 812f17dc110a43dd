"""The LambdaIterator Lambdas: get-count turns {"iterations": n} into {"counter": n}, process counts down."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.support.handler_modules import handler_modules

#: In the Lambda zip these are top-level modules; other handler packages have their own `errors`.
HANDLER_MODULES = ("errors", "get_count", "process_iteration")
MAX_ITERATIONS = 1000


@pytest.fixture(scope="module")
def handlers() -> Iterator[SimpleNamespace]:
    """Import the package's modules fresh from handlers/lambda_iterator, and forget them afterwards."""
    with handler_modules("lambda_iterator", HANDLER_MODULES) as modules:
        yield modules


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """MAX_ITERATIONS as the LambdaIterator component sets it from `maxIterations`."""
    monkeypatch.setenv("MAX_ITERATIONS", str(MAX_ITERATIONS))
    return MAX_ITERATIONS


# get_count


@pytest.mark.parametrize("iterations", [0, 1, 5, MAX_ITERATIONS], ids=["zero", "one", "five", "the-limit"])
def test_get_count_turns_iterations_into_the_counter(handlers: SimpleNamespace, limit: int, iterations: int) -> None:
    assert handlers.get_count.handler({"iterations": iterations}, None) == {"counter": iterations}


def test_get_count_accepts_a_whole_number_written_as_a_float(handlers: SimpleNamespace, limit: int) -> None:
    result = handlers.get_count.handler({"iterations": 5.0}, None)
    assert result == {"counter": 5} and type(result["counter"]) is int


@pytest.mark.parametrize(
    ("event", "field", "says"),
    [
        (None, "event", "JSON object"),
        ([5], "event", "JSON object"),
        ({}, "iterations", "missing"),
        ({"iterations": -1}, "iterations", "negative"),
        ({"iterations": "ten"}, "iterations", "whole number"),
        ({"iterations": "5"}, "iterations", "whole number"),
        ({"iterations": 2.5}, "iterations", "whole number"),
        ({"iterations": True}, "iterations", "whole number"),
        ({"iterations": None}, "iterations", "whole number"),
        ({"iterations": float("inf")}, "iterations", "whole number"),
        ({"iterations": MAX_ITERATIONS + 1}, "iterations", f"above the limit of {MAX_ITERATIONS}"),
    ],
    ids=["none", "list", "missing", "negative", "word", "string", "fraction", "bool", "null", "infinity", "over-limit"],
)
def test_get_count_refuses_a_bad_count_naming_the_field(
    handlers: SimpleNamespace, limit: int, event: Any, field: str, says: str
) -> None:
    with pytest.raises(handlers.errors.InvalidInput, match=rf"^{field}: ") as refused:
        handlers.get_count.handler(event, None)
    assert says in str(refused.value)


def test_get_count_follows_max_iterations_from_the_environment(
    handlers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_ITERATIONS", "3")
    assert handlers.get_count.handler({"iterations": 3}, None) == {"counter": 3}
    with pytest.raises(handlers.errors.InvalidInput, match=r"^iterations: 4 is above the limit of 3"):
        handlers.get_count.handler({"iterations": 4}, None)


@pytest.mark.parametrize("value", [None, "", "many", "-1"], ids=["unset", "empty", "word", "negative"])
def test_get_count_without_a_usable_limit_says_which_variable(
    handlers: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("MAX_ITERATIONS", raising=False)
    else:
        monkeypatch.setenv("MAX_ITERATIONS", value)
    with pytest.raises(RuntimeError, match="MAX_ITERATIONS"):
        handlers.get_count.handler({"iterations": 1}, None)


# process_iteration


def test_process_counts_down_by_one_and_logs_the_iteration(
    handlers: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        assert handlers.process_iteration.handler({"counter": 5}, None) == {"counter": 4}
    assert "5 to go" in caplog.text


def test_process_takes_the_last_iteration_to_zero(handlers: SimpleNamespace) -> None:
    assert handlers.process_iteration.handler({"counter": 1}, None) == {"counter": 0}


@pytest.mark.parametrize(
    "event",
    [None, {}, {"counter": 0}, {"counter": -3}, {"counter": "5"}, {"counter": 1.5}, {"counter": True}],
    ids=["none", "missing", "zero", "negative", "string", "fraction", "bool"],
)
def test_process_refuses_a_counter_that_is_not_a_positive_whole_number(handlers: SimpleNamespace, event: Any) -> None:
    with pytest.raises(handlers.errors.InvalidEvent, match=r"^counter: "):
        handlers.process_iteration.handler(event, None)
