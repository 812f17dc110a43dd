"""A test module's sandboxes one at a time: only one embedded AWS runs in a process (moto's state is global)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, ExitStack

from tools.sandbox.session import Sandbox


class OneSandbox:
    """`of(key, make)` is the sandbox for `key`, made by `make` on first use; asking for another key closes the
    last one first, so that a module needing two differently deployed sandboxes holds one at a time."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._key: Hashable = None
        self._sandbox: Sandbox | None = None

    def of(self, key: Hashable, make: Callable[[], AbstractContextManager[Sandbox]]) -> Sandbox:
        if self._sandbox is None or key != self._key:
            self.close()
            self._sandbox, self._key = self._stack.enter_context(make()), key
        return self._sandbox

    def close(self) -> None:
        self._stack.close()
        self._sandbox = None
