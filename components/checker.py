"""Checker: reads one component's args, each value checked against its declaration or range, defaults applied,
errors naming the component, the arg and the problem.

Internal: a building block of the components, not part of the public API.
"""

import functools
import inspect
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pulumi

from .packaging import archive_prefix
from .parts import ArgError, HandlerSpec, ResolvedArgError, check_name, whole_number
from .setting import Declared, args_type_of, field_names, settings_of
from .settings import CommonSettings

T = TypeVar("T")

#: A function ARN, optionally with a version or alias (Lambda API reference, FunctionName).
FUNCTION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$")
#: An SNS topic ARN (SNS API reference, CreateTopic: 1..256 characters, a FIFO topic's name ends in .fifo).
TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,251}(\.fifo)?$")
HANDLER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
#: An environment variable's name, as Lambda takes it (Lambda API reference, Environment: Variables).
ENVIRONMENT_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")


def _fields(args_type: type) -> tuple[set[str], set[str]]:
    required: frozenset[str] = getattr(args_type, "__required_keys__", frozenset())
    optional: frozenset[str] = getattr(args_type, "__optional_keys__", frozenset())
    return set(required), set(optional)


class Checker:
    """Reads one component's args: each value checked against its range, defaults applied, errors named."""

    def __init__(self, component: str, name: str, args: Mapping[str, Any] | None, args_type: type) -> None:
        self.component, self.name = component, name
        check_name(component, name)
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise ArgError(component, name, "args", f"expected a mapping ({args_type.__name__}), got {args!r}")
        self.args = args
        self.args_type = args_type
        required, optional = _fields(args_type)
        #: Former arg names, still taken: old name -> the arg's name now.
        self.renamed = {d.setting.old_name: name for name, d in settings_of(args_type).items() if d.setting.old_name}
        unknown = sorted(set(args) - required - optional - set(self.renamed))
        if unknown:
            known = ", ".join(sorted(required | optional))
            raise ArgError(component, name, unknown[0], f"is not an arg of {component}; its args are {known}")
        missing = sorted(required - set(args))
        if missing:
            raise ArgError(component, name, missing[0], "is required")

    def error(self, field: str, problem: str) -> ArgError:
        return ArgError(self.component, self.name, field, problem)

    def resolved_error(self, field: str, problem: str) -> ResolvedArgError:
        """The error for a value found invalid once it resolved, in an apply."""
        return ResolvedArgError(self.component, self.name, field, problem)

    def given(self, field: str) -> bool:
        return self.args.get(field) is not None

    def get(self, field: str, default: T) -> T:
        value = self.args.get(field)
        return default if value is None else value

    def integer(self, field: str, default: int, low: int, high: int) -> int:
        value = self.get(field, default)
        number = whole_number(value)
        if number is None:
            raise self.error(field, f"expected a whole number {low}..{high}, got {value!r}")
        if not low <= number <= high:
            raise self.error(field, f"{number} is out of range; use {low}..{high}")
        return number

    def choice(self, field: str, default: str, choices: Sequence[str]) -> str:
        value = self.get(field, default)
        if value not in choices:
            raise self.error(field, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def member(self, field: str, default: int, allowed: Sequence[int]) -> int:
        value = self.get(field, default)
        number = whole_number(value)
        if number is None or number not in allowed:
            raise self.error(field, f"{value!r} is not one of {', '.join(str(v) for v in allowed)}")
        return number

    def boolean(self, field: str, default: bool) -> bool:
        value = self.get(field, default)
        if not isinstance(value, bool):
            raise self.error(field, f"expected true or false, got {value!r}")
        return value

    def text(self, field: str, default: str | None = None) -> str | None:
        value = self.get(field, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.error(field, f"expected a non-empty string, got {value!r}")
        return value

    def email(self, field: str) -> str | None:
        """An e-mail address in `field`, or None when it is not given."""
        email = self.text(field)
        if email is not None and (" " in email or "@" not in email or "." not in email.partition("@")[2]):
            raise self.error(field, f"{email!r} is not an e-mail address")
        return email

    def strings(self, field: str) -> tuple[str, ...]:
        value: Any = self.get(field, [])
        if isinstance(value, str) or not all(isinstance(item, str) and item for item in value):
            raise self.error(field, f"expected a list of non-empty strings, got {value!r}")
        return tuple(value)

    def at_most_one(self, *fields: str) -> str | None:
        """The one of `fields` that is given (None if none); giving two is an error naming both."""
        given = [field for field in fields if self.given(field)]
        if len(given) > 1:
            raise self.error(given[0], f"give {given[0]} or {given[1]}, not both")
        return given[0] if given else None

    def tags(self) -> dict[str, str]:
        tags: Any = self.get("tags", {})
        if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
            raise self.error("tags", f"expected a mapping of strings to strings, got {tags!r}")
        return dict(tags)

    def common(self) -> CommonSettings:
        """The shared settings (WorkflowOptions) with their defaults."""
        if self.given("alarm_email") and self.given("alarm_topic_arn"):
            raise self.error("alarm_email", "subscribes the component's own alarm topic; with alarm_topic_arn, "
                             "subscribe your own topic instead")  # fmt: skip
        return self.settings(CommonSettings)

    def declared(self, field: str) -> Any:
        """One declared arg of this component's, checked as declared, its default applied."""
        return self.setting(settings_of(self.args_type)[field], {})

    def settings(self, settings_type: type[T]) -> T:
        """The resolved settings of `settings_type`, each arg checked as its declaration says, defaults applied."""
        declared = settings_of(args_type_of(settings_type))
        resolved: dict[str, Any] = {}
        for name in field_names(settings_type):
            resolved[name] = self.setting(declared[name], resolved)
        return settings_type(**resolved)

    def setting(self, declared: Declared, resolved: Mapping[str, Any]) -> Any:
        """One declared setting's value (under its former name, with a warning, if given so), checked."""
        field, setting = declared.name, declared.setting
        if setting.old_name and self.given(setting.old_name):
            pulumi.log.warn(f"{self.component} {self.name!r}: {setting.old_name} is deprecated; use {field}")
            if self.given(field):
                raise self.error(setting.old_name, f"is {field}'s former name; give {field} alone")
            field = setting.old_name
        if declared.type is bool:
            return self.boolean(field, setting.default)
        if declared.type is int and setting.choices is not None:
            return self.member(field, setting.default, setting.choices)
        if declared.type is int:
            return self.integer(field, setting.default, *setting.bounds(resolved))
        if setting.kind == "email":
            return self.email(field)
        if setting.kind == "hosts":
            return self.hosts(field)
        if setting.choices is not None:
            return self.choice(field, setting.default, setting.choices)
        return self.text(field, setting.default) or setting.default

    def hosts(self, field: str) -> tuple[str, ...]:
        """Host names, `name` (the scheme's default port only) or `name:port` (that port only), lowercase."""
        hosts = self.strings(field)
        for host in hosts:
            if not _host_entry(host):
                raise self.error(field, f"{host!r} is not a host name or host:port")
        return tuple(host.lower() for host in hosts)

    def handler_spec(self, field: str) -> HandlerSpec | None:
        """The handler spec in `field`, checked: its folder and module exist, its numbers are in Lambda's range."""
        spec = self.args.get(field)
        if spec is None:
            return None
        if not isinstance(spec, Mapping):
            raise self.error(field, f"expected a handler spec (code, handler, ...), got {spec!r}")
        try:
            Checker(self.component, self.name, spec, HandlerSpec)  # unknown or missing keys
        except ArgError as error:
            raise self.error(f"{field}.{error.field}", error.problem) from None
        checked = dict(spec)
        code = Path(str(spec["code"])).expanduser()
        if not code.is_dir():
            raise self.error(f"{field}.code", f"{str(code)!r} is not a folder (relative paths start at the program's)")
        handler = str(spec["handler"])
        module = handler.rsplit(".", 1)[0].replace(".", "/")
        inside = module.removeprefix(archive_prefix(code, handler))  # a package handler names its folder first
        if not HANDLER.match(handler) or not (code / f"{inside}.py").is_file():
            raise self.error(f"{field}.handler", f"{handler!r} is not `module.function` with {module}.py in {code}")
        if spec.get("requirements") is not None and not Path(str(spec["requirements"])).expanduser().is_file():
            raise self.error(f"{field}.requirements", f"{spec['requirements']!r} is not a file")
        for number in ("memory_mb", "timeout_seconds"):
            low, high = settings_of(HandlerSpec)[number].setting.bounds({})
            value = spec.get(number)
            if value is None:
                continue
            whole = whole_number(value)
            if whole is None or not low <= whole <= high:
                raise self.error(f"{field}.{number}", f"{value!r} is out of range; use a whole number {low}..{high}")
            checked[number] = whole
        if spec.get("environment") is not None:
            checked["environment"] = self.environment(f"{field}.environment", spec["environment"])
        if spec.get("statements") is not None:
            checked["statements"] = self.statements(f"{field}.statements", spec["statements"])
        return HandlerSpec(**checked)  # type: ignore[typeddict-item]

    def environment(self, field: str, variables: Any) -> dict[str, pulumi.Input[str]]:
        """A function's environment variables, checked: names as Lambda takes them, values strings. A value known
        now is checked now; one that resolves later (another resource's output) is checked once it resolves, so
        a number never reaches Lambda's API as a crash in the middle of `pulumi up`."""
        if not isinstance(variables, Mapping):
            raise self.error(field, f"expected a mapping of variable names to strings, got {variables!r}")
        checked: dict[str, pulumi.Input[str]] = {}
        for key, value in variables.items():
            if not isinstance(key, str) or not ENVIRONMENT_NAME.fullmatch(key):
                raise self.error(field, f"{key!r} is not a variable name Lambda takes: letters, digits and _, "
                                 "starting with a letter")  # fmt: skip
            if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
                later = functools.partial(self._resolved, f"{field}.{key}")
                checked[key] = pulumi.Output.from_input(value).apply(later)
            else:
                checked[key] = self._environment_value(f"{field}.{key}", value)
        return checked

    def _resolved(self, field: str, value: Any) -> str:
        return self._environment_value(field, value, later=True)

    def _environment_value(self, field: str, value: Any, later: bool = False) -> str:
        if not isinstance(value, str):
            whole = whole_number(value)
            shown = "true" if value is True else "false" if value is False else repr(value if whole is None else whole)
            problem = f'expected a string, got {shown}: Lambda\'s environment holds strings only; give it as "{shown}"'
            raise self.resolved_error(field, problem) if later else self.error(field, problem)
        return value

    def function_arn(self, field: str) -> pulumi.Output[str] | None:
        """An existing function's ARN in `field`, checked (now if it is known, else once it resolves)."""
        example = "arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]"
        return self._arn(field, FUNCTION_ARN, "a Lambda function ARN", example)

    def topic_arn(self, field: str) -> pulumi.Output[str] | None:
        """An existing SNS topic's ARN in `field`, checked (now if it is known, else once it resolves)."""
        return self._arn(field, TOPIC_ARN, "an SNS topic ARN", "arn:aws:sns:<region>:<account>:<name>")

    def _arn(self, field: str, pattern: re.Pattern[str], what: str, example: str) -> pulumi.Output[str] | None:
        value = self.args.get(field)
        if value is None:
            return None

        def checked(arn: Any, later: bool = True) -> str:
            if not isinstance(arn, str) or not pattern.match(arn):
                problem = f"{arn!r} is not {what} ({example})"
                raise self.resolved_error(field, problem) if later else self.error(field, problem)
            return arn

        if not isinstance(value, pulumi.Output) and not inspect.isawaitable(value):
            checked(value, later=False)
        return pulumi.Output.from_input(value).apply(checked)

    def statements(self, field: str, statements: Any) -> Any:
        """IAM statements: a list of statement objects when known now (an Output is the team's own to shape)."""
        if isinstance(statements, pulumi.Output) or inspect.isawaitable(statements):
            return statements
        if not isinstance(statements, list) or not all(isinstance(item, Mapping) for item in statements):
            raise self.error(field, f"expected a list of IAM statement objects (Effect, Action, Resource), got "
                             f"{statements!r}")  # fmt: skip
        return statements


def _host_entry(entry: str) -> bool:
    name, colon, port = entry.partition(":")
    if colon and not (port.isdigit() and 0 < int(port) < 65536):
        return False
    return bool(name) and not any(c in name for c in "/ ") and ("." in name or name == "localhost")
