"""`python -m tools.diagram [--check]`: write docs/workflows.md, or exit 1 when it is out of date."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.diagram.document import DOCUMENT, REGENERATE, stale, write
from tools.diagram.registry import unregistered_builders

#: How many lines of the difference `--check` shows.
DIFF_LINES = 60


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.diagram", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file differs from the builders")
    parser.add_argument("--output", type=Path, default=DOCUMENT, help="the file to write or check (docs/workflows.md)")
    args = parser.parse_args(argv)
    missing = unregistered_builders()
    for builder in missing:
        print(f"tools.diagram: {builder} has no diagram; add it to WORKFLOWS in tools/diagram/registry.py",
              file=sys.stderr)  # fmt: skip
    if not args.check:
        write(args.output)
        print(f"wrote {args.output}")
        return 1 if missing else 0
    difference = stale(args.output)
    if difference:
        print(f"{args.output} is out of date with the definition builders; run {REGENERATE}", file=sys.stderr)
        print("\n".join(difference[:DIFF_LINES]), file=sys.stderr)
    return 1 if difference or missing else 0


if __name__ == "__main__":
    sys.exit(main())
