"""A definition's fields checked against each state's query language, as CreateStateMachine checks them.

A JSONata state has `Arguments` and `Output` where a JSONPath state has `InputPath`, `Parameters`,
`ResultSelector`, `ResultPath` and `OutputPath` (https://docs.aws.amazon.com/step-functions/latest/dg/
transforming-data.html); AWS refuses a definition with a field of the other language in a state, and a state set
back to JSONPath inside a JSONata state machine, with SCHEMA_VALIDATION_FAILED at the state's path. moto accepted
`Output` in a JSONPath state and ignored it, and refused `Parameters` in a JSONata one with a message of its own.
Both mocks call `problems`: the Pulumi mocks' deploy rules (`rules.definition_problems`) and the embedded AWS's
CreateStateMachine (`refusal`, from the sandbox's Step Functions backend in `tools/sandbox/patches/stepfunctions.py`).
They also refuse a Wait's literal `Seconds` over 99,999,999, as AWS's schema does ("Maximum value is 99999999 at
/States/<name>/Seconds"); moto accepted it and slept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

JSONPATH = "JSONPath"
JSONATA = "JSONata"
#: Fields only a JSONPath state may have (the transforming-data page's five, and the other `...Path` fields).
JSONPATH_FIELDS = (
    "InputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "Result",
    "ItemsPath",
    "MaxConcurrencyPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "ErrorPath",
    "CausePath",
)
#: Fields only a JSONata state may have.
JSONATA_FIELDS = ("Arguments", "Output", "Items")
WRONG_FIELD = (
    "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to '{}', but field '{}' is only supported for the '{}' "
    "QueryLanguage at {}"
)
#: The largest literal Seconds a Wait state's schema accepts.
WAIT_SECONDS_MAXIMUM = 99_999_999
DOWNGRADE = (
    "SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at {}"
)


def _language(value: Any, default: str) -> str:
    return value if value in (JSONPATH, JSONATA) else default


def problems(machine: Any, where: str = "", machine_language: str | None = None) -> list[str]:
    """AWS's diagnostics for fields in the wrong query language, for a state machine and its Map and Parallel
    states (whose states fall back to the state machine's language, not the enclosing state's)."""
    if not isinstance(machine, Mapping) or not isinstance(machine.get("States"), Mapping):
        return []
    if machine_language is None:
        machine_language = _language(machine.get("QueryLanguage"), JSONPATH)
    found: list[str] = []
    for name, state in machine["States"].items():
        if not isinstance(state, Mapping):
            continue
        at = f"{where}/States/{name}"
        if machine_language == JSONATA and state.get("QueryLanguage") == JSONPATH:
            found.append(DOWNGRADE.format(at))
        else:
            language = _language(state.get("QueryLanguage"), machine_language)
            other, fields = (JSONATA, JSONATA_FIELDS) if language == JSONPATH else (JSONPATH, JSONPATH_FIELDS)
            found += [WRONG_FIELD.format(language, field, other, at) for field in fields if field in state]
        seconds = state.get("Seconds")
        if state.get("Type") == "Wait" and type(seconds) is int and seconds > WAIT_SECONDS_MAXIMUM:
            found.append(f"SCHEMA_VALIDATION_FAILED: Maximum value is {WAIT_SECONDS_MAXIMUM} at {at}/Seconds")
        for key in ("ItemProcessor", "Iterator"):
            found += problems(state.get(key), f"{at}/{key}", machine_language)
        for index, branch in enumerate(state.get("Branches") or []):
            found += problems(branch, f"{at}/Branches[{index}]", machine_language)
    return found


def definition_problems(definition: str) -> list[str]:
    try:
        return problems(json.loads(definition))
    except ValueError:
        return []  # not JSON: the parser refuses it on its own


def refusal(definition: Any) -> str | None:
    """InvalidDefinition's message for a definition CreateStateMachine and UpdateStateMachine refuse, else None."""
    found = definition_problems(definition) if isinstance(definition, str) else []
    return f"Invalid State Machine Definition: '{'; '.join(found[:5])}'" if found else None
