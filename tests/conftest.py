"""The whole test session runs offline: sockets reach only 127.0.0.1, and AWS clients sign with fake credentials."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tools.sandbox.offline import fake_aws_credentials, loopback_only

_guards = contextlib.ExitStack()


#: pulumi_aws warns, on import, about a resource type this project never uses; nothing here can act on it.
PULUMI_AWS_IMPORT_WARNING = r"ignore:aws\.lambda/microvmsimage\.MicrovmsImage has been deprecated:DeprecationWarning"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", PULUMI_AWS_IMPORT_WARNING)
    # Before collection, so module-level code and collection-time program runs are guarded too.
    _guards.enter_context(loopback_only())
    _guards.enter_context(fake_aws_credentials())


def pytest_unconfigure(config: pytest.Config) -> None:
    _guards.close()


@pytest.fixture(scope="session", autouse=True)
def offline_session() -> Iterator[None]:
    """Every test, whatever other fixtures or plugins did before it, runs with both guards in place."""
    with loopback_only(), fake_aws_credentials():
        yield
