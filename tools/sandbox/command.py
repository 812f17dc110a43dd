"""`sfn-sandbox`'s entry: the command, or one line saying how to install it where only the components are.

The base package registers the command too (console scripts take no extras), so this module imports nothing the
`[sandbox]` extra brings before it has checked that the extra is there.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
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
    checkout = _this_checkout(sys.argv[1:] if argv is None else argv)
    if checkout is not None:  # this repository's program, run from its editable install: its seed walkthroughs too
        sys.path.insert(0, str(checkout))
        from tools.sandbox.cli import main as seed_command

        return seed_command(argv, prog="sfn-sandbox")
    from .program_cli import main as command

    return command(argv)


def _this_checkout(argv: list[str]) -> Path | None:
    """The program folder (`--program DIR`, else the current one) when it is the checkout this very package is
    installed from (editable): there `sfn-sandbox` is `python -m tools.sandbox`, with the seed workflows' walkthroughs
    ready in `serve`. Only its own modules then run, not a second copy of them under `sfn_patterns.sandbox`."""
    program = Path()
    for index, word in enumerate(argv):
        if word == "--program" and index + 1 < len(argv):
            program = Path(argv[index + 1])
        elif word.startswith("--program="):
            program = Path(word.split("=", 1)[1])
    here = Path(__file__).resolve().parent
    own = (program / "tools" / "sandbox").resolve()
    return program.resolve() if own == here and (program / "tools" / "sandbox" / "cli.py").is_file() else None


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
