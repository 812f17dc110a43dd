"""`python -m tools.sandbox`: preview, run one workflow, or run the seed tutorials' demo in the embedded AWS."""

import sys

from tools.sandbox.cli import main

sys.exit(main())
