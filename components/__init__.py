"""sfn-patterns: AWS Step Functions workflows as Pulumi components (`import sfn_patterns`, this folder installed)."""

#: The release; pyproject.toml reads it from here, so this is the one place it is written.
__version__ = "0.1.0"
