"""LambdaIterator's definition: get the count, then process and count down in a Choice loop, as a pure builder."""

from __future__ import annotations

from typing import Any

from .. import asl
from ..asl import catch_as, catch_invalid_input, failed_call, invalid_input_states


def definition(*, get_count_fn_arn: str, process_fn_arn: str) -> dict[str, Any]:
    """Get the count (refusing a bad one), then process and count down until the counter is 0.

    The limit on `iterations` lives in the get-count Lambda (its MAX_ITERATIONS), so the definition does not
    change with `maxIterations`.
    """
    return {
        "Comment": "LambdaIterator: a Lambda run `iterations` times in a Choice loop",
        "StartAt": "GetIterationCount",
        "States": {
            "GetIterationCount": asl.lambda_task(
                get_count_fn_arn, next_state="LoopCompleted?", Catch=[*catch_invalid_input(), *catch_as("CountFailed")]
            ),
            "LoopCompleted?": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.counter", "NumericEquals": 0, "Next": "Finish"},
                    {"Variable": "$.counter", "NumericGreaterThan": 0, "Next": "ProcessIteration"},
                ],
                "Default": "InvalidCounter",
            },
            "InvalidCounter": {
                "Type": "Fail",
                "Error": "InvalidCounter",
                "CausePath": "States.Format('the counter must be a whole number >= 0; the count or process function "
                "returned {}', States.JsonToString($))",
            },
            "ProcessIteration": asl.lambda_task(
                process_fn_arn,
                next_state="LoopCompleted?",
                Retry=[dict(asl.LOOP_LAMBDA_RETRY)],
                Catch=catch_as("IterationFailed", "$.error"),
            ),
            "Finish": {"Type": "Succeed"},
            "CountFailed": failed_call("CountFailed", "could not get the iteration count"),
            "IterationFailed": failed_call(
                "IterationFailed", "the iteration at counter {} failed", "$.counter", at="$.error"
            ),
            **invalid_input_states(),
        },
    }
