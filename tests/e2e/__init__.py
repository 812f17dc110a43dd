"""Whole workflows in the sandbox (a package, so a module may share its name with one in tests/unit)."""
