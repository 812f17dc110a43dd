"""Limits on a whole execution that moto's interpreter does not keep: a Standard execution's 25,000 history events,
and an Express execution's 5 minutes.

- **History.** When a Standard execution would write its 25,000th event and that event does not end the execution,
  AWS fails it instead: event 25,000 is `ExecutionFailed`, `States.Runtime`, "The execution reached the maximum
  number of history events (25000)." Event 24,999 is the last the definition produced.
- **Express duration.** An Express execution still running after 5 minutes fails with `States.Timeout`.
- **Wait.** A Wait longer than a Standard execution may last (one year) fails with `States.Runtime` at once; moto
  slept it out, so the execution stayed RUNNING.
- **RedriveExecution.** moto has no redrive (the call answered HTTP 500); the sandbox refuses it with AWS's
  `ExecutionNotRedrivable`, saying to start a new execution instead.
"""

from __future__ import annotations

from typing import Any

from . import quotas as q
from .failures import state_failure
from .patching import Patch

HISTORY_CAUSE = "The execution reached the maximum number of history events ({})."
#: Events that end an execution: the only ones the 25,000th event may be.
CLOSING_EVENTS = frozenset({"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})
#: A Standard execution's maximum duration, one year: the longest a Wait can last
#: (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html, "Maximum execution time").
WAIT_SECONDS_MAX = 31_536_000
WAIT_CAUSE = "The Wait state '{}' waits {} seconds, longer than the maximum execution time of {} seconds (one year)."


def install_history_limit(patch: Patch) -> None:
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, StateMachineType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    class HistoryFull(FailureEventException):
        """The cause as AWS gives it: moto prefixes every States.Runtime cause with the state it arose in."""

        def get_execution_failed_event_details(self) -> Any:
            error, cause = self.extract_error_cause_pair() or (None, None)
            return ExecutionFailedEventDetails(error=error or "States.Runtime", cause=cause or "")

    original_init = Environment.__init__
    original_add_event = EventManager.add_event

    def init(env: Any, *args: Any, **kwargs: Any) -> None:
        original_init(env, *args, **kwargs)
        if env.execution_type == StateMachineType.STANDARD:  # read at each execution, so a test may lower it
            env.event_manager.sandbox_history_limit = (q.STATES_HISTORY_EVENTS, env)

    def add_event(manager: Any, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        limit = getattr(manager, "sandbox_history_limit", None)
        if limit is not None:
            events, env = limit
            closing = str(getattr(event_type, "value", event_type)) in CLOSING_EVENTS
            if manager._event_id_gen._next_id >= events and not closing:
                failure: Any = state_failure(env, "States.Runtime", HISTORY_CAUSE.format(events))
                raise HistoryFull(failure.failure_event)
        result: int = original_add_event(manager, context, event_type, *args, **kwargs)
        return result

    patch(Environment, "__init__", init)
    patch(EventManager, "add_event", add_event)


def install_express_duration(patch: Patch) -> None:
    """moto runs an Express execution with the definition's TimeoutSeconds alone; AWS also stops it at 5 minutes,
    the way a TimeoutSeconds stops it (States.Timeout)."""
    from moto.stepfunctions.parser.api import StateMachineType
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.program.program import Program

    original_eval = Program.eval

    def eval_program(program: Any, env: Any) -> None:
        if env.execution_type == StateMachineType.EXPRESS and not env.is_frame():
            limit = q.EXPRESS_DURATION_SECONDS  # read at each execution, so that a test may shorten it
            own = program.timeout_seconds.timeout_seconds if program.timeout_seconds else None
            if own is None or own > limit:
                program.timeout_seconds = TimeoutSeconds(timeout_seconds=limit)  # this execution's own parse
        original_eval(program, env)

    patch(Program, "eval", eval_program)


def install_wait_bound(patch: Patch) -> None:
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def wait(function: Any, env: Any) -> None:
        seconds = function._get_wait_seconds(env=env)  # Seconds, SecondsPath, Timestamp(Path), or their JSONata
        if seconds > WAIT_SECONDS_MAX:
            raise state_failure(
                env, "States.Runtime", WAIT_CAUSE.format(env.next_state_name, seconds, WAIT_SECONDS_MAX)
            )
        function._wait_interval(env=env, wait_seconds=seconds)

    patch(WaitFunction, "_eval_body", wait)


REDRIVE_REFUSED = (
    "The sandbox cannot redrive executions (moto has no RedriveExecution): start a new execution with StartExecution "
    "to run the state machine again."
)


def install_redrive_refusal(patch: Patch) -> None:
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.responses import StepFunctionResponse

    class ExecutionNotRedrivable(AWSError):
        TYPE = "ExecutionNotRedrivable"  # RedriveExecution's own error for an execution it cannot redrive
        STATUS = 400

    def redrive_execution(response: Any) -> Any:
        raise ExecutionNotRedrivable(REDRIVE_REFUSED)

    patch(StepFunctionResponse, "redrive_execution", redrive_execution)
