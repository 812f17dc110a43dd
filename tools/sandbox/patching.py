"""How the sandbox changes moto: the registry entry type, and the patcher that sets (and undoes) only declared points.

Every change the embedded AWS makes to moto is an `Entry` of the registry in `tools/sandbox/patches/` (one module per
moto service). Applying an entry hands its `install` a `ScopedPatch`, which refuses any point the entry does not
declare; the `Patcher` behind it records how to undo each one, and undoes them all when the embedded AWS stops.
"""

from __future__ import annotations

import types
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from botocore.client import BaseClient

    from .faults import FaultRegistry

#: `(owner, attribute, value)`: sets an attribute for as long as the embedded AWS runs.
Patch = Callable[[Any, str, Any], None]
#: Runs one deployed function: (function name, payload) -> (response payload, X-Amz-Function-Error or None).
LambdaInvoker = Callable[[str, bytes], tuple[bytes, str | None]]

#: An entry's kind: moto's own way to change it (a config switch, a setting, a subclass moto chooses or is built
#: from), or a patch of moto's code where moto offers none.
EXTENSION_POINT = "extension point"
PATCH = "patch"
KINDS = (EXTENSION_POINT, PATCH)
#: What an entry that fixes no moto bug says in place of the upstream issue.
NOT_A_BUG = "not a moto bug"
NO_ISSUE = "no upstream issue found"


class UndeclaredPatch(RuntimeError):
    """A registry entry tried to set a point it does not declare."""


class Hooks(Protocol):
    """What an entry's install reads of the running embedded AWS (`EmbeddedAws`), at call time."""

    @property
    def lambda_invoker(self) -> LambdaInvoker | None: ...

    @property
    def faults(self) -> FaultRegistry: ...

    def interpreter_client(self, region: str, service: str, state_credentials: Any = None) -> BaseClient: ...


def point_name(owner: Any, name: str) -> str:
    """The dotted name of attribute `name` of a module or a class, as registry entries declare it."""
    if isinstance(owner, types.ModuleType):
        return f"{owner.__name__}.{name}"
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}.{name}"
    raise TypeError(f"only a module's or a class's attribute is a patch point, not one of {type(owner).__name__}")


class Patcher:
    """Sets attributes and mapping items, remembering how to put each back; `undo` puts them back, newest first."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        #: Every point set, in order (what the registry's tests compare with the declarations).
        self.applied: list[str] = []

    def set_attr(self, owner: Any, name: str, value: Any) -> None:
        missing = object()
        # The owner's own entry, not getattr: a class's staticmethod reads back as a plain function, which the undo
        # would put back as an instance method; an inherited attribute is undone by deleting the override.
        previous = vars(owner).get(name, missing)
        setattr(owner, name, value)
        self.applied.append(point_name(owner, name))
        if previous is missing:
            self._undo.append(lambda: delattr(owner, name))
        else:
            self._undo.append(lambda: setattr(owner, name, previous))

    def set_item(self, mapping: MutableMapping[str, Any], key: str, value: Any, *, point: str, undo: bool) -> None:
        missing = object()
        previous = mapping.get(key, missing)
        mapping[key] = value
        self.applied.append(point)
        if not undo:
            return
        if previous is missing:
            self._undo.append(lambda: mapping.pop(key, None))
        else:
            self._undo.append(lambda: mapping.__setitem__(key, previous))

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


class ScopedPatch:
    """The `Patch` one entry installs through: it sets only the points the entry declares."""

    def __init__(self, patcher: Patcher, entry: Entry) -> None:
        self._patcher = patcher
        self._entry = entry

    def _check(self, point: str) -> None:
        if point not in self._entry.points:
            raise UndeclaredPatch(
                f"registry entry {self._entry.name!r} sets {point}, which it does not declare: add it to the entry's "
                "points (tools/sandbox/patches/)"
            )

    def __call__(self, owner: Any, name: str, value: Any) -> None:
        self._check(point_name(owner, name))
        self._patcher.set_attr(owner, name, value)

    def item(self, mapping: MutableMapping[str, Any], key: str, value: Any, *, point: str) -> None:
        """Set a mapping's item (a config switch, `sys.modules`), declared as `point`."""
        self._check(point)
        self._patcher.set_item(mapping, key, value, point=point, undo=self._entry.undone)


@dataclass(frozen=True)
class Entry:
    """One change the sandbox makes to moto: what it changes, why, the test that proves it, and moto's issue."""

    #: A short id, unique in the registry.
    name: str
    #: Every point the install sets, exactly: `module.attribute`, `module.Class.attribute`, or `mapping['key']`.
    points: tuple[str, ...]
    #: Why it exists: one or two sentences.
    why: str
    #: Test ids (`tests/...py::test_name`) that prove it: its behaviour, and that moto still has the point.
    proven_by: tuple[str, ...]
    #: The moto issue (a URL) for a moto bug; else `NO_ISSUE` (with what was found), or `NOT_A_BUG` (with why not).
    upstream: str
    #: `EXTENSION_POINT` or `PATCH`.
    kind: str
    #: For an extension point: which one moto offers; for a patch: why no extension point could do it.
    how: str
    #: Applies the entry through the scoped patch; None where the sandbox builds moto's subclass itself.
    install: Callable[[ScopedPatch, Hooks], None] | None
    #: False where stopping the embedded AWS leaves the change in place (it says why in `how`).
    undone: bool = True
    #: The moto object changed, in Markdown (what the docs page shows); by default its points, each in backticks.
    target: str = ""

    def __post_init__(self) -> None:
        if not self.target:
            object.__setattr__(self, "target", ", ".join(f"`{point}`" for point in self.points))
