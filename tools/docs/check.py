"""What the docs should hold now, and how they differ from the files on disk."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from tools.docs.generated import Generated, generated
from tools.docs.includes import IncludeError, fill, loose_code

GENERATED_FOLDER = "docs/generated"
LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)\s#]+)(?:#[^)]*)?\)")


def pages(root: Path) -> list[Path]:
    """The hand-written pages: the README and docs/**.md outside docs/generated."""
    found = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    return [page for page in found if page.is_file() and GENERATED_FOLDER not in page.relative_to(root).as_posix()]


def wanted(root: Path, files: list[Generated] | None = None) -> tuple[dict[Path, str], list[str]]:
    """Every generated file and every page with its includes filled, and the problems no write can fix."""
    files = generated() if files is None else files
    texts = {root / item.path: item.text(root) for item in files}
    from tools.diagram.registry import unregistered_builders

    problems = [
        f"{builder} has no diagram: add it to WORKFLOWS in tools/diagram/registry.py"
        for builder in unregistered_builders()
    ]
    for page in pages(root):
        if page in texts:  # a generated page outside docs/generated (docs/sandbox-patches.md, say)
            continue
        name = page.relative_to(root).as_posix()
        text = page.read_text()
        try:
            texts[page] = fill(root, text, texts)
        except IncludeError as error:
            problems.append(f"{name}: {error}")
        problems += [
            f"{name}: {where}: a code block that is not a file of examples/ (include it)" for where in loose_code(text)
        ]
        for target in LINK.findall(text):
            if not (page.parent / target).exists():
                problems.append(f"{name}: a link to {target}, which does not exist")
    return texts, problems


def orphans(root: Path, texts: dict[Path, str]) -> list[Path]:
    """Files in docs/generated that no generator writes any more."""
    folder = root / GENERATED_FOLDER
    return sorted(path for path in folder.glob("*.md") if path not in texts) if folder.is_dir() else []


def differences(root: Path, texts: dict[Path, str], lines: int = 40) -> list[str]:
    """One message per file that differs from what it should hold, with the start of its diff."""
    found = []
    for path, text in texts.items():
        current = path.read_text() if path.exists() else ""
        if current != text:
            name = path.relative_to(root).as_posix()
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), f"{name} (on disk)", f"{name} (now)", lineterm=""
            )
            found.append("\n".join([f"{name} is out of date", *list(diff)[:lines]]))
    found += [f"{path.relative_to(root).as_posix()} is written by no generator" for path in orphans(root, texts)]
    return found
