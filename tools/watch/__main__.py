"""Entry point of `python -m tools.watch`."""

import sys

from .cli import main

sys.exit(main())
