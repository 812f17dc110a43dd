"""The two registry entries every IAM-checked service has: the resource moto checks, and the error a denial answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .. import access_denied
from ..patching import NO_ISSUE, PATCH, Entry, Hooks, ScopedPatch

QUOTAS = "tests/sandbox/test_quotas.py"
GUARDS = "tests/sandbox/test_moto_patch_points.py"
RESOURCE_GUARD = f"{GUARDS}::test_call_action_still_asks_determine_resource_for_the_checked_resource"
DENIED_GUARD = (
    f"{GUARDS}::test_dynamodb_and_lambda_access_is_still_checked_by_authenticate_and_authorize_normal_action_with_xml"
)
#: Why a response class's method is patched rather than subclassed: moto routes each URL to its own class.
RESPONSE_CLASS = (
    "moto's server routes each service's URLs to its own response class (its `urls.py`), and no switch picks "
    "another class."
)


def json_body(response: Any) -> dict[str, Any]:
    """A JSON-protocol request's body as a dict ({} when it is none)."""
    if isinstance(response.body, dict):
        return response.body
    try:
        body = json.loads(response.body or "{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def resource_entry(
    service: str, module_name: str, class_name: str, resolver: Callable[[Any], str], proven_by: tuple[str, ...]
) -> Entry:
    """The entry naming the resource moto checks a `service` request's action against."""

    def install(patch: ScopedPatch, hooks: Hooks) -> None:
        import importlib

        patch(getattr(importlib.import_module(module_name), class_name), "_determine_resource", resolver)

    return Entry(
        name=f"{service}-checked-resource",
        points=(f"{module_name}.{class_name}._determine_resource",),
        why=(
            f"moto checks a {service} action against Resource `*` only, so a least-privilege policy naming one "
            "resource would deny; the sandbox names the resource the request is for, as IAM does."
        ),
        proven_by=(*proven_by, RESOURCE_GUARD),
        upstream=NO_ISSUE,
        kind=PATCH,
        how=RESPONSE_CLASS,
        install=install,
    )


def access_denied_entry(service: str, module_name: str, class_name: str, answer: str, proven_by: str) -> Entry:
    """The entry answering a `service` call IAM denies with the service's own error (`access_denied.py`)."""

    def install(patch: ScopedPatch, hooks: Hooks) -> None:
        access_denied.install_service(patch, module_name, class_name)

    return Entry(
        name=f"{service}-access-denied",
        points=(f"{module_name}.{class_name}._authenticate_and_authorize_normal_action",),
        why=(
            f"moto answers every denied call with IAM's XML `AccessDenied` (HTTP 403); {service} answers {answer}, "
            "naming the resource, and so does the sandbox."
        ),
        proven_by=(proven_by, DENIED_GUARD),
        upstream=NO_ISSUE,
        kind=PATCH,
        how=RESPONSE_CLASS,
        install=install,
    )
