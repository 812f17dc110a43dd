"""Validate a download request ({"baseUrl", "resourcePaths", "lambdaConcur"}) before anything is fetched."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from image_downloader.errors import InvalidInput
from image_downloader.keys import DEFAULT_PORTS
from image_downloader.settings import Settings

DEFAULT_LAMBDA_CONCUR = 5
MAX_LAMBDA_CONCUR = 32
MAX_URL_LENGTH = 2048
MAX_PATH_LENGTH = 1024
#: A DNS name in ASCII (an internationalized name must be given in its punycode form).
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$")
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}


@dataclass(frozen=True)
class DownloadRequest:
    """A validated request: paths are unique, in their first-seen order."""

    base_url: str
    resource_paths: list[str]
    lambda_concur: int


def json_type(value: Any) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def resource_url(base_url: str, path: str) -> str:
    """The URL of one path: always under baseUrl (paths are relative, so this is concatenation, not urljoin)."""
    return f"{base_url.rstrip('/')}/{path}"


def allowed_schemes(settings: Settings) -> tuple[str, ...]:
    return ("https", "http") if settings.allow_insecure_http else ("https",)


def _unsafe_character(text: str) -> str | None:
    for character in text:
        if character == "\\" or unicodedata.category(character) == "Cc":
            return repr(character)
    return None


def _decodings(text: str) -> list[str]:
    """The text and its percent-decodings (until stable, at most 3), so `%2e%2e` and `%252e%252e` are caught too."""
    forms = [text]
    for _ in range(3):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _dot_segment(path: str) -> bool:
    return any(segment in (".", "..") for form in _decodings(path) for segment in form.split("/"))


def parse_base_url(value: Any, settings: Settings) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"baseUrl: expected a URL string, got {json_type(value)}")
    if len(value) > MAX_URL_LENGTH:
        raise InvalidInput(f"baseUrl: longer than {MAX_URL_LENGTH} characters")
    if _unsafe_character(value) or any(character.isspace() for character in value):
        raise InvalidInput("baseUrl: must not contain whitespace, control characters or backslashes")
    parts = urlsplit(value)
    schemes = allowed_schemes(settings)
    if parts.scheme.lower() not in schemes:
        raise InvalidInput(f"baseUrl: scheme must be {' or '.join(schemes)}, got {parts.scheme or 'none'!r}")
    if "@" in parts.netloc:
        raise InvalidInput("baseUrl: must not contain user information (user:password@)")
    if "?" in value or "#" in value:
        raise InvalidInput("baseUrl: must not have a query or a fragment")
    host = _host(parts.hostname)
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput("baseUrl: the port is not a number from 0 to 65535") from None
    if settings.allowed_hosts and not host_allowed(parts.scheme.lower(), host, port, settings.allowed_hosts):
        where = host if port is None else f"{host}:{port}"
        raise InvalidInput(f"baseUrl: host {where!r} is not one of ALLOWED_HOSTS (an entry without a port allows "
                           f"the scheme's default port only)")  # fmt: skip
    if _dot_segment(parts.path):
        raise InvalidInput("baseUrl: must not contain '.' or '..' path segments")
    return value


def host_allowed(scheme: str, host: str, port: int | None, allowed: frozenset[str]) -> bool:
    """`name:port` allows that port; `name` alone allows the scheme's default port only (443 for https, 80 for
    http): `https://h:8443/` needs `h:8443`, as a port is another service."""
    name = host.rstrip(".").lower()
    default = DEFAULT_PORTS.get(scheme)
    effective = port if port is not None else default
    return f"{name}:{effective}" in allowed or (effective == default and name in allowed)


def _host(hostname: str | None) -> str:
    if not hostname:
        raise InvalidInput("baseUrl: must name a host")
    try:
        ipaddress.ip_address(hostname)
        return hostname
    except ValueError:
        pass
    if not _HOST_NAME.match(hostname):
        raise InvalidInput(
            f"baseUrl: {hostname!r} is not a valid host name (give an internationalized one in punycode)"
        )
    return hostname


def check_resource_path(index: int, path: Any, field: str | None = None) -> None:
    """One path relative to baseUrl: no scheme or host, no leading '/', no '.'/'..' or empty segment, no '#'.
    Errors name `field` (default `resourcePaths[<index>]`)."""
    field = field or f"resourcePaths[{index}]"
    if not isinstance(path, str) or not path:
        raise InvalidInput(f"{field}: expected a non-empty string, got {json_type(path)}")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidInput(f"{field}: longer than {MAX_PATH_LENGTH} characters")
    for form in _decodings(path):
        if bad := _unsafe_character(form):
            raise InvalidInput(f"{field}: must not contain backslashes or control characters (found {bad})")
    if path.startswith("/"):  # "/x" is ambiguous (host root or baseUrl?) and "//x" names a host: both refused
        raise InvalidInput(f"{field}: must be relative to baseUrl (no leading '/')")
    if urlsplit(path).scheme:
        raise InvalidInput(f"{field}: must be a path relative to baseUrl, not a URL")
    if "#" in path:
        raise InvalidInput(f"{field}: must not contain a fragment ('#')")
    for form in _decodings(path):
        segments = form.split("/")
        if any(segment in (".", "..") for segment in segments):
            raise InvalidInput(f"{field}: must not contain '.' or '..' segments (also percent-encoded)")
        if "" in segments:
            raise InvalidInput(f"{field}: must not contain an empty segment ('//' or a trailing '/')")


def parse_resource_paths(value: Any, max_resources: int) -> list[str]:
    if not isinstance(value, list):
        raise InvalidInput(f"resourcePaths: expected an array of paths, got {json_type(value)}")
    if not value:
        raise InvalidInput("resourcePaths: must not be empty")
    if len(value) > max_resources:
        raise InvalidInput(f"resourcePaths: {len(value)} paths is more than MAX_RESOURCES ({max_resources})")
    for index, path in enumerate(value):
        check_resource_path(index, path)
    return list(dict.fromkeys(value))  # the same path twice would be downloaded and recorded twice


def parse_lambda_concur(value: Any) -> int:
    if value is None:
        return DEFAULT_LAMBDA_CONCUR
    if type(value) is not int:  # bool is an int subclass, and 5.0 or "5" are not integers
        raise InvalidInput(f"lambdaConcur: expected an integer from 1 to {MAX_LAMBDA_CONCUR}, got {json_type(value)}")
    if not 1 <= value <= MAX_LAMBDA_CONCUR:
        raise InvalidInput(f"lambdaConcur: must be from 1 to {MAX_LAMBDA_CONCUR}, got {value}")
    return value


@dataclass(frozen=True)
class FileRequest:
    """A validated request whose paths are in a file of the images bucket (checked as the file is read)."""

    base_url: str
    resources_file: str
    lambda_concur: int


def parse_file_request(event: Any, settings: Settings, parse_key: Any) -> FileRequest | None:
    """The request when it names `resourcesFile` (None when it lists `resourcePaths`); `parse_key` checks the key."""
    if not isinstance(event, dict) or "resourcesFile" not in event:
        return None
    if "resourcePaths" in event:
        raise InvalidInput("resourcesFile: give resourcePaths or resourcesFile, not both")
    return FileRequest(
        base_url=parse_base_url(event.get("baseUrl"), settings),
        resources_file=parse_key(event.get("resourcesFile")),
        lambda_concur=parse_lambda_concur(event.get("lambdaConcur")),
    )


def parse_request(event: Any, settings: Settings) -> DownloadRequest:
    """Validate the whole event; raises InvalidInput naming the first bad field."""
    if not isinstance(event, dict):
        raise InvalidInput(f"event: expected a JSON object, got {json_type(event)}")
    return DownloadRequest(
        base_url=parse_base_url(event.get("baseUrl"), settings),
        resource_paths=parse_resource_paths(event.get("resourcePaths"), settings.max_resources),
        lambda_concur=parse_lambda_concur(event.get("lambdaConcur")),
    )
