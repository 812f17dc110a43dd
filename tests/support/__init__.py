"""Helpers the test suites share: the offline guard, program look-ups, IAM and ASL checks."""
