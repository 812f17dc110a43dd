"""TestState on one state of a deployed state machine, mocked: run by tests/sandbox/test_test_state_deployed.py
against this repository's program in the sandbox (docs/sandbox.md includes it)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sfn_patterns.sandbox.session import Sandbox


def check_process_iteration_counts_down(sandbox: Sandbox) -> None:
    response = sandbox.test_state(
        "lambdaIteratorStateMachineArn",
        "ProcessIteration",
        input={"counter": 2},
        mock={"result": {"StatusCode": 200, "Payload": {"counter": 1}}},
    )
    assert response["status"] == "SUCCEEDED" and response["nextState"] == "LoopCompleted?"
    assert json.loads(response["output"]) == {"counter": 1}
