"""`python -m tools.diagram [WORKFLOW ...]`: print the Mermaid diagram of each workflow named (default: all).
The docs' diagrams are written and checked by `python -m tools.docs`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tools.diagram import mermaid
from tools.diagram.registry import TEAM_WORKFLOWS, WORKFLOWS


def main(argv: Sequence[str] | None = None) -> int:
    drawn = {workflow.name: workflow for workflow in (*WORKFLOWS, *TEAM_WORKFLOWS)}
    parser = argparse.ArgumentParser(prog="python -m tools.diagram", description=__doc__)
    parser.add_argument("workflows", nargs="*", metavar="WORKFLOW", help=f"one of {', '.join(drawn)}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.workflows if name not in drawn]
    if unknown:
        parser.error(f"no workflow {', '.join(unknown)}; the workflows are {', '.join(drawn)}")
    for name in args.workflows or drawn:
        print(f"%% {name}\n{mermaid.render(drawn[name].definition())}", end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
