"""State transitions read off a definition: the states one path enters, split into fixed and per Map iteration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Step Functions Standard pricing, per state transition (the first 4,000 a month are free).
from tools.sandbox.prices import DOLLARS_PER_TRANSITION

#: The most states one path may enter before the walk calls it a loop.
MAX_PATH_STATES = 1000


class UnboundedPath(ValueError):
    """The path loops, or leads to a state the definition does not have."""


@dataclass(frozen=True)
class TransitionFormula:
    """`fixed` + sum of `per_unit[unit]` x count of that unit, e.g. 6 + 1/batch + 1/image."""

    fixed: int
    per_unit: dict[str, int] = field(default_factory=dict)

    def count(self, units: Mapping[str, int]) -> int:
        """The transitions of one execution with `units` iterations of each kind (e.g. {"batch": 4, "image": 100})."""
        return self.fixed + sum(per * units.get(unit, 0) for unit, per in self.per_unit.items())

    def describe(self) -> str:
        terms = [str(self.fixed)] + [f"{per}/{unit}" for unit, per in self.per_unit.items() if per]
        return " + ".join(terms)


def dollars_per_million(transitions_per_item: float) -> float:
    """What a million items cost in state transitions at `DOLLARS_PER_TRANSITION`."""
    return transitions_per_item * 1_000_000 * DOLLARS_PER_TRANSITION


def _next_state(name: str, state: Mapping[str, Any], branches: Mapping[str, str]) -> str | None:
    kind = state.get("Type")
    if kind in ("Succeed", "Fail") or state.get("End"):
        return None
    if kind == "Choice":
        return branches.get(name, state.get("Default"))
    following = state.get("Next")
    if not isinstance(following, str):
        raise UnboundedPath(f"state {name!r} has neither Next nor End")
    return following


def _processor(state: Mapping[str, Any]) -> Mapping[str, Any]:
    processor = state.get("ItemProcessor") or state.get("Iterator")
    if not isinstance(processor, Mapping):
        raise UnboundedPath("a Map state without ItemProcessor")
    return processor


def path_states(definition: Mapping[str, Any], branches: Mapping[str, str] | None = None) -> list[str]:
    """The states entered from StartAt to the end, in order; a Choice takes `branches[name]` (else its Default)."""
    branches = branches or {}
    states = definition.get("States", {})
    entered: list[str] = []
    current: str | None = definition.get("StartAt")
    while current is not None:
        if len(entered) == MAX_PATH_STATES:
            raise UnboundedPath(f"the path enters more than {MAX_PATH_STATES} states: a loop")
        state = states.get(current)
        if not isinstance(state, Mapping):
            raise UnboundedPath(f"no state {current!r}")
        entered.append(current)
        current = _next_state(current, state, branches)
    return entered


def path_formula(
    definition: Mapping[str, Any], units: Mapping[str, str], branches: Mapping[str, str] | None = None
) -> TransitionFormula:
    """The transitions of the path `path_states` walks.

    Every state entered at the top level counts once. A Map state named in `units` adds, per iteration of that unit,
    the states its processor enters (and, in DISTRIBUTED mode, one more: AWS bills each child workflow execution
    the Map starts as a transition). A Map not named in `units` refuses, so no iteration goes uncounted."""
    entered = path_states(definition, branches)
    per_unit: dict[str, int] = {}
    for name in entered:
        state = definition["States"][name]
        if state.get("Type") != "Map":
            continue
        if name not in units:
            raise UnboundedPath(f"Map state {name!r}: say what it iterates over (units)")
        processor = _processor(state)
        inner = path_formula(processor, units, branches)
        if inner.per_unit:
            raise UnboundedPath(f"Map state {name!r}: nested Maps are not counted")
        distributed = (processor.get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
        per_unit[units[name]] = per_unit.get(units[name], 0) + inner.fixed + (1 if distributed else 0)
    return TransitionFormula(len(entered), per_unit)
