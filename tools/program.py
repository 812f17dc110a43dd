"""This repository's own Pulumi program (`__main__.py` here), evaluated as the sandbox evaluates any program folder.

The evaluation lives in `tools/sandbox/program.py` (it ships with the `[sandbox]` extra); here each function takes
this checkout as its default folder, whatever the current folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pulumi

from tools.sandbox import program as _program
from tools.sandbox.program import (
    ACCOUNT_ID,
    ARN_FORMATS,
    NAME_INPUTS,
    PROJECT,
    PreviewMocks,
    ProgramError,
    ProgramRun,
    RecordingMonitor,
    RegisteredResource,
    StackConfigError,
    one_line,
    parse_overrides,
    physical_name,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "ACCOUNT_ID",
    "ARN_FORMATS",
    "NAME_INPUTS",
    "PROJECT",
    "PROJECT_ROOT",
    "PreviewMocks",
    "ProgramError",
    "ProgramRun",
    "RecordingMonitor",
    "RegisteredResource",
    "StackConfigError",
    "one_line",
    "parse_overrides",
    "physical_name",
    "project_name",
    "read_stack_config",
    "run_program",
]


def project_name(root: Path = PROJECT_ROOT) -> str:
    return _program.project_name(root)


def read_stack_config(
    stack: str, overrides: Mapping[str, str] | None = None, root: Path = PROJECT_ROOT
) -> dict[str, str]:
    return _program.read_stack_config(stack, overrides, root)


def run_program(
    mocks: pulumi.runtime.Mocks,
    *,
    stack: str = "dev",
    config: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    preview: bool = False,
    root: Path = PROJECT_ROOT,
) -> ProgramRun:
    return _program.run_program(mocks, stack=stack, config=config, overrides=overrides, preview=preview, root=root)
