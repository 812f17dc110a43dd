"""LambdaIterator's args: the count and process functions, and the largest accepted iteration count."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from dataclasses import dataclass
from typing import Annotated, NotRequired

import pulumi

from ..asl import LAMBDA_RETRY_ATTEMPTS, LOOP_RETRY_ATTEMPTS
from ..parts import HandlerSpec, WorkflowOptions
from ..setting import DECLARED, Setting, declared, defaults_from
from ..settings import RETRY_EVENTS, HistoryBudget

# Counted from the definition with every Retry taken (a unit test derives them from the definition, an e2e test
# counts the retry-free history in the sandbox).
LAMBDA_ITERATOR_HISTORY = HistoryBudget(
    11,
    7,
    "Choice 2 + process Task 5",
    fixed_retry_events=RETRY_EVENTS * LAMBDA_RETRY_ATTEMPTS,  # the count
    retry_events_per_turn=RETRY_EVENTS * LOOP_RETRY_ATTEMPTS,
)


@declared
class LambdaIteratorArgs(WorkflowOptions):
    """The count and process functions, and the largest accepted iteration count."""

    count_handler: NotRequired[HandlerSpec]
    """Your function that turns the execution input into `{"counter": n}` (n >= 0); it is given MAX_ITERATIONS in
    its environment; default: the seed's, which reads `{"iterations": n}`."""
    count_function_arn: NotRequired[pulumi.Input[str]]
    """An existing count function, instead of one built here."""
    process_handler: NotRequired[HandlerSpec]
    """Your function run once per iteration: it gets `{"counter": n, ...}` and returns the state with `counter`
    one less; default: the seed's, which logs and counts down."""
    process_function_arn: NotRequired[pulumi.Input[str]]
    """An existing process function, instead of one built here."""
    max_iterations: Annotated[
        NotRequired[int],
        Setting(1000, low=1, high=LAMBDA_ITERATOR_HISTORY.max_turns, above=LAMBDA_ITERATOR_HISTORY.above),
    ]
    """The largest count accepted (bounded so the longest loop fits the execution history)."""


@dataclass(frozen=True)
@defaults_from(LambdaIteratorArgs)
class LambdaIteratorSettings:
    """The Lambda iterator's largest accepted `iterations`, resolved."""

    max_iterations: int = DECLARED
