"""A state machine definition read as a graph: its states by scope, and each state's labelled transitions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: One state of a definition, as the Amazon States Language writes it.
State = dict[str, Any]
#: Where a transition goes when the execution (or a Map iteration, or a Parallel branch) ends.
END = "[*]"
#: Choice rule comparison operators, by the suffix their ASL name shares (StringEquals, NumericLessThanPath, ...).
COMPARISONS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=", "GreaterThanEquals": ">="}
COMPARED_TYPES = ("String", "Numeric", "Boolean", "Timestamp")
TYPE_TESTS = ("IsPresent", "IsNull", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp")
#: Choice rule fields that are not part of its condition.
RULE_FIELDS = ("Variable", "Next", "Comment", "Assign", "Output")


@dataclass(frozen=True)
class Edge:
    """One transition out of a state: where it goes and what the diagram writes on it ('' for none)."""

    target: str
    label: str = ""


def condition(rule: dict[str, Any]) -> str:
    """A Choice rule as one line: `$.counter == 0`, `IsPresent $.Item.items.L`, `a and (b or c)`."""
    if "And" in rule:
        return " and ".join(_grouped(inner) for inner in rule["And"])
    if "Or" in rule:
        return " or ".join(_grouped(inner) for inner in rule["Or"])
    if "Not" in rule:
        return f"not {_grouped(rule['Not'])}"
    if "Condition" in rule:  # JSONata
        return str(rule["Condition"])
    variable = rule.get("Variable", "$")
    for test in TYPE_TESTS:
        if test in rule:
            return f"{test} {variable}" if rule[test] else f"not {test} {variable}"
    for key, value in rule.items():
        if key in RULE_FIELDS:
            continue
        operator = key.removesuffix("Path")
        operand = str(value) if key.endswith("Path") else json.dumps(value)
        if operator == "StringMatches":
            return f"{variable} matches {operand}"
        for compared in COMPARED_TYPES:
            if operator.startswith(compared) and operator[len(compared) :] in COMPARISONS:
                return f"{variable} {COMPARISONS[operator[len(compared) :]]} {operand}"
    raise ValueError(f"not a Choice rule this diagram can draw: {json.dumps(rule)}")


def _grouped(rule: dict[str, Any]) -> str:
    text = condition(rule)
    return f"({text})" if "And" in rule or "Or" in rule else text


def _wait_label(state: State) -> str:
    if "Seconds" in state:
        return f"after {state['Seconds']} s"
    if "SecondsPath" in state:
        return f"after {state['SecondsPath']} s"
    return f"at {state.get('Timestamp') or state.get('TimestampPath')}"


def _fail_label(state: State) -> str:
    if "Error" in state:
        return f"error {state['Error']}"
    return f"error from {state['ErrorPath']}" if "ErrorPath" in state else "fails"


def edges(state: State) -> list[Edge]:
    """Every transition out of a state: Choice rules, Default, Next (End), Catch; Fail and Succeed end."""
    kind = state["Type"]
    found: list[Edge] = []
    if kind == "Choice":
        found += [Edge(rule["Next"], condition(rule)) for rule in state.get("Choices", [])]
        if "Default" in state:
            found.append(Edge(state["Default"], "default"))
    elif kind == "Fail":
        found.append(Edge(END, _fail_label(state)))
    elif kind == "Succeed" or state.get("End"):
        found.append(Edge(END))
    elif "Next" in state:
        found.append(Edge(state["Next"], _wait_label(state) if kind == "Wait" else ""))
    found += [Edge(catcher["Next"], "catch " + ", ".join(catcher["ErrorEquals"])) for catcher in state.get("Catch", [])]
    return found


def nested(scope: str, name: str, state: State) -> list[tuple[str, dict[str, Any]]]:
    """The state machines inside a state with their scopes: a Map's item processor (`Map/`), a Parallel's
    branches (`Parallel/0/`, `Parallel/1/`, ...)."""
    processor = state.get("ItemProcessor") or state.get("Iterator")
    if processor:
        return [(f"{scope}{name}/", processor)]
    return [(f"{scope}{name}/{index}/", branch) for index, branch in enumerate(state.get("Branches", []))]


def walk(definition: dict[str, Any], scope: str = "") -> Iterator[tuple[str, str, State]]:
    """(scope, name, state) for every state, nested ones included."""
    for name, state in definition["States"].items():
        yield scope, name, state
        for inner, machine in nested(scope, name, state):
            yield from walk(machine, inner)


def outline(definition: dict[str, Any]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """What a diagram draws, without labels: (scope, name, type, targets) for every state, and each StartAt."""
    shape: set[tuple[str, str, str, tuple[str, ...]]] = {("", END, "StartAt", (definition["StartAt"],))}
    for scope, name, state in walk(definition):
        shape.add((scope, name, state["Type"], tuple(sorted({edge.target for edge in edges(state)}))))
        shape.update((inner, END, "StartAt", (machine["StartAt"],)) for inner, machine in nested(scope, name, state))
    return shape
