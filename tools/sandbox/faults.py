"""Faults the sandbox injects into Lambda invocations and AWS API calls, so a workflow's error handling can be proven.

A `FaultRegistry` is shared by the Lambda runtime (function faults, matched in its invoke path) and the embedded
moto server (API faults, matched where moto authorizes each request); both run in one process, so it is a
lock-guarded object, not a service.
"""

from __future__ import annotations

import difflib
import functools
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

FaultKind = Literal["error", "delay", "crash", "api"]
CRASH_MODES = ("exit", "oom")
#: Lambda service errors a function fault may name, with the HTTP status Lambda's Invoke answers them with.
LAMBDA_SERVICE_ERRORS = {
    "Lambda.TooManyRequestsException": 429,
    "Lambda.ServiceException": 500,
    "Lambda.AWSLambdaException": 500,
    "Lambda.SdkClientException": 500,
    "Lambda.EC2ThrottledException": 502,
    "Lambda.ResourceNotReadyException": 502,
    "Lambda.ResourceConflictException": 409,
}
#: Services an API fault may name (IAM's prefixes): each answers in its own protocol (`ApiFaultError`).
API_SERVICES = ("dynamodb", "lambda", "s3", "sns", "sqs", "states")
THROTTLE = "throttle"
#: IAM action names that differ from the API operation moto dispatches.
ACTION_ALIASES = {"lambda:invokefunction": "lambda:invoke"}
#: The botocore service model of each service an API fault may name (IAM's `states` is botocore's `stepfunctions`).
BOTOCORE_SERVICES = {"states": "stepfunctions"}


@dataclass(frozen=True)
class Fault:
    """One fault to inject; build it with `error`, `delay`, `crash` or `api`."""

    kind: FaultKind
    function: str | None = None
    action: str | None = None
    error_name: str | None = None
    message: str = "injected fault"
    seconds: float = 0.0
    how: str | None = None
    times: int | None = None
    fraction: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be at least 1, not {self.times}")
        if self.fraction is not None and not (math.isfinite(self.fraction) and 0 < self.fraction <= 1):
            raise ValueError(f"fraction must be in (0, 1], not {self.fraction}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, not {self.seed}")
        if self.kind == "api":
            if not self.action or self.action.count(":") != 1 or not all(self.action.split(":")):
                raise ValueError(f"action must be 'service:Operation' (e.g. s3:PutObject), not {self.action!r}")
            if self.action.split(":")[0].lower() not in API_SERVICES:
                raise ValueError(f"action {self.action!r}: the service must be one of {', '.join(API_SERVICES)}")
            check_action(self.action)
        elif not self.function:
            raise ValueError("a function fault needs a function name")
        if self.kind in ("error", "api") and not self.error_name:
            raise ValueError("an error fault needs an error name")
        if self.kind == "delay" and not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"delay seconds must be >= 0 (a finite number), not {self.seconds}")
        if self.kind == "crash" and self.how not in CRASH_MODES:
            raise ValueError(f"crash must be one of {', '.join(CRASH_MODES)}, not {self.how!r}")

    @classmethod
    def error(cls, function: str, error: str, message: str = "injected fault", times: int | None = None) -> Fault:
        """`Lambda.<Exception>` fails the Invoke call itself; any other name is the handler raising it."""
        return cls("error", function=function, error_name=error, message=message, times=times)

    @classmethod
    def delay(cls, function: str, seconds: float, times: int | None = None) -> Fault:
        """Latency inside the invocation, counted against the function's timeout."""
        return cls("delay", function=function, seconds=float(seconds), times=times)

    @classmethod
    def crash(cls, function: str, how: str = "exit", times: int | None = None) -> Fault:
        """The worker process dies mid-invocation: it exits, or is killed as Lambda kills one out of memory."""
        return cls("crash", function=function, how=how, times=times)

    @classmethod
    def api(
        cls,
        action: str,
        error: str = THROTTLE,
        times: int | None = None,
        fraction: float | None = None,
        seed: int = 0,
    ) -> Fault:
        """An AWS API call (`service:Operation`) answers the service's throttling error, or the error code given."""
        return cls("api", action=action, error_name=error, times=times, fraction=fraction, seed=seed)

    @property
    def is_service_error(self) -> bool:
        """A function fault that fails Lambda's Invoke API call rather than the handler."""
        return self.kind == "error" and str(self.error_name).startswith("Lambda.")

    @property
    def target(self) -> str:
        return str(self.function or self.action)

    def describe(self) -> str:
        """The fault as a `--fault` spec."""
        head = f"function={self.function}" if self.kind != "api" else f"action={self.action}"
        message = f",message={self.message}" if self.message != Fault.message else ""
        what = {
            "error": f"error={self.error_name}{message}",
            "delay": f"delay={self.seconds:g}",
            "crash": f"crash={self.how}",
            "api": f"error={self.error_name}",
        }[self.kind]
        extras = [f"times={self.times}"] if self.times is not None else []
        if self.fraction is not None:
            extras += [f"fraction={self.fraction:g}", f"seed={self.seed}"]
        return ",".join([head, what, *extras])


@dataclass(frozen=True)
class FiredFault:
    """One call a fault hit: the function (logical name) or API action, when, and the how-manieth hit it was."""

    fault: Fault
    target: str
    at: float
    hit: int


@dataclass
class _State:
    fault: Fault
    rng: random.Random
    calls: int = 0
    hits: int = 0
    done: bool = field(default=False)


@functools.cache
def botocore_operations(service: str) -> frozenset[str]:
    """The API operations of `service` (an IAM prefix) as botocore's service model names them."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(BOTOCORE_SERVICES.get(service, service))
    return frozenset(model.operation_names)


@functools.cache
def operations(service: str) -> tuple[str, ...]:
    """The names an API fault on `service` may match: its operations as botocore's model names them, with IAM's
    aliases; for S3, the IAM actions moto authorizes its requests as, which is what a fault matches there."""
    if service == "s3":
        from moto.s3.responses import ACTION_MAP

        actions = {name for methods in ACTION_MAP.values() for query in methods.values() for name in query.values()}
        return tuple(sorted(actions))
    return tuple(sorted({*botocore_operations(service), *IAM_ALIASES.get(service, ())}))


#: IAM's spelling of the action names in ACTION_ALIASES, per service.
IAM_ALIASES = {"lambda": ("InvokeFunction",)}


def check_action(action: str) -> None:
    """Refuse an action its service does not have, since a fault on it could never fire; name the closest ones."""
    service, operation = action.split(":")
    service = service.lower()
    known = {name.lower(): name for name in operations(service)}
    if operation.lower() in known:
        return
    close = [known[name] for name in difflib.get_close_matches(operation.lower(), list(known), n=3, cutoff=0.6)]
    hint = f"; did you mean {' or '.join(f'{service}:{name}' for name in close)}?" if close else ""
    if service == "s3" and operation.lower() in {name.lower() for name in botocore_operations("s3")}:
        raise ValueError(
            f"action {action!r}: an S3 fault names the IAM action the request is authorized as (ListObjectsV2 is "
            "s3:ListBucket, HeadObject is s3:GetObject), not the API operation"
        )
    what = "IAM action" if service == "s3" else "operation"
    raise ValueError(f"action {action!r}: {service} has no {what} {operation!r}, so the fault could never fire{hint}")


def action_key(action: str) -> str:
    """An action's comparable form: IAM actions are case-insensitive, and `lambda:InvokeFunction` is `Invoke`."""
    key = action.lower()
    return ACTION_ALIASES.get(key, key)


def function_key(reference: str) -> str:
    """A function reference's name: an ARN (qualified or not) names its function; any other name is itself."""
    parts = reference.split(":")
    if reference.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    return reference


class LambdaServiceError(Exception):
    """A function fault naming a Lambda service error: the Invoke call itself fails, the handler never runs."""

    def __init__(self, fault: Fault) -> None:
        self.code = str(fault.error_name).removeprefix("Lambda.")
        self.status = LAMBDA_SERVICE_ERRORS.get(str(fault.error_name), 500)
        self.message = fault.message
        super().__init__(f"{self.code}: {self.message}")


class FaultRegistry:
    """The active faults and what they hit; thread-safe, as invocations and requests run concurrently."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self._lock = threading.Lock()
        self._states: list[_State] = []
        self._fired: list[FiredFault] = []
        self.add(*faults)

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self._states += [_State(fault, random.Random(fault.seed)) for fault in faults]

    def clear(self) -> None:
        """Remove every fault; what already fired stays on record."""
        with self._lock:
            self._states = []

    def active(self) -> list[Fault]:
        with self._lock:
            return [state.fault for state in self._states if not state.done]

    def fired(self) -> list[FiredFault]:
        with self._lock:
            return list(self._fired)

    def for_function(self, logical_name: str, *names: str) -> Fault | None:
        """The fault this invocation of the function suffers, if any; `names` are its physical name and ARN."""
        keys = {logical_name, *names, *(function_key(name) for name in names)}
        return self._hit(lambda fault: fault.kind != "api" and function_key(str(fault.function)) in keys, logical_name)

    def for_action(self, action: str) -> Fault | None:
        """The fault this API call (`service:Operation`) suffers, if any."""
        key = action_key(action)
        return self._hit(lambda fault: fault.kind == "api" and action_key(str(fault.action)) == key, action)

    def _hit(self, matches: Callable[[Fault], bool], target: str) -> Fault | None:
        with self._lock:
            for state in self._states:
                if state.done or not matches(state.fault):
                    continue
                state.calls += 1
                fraction = state.fault.fraction
                if fraction is not None and state.rng.random() >= fraction:
                    continue
                state.hits += 1
                state.done = state.fault.times is not None and state.hits >= state.fault.times
                self._fired.append(FiredFault(state.fault, target, time.time(), state.hits))
                return state.fault
        return None


#: The keys of a `--fault` spec.
SPEC_KEYS = ("function", "action", "error", "message", "delay", "crash", "times", "fraction", "seed")


def _number(key: str, value: str, kind: type[int] | type[float]) -> Any:
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"{key}={value}: not {'a whole number' if kind is int else 'a number'}") from None
    if not math.isfinite(number) or number < 0:  # nan, inf and 1e999 parse as floats; none is a usable setting
        raise ValueError(f"{key}={value}: not a finite number >= 0")
    return number


def parse_spec(text: str) -> Fault:
    """A fault from a `--fault` spec: `function=NAME,error=ValueError,times=2`, `action=s3:PutObject,times=3`, ..."""
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, equals, value = (piece.strip() for piece in part.partition("="))
        if not equals or not key or not value:
            raise ValueError(f"{part.strip()!r} is not KEY=VALUE")
        if key not in SPEC_KEYS:
            raise ValueError(f"unknown key {key!r}; use {', '.join(SPEC_KEYS)}")
        if key in fields:
            raise ValueError(f"{key} is given twice")
        fields[key] = value
    if ("function" in fields) == ("action" in fields):
        raise ValueError("give exactly one of function=NAME or action=service:Operation")
    times = _number("times", fields["times"], int) if "times" in fields else None
    fraction = _number("fraction", fields["fraction"], float) if "fraction" in fields else None
    seed = _number("seed", fields["seed"], int) if "seed" in fields else 0
    if "action" in fields:
        if {"delay", "crash", "message"} & fields.keys():
            raise ValueError("an action= fault takes error, times, fraction and seed only")
        return Fault.api(fields["action"], fields.get("error", THROTTLE), times=times, fraction=fraction, seed=seed)
    kinds = [key for key in ("error", "delay", "crash") if key in fields]
    if len(kinds) != 1:
        raise ValueError("a function= fault takes exactly one of error=NAME, delay=SECONDS or crash=exit|oom")
    if "message" in fields and kinds != ["error"]:
        raise ValueError("message= goes with error=")
    function = fields["function"]
    if kinds == ["error"]:
        fault = Fault.error(function, fields["error"], fields.get("message", "injected fault"), times=times)
    elif kinds == ["delay"]:
        fault = Fault.delay(function, _number("delay", fields["delay"], float), times=times)
    else:
        fault = Fault.crash(function, fields["crash"], times=times)
    return replace(fault, fraction=fraction, seed=seed) if fraction is not None else fault
