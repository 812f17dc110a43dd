"""JSONata for the Step Functions interpreter: `{% %}` expressions and variable reads evaluated by jsonata-python,
with the functions Step Functions adds and its errors.

moto's interpreter parses JSONata states and Variables but never sets its evaluator (`eval_jsonata_expression`
calls None), so every expression, and every read of a variable, failed with States.Runtime. One patch point sets
it: the two components that evaluate an expression (`StringJSONata` and `StringVariableSample`, in moto's
`string_expression` module) evaluate with jsonata-python, binding `$states` and the variables as values rather than
as the JSONata text moto would prepend (which broke on a string holding a quote or a backslash).

AWS's page: https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html (JSONata 2.0.6, every
built-in function but `$eval`, and the six functions below).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from .failures import state_failure
from .patching import Patch

#: What `$hash` accepts, by AWS's names (the transforming-data page's `$hash`; case-sensitive).
HASH_ALGORITHMS: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}
#: How long one expression may run (jsonata-python's own bound; AWS bounds time, depth and memory, unpublished).
EVALUATION_MILLISECONDS = 5000
UNDEFINED_CAUSE = "The JSONata expression '{}' specified for the field '{}' returned nothing (undefined)."
UNSUPPORTED_CAUSE = "The JSONata expression '{}' specified for the field '{}' returned an unsupported result type."
ERROR_CAUSE = "The JSONata expression '{}' specified for the field '{}' threw an error during evaluation: {}"


class Undefined:
    """JSONata's "nothing": what `$states.input.absent` evaluates to (JSON has no way to write it)."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()


class Unsupported:
    """A result JSON cannot hold: a function, or a number that is not finite."""


UNSUPPORTED = Unsupported()


class EvaluationError(Exception):
    """The expression failed while it ran (a type error, a bad argument, a syntax error): JSONata's own message."""


# --- the functions Step Functions adds ------------------------------------------------------------------------


def _whole(value: Any) -> int:
    return int(value)  # AWS rounds a non-integer argument towards zero


def partition(array: Any, chunk_size: Any) -> Any:
    """`$partition(array, chunkSize)`: the array in chunks of chunkSize, the last holding what is left."""
    items = list(array) if isinstance(array, list) else [array]
    size = _whole(chunk_size)
    if size <= 0 or not items:
        return None
    return [items[start : start + size] for start in range(0, len(items), size)]


def range_of(start: Any, end: Any, step: Any = None) -> Any:
    """`$range(start, end, step)`: start, start+step, ... up to end (inclusive when a step lands on it)."""
    if step is None:
        return None
    first, last, by = _whole(start), _whole(end), _whole(step)
    if by == 0 or (last > first and by < 0) or (last < first and by > 0):
        return None
    values = list(range(first, last + (1 if by > 0 else -1), by))
    return values[0] if len(values) == 1 else values


def hash_of(data: Any, algorithm: Any = None) -> Any:
    """`$hash(data, algorithm)`: the hex digest of a string with MD5, SHA-1, SHA-256, SHA-384 or SHA-512."""
    if algorithm is None:
        return None
    if algorithm not in HASH_ALGORITHMS:
        raise EvaluationError(f"The hash algorithm '{algorithm}' is not one of {', '.join(HASH_ALGORITHMS)}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return str(HASH_ALGORITHMS[str(algorithm)](text.encode("utf-8")).hexdigest())


def random_number(seed: Any = None) -> float:
    """`$random([seed])`: a number in [0, 1), the same for the same integer seed."""
    return random.Random(_whole(seed)).random() if seed is not None else random.random()


def new_uuid() -> str:
    """`$uuid()`: a version 4 UUID."""
    return str(uuid.uuid4())


def parse(text: Any) -> Any:
    """`$parse(jsonString)`: the value a JSON string holds (Step Functions' stand-in for `$eval`)."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise EvaluationError(f"$parse could not read {text!r} as JSON: {error}") from None


def _eval_unavailable(*args: Any) -> Any:
    raise EvaluationError("The function $eval is not supported; use $parse")


AWS_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "partition": partition,
    "range": range_of,
    "hash": hash_of,
    "random": random_number,
    "uuid": new_uuid,
    "parse": parse,
    "eval": _eval_unavailable,
}


# --- evaluation ---------------------------------------------------------------------------------------------------


def _from_jsonata(value: Any) -> Any:
    """A jsonata-python result as JSON-ready Python: null, sequences, whole floats, joined surrogate pairs."""
    from jsonata import Utils

    if value is None or value is Utils.NULL_VALUE:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return UNSUPPORTED
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        # A JSONata literal's "\ud83d\ude00" arrives as two surrogates; JSON text (and UTF-8) holds the one emoji.
        return value.encode("utf-16", "surrogatepass").decode("utf-16") if _has_surrogates(value) else value
    # Inside a value, None is a JSON null of the input (JSONata's own constructors leave out what is undefined).
    if isinstance(value, list):
        items = [_from_jsonata(item) for item in value]
        return UNSUPPORTED if any(item is UNSUPPORTED for item in items) else items
    if isinstance(value, dict):
        converted = {key: _from_jsonata(item) for key, item in value.items()}
        return UNSUPPORTED if any(item is UNSUPPORTED for item in converted.values()) else converted
    return UNSUPPORTED  # a function (lambda, native, partially applied)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


def evaluate(expression: str, bindings: Mapping[str, Any]) -> Any:
    """The expression's value as JSON-ready Python, UNDEFINED, or UNSUPPORTED; EvaluationError if it failed.

    `bindings` maps names without `$` (`states`, a variable's name) to JSON values."""
    from jsonata import JException, Jsonata, Utils

    try:
        compiled = Jsonata(expression, timeout=EVALUATION_MILLISECONDS)  # a runaway expression fails, not hangs
        compiled.set_output_convert_nulls(False)  # keep JSON null (NULL_VALUE) apart from undefined (None)
        for name, function in AWS_FUNCTIONS.items():
            compiled.register_lambda(name, function)
        # A variable holding JSON null is null, not undefined (jsonata-python reads a None binding as undefined).
        result = compiled.evaluate(
            None, {name: Utils.NULL_VALUE if value is None else value for name, value in bindings.items()}
        )
    except JException as error:
        raise EvaluationError(f"{error.error}: {error}") from None
    except EvaluationError:
        raise
    except (RecursionError, TypeError, ValueError, ArithmeticError) as error:
        raise EvaluationError(f"{type(error).__name__}: {error}") from None
    if result is None:
        return UNDEFINED
    return _from_jsonata(result)


# --- the interpreter's side ------------------------------------------------------------------------------------


def _states_binding(env: Any) -> dict[str, Any]:
    """`$states` as AWS documents it: input, context, and result or errorOutput where the state has them."""
    data = env.states._states_data
    states = {"input": data.get("input"), "context": data.get("context")}
    for key in ("result", "errorOutput"):
        if data.get(key) is not None:
            states[key] = data[key]
    return states


def _variables(env: Any) -> dict[str, Any]:
    store = env.variable_store
    return {**store._outer_scope, **store._inner_scope}


#: Fields of a state that hold states of their own, whose expressions belong to those states.
NESTED_STATES = frozenset({"ItemProcessor", "Iterator", "Branches"})


def _expression_paths(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path as AWS names it, expression) of each `{% %}` in a state: `Output/v`, `Choices[1]/Condition`."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{%") and text.endswith("%}"):
            yield path, text[2:-2].strip()
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expression_paths(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NESTED_STATES:
                yield from _expression_paths(item, f"{path}/{key}" if path else str(key))


@lru_cache(maxsize=256)
def _states_by_name(definition: str) -> dict[str, Any]:
    """Every state of a definition by name, those of Map and Parallel included (names are unique in a machine)."""
    found: dict[str, Any] = {}
    pending: list[Any] = [json.loads(definition)]
    while pending:
        machine = pending.pop()
        for name, state in (machine.get("States") or {}).items() if isinstance(machine, dict) else ():
            found[name] = state
            pending += [state[key] for key in ("ItemProcessor", "Iterator") if isinstance(state.get(key), dict)]
            pending += list(state.get("Branches") or [])
    return found


def _field(env: Any, expression: str) -> str:
    """The field the expression is written in, found in the state's definition (moto tracks only the last key)."""
    try:
        from moto.stepfunctions.responses import get_backend

        arn = str(env.states.context_object.context_object_data["StateMachine"]["Id"])
        _, _, _, region, account, *_ = arn.split(":")
        definition = get_backend(account, region).describe_state_machine(arn).definition
        state = _states_by_name(definition).get(env.next_state_name)
    except Exception:  # a machine the backend does not hold (a Distributed Map child): moto's own name
        state = None
    for path, written in _expression_paths(state):
        if written == expression.strip():
            return path
    return str(env.next_field_name or "")


def _query_failure(env: Any, cause: str) -> Exception:
    """States.QueryEvaluationError, with an EvaluationFailed event as AWS writes one."""
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_type = StatesErrorNameType.StatesQueryEvaluationError
    details: Any = EventDetails
    failure = FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error_type),
            event_type=HistoryEventType.EvaluationFailed,
            event_details=details(
                evaluationFailedEventDetails=EvaluationFailedEventDetails(error=error_type.to_name(), cause=cause)
            ),
        )
    )
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.EvaluationFailed,
        event_details=details(evaluationFailedEventDetails=failure.get_evaluation_failed_event_details()),
    )
    return failure


def _runtime_failure(env: Any, cause: str) -> Exception:
    return state_failure(env, "States.Runtime", cause)


def evaluate_in_state(env: Any, expression: str, *, with_states: bool) -> Any:
    """Evaluate one `{% %}` expression (or a JSONPath state's `$variable` read) as the state's field does."""
    bindings = _variables(env)
    if with_states:
        bindings["states"] = _states_binding(env)
    field = _field(env, expression)
    try:
        result = evaluate(expression, bindings)
    except EvaluationError as error:
        if not with_states:
            raise _runtime_failure(env, ERROR_CAUSE.format(expression, field, error)) from None
        raise _query_failure(env, ERROR_CAUSE.format(expression, field, error)) from None
    if result is UNDEFINED:
        if not with_states:  # a JSONPath state reading a variable it does not have
            cause = f"The variable reference '{expression}' specified for the field '{field}' could not be found"
            raise _runtime_failure(env, cause)
        raise _query_failure(env, UNDEFINED_CAUSE.format(expression, field))
    if result is UNSUPPORTED:
        raise _query_failure(env, UNSUPPORTED_CAUSE.format(expression, field))
    return result


#: The prefix moto adds to a States.Runtime or States.QueryEvaluationError cause, and again when the failure leaves
#: a Map iteration (naming the state 'None'); AWS adds it once, at the innermost state.
OUTER_PREFIX = re.compile(
    r"^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. "
    r"(?=An error occurred while executing the state )"
)


def install_cause_prefix(patch: Patch) -> None:
    """A cause leaving a Map iteration is prefixed once, naming the innermost state, as AWS prefixes it."""
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException

    original_details = FailureEventException.get_execution_failed_event_details

    def execution_failed_details(failure: Any) -> Any:
        details = original_details(failure)
        if details and details.get("cause"):
            details["cause"] = OUTER_PREFIX.sub("", str(details["cause"]))
        return details

    patch(FailureEventException, "get_execution_failed_event_details", execution_failed_details)


def install_evaluator(patch: Patch) -> None:
    """Evaluate the interpreter's `{% %}` expressions and variable reads with jsonata-python."""
    from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode
    from moto.stepfunctions.parser.asl.component.common.string import string_expression

    def jsonata_body(component: Any, env: Any) -> None:
        env.stack.append(evaluate_in_state(env, component.expression, with_states=True))

    def variable_body(component: Any, env: Any) -> None:
        jsonata_mode = component.query_language_mode == QueryLanguageMode.JSONata
        env.stack.append(evaluate_in_state(env, component.expression, with_states=jsonata_mode))

    patch(string_expression.StringJSONata, "_eval_body", jsonata_body)
    patch(string_expression.StringVariableSample, "_eval_body", variable_body)
