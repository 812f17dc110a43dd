"""A call IAM denies answers each service's own error, not the IAM XML `AccessDenied` moto sends for every service.

- DynamoDB and Lambda answer `AccessDeniedException` in JSON (HTTP 400 and 403), naming the resource.
- SQS (JSON protocol) answers `AccessDenied`, HTTP 403, naming the resource.
- SNS (query protocol) answers `AuthorizationError`, HTTP 403, in its XML with a RequestId, naming the resource.
"""

from __future__ import annotations

import importlib
from typing import Any

from .patching import Patch

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


def install_service(patch: Patch, module_name: str, class_name: str) -> None:
    """Answer a call denied by one service's response class with that service's own error, naming the resource."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    key = (module_name, class_name)
    protocol = "json" if key in JSON_SERVICES else "xml"
    code, status = JSON_SERVICES[key] if key in JSON_SERVICES else XML_SERVICES[key]
    response_class = getattr(importlib.import_module(module_name), class_name)
    original = response_class._authenticate_and_authorize_normal_action

    def authorize(handler: Any, resource: str = "*") -> None:
        try:
            original(handler, resource)
        except AccessDeniedError as denied:
            message = f"{denied.message} on resource: {resource}"
            if protocol == "xml":
                raise _xml_error(denied, code, message, status) from None
            error = JsonRESTError(code, message)
            error.code = status
            raise error from None

    patch(response_class, "_authenticate_and_authorize_normal_action", authorize)
