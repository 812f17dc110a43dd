"""The Catch shapes and Fail states every workflow shares: errors caught by name, and causes that say what failed."""

from __future__ import annotations

from typing import Any

State = dict[str, Any]

#: The error a handler raises for a bad execution input; the state machine catches it by name.
INVALID_INPUT = "InvalidInput"
#: Step Functions' payload error: terminal, so `States.ALL` does not catch it; only a Catch naming it does.
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
#: Terminal errors a Catch on States.ALL does not match; only a catcher that names them does.
TERMINAL_ERRORS = [DATA_LIMIT_EXCEEDED, "States.Runtime"]


def catch_as(state: str, result_path: str | None = "$") -> list[dict[str, Any]]:
    """Any error left after the Retry goes to `state`, the error at `result_path` (`$`: the state becomes it)."""
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": state}]


def failed_call(error: str, what: str, *arguments: str, at: str = "$") -> State:
    """A Fail naming what failed (`what`, a States.Format template of `arguments`) and the error caught at `at`."""
    template = f"{what}: {{}}: {{}}"
    fields = ", ".join([*arguments, f"{at}.Error", f"{at}.Cause"])
    return {"Type": "Fail", "Error": error, "CausePath": f"States.Format('{template}', {fields})"}


def catch_invalid_input(error: str = INVALID_INPUT, reader: str = "ReadInvalidInput") -> list[dict[str, Any]]:
    """The Catch that sends a handler's `error` (its InvalidInput) to the explaining Pass and the InvalidInput Fail.

    Its ResultPath replaces the state with the error: an input that is not a JSON object could not take an
    `error` field (States.ResultPathMatchFailure), and nothing after a bad input needs the input.
    """
    return [{"ErrorEquals": [error], "ResultPath": "$", "Next": reader}]


def invalid_input_states(
    reader: str = "ReadInvalidInput",
    field: str = "error",
    comment: str | None = "A Lambda error's Cause is its error JSON; keep the message, which names the field",
) -> dict[str, State]:
    """A caught InvalidInput becomes a Fail whose cause is the handler's message, not its whole error JSON."""
    read: State = {"Type": "Pass"}
    if comment is not None:
        read["Comment"] = comment
    read.update({"Parameters": {f"{field}.$": "States.StringToJson($.Cause)"}, "Next": INVALID_INPUT})
    return {
        reader: read,
        INVALID_INPUT: {"Type": "Fail", "Error": INVALID_INPUT, "CausePath": f"$.{field}.errorMessage"},
    }
