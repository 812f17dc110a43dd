"""The history events of Distributed Map child executions, which the embedded interpreter keeps nowhere else."""

from __future__ import annotations

import threading
from typing import Any

#: Where moto's interpreter creates the Map Run's EventManager (moto is pinned in requirements-dev.txt).
MAP_RUN_MODULE = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component"
)

# moto's interpreter runs a Map Run's iterations in the parent's process with a fresh `EventManager` per Map Run and
# drops it afterwards: no child execution is listed, described or given a history (AWS keeps one per child). While
# `ChildHistories` is entered, every such EventManager is also kept here, so the benchmark can count the states the
# child executions entered and measure their payloads. It only observes; nothing the interpreter does changes.


class ChildHistories:
    """`with ChildHistories() as children:` ... `children.take()` -> the events recorded since the last take."""

    def __init__(self) -> None:
        self._managers: list[Any] = []
        self._lock = threading.Lock()
        self._module: Any = None
        self._original: Any = None

    def __enter__(self) -> ChildHistories:
        import importlib

        module: Any = importlib.import_module(MAP_RUN_MODULE)
        original = module.EventManager
        managers, lock = self._managers, self._lock

        class RecordedEventManager(original):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                with lock:
                    managers.append(self)

        self._module, self._original = module, original
        module.EventManager = RecordedEventManager
        return self

    def __exit__(self, *exc: object) -> None:
        if self._module is not None:
            self._module.EventManager = self._original
            self._module = None

    def take(self) -> list[dict[str, Any]]:
        """Every child event recorded since the last call (all Map Runs of the executions run meanwhile)."""
        with self._lock:
            managers, self._managers[:] = list(self._managers), []
        return [event for manager in managers for event in manager.get_event_history()]
