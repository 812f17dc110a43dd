"""The console's Mermaid is the pinned npm package's browser build, byte for byte, with its license beside it."""

from __future__ import annotations

import json

import pytest

from tools.program import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "tools" / "sandbox" / "console" / "static" / "mermaid"
PINNED = PROJECT_ROOT / "node_modules" / "mermaid"


@pytest.mark.parametrize(("shipped", "pinned"), [("mermaid.min.js", "dist/mermaid.min.js"), ("LICENSE", "LICENSE")])
def test_the_shipped_mermaid_is_the_pinned_packages_own_file(shipped: str, pinned: str) -> None:
    assert (PINNED / pinned).exists(), "node_modules has no mermaid: run `make deps`"
    assert (SHIPPED / shipped).read_bytes() == (PINNED / pinned).read_bytes(), "run `make console-assets`"


def test_mermaid_is_pinned_exactly() -> None:
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    installed = json.loads((PINNED / "package.json").read_text())["version"]
    assert package["devDependencies"]["mermaid"] == installed, "an exact pin, the version node_modules holds"


def test_the_console_ships_no_other_asset_than_its_own_and_mermaid() -> None:
    static = PROJECT_ROOT / "tools" / "sandbox" / "console" / "static"
    files = sorted(str(path.relative_to(static)) for path in static.rglob("*") if path.is_file())
    assert files == ["console.css", "console.js", "mermaid/LICENSE", "mermaid/mermaid.min.js"]
    assert "http" not in (static / "console.js").read_text() + (static / "console.css").read_text()
