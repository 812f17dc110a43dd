"""Workflow variables held to AWS's size quotas, which moto's interpreter does not keep.

AWS's "Variable size limits" (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html):
one variable holds at most 256 KiB; all the variables one `Assign` sets, at most 256 KiB together; all the
variables an execution stores, at most 10 MiB. Past them the state fails with States.DataLimitExceeded. A value's
size is its compact JSON text in UTF-8 bytes, a string's quotes included.
"""

from __future__ import annotations

import json
from typing import Any

from .failures import state_failure
from .patching import Patch

#: One variable, and all the variables one Assign sets (the workflow-variables page, "Variable size limits").
VARIABLE_BYTES = 256 * 1024
ASSIGN_BYTES = 256 * 1024
#: All the variables an execution stores (the same page).
STORED_VARIABLES_BYTES = 10 * 1024 * 1024


def variable_bytes(value: Any) -> int:
    """A variable's size: its value's compact JSON text in UTF-8 bytes (a string's quotes count)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def assign_problem(declarations: dict[str, Any], stored: dict[str, Any]) -> str | None:
    """Why AWS would refuse this Assign (a cause for States.DataLimitExceeded), or None."""
    sizes = {name: variable_bytes(value) for name, value in declarations.items()}
    for name, size in sizes.items():
        if size > VARIABLE_BYTES:
            return f"The variable '{name}' has a size of {size} bytes, exceeding the maximum of {VARIABLE_BYTES} bytes."
    total = sum(sizes.values())
    if total > ASSIGN_BYTES:
        return f"The variables assigned together have a size of {total} bytes, exceeding the maximum of {ASSIGN_BYTES}."
    kept = sum(variable_bytes(value) for name, value in stored.items() if name not in declarations) + total
    if kept > STORED_VARIABLES_BYTES:
        return (
            f"The stored variables have a size of {kept} bytes, exceeding the maximum of {STORED_VARIABLES_BYTES} "
            "bytes per execution."
        )
    return None


def install(patch: Patch) -> None:
    from moto.stepfunctions.parser.asl.component.common.assign.assign_decl import AssignDecl

    def assign(declaration: Any, env: Any) -> None:
        declarations: dict[str, Any] = {}
        for binding in declaration.declaration_bindings:  # as moto's AssignDecl._eval_body evaluates them
            binding.eval(env=env)
            declarations.update(env.stack.pop())
        store = env.variable_store
        problem = assign_problem(declarations, {**store._outer_scope, **store._inner_scope})
        if problem:
            raise state_failure(env, "States.DataLimitExceeded", problem)
        for identifier, value in declarations.items():
            store.set(variable_identifier=identifier, variable_value=value)

    patch(AssignDecl, "_eval_body", assign)
