"""Setting: an arg's default, range and stack config key, declared once on the field of its args TypedDict.

Internal: the components' building block, not part of the public API. A workflow's `args.py` declares each setting as

    max_concurrency: Annotated[NotRequired[int], Setting(1, low=0, high=INLINE_MAP_MAX_CONCURRENCY)]
    \"\"\"How many items run at once, 0 for no limit (as the tutorial's config.json).\"\"\"

on a TypedDict decorated with `@declared`. From that one declaration come: the component's check of the arg
(`Checker.settings`), the stack config key `maxConcurrency` and its parsing (components/config.py), the default of
the resolved settings the definition reads (`@defaults_from`), the args tables (tools/component_docs.py) and the
stack config keys table (tools/docs/config_keys.py). A declared arg is a stack config key when its workflow's resolved
settings dataclass has a field of its name (config.SECTIONS); else only a program's args set it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Annotated, Any, TypeVar, get_args, get_origin

T = TypeVar("T")

#: The stand-in default of a resolved settings field: `@defaults_from` puts the declared default in its place.
DECLARED: Any = object()


@dataclass(frozen=True)
class Setting:
    """How one arg is checked and configured. Its config key is the arg's name in camelCase."""

    #: The value when the arg (or config key) is not given.
    default: Any = None
    #: An integer's bounds; `high` may depend on the settings read before it (their values by arg name).
    low: int | None = None
    high: int | Callable[[Mapping[str, Any]], int] | None = None
    #: The only values taken (an integer's or a string's).
    choices: tuple[Any, ...] | None = None
    #: `email` or `hosts` where the type alone does not say how to read the value; else from the annotation.
    kind: str = ""
    #: Former config keys, read still with a warning naming the new key.
    old_keys: tuple[str, ...] = ()
    #: The arg's former name, still taken with a warning (its camelCase is a former config key too).
    old_name: str = ""
    #: The config error for a value above `high`, when the bound needs explaining: (value, high) -> problem.
    above: Callable[[int, int], str] | None = None
    #: The default as the args tables show it, where the value alone says too little (`25 MB`).
    shown: str = ""
    #: The values it takes as the docs say them, where the bounds alone do not (a `high` that depends).
    values: str = ""

    def bounds(self, resolved: Mapping[str, Any]) -> tuple[int, int]:
        """The integer's range, given the settings resolved before it."""
        high = self.high(resolved) if callable(self.high) else self.high
        return (self.low if self.low is not None else -(2**63)), (high if high is not None else 2**63)

    def described(self) -> str:
        """The default as the docs show it."""
        if self.shown:
            return self.shown
        if isinstance(self.default, bool):
            return str(self.default).lower()
        if self.default is None or self.default == ():
            return "-"
        return f"`{self.default}`" if isinstance(self.default, str) else str(self.default)

    def range_text(self) -> str:
        """What values it takes, as the docs show it."""
        if self.values:
            return self.values
        if self.choices is not None:
            return ", ".join(str(choice) for choice in self.choices)
        if self.low is None and self.high is None:
            return ""
        return f"{self.low}..{self.high}"

    def summary(self) -> str:
        """Its default and values, as a description's last sentence says them."""
        said = [f"values {self.range_text()}"] if self.range_text() else []
        if self.described() != "-":
            said.append(f"default {self.described()}")
        text = "; ".join(said)
        return f"{text[:1].upper()}{text[1:]}." if text else ""


@dataclass(frozen=True)
class Declared:
    """A declared setting of an args type: its arg name, its value's type, and the Setting."""

    name: str
    type: Any
    setting: Setting

    @property
    def key(self) -> str:
        """Its stack config key: the arg's name in camelCase."""
        return camel_case(self.name)

    @property
    def old_keys(self) -> tuple[str, ...]:
        old = (camel_case(self.setting.old_name),) if self.setting.old_name else ()
        return (*old, *self.setting.old_keys)


def camel_case(name: str) -> str:
    """`download_concurrency` -> `downloadConcurrency` (as Pulumi's schema and the stack config spell an arg)."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


#: Every declared args type, newest first: where an inherited field's Setting is found.
_DECLARED_TYPES: list[type] = []


def declared(args_type: type[T]) -> type[T]:
    """Collect the Settings of a TypedDict's fields into `__settings__` (inherited ones too), and leave its
    annotations plain (`NotRequired[int]`): Pulumi's component analyzer, which infers the package schema from
    them, does not read `Annotated`."""
    annotations: dict[str, Any] = args_type.__annotations__  # a TypedDict's own (its bases' fields merged in)
    found: dict[str, Declared] = {}
    for name, annotation in annotations.items():
        if get_origin(annotation) is Annotated:
            plain, *metadata = get_args(annotation)
            setting = next((item for item in metadata if isinstance(item, Setting)), None)
            annotations[name] = plain
            if setting is not None:
                found[name] = Declared(name, _value_type(plain), setting)
        else:
            inherited = next((t for t in _DECLARED_TYPES if name in t.__settings__), None)  # type: ignore[attr-defined]
            if inherited is not None and inherited.__annotations__.get(name) == annotation:
                found[name] = inherited.__settings__[name]  # type: ignore[attr-defined]
    args_type.__settings__ = found  # type: ignore[attr-defined]
    _DECLARED_TYPES.insert(0, args_type)
    return args_type


def settings_of(args_type: type) -> dict[str, Declared]:
    """The declared settings of an args type (a `@declared` TypedDict), by arg name, in declaration order."""
    found: dict[str, Declared] = getattr(args_type, "__settings__", {})
    return found


def _value_type(annotation: Any) -> Any:
    """`NotRequired[int]` -> int, `list[str]` -> list."""
    while get_origin(annotation) is not None and get_origin(annotation) is not list:
        annotation = get_args(annotation)[0]
    return list if get_origin(annotation) is list else annotation


def defaults_from(args_type: type) -> Callable[[type[T]], type[T]]:
    """A resolved settings dataclass whose fields default to what `args_type` declares: write each field as
    `name: type = DECLARED` under `@dataclass(frozen=True)` and above it `@defaults_from(TheArgs)`. A field that is
    not a declared arg of the same name is an error: the names do not drift between layers."""

    def fill(settings_type: type[T]) -> type[T]:
        declared_settings = settings_of(args_type)
        for name in inspect.get_annotations(settings_type):
            if name not in declared_settings:
                raise TypeError(f"{settings_type.__name__}.{name} is not a declared arg of {args_type.__name__}")
            if settings_type.__dict__.get(name) is DECLARED:
                setattr(settings_type, name, declared_settings[name].setting.default)
        settings_type.__args_type__ = args_type  # type: ignore[attr-defined]
        return settings_type

    return fill


def args_type_of(settings_type: type) -> type:
    """The args type whose declarations a resolved settings dataclass takes its defaults from."""
    found: type = settings_type.__args_type__  # type: ignore[attr-defined]
    return found


def field_names(settings_type: type) -> list[str]:
    """The fields of a resolved settings dataclass, in order."""
    assert is_dataclass(settings_type)
    return [field.name for field in fields(settings_type)]


#: What an e-mail address looks like, loosely: something@domain.tld without spaces.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
