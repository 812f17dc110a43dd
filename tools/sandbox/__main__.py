"""`python -m tools.sandbox` in this checkout (its seed workflows and demo); `python -m sfn_patterns.sandbox`,
installed with the `[sandbox]` extra, is `sfn-sandbox`: any program folder."""

import sys

if __package__ == "tools.sandbox":
    from tools.sandbox.cli import main
else:
    from .command import main

sys.exit(main())
