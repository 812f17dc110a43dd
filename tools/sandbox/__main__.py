"""`python -m tools.sandbox` in this checkout (its seed workflows and demo); `python -m sfn_patterns.sandbox`,
installed with the `[sandbox]` extra, is `sfn-sandbox`: any program folder (this checkout's, from its editable
install, as `python -m tools.sandbox`)."""

if __package__ == "tools.sandbox":
    from tools.sandbox.cli import main as seed_command
    from tools.sandbox.command import exit_with

    exit_with(seed_command())
else:
    from .command import exit_with, main

    exit_with(main())
