"""Run one state of a deployed state machine through TestState, as a team's test would call AWS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.client import BaseClient


def test_deployed_state(
    sfn: BaseClient,
    state_machine_arn: str,
    state_name: str,
    *,
    input: Any = None,
    mock: Mapping[str, Any] | None = None,
    variables: Mapping[str, Any] | None = None,
    inspection_level: str | None = None,
    state_configuration: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """TestState on `state_name` of the state machine's own definition, under its own role."""
    machine = sfn.describe_state_machine(stateMachineArn=state_machine_arn)
    request: dict[str, Any] = {
        "definition": machine["definition"],
        "roleArn": machine["roleArn"],
        "stateName": state_name,
        "input": json.dumps({} if input is None else input),
    }
    if mock is not None:
        request["mock"] = {
            key: (json.dumps(value) if key == "result" and not isinstance(value, str) else value)
            for key, value in mock.items()
        }
    if variables is not None:
        request["variables"] = json.dumps(dict(variables))
    if inspection_level is not None:
        request["inspectionLevel"] = inspection_level
    if state_configuration is not None:
        request["stateConfiguration"] = dict(state_configuration)
    if context is not None:
        request["context"] = json.dumps(dict(context))
    response: dict[str, Any] = sfn.test_state(**request)
    response.pop("ResponseMetadata", None)
    return response


test_deployed_state.__test__ = False  # type: ignore[attr-defined]  # a helper, not a pytest test
