"""The shared Amazon States Language vocabulary: Lambda tasks, retries, catches and InvalidInput states.

Every workflow's definition builds on these; no workflow borrows another's ASL helpers.

Internal: the components' building block, not part of the public API.
"""

from .catches import (
    DATA_LIMIT_EXCEEDED,
    INVALID_INPUT,
    TERMINAL_ERRORS,
    catch_as,
    catch_invalid_input,
    failed_call,
    invalid_input_states,
)
from .retries import (
    DYNAMODB_RETRY,
    DYNAMODB_TRANSIENT_ERRORS,
    LAMBDA_RETRY,
    LAMBDA_RETRY_ATTEMPTS,
    LAMBDA_TRANSIENT_ERRORS,
    LOOP_LAMBDA_RETRY,
    LOOP_RETRY_ATTEMPTS,
    SQS_TRANSIENT_ERRORS,
    retry,
)
from .tasks import LAMBDA_INVOKE, State, iter_states, lambda_task

__all__ = [
    "DATA_LIMIT_EXCEEDED", "DYNAMODB_RETRY", "DYNAMODB_TRANSIENT_ERRORS", "INVALID_INPUT", "LAMBDA_INVOKE",
    "LAMBDA_RETRY", "LAMBDA_RETRY_ATTEMPTS", "LAMBDA_TRANSIENT_ERRORS", "LOOP_LAMBDA_RETRY", "LOOP_RETRY_ATTEMPTS",
    "SQS_TRANSIENT_ERRORS", "TERMINAL_ERRORS", "State", "catch_as", "catch_invalid_input", "failed_call",
    "invalid_input_states", "iter_states", "lambda_task", "retry",
]  # fmt: skip
