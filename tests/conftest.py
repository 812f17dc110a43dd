"""The whole test session runs offline: sockets reach only 127.0.0.1, and AWS clients sign with fake credentials.

The guards are the `sfn_sandbox` pytest plugin's (tools/sandbox/plugin.py), as a team's own tests get them; it is
loaded here from this checkout, and its installed copy (the `pytest11` entry point) is turned off in pyproject.toml.
"""

pytest_plugins = ["tools.sandbox.plugin"]
