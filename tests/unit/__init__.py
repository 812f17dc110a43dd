"""Unit tests under Pulumi mocks (a package, so a module may share its name with one in tests/e2e)."""
