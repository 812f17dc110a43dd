"""The SSRF guard: refuse hosts that resolve to (and sockets connected to) private, internal or special addresses."""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

from image_downloader.errors import DownloadFailed

#: The EC2/Lambda instance metadata endpoints (IPv4 link-local, and IPv6 inside fc00::/7).
METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
#: NAT64 (RFC 6052): in a dual-stack VPC with DNS64, 64:ff9b::a00:1 reaches 10.0.0.1.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_blocked(text: str) -> bool:
    """True for anything but a public unicast address (private, loopback, link-local, metadata, multicast, ...)."""
    try:
        address = _embedded_ipv4(ipaddress.ip_address(text.split("%", 1)[0]))  # drop an IPv6 zone id
    except ValueError:
        return True
    return (
        address in METADATA_ADDRESSES
        or not address.is_global  # private, shared (100.64/10), documentation, benchmarking, ...
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class ResolveTimeout(TimeoutError):
    """The name did not resolve within its time (the connect timeout, cut to the download's deadline)."""


def lookup(host: str, port: int, timeout: float | None = None) -> list[Any]:
    """getaddrinfo's answers, within `timeout` seconds: the lookup runs on a thread of its own, since a resolver
    call takes no timeout (a lookup that never answers leaves its daemon thread waiting, not the download)."""
    if timeout is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    answers: list[Any] = []
    failure: list[BaseException] = []

    def resolve_now() -> None:
        try:
            answers.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as error:  # handed to the waiting thread
            failure.append(error)

    thread = threading.Thread(target=resolve_now, name="resolve", daemon=True)
    thread.start()
    thread.join(max(0.0, timeout))
    if thread.is_alive():
        raise ResolveTimeout(f"{host} did not resolve within {timeout:.2f} s")
    if failure:
        raise failure[0]
    return answers


def resolve(host: str, port: int, timeout: float | None = None) -> list[str]:
    """Every address the host resolves to, within `timeout` seconds; a name that does not resolve is a connection
    error, one that does not resolve in time a Timeout."""
    try:
        answers = lookup(host, port, timeout)
    except (socket.gaierror, UnicodeError):
        raise DownloadFailed("ConnectionError") from None
    except ResolveTimeout:
        raise DownloadFailed("Timeout") from None
    return [str(answer[4][0]) for answer in answers]


def check_host(host: str, port: int, timeout: float | None = None) -> None:
    """Refuse the host if ANY of its addresses is blocked (a client may try them in any order)."""
    if any(is_blocked(address) for address in resolve(host, port, timeout)):
        raise DownloadFailed("Refused")


def check_peer(sock: socket.socket) -> None:
    """Refuse a connected socket whose peer is blocked: DNS may answer differently at connect time (rebinding)."""
    peer = sock.getpeername()[0]
    if is_blocked(str(peer)):
        sock.close()
        raise DownloadFailed("Refused")
