"""The context object and a definition's strings as AWS writes them: `$$.Execution.RedriveCount`, timestamps in
milliseconds and `Z`, and a definition's `\\uXXXX` escapes read as JSON reads them.

- moto put `Execution.StartTime` in the context object as a Python datetime, so `"t.$": "$$.Execution.StartTime"`
  wrote `2026-12-07T02:23:43.421401+00:00` and DescribeExecution of that execution answered 500 (the output held a
  datetime it could not write); `State.EnteredTime` had the same six digits and `+00:00`. AWS writes both as
  `2026-12-07T02:23:43.421Z` (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
- AWS's context object has `Execution.RedriveCount` (0 until the execution is redriven); moto's had none.
- moto read a definition's string literals with Python's escapes (`ast.literal_eval`), so an emoji written as the
  JSON escapes `\\ud83d\\ude00` became two lone surrogates and the execution failed with UnicodeEncodeError; and
  some (an Assign's value, a Comment) with none, so "María" sent as `Mar\\u00eda` stayed so. JSON joins a surrogate
  pair into one character and reads every escape, and so do we.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from .patching import Patch


def aws_timestamp(value: Any) -> Any:
    """A time as Step Functions writes it in the context object: ISO 8601, UTC, milliseconds, `Z`."""
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime.datetime):
        return value
    utc = value.astimezone(datetime.UTC) if value.tzinfo else value
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def string_literal(parser_rule_context: Any) -> str | None:
    """A definition's string as JSON reads it (moto's `from_string_literal` used Python's escapes, and its
    `Preprocessor._inner_string_of` none: an Assign's "María", sent as "Mar\\u00eda", stayed escaped)."""
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
    from moto.stepfunctions.parser.asl.antlt4utils.antlr4utils import is_terminal

    if is_terminal(parser_rule_context, ASLLexer.NULL):
        return None
    text = parser_rule_context.getText()
    if not (len(text) >= 2 and text.startswith('"') and text.endswith('"')):
        return str(text)
    try:
        return str(json.loads(text))
    except ValueError:
        return str(text[1:-1])


def install_times(patch: Patch) -> None:
    """The context object's times as AWS writes them, and its Execution.RedriveCount."""
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original_environment = ExecutionWorker._get_evaluation_environment
    original_state_input = CommonStateField._eval_state_input

    def evaluation_environment(worker: Any) -> Any:
        env = original_environment(worker)
        execution: Any = env.states.context_object.context_object_data["Execution"]
        execution["StartTime"] = aws_timestamp(execution.get("StartTime"))
        execution.setdefault("RedriveCount", 0)
        return env

    def state_input(state: Any, env: Any) -> None:
        entered = env.states.context_object.context_object_data.get("State")
        if entered and "EnteredTime" in entered:  # set just before, in the state's _eval_body
            entered["EnteredTime"] = aws_timestamp(entered["EnteredTime"])
        original_state_input(state, env)

    patch(ExecutionWorker, "_get_evaluation_environment", evaluation_environment)
    patch(CommonStateField, "_eval_state_input", state_input)


def install_json_strings(patch: Patch) -> None:
    """A definition's strings read as JSON reads them (moto read them with Python's escapes)."""
    from moto.stepfunctions.parser.asl.parse import asl_parser, preprocessor

    class JsonStringPreprocessor(preprocessor.Preprocessor):
        """moto's preprocessor reading its strings as JSON (a subclass: its static `_inner_string_of` could not be
        patched and restored as a staticmethod)."""

        _inner_string_of = staticmethod(string_literal)

    patch(preprocessor, "from_string_literal", string_literal)
    patch(asl_parser, "Preprocessor", JsonStringPreprocessor)
