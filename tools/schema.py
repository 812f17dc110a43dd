"""Write (or `--check`) provider/schema.json, the package schema Pulumi infers from the components' type hints.
The docs' args tables rendered from it are written and checked by `python -m tools.docs`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from components.catalog import schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "provider" / "schema.json"


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed schema is out of date")
    args = parser.parse_args(argv)
    wanted = {SCHEMA_PATH: render()}
    if args.check:
        stale = [path for path, text in wanted.items() if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path} is out of date with the components; run python -m tools.schema", file=sys.stderr)
        if not stale:
            print(f"{', '.join(str(path) for path in wanted)}: up to date")
        return 1 if stale else 0
    for path, text in wanted.items():
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
