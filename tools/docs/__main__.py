"""`python -m tools.docs --write`: write docs/generated/*.md and fill every page's includes; `--check`: exit 1
when a generated file or an include is out of date, an include names no file, a page's code block is not a file,
or a page links to a file that does not exist."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.docs.check import differences, orphans, wanted
from tools.program import PROJECT_ROOT


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the generated files and fill the includes")
    mode.add_argument("--check", action="store_true", help="exit 1 when the docs differ from what --write writes")
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root: Path = args.root
    texts, problems = wanted(root)
    if args.write:
        for path in orphans(root, texts):
            path.unlink()
            print(f"removed {path.relative_to(root)}")
        for path, text in texts.items():
            if not path.exists() or path.read_text() != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(root)}")
    else:
        problems += differences(root, texts)
        if problems:
            problems.append("run .venv/bin/python -m tools.docs --write (and fix what it cannot)")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(texts)} docs files: {'written' if args.write else 'up to date'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
