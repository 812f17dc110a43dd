"""The package schema Pulumi infers from the components' types (for `pulumi package add` from other languages)."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest
import yaml
from pulumi.provider.experimental.util import camel_case

from components import catalog
from components.parts import WorkflowOptions
from tests.support.docs_copy import docs_copy
from tools import schema as schema_tool
from tools.docs.__main__ import main as docs_main
from tools.program import PROJECT_ROOT


def test_the_committed_schema_is_what_pulumi_infers_from_the_components_now():
    assert schema_tool.main(["--check"]) == 0, "run .venv/bin/python -m tools.schema and commit provider/schema.json"


def test_the_check_fails_when_a_component_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    stale = json.loads(schema_tool.SCHEMA_PATH.read_text())
    del stale["resources"]["sfn-patterns:index:MapFanOut"]["inputProperties"]["maxConcurrency"]
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(stale))
    monkeypatch.setattr(schema_tool, "SCHEMA_PATH", path)
    assert schema_tool.main(["--check"]) == 1
    assert schema_tool.main([]) == 0 and schema_tool.main(["--check"]) == 0


def test_the_docs_args_tables_are_rendered_from_the_schema_and_checked(tmp_path: Path):
    root = docs_copy(tmp_path)
    table = root / "docs" / "generated" / "args-mapfanout.md"
    current = table.read_text()
    table.write_text(current.replace("| `maxConcurrency` | integer |", "| `maxConcurrency` | string |", 1))
    assert table.read_text() != current
    assert docs_main(["--check", "--root", str(root)]) == 1
    assert docs_main(["--write", "--root", str(root)]) == 0
    assert table.read_text() == current
    assert "| `maxConcurrency` | integer |" in (root / "docs" / "map-fan-out.md").read_text(), "the page includes it"


def test_every_component_has_its_type_token_and_every_arg_in_the_schema():
    document = catalog.schema()
    for component in catalog.COMPONENTS:
        token = f"sfn-patterns:index:{component.__name__}"
        inputs = document["resources"][token]["inputProperties"]
        args_type = inspect.get_annotations(component.__init__)["args"]
        fields = set(args_type.__required_keys__) | set(args_type.__optional_keys__)
        assert {camel_case(field) for field in fields} == set(inputs), token
        assert set(document["resources"][token]["properties"]) >= {"stateMachineArn"}, token


def test_every_arg_a_component_declares_has_a_description():
    document = catalog.schema()
    for component in catalog.COMPONENTS:
        args_type = inspect.get_annotations(component.__init__)["args"]
        own = set(args_type.__annotations__) - set(WorkflowOptions.__annotations__)
        assert own, component.__name__
        inputs = document["resources"][f"sfn-patterns:index:{component.__name__}"]["inputProperties"]
        undocumented = sorted(field for field in own if not inputs[camel_case(field)].get("description"))
        assert undocumented == [], f"{component.__name__}: {undocumented}"
    handler_spec = document["types"]["sfn-patterns:index:HandlerSpec"]["properties"]
    assert all(prop.get("description") for prop in handler_spec.values())


def test_the_plugin_manifest_names_the_provider_entry_which_serves_the_catalog():
    manifest = yaml.safe_load((PROJECT_ROOT / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    entry = PROJECT_ROOT / manifest["main"] / "__main__.py"
    tree = ast.parse(entry.read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "serve"]
    assert len(calls) == 1
    assert ast.unparse(calls[0].args[0]).startswith("CatalogProvider(")
    # What it serves, through the wire, is tests/unit/test_provider_construct.py's to prove.
