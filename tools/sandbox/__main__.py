"""`python -m tools.sandbox` in this checkout (its seed workflows and demo); `python -m sfn_patterns.sandbox`,
installed with the `[sandbox]` extra, is `sfn-sandbox`: any program folder."""

if __package__ == "tools.sandbox":
    from tools.sandbox.cli import main
    from tools.sandbox.command import exit_with
else:
    from .command import exit_with, main

exit_with(main())
