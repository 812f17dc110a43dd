"""Program cost: seconds to evaluate the whole Pulumi program under mocks, and to deploy it into the sandbox."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tools.program import PreviewMocks, run_program


@dataclass(frozen=True)
class ProgramCost:
    """Evaluating `__main__.py` under PreviewMocks (first time in the process, and again), and its resources."""

    first_seconds: float
    again_seconds: float
    resources: int

    def as_json(self) -> dict[str, Any]:
        return {
            "evaluateFirstSeconds": round(self.first_seconds, 2),
            "evaluateAgainSeconds": round(self.again_seconds, 2),
            "resources": self.resources,
        }


def measure_evaluation(repeats: int = 2) -> ProgramCost:
    """`run_program(PreviewMocks())`: the first run pays the components' imports; the fastest later one is `again`."""
    started = time.perf_counter()
    program = run_program(PreviewMocks())
    first = time.perf_counter() - started
    again: list[float] = []
    for _ in range(max(repeats, 1)):
        started = time.perf_counter()
        run_program(PreviewMocks())
        again.append(time.perf_counter() - started)
    return ProgramCost(first, min(again), len(program.resources))
