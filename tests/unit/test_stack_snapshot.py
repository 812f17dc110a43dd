"""The dev and prod stacks register exactly the resources, properties and outputs of the snapshot taken before
issue 25's restructure (one folder per workflow): a move of code must not move a resource.

Lambda `code` archives and `handler` paths are left out: they may change where handlers become packages.
Rewrite the snapshots only for a deliberate change of the resource graph:
`.venv/bin/python -m tests.unit.test_stack_snapshot --write`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tools.program import PreviewMocks, ProgramRun, run_program

SNAPSHOTS = Path(__file__).parent / "snapshots"
STACKS = ("dev", "prod")
#: Inputs that may change when handlers become packages: the archive and the module path inside it.
UNSTABLE_INPUTS = {"aws:lambda/function:Function": {"code", "handler"}}


def _plain(value: Any) -> Any:
    if isinstance(value, pulumi.Archive | pulumi.Asset):
        return f"<{type(value).__name__}>"
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def snapshot_of(run: ProgramRun) -> dict[str, Any]:
    resources = []
    for resource in run.resources:
        unstable = UNSTABLE_INPUTS.get(resource.type, set())
        inputs = {key: value for key, value in resource.inputs.items() if key not in unstable}
        resources.append(
            {
                "urn": resource.urn,
                "parent": resource.parent,
                "inputs": _plain(inputs),
                "protect": resource.protect,
                "retain_on_delete": resource.retain_on_delete,
            }
        )
    return {"resources": sorted(resources, key=lambda r: r["urn"]), "outputs": _plain(run.outputs)}


def _path(stack: str) -> Path:
    return SNAPSHOTS / f"{stack}.json"


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_registers_the_snapshot_resources_properties_and_outputs(stack: str):
    expected = json.loads(_path(stack).read_text())
    actual = json.loads(json.dumps(snapshot_of(run_program(PreviewMocks(), stack=stack))))
    assert [r["urn"] for r in actual["resources"]] == [r["urn"] for r in expected["resources"]]
    for got, want in zip(actual["resources"], expected["resources"], strict=True):
        assert got == want, got["urn"]
    assert actual["outputs"] == expected["outputs"]


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.unit.test_stack_snapshot --write")
    SNAPSHOTS.mkdir(exist_ok=True)
    for name in STACKS:
        _path(name).write_text(json.dumps(snapshot_of(run_program(PreviewMocks(), stack=name)), indent=1) + "\n")
        print(f"wrote {_path(name)}")
