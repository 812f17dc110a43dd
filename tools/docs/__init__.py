"""The docs' generated files and includes, written (`--write`) and checked (`--check`) by `python -m tools.docs`."""
