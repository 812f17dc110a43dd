"""Entry point of `python -m tools.bench` (spawned server processes import this module too, so it only runs as main)."""

from tools.bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
