"""A call IAM denies answers each service's own error, not the IAM XML `AccessDenied` moto sends for every service.

- DynamoDB and Lambda answer `AccessDeniedException` in JSON (HTTP 400 and 403), naming the resource.
- SQS (JSON protocol) answers `AccessDenied`, HTTP 403, naming the resource.
- SNS (query protocol) answers `AuthorizationError`, HTTP 403, in its XML with a RequestId, naming the resource.
"""

from __future__ import annotations

import importlib
from typing import Any

from .interpreter import Patch

#: Response class (module, name) -> (the code its service answers a denied call with, its HTTP status).
JSON_SERVICES = {
    ("moto.dynamodb.responses", "DynamoHandler"): ("AccessDeniedException", 400),
    ("moto.awslambda.responses", "LambdaResponse"): ("AccessDeniedException", 403),
    ("moto.sqs.responses", "SQSResponse"): ("AccessDenied", 403),
}
XML_SERVICES = {("moto.sns.responses", "SNSResponse"): ("AuthorizationError", 403)}


def _xml_error(denied: Any, code: str, message: str, status: int) -> Exception:
    """moto's denial re-coded as a query-protocol error with the RequestId botocore reads into ResponseMetadata."""
    import uuid

    from xmltodict import unparse

    body = {"Error": {"Type": "Sender", "Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}
    denied.error_type, denied.message, denied.code = code, message, status
    denied.description = unparse({"ErrorResponse": body}, full_document=True)
    return denied


def install(patch: Patch) -> None:
    """Answer a denied call with its service's own error, naming the resource as AWS does."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    services = [(key, value, "json") for key, value in JSON_SERVICES.items()]
    services += [(key, value, "xml") for key, value in XML_SERVICES.items()]
    for (module_name, class_name), (code, status), protocol in services:
        response_class = getattr(importlib.import_module(module_name), class_name)
        original = response_class._authenticate_and_authorize_normal_action

        def authorize(
            handler: Any,
            resource: str = "*",
            _original: Any = original,
            _code: str = code,
            _status: int = status,
            _protocol: str = protocol,
        ) -> None:
            try:
                _original(handler, resource)
            except AccessDeniedError as denied:
                message = f"{denied.message} on resource: {resource}"
                if _protocol == "xml":
                    raise _xml_error(denied, _code, message, _status) from None
                error = JsonRESTError(_code, message)
                error.code = _status
                raise error from None

        patch(response_class, "_authenticate_and_authorize_normal_action", authorize)
