"""A state machine's preset inputs: named examples its console start form offers, each filling the JSON box."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preset:
    """A named example input; with `start`, the execution starts the workflow's own way (`start(input)` returns the
    execution's ARN, e.g. a starter Lambda's), which `started_by` names; without, by StartExecution."""

    name: str
    input: Any
    start: Callable[[Any], str] | None = None
    started_by: str = ""

    @property
    def text(self) -> str:
        return json.dumps(self.input, indent=2, ensure_ascii=False)

    def as_json(self) -> dict[str, Any]:
        """What the page's script reads to fill the JSON box."""
        return {"name": self.name, "input": self.text, "startedBy": self.started_by}
