"""The registry of the sandbox's changes to moto: every entry is complete and true, only declared points can be
set, the embedded AWS changes moto through it alone and undoes it, and the docs page is generated from it."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path
from typing import Any

import pytest

from tools.sandbox import patches
from tools.sandbox.aws import EmbeddedAws
from tools.sandbox.patching import (
    EXTENSION_POINT,
    KINDS,
    NO_ISSUE,
    NOT_A_BUG,
    PATCH,
    Entry,
    Patcher,
    ScopedPatch,
    UndeclaredPatch,
    point_name,
)

ROOT = Path(__file__).resolve().parents[2]
DEFER_POINT = "sys.modules['moto.batch']"


@functools.cache
def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_entry_names_tests_that_exist():
    for entry in patches.REGISTRY:
        assert entry.proven_by, f"{entry.name}: no test proves it"
        for test in entry.proven_by:
            path, _, name = test.partition("::")
            assert (ROOT / path).is_file(), f"{entry.name}: no file {path}"
            assert name in _test_functions(ROOT / path), f"{entry.name}: no test {name} in {path}"


def test_every_entry_says_what_it_changes_why_how_and_moto_s_issue():
    names = [entry.name for entry in patches.REGISTRY]
    assert len(names) == len(set(names)), "entry names repeat"
    for entry in patches.REGISTRY:
        assert entry.target and entry.why and entry.how, entry.name
        assert entry.kind in KINDS, entry.name
        assert entry.upstream.startswith(("https://github.com/getmoto/moto/issues/", NO_ISSUE, NOT_A_BUG)), entry.name
        if entry.kind == PATCH:
            assert entry.install is not None and entry.points, f"{entry.name}: a patch that sets nothing"


def test_the_embedded_aws_sets_exactly_the_declared_points_and_puts_every_one_back():
    declared = {point for entry in patches.REGISTRY for point in entry.points}
    batch_imported = "moto.batch" in sys.modules  # then nothing is left to defer
    from moto import backends, settings
    from moto.core.config import default_user_config

    before = (backends.list_of_moto_modules, settings.INITIAL_NO_AUTH_ACTION_COUNT, dict(default_user_config))
    with EmbeddedAws() as embedded:
        assert embedded._patcher is not None
        applied = set(embedded._patcher.applied)
    assert applied <= declared
    assert declared - applied == ({DEFER_POINT} if batch_imported else set())
    assert (backends.list_of_moto_modules, settings.INITIAL_NO_AUTH_ACTION_COUNT, dict(default_user_config)) == before


def test_a_point_an_entry_does_not_declare_is_refused():
    class Owner:
        attribute = "moto's"

    def sneaky(patch: ScopedPatch, hooks: Any) -> None:
        patch(Owner, "attribute", "ours")

    entry = Entry("sneaky", (), "a test", ("x",), NOT_A_BUG, PATCH, "a test", sneaky, target="`Owner.attribute`")
    patcher = Patcher()
    with pytest.raises(UndeclaredPatch, match=r"'sneaky' sets .*Owner\.attribute, which it does not declare"):
        sneaky(ScopedPatch(patcher, entry), None)
    assert Owner.attribute == "moto's" and patcher.applied == []


def test_a_declared_point_is_set_and_undone_and_an_item_too():
    class Owner:
        attribute = "moto's"

    config = {"switch": False}
    point = point_name(Owner, "attribute")
    entry = Entry(
        "fine", (point, "config['switch']"), "a test", ("x",), NOT_A_BUG, PATCH, "t", None, target="`Owner.attribute`"
    )
    patcher = Patcher()
    ScopedPatch(patcher, entry)(Owner, "attribute", "ours")
    ScopedPatch(patcher, entry).item(config, "switch", True, point="config['switch']")
    assert (Owner.attribute, config, patcher.applied) == ("ours", {"switch": True}, [point, "config['switch']"])
    patcher.undo()
    assert (Owner.attribute, config) == ("moto's", {"switch": False})


def test_the_lambda_and_step_functions_backends_are_extension_points_not_patches():
    kinds = {entry.name: entry.kind for entry in patches.REGISTRY}
    assert kinds["lambda-runtime-backend"] == kinds["stepfunctions-executing-backend"] == EXTENSION_POINT
    patched = {point for entry in patches.REGISTRY for point in entry.points}
    assert not any(
        point.endswith((".LambdaBackend.invoke", ".StepFunctionsParserBackend.start_execution")) for point in patched
    )


def test_the_docs_page_is_the_registry_as_the_docs_tool_writes_it():
    from tools.docs.generated import generated

    page = next(item for item in generated() if item.path == "docs/sandbox-patches.md")
    assert page.text(ROOT) == (ROOT / page.path).read_text(), "run .venv/bin/python -m tools.docs --write"
    assert patches.render_markdown().strip("\n") in page.text(ROOT)


def test_the_page_has_a_table_per_service_naming_every_entry():
    page = patches.render_markdown()
    assert page.startswith("# The sandbox's changes to moto\n")
    for service, _, entries in patches.SERVICES:
        section = page.split(f"\n## {service}\n", 1)[1].split("\n## ", 1)[0]
        assert section.count("\n| ") == len(entries) + 2, service  # the header, its rule, a row per entry
        for entry in entries:
            assert " ".join(entry.why.split()).replace("|", "\\|") in section, entry.name


def test_an_entry_s_target_is_its_points_unless_it_names_one() -> None:
    points = ("moto.a.Thing.method", "moto.b.function")
    shown = Entry("plain", points, "a test", ("x",), NOT_A_BUG, PATCH, "t", None)
    named = Entry("named", points, "a test", ("x",), NOT_A_BUG, PATCH, "t", None, target="`Thing` (added)")

    assert shown.target == "`moto.a.Thing.method`, `moto.b.function`"
    assert named.target == "`Thing` (added)"
