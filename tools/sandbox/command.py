"""`sfn-sandbox`'s entry: the command, or one line saying how to install it where only the components are.

The base package registers the command too (console scripts take no extras), so this module imports nothing the
`[sandbox]` extra brings before it has checked that the extra is there.
"""

from __future__ import annotations

import importlib.util
import sys

#: A module of each distribution the extra adds, which the base package does not bring.
EXTRA_MODULES = ("moto", "flask", "rich")
USAGE_ERROR = 2


def missing_extra() -> list[str]:
    return [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None) -> int:
    missing = missing_extra()
    if missing:
        print(
            f"sfn-sandbox: this venv has sfn-patterns without its sandbox ({', '.join(missing)} missing); "
            'install it with: pip install "sfn-patterns[sandbox]"',
            file=sys.stderr,
        )
        return USAGE_ERROR
    from .program_cli import main as command

    return command(argv)
