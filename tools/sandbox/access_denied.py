"""A denied call to a JSON-protocol service answers its AccessDeniedException, not the IAM XML moto sends."""

from __future__ import annotations

from typing import Any

from tools.sandbox.interpreter import Patch

#: Response class (module, name) -> the HTTP status its service answers AccessDeniedException with.
JSON_SERVICES = {
    ("moto.dynamodb.responses", "DynamoHandler"): 400,
    ("moto.awslambda.responses", "LambdaResponse"): 403,
}


def install(patch: Patch) -> None:
    """moto answers a denied call with IAM's XML `AccessDenied` (HTTP 403), which a JSON client reads as error code
    "403"; DynamoDB and Lambda answer `AccessDeniedException` in JSON, naming the resource."""
    import importlib

    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    for (module_name, class_name), status in JSON_SERVICES.items():
        response_class = getattr(importlib.import_module(module_name), class_name)
        original = response_class._authenticate_and_authorize_normal_action

        def authorize(handler: Any, resource: str = "*", _original: Any = original, _status: int = status) -> None:
            try:
                _original(handler, resource)
            except AccessDeniedError as denied:
                error = JsonRESTError("AccessDeniedException", f"{denied.message} on resource: {resource}")
                error.code = _status
                raise error from None

        patch(response_class, "_authenticate_and_authorize_normal_action", authorize)
