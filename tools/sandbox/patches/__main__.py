"""`python -m tools.sandbox.patches --write | --check`: the docs page of the sandbox's changes to moto."""

from . import main

raise SystemExit(main())
