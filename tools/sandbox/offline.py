"""Keep a test session offline: sockets may only connect to loopback, and AWS clients sign with fake credentials.

The `sfn_sandbox` pytest plugin applies both for a whole session, in this repository and in a team's own tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

#: Hosts a test may connect to; `create_connection("localhost")` resolves to one of these before `connect`.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1", "localhost"})
#: What boto3/botocore (and moto) read; "testing" is moto's documented fake value.
FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
#: Variables that would pair the fake keys with a real token, or point boto3 at a real profile or role.
REAL_AWS_ENVIRONMENT = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


class NetworkAccessRefused(RuntimeError):
    """A test tried to reach a host other than 127.0.0.1 (a RuntimeError, so HTTP clients do not retry it)."""


def is_allowed(family: int, address: Any) -> bool:
    """Loopback TCP/UDP and AF_UNIX paths are allowed; everything else is refused."""
    if family == getattr(socket, "AF_UNIX", None):
        return True
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        return str(address[0]).lower() in LOOPBACK_HOSTS
    return False


def _guarded(original: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        if not is_allowed(self.family, address):
            raise NetworkAccessRefused(
                f"refused to connect to {address!r}: tests may only reach 127.0.0.1 (or ::1, or an AF_UNIX path)"
            )
        return original(self, address)

    connect.__wrapped__ = original  # type: ignore[attr-defined]
    return connect


def is_guarded() -> bool:
    return hasattr(socket.socket.connect, "__wrapped__") and hasattr(socket.socket.connect_ex, "__wrapped__")


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Wrap `socket.socket.connect`/`connect_ex` (which `socket.create_connection` and asyncio also use)."""
    if is_guarded():
        yield
        return
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = _guarded(original_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(original_connect_ex)  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]


@contextlib.contextmanager
def fake_aws_credentials() -> Iterator[None]:
    """Set moto's fake credentials and region, and drop any profile, so nothing can sign as a real account."""
    saved = {name: os.environ.get(name) for name in (*FAKE_AWS_ENVIRONMENT, *REAL_AWS_ENVIRONMENT)}
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    for name in REAL_AWS_ENVIRONMENT:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
