"""`sfn-sandbox`'s entry: the command, or one line saying how to install it where only the components are.

The base package registers the command too (console scripts take no extras), so this module imports nothing the
`[sandbox]` extra brings before it has checked that the extra is there.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import NoReturn

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


def exit_with(code: int) -> NoReturn:
    """End the process once the command has returned: the sandbox is closed by then (servers stopped, Lambda workers
    ended, its folders removed), so skip the interpreter's teardown of moto's, botocore's and Pulumi's modules,
    which took 0.9 s of a 3.5 s run (mypy ends the same way)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def console() -> NoReturn:
    """The `sfn-sandbox` console script."""
    exit_with(main())
