"""What every component's args share: the Lambda a team may bring (HandlerSpec), the arg errors, and the rules that
bound a component's name.

Internal, but for HandlerSpec, WorkflowOptions, ArgError and ResolvedArgError, which the package exports.
"""

# No `from __future__ import annotations`: Pulumi's component analyzer reads these TypedDicts' annotations as types.
import os
import re
import traceback
from typing import Annotated, Any, NotRequired, TypedDict

import pulumi

from .packaging import seed_package
from .setting import Setting, declared
from .settings import WorkflowOptions as WorkflowOptions  # re-exported: where the components import it from

#: Set to 1 to see the traceback of an arg error; without it the error is one line.
DEBUG_VARIABLE = "SFN_PATTERNS_DEBUG"


@declared
class HandlerSpec(TypedDict):
    """A Lambda function of your own, built and deployed by the component with every secure default."""

    code: str
    """The folder holding the handler's modules, anywhere on disk (relative to the program's folder); it is the
    zip's root (a package the handler names goes under its name)."""
    handler: str
    """The handler as Lambda names it: `module.function` (a module in `code`), or `package.module.function` when
    `code` is that package (a folder with an `__init__.py`, zipped under its own name, as the seed handlers are)."""
    requirements: NotRequired[str]
    """A requirements file of pinned `name==version` lines, installed for the Lambda platform into the zip;
    default: `requirements.txt` in `code`, if there is one."""
    environment: NotRequired[dict[str, pulumi.Input[str]]]
    """Environment variables of the function."""
    # Lambda's own bounds (Lambda quotas: memory 128..10,240 MB, timeout up to 900 s).
    memory_mb: Annotated[NotRequired[int], Setting(256, low=128, high=10_240)]
    """Memory in MB; CPU grows with it."""
    timeout_seconds: Annotated[NotRequired[int], Setting(30, low=1, high=900)]
    """How long one invocation may run, in seconds."""
    statements: NotRequired[pulumi.Input[list[dict[str, Any]]]]
    """IAM statements of what the function itself may do, beyond writing its own logs and traces."""
    description: NotRequired[str]
    """The function's description."""


class ArgProblem(pulumi.RunError):
    """A component arg is invalid; the message names the component, the arg and what is wrong or how to fix it.

    A `pulumi.RunError`, which `pulumi up` prints as one line, without a traceback; `SFN_PATTERNS_DEBUG=1` adds it."""

    def __init__(self, component: str, name: str, field: str, problem: str) -> None:
        super().__init__(f"{component} {name!r}: {field}: {problem}")
        self.component, self.name, self.field, self.problem = component, name, field, problem

    def __str__(self) -> str:
        line = super().__str__()
        if not debugging() or self.__traceback__ is None:
            return line
        return "Traceback (most recent call last):\n" + "".join(traceback.format_tb(self.__traceback__)) + line


class ArgError(ArgProblem, ValueError):
    """An arg found invalid while the component is constructed, before any of its resources exists."""


class ResolvedArgError(ArgProblem):
    """An arg found invalid once its value resolved (another resource's output, checked in an apply). Not a
    ValueError: Pulumi wraps a ValueError raised while it serializes a resource's inputs in "While processing
    input" errors, which would bury this one line in a traceback."""


def debugging() -> bool:
    """Whether `SFN_PATTERNS_DEBUG` asks for tracebacks with arg errors."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def whole_number(value: Any) -> int | None:
    """`value` as an int when it is a whole number, else None. Other Pulumi languages send every number as a
    double (a protobuf Struct has no integers), so `3` from TypeScript arrives as `3.0`: that is whole too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


#: Each component's Lambda part with the longest name, registered by the component (WorkflowComponent): its
#: function's name is "<component name>-<part>-function" plus Pulumi's 8-character auto-name suffix ("-" and 7 hex
#: digits), and Lambda takes 64 characters at most
#: (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html). That is each component's tightest name
#: limit; its IAM roles, state machine, log groups, queues, tables, topics and bucket take longer names.
LONGEST_PART: dict[str, str] = {}
#: The components whose resources take lowercase names only (an S3 bucket named after the component).
LOWERCASE_NAMES: set[str] = set()
LAMBDA_NAME_CHARACTERS = 64
AUTO_NAME_SUFFIX_CHARACTERS = len("-0123abc")
#: The characters every component's resources take in their names: S3 (ImageDownloader's bucket) takes lowercase
#: only, Lambda no dots, SQS and SNS no dots either.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
LOWERCASE_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")


def register_name_rules(component: str, longest_part: str, *, lowercase: bool = False) -> None:
    """What bounds `component`'s names: its Lambda part with the longest name, and whether a bucket bears its name."""
    if longest_part:
        LONGEST_PART[component] = longest_part
    if lowercase:
        LOWERCASE_NAMES.add(component)


def longest_name(component: str) -> int:
    """The longest name `component` takes: its longest Lambda's auto-name is then exactly 64 characters."""
    part = f"-{LONGEST_PART[component]}-function"
    return LAMBDA_NAME_CHARACTERS - AUTO_NAME_SUFFIX_CHARACTERS - len(part)


def check_name(component: str, name: str) -> None:
    """Refuse, before any resource exists, a name whose resources AWS would refuse: too long, or other characters."""
    if not isinstance(name, str) or not name:
        raise ArgError(component, str(name), "name", "must be a non-empty string")
    lowercase = component in LOWERCASE_NAMES
    pattern = LOWERCASE_NAME_PATTERN if lowercase else NAME_PATTERN
    if not pattern.fullmatch(name):
        what = "lowercase letters, digits and -" if lowercase else "letters, digits and -"
        raise ArgError(component, name, "name", f"use {what}, starting with a letter or digit")
    if component in LONGEST_PART and len(name) > longest_name(component):
        longest = longest_name(component)
        part = LONGEST_PART[component]
        raise ArgError(
            component, name, "name",
            f"is {len(name)} characters; at most {longest}, so that its Lambda '{name}-{part}-function' and "
            f"Pulumi's 8-character suffix fit Lambda's {LAMBDA_NAME_CHARACTERS}",
        )  # fmt: skip


def own_handler(package: str, handler: str, description: str) -> HandlerSpec:
    """One of this project's seed handlers, `handler` (`module.function`) in `handlers/<package>/`, as a handler spec;
    the package is packaged as itself, so Lambda's handler is `<package>.<module>.<function>`."""
    return HandlerSpec(code=str(seed_package(package)), handler=f"{package}.{handler}", description=description)
