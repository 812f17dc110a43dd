"""Include markers in the hand-written pages: the text between them is a file of the checkout, copied in whole
(or one top-level function of it), so a page's code is a real file that CI runs and cannot drift from it.

    <!-- include examples/fan-out-results/__main__.py -->
    ...filled in by `python -m tools.docs --write`...
    <!-- end include -->

A path is the checkout's (not the page's). `path#name` includes one top-level function or class of a Python file.
A Markdown file is included as it is; any other file as a code block. Outside includes, a page's code blocks may
only be shell commands (`bash`) or plain text (`text`): every other snippet is a file under examples/.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path

INCLUDE = re.compile(r"^<!-- include (?P<target>\S+) -->\n(?P<body>.*?)^<!-- end include -->$", re.M | re.S)
FENCE = re.compile(r"^```(?P<language>\S*)$", re.M)
#: The languages a code block outside an include may be in.
INLINE_LANGUAGES = ("bash", "text")
LANGUAGES = {".py": "python", ".ts": "typescript", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".txt": "text"}


class IncludeError(ValueError):
    """An include that names no file (or no function in it), or a code block that is not a file."""


def _function(path: Path, name: str) -> str:
    source = path.read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            return "\n".join(source.splitlines()[first - 1 : node.end_lineno]) + "\n"
    raise IncludeError(f"{path.name} has no top-level function or class {name!r}")


def body(root: Path, target: str, written: Mapping[Path, str] | None = None) -> str:
    """What the include of `target` holds: a Markdown file as it is, anything else as a fenced code block.
    `written`: files about to be written (generated ones), read from there rather than from the disk."""
    relative, _, name = target.partition("#")
    path = root / relative
    if written and path in written:
        return "\n" + written[path].rstrip("\n") + "\n\n"
    if not path.is_file():
        raise IncludeError(f"include {target}: no file {relative} in the checkout")
    if path.suffix == ".md":
        return "\n" + path.read_text().rstrip("\n") + "\n\n"
    text = _function(path, name) if name else path.read_text()
    return f"```{LANGUAGES.get(path.suffix, 'text')}\n{text.rstrip()}\n```\n"


def fill(root: Path, page: str, written: Mapping[Path, str] | None = None) -> str:
    """`page` with every include's text replaced by its file's current text (or the text about to be written)."""
    return INCLUDE.sub(
        lambda found: f"<!-- include {found['target']} -->\n{body(root, found['target'], written)}<!-- end include -->",
        page,
    )


def loose_code(page: str) -> list[str]:
    """The code blocks outside includes that are neither `bash` nor `text`, as `line N: ```language`."""
    outside = INCLUDE.sub(lambda found: "\n" * found.group(0).count("\n"), page)
    fences = list(FENCE.finditer(outside))
    opening = fences[::2]  # fences alternate: an opening one, then its closing one
    return [
        f"line {outside.count(chr(10), 0, fence.start()) + 1}: ```{fence['language']}"
        for fence in opening
        if fence["language"] not in INLINE_LANGUAGES
    ]
