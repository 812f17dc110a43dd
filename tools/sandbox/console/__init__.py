"""The sandbox console: a local web page showing the deployed state machines and each execution as a live graph,
with its states' input and output, its Lambda invocations, its history, its timeline and its cost.

`sfn-sandbox serve` starts it; from Python, `with ConsoleServer(sandbox) as console: console.url`, and
`ConsoleServer(sandbox, presets={state_machine_arn: [Preset("name", {...})]})` offers example inputs on a start form.
"""

from __future__ import annotations

from .presets import Preset
from .server import ConsoleServer

__all__ = ["ConsoleServer", "Preset"]
