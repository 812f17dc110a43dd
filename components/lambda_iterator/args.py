"""LambdaIterator's args: the count and process functions, and the largest accepted iteration count."""

# No `from __future__ import annotations`: Pulumi's component analyzer reads the args as types.
from typing import NotRequired

import pulumi

from ..parts import HandlerSpec, WorkflowOptions


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
    max_iterations: NotRequired[int]
    """The largest count accepted (default 1000; bounded so the longest loop fits the execution history)."""
