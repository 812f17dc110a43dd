"""Entry point of `python -m tools.watch`."""

import sys

from tools.watch.cli import main

sys.exit(main())
