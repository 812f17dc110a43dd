"""How many execution history events a run of a definition records, by walking the definition's own transitions.

Each state type records a fixed number of events when it succeeds (a Lambda Task: Entered, Scheduled, Started,
Succeeded, Exited; a Fail: only Entered), and the execution adds its Started and end events. At a Choice the caller
picks the branch, so a loop can be walked for any number of turns. The e2e tests check the counts against the
sandbox's real histories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

#: Events a state records when it runs without error (Step Functions' GetExecutionHistory event types).
STATE_EVENTS = {"Task": 5, "Pass": 2, "Wait": 2, "Choice": 2, "Succeed": 2, "Fail": 1}
#: ExecutionStarted and the one event that ends the execution (Succeeded, Failed, ...).
EXECUTION_EVENTS = 2
#: A retried attempt adds TaskScheduled, TaskStarted and TaskFailed.
RETRY_EVENTS = 3

#: Picks the next state at a Choice: (the Choice's name, how many times it has been entered) -> state name.
Chooser = Callable[[str, int], str]


class WalkError(ValueError):
    """The walk left the definition or took a branch its Choice does not offer."""


def _choice_targets(state: dict[str, Any]) -> set[str]:
    targets = {rule["Next"] for rule in state.get("Choices", [])}
    if "Default" in state:
        targets.add(state["Default"])
    return targets


def history_events(
    definition: dict[str, Any], choose: Chooser, max_states: int = 100_000, *, with_retries: bool = False
) -> int:
    """The events of one run from StartAt to an end, taking `choose`'s branch at every Choice; `with_retries`
    counts every Retry of every Task entered as taken to its last attempt (the worst case a budget must hold)."""
    events, name, entered = EXECUTION_EVENTS, definition["StartAt"], Counter[str]()
    for _ in range(max_states):
        state = definition["States"].get(name)
        if state is None:
            raise WalkError(f"no state {name!r} in the definition")
        events += STATE_EVENTS[state["Type"]]
        if with_retries:
            events += RETRY_EVENTS * sum(retrier.get("MaxAttempts", 3) for retrier in state.get("Retry", []))
        entered[name] += 1
        if state["Type"] == "Choice":
            chosen = choose(name, entered[name])
            if chosen not in _choice_targets(state):
                raise WalkError(f"{name!r} has no branch to {chosen!r}; it offers {sorted(_choice_targets(state))}")
            name = chosen
        elif state["Type"] in ("Succeed", "Fail") or state.get("End"):
            return events
        else:
            name = state["Next"]
    raise WalkError(f"the walk did not end within {max_states} states")
