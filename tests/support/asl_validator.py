"""Run the pinned `asl-validator` (npm) once over many definitions and say, per definition, what it found."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tools.program import PROJECT_ROOT

ASL_VALIDATOR = PROJECT_ROOT / "node_modules" / ".bin" / "asl-validator"
#: A definition the validator must refuse (StartAt names no state), to validate alongside real ones.
KNOWN_INVALID = "known-invalid"
KNOWN_INVALID_DEFINITION = {"StartAt": "Missing", "States": {"Only": {"Type": "Pass", "End": True}}}
_VERDICT = re.compile(r'^(?P<mark>[✓✕]) State machine definition "(?P<path>[^"]+)" is (?P<verdict>valid|invalid)')


def validate(definitions: Mapping[str, str], workdir: Path) -> dict[str, list[str]]:
    """name -> the validator's errors for that definition ([] = valid); one subprocess for all of them."""
    if not ASL_VALIDATOR.exists():
        raise FileNotFoundError(f"{ASL_VALIDATOR} is missing; run `npm ci` (see Makefile: deps)")
    workdir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, definition in definitions.items():
        paths[name] = workdir / f"{name}.asl.json"
        paths[name].write_text(definition)
    command = [str(ASL_VALIDATOR)]
    for path in paths.values():
        command += ["--json-path", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    if result.returncode not in (0, 1):
        return {name: [f"asl-validator exited {result.returncode}: {output.strip()}"] for name in definitions}
    valid: set[str] = set()
    errors: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        match = _VERDICT.match(line.strip())
        if match:
            current = None
            if match["verdict"] == "valid":
                valid.add(match["path"])
            else:
                current = errors.setdefault(match["path"], [])
        elif current is not None and line.strip():
            current.append(line.strip())
    verdicts = {}
    for name, path in paths.items():
        if str(path) in valid and str(path) not in errors:
            verdicts[name] = []
        else:
            verdicts[name] = errors.get(str(path)) or [f"no verdict for {path}; asl-validator said: {output.strip()}"]
    return verdicts
