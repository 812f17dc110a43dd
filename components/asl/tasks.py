"""The task shapes every workflow shares: a Lambda invoke with its default Retry, and a walk over all states."""

from __future__ import annotations

from typing import Any

from .retries import LAMBDA_RETRY

State = dict[str, Any]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


def lambda_task(function_arn: str, *, payload: Any = None, next_state: str | None = None, **fields: Any) -> State:
    """A Lambda invoke task whose output is the function's own result, with the default transient-error Retry."""
    parameters: dict[str, Any] = {"FunctionName": function_arn}
    if payload is None:
        parameters["Payload.$"] = "$"
    else:
        parameters["Payload"] = payload
    state: State = {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": parameters,
        "OutputPath": "$.Payload",
        "Retry": [dict(LAMBDA_RETRY)],
    }
    state.update(fields)
    for key in [key for key, value in state.items() if value is None]:
        del state[key]  # a caller passes e.g. OutputPath=None to keep the whole result
    if next_state is None:
        state.setdefault("End", True)
    else:
        state["Next"] = next_state
    return state


def iter_states(definition: dict[str, Any]) -> list[tuple[str, State]]:
    """Every state of a definition with its name, including those inside Map and Parallel states."""
    found: list[tuple[str, State]] = []
    for name, state in definition.get("States", {}).items():
        found.append((name, state))
        for nested in (state.get("ItemProcessor"), state.get("Iterator")):
            if nested:
                found.extend(iter_states(nested))
        for branch in state.get("Branches", []):
            found.extend(iter_states(branch))
    return found
