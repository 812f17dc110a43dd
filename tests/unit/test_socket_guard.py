"""The session-wide guard: tests reach only 127.0.0.1, and AWS clients sign with fake credentials."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import boto3
import pytest

from tools.sandbox.offline import NetworkAccessRefused, is_allowed

#: A non-routable private address: without the guard, connecting would hang until a timeout, not fail fast.
UNREACHABLE = ("10.255.255.1", 80)


def test_connecting_to_a_remote_address_is_refused_naming_the_address():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.settimeout(0.5)
        with pytest.raises(NetworkAccessRefused, match=r"10\.255\.255\.1.*tests may only reach 127\.0\.0\.1"):
            client.connect(UNREACHABLE)


def test_connect_ex_to_a_remote_address_is_refused_rather_than_returning_an_errno():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.settimeout(0.5)
        with pytest.raises(NetworkAccessRefused, match=r"10\.255\.255\.1"):
            client.connect_ex(UNREACHABLE)


def test_create_connection_to_a_remote_address_is_refused():
    with pytest.raises(NetworkAccessRefused, match=r"10\.255\.255\.1"):
        socket.create_connection(UNREACHABLE, timeout=0.5)


def test_a_hostname_is_refused_before_any_connection():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client, pytest.raises(NetworkAccessRefused):
        client.connect(("example.com", 443))


def test_a_127_0_0_1_listener_is_reachable_and_exchanges_bytes():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        received: list[bytes] = []

        def serve() -> None:
            connection, _ = server.accept()
            with connection:
                received.append(connection.recv(5))

        thread = threading.Thread(target=serve)
        thread.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"hello")
        thread.join(timeout=5)
    assert received == [b"hello"]


def test_localhost_resolves_to_loopback_and_is_reachable():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("localhost", port), timeout=5) as client:
            assert client.getpeername()[0] in ("127.0.0.1", "::1")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX on this platform")
def test_an_af_unix_socket_is_reachable(tmp_path: Path):
    path = str(tmp_path / "guard.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


@pytest.mark.parametrize(
    ("family", "address", "allowed"),
    [
        (socket.AF_INET, ("127.0.0.1", 80), True),
        (socket.AF_INET6, ("::1", 80, 0, 0), True),
        (socket.AF_INET, ("localhost", 80), True),
        (socket.AF_INET, ("10.0.0.1", 80), False),
        (socket.AF_INET, ("127.0.0.2", 80), False),
        (socket.AF_INET6, ("2001:db8::1", 80, 0, 0), False),
        (socket.AF_INET, ("169.254.169.254", 80), False),
    ],
    ids=["ipv4-loopback", "ipv6-loopback", "localhost", "private", "other-127", "ipv6-remote", "instance-metadata"],
)
def test_only_loopback_addresses_are_allowed(family: int, address: tuple, allowed: bool):
    assert is_allowed(family, address) is allowed


def test_aws_clients_sign_with_the_fake_testing_credentials():
    assert "AWS_PROFILE" not in os.environ
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    credentials = boto3.Session().get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("testing", "testing", None)
