"""A copy of what `python -m tools.docs` reads and writes (the README, docs/, bench/ and examples/), to change."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.program import PROJECT_ROOT


def docs_copy(tmp_path: Path) -> Path:
    """A root holding a copy of this checkout's docs and what they include, without build output."""
    root = tmp_path / "checkout"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "README.md", root / "README.md")
    ignore = shutil.ignore_patterns("build", "__pycache__", ".venv", "node_modules")
    for folder in ("docs", "bench", "examples"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder, ignore=ignore)
    return root
