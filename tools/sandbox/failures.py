"""Failures of a state in moto's Step Functions interpreter, named with one of its own `States.` errors."""

from __future__ import annotations

from typing import Any


def state_failure(env: Any, error: str, cause: str) -> Exception:
    """A failure of the state being evaluated, named with one of the interpreter's own `States.` errors."""
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    (error_type,) = [member for member in StatesErrorNameType if member.to_name() == error]
    details: Any = EventDetails
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error_type),
            event_type=HistoryEventType.ExecutionFailed,
            event_details=details(executionFailedEventDetails=ExecutionFailedEventDetails(error=error, cause=cause)),
        )
    )
