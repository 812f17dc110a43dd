"""API faults in the embedded moto server: a matching request is answered with its service's own error, as AWS sends it.

The hook is `ActionAuthenticatorMixin._authenticate_and_authorize_action`, which every moto service calls with the
request before running it (S3 through `_authenticate_and_authorize_s3_action`, the others through
`_authenticate_and_authorize_normal_action`). The fault is answered after the IAM check, so a denied caller still
sees AccessDenied, and before the operation runs, so a throttled call changes nothing, as in AWS.
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import uuid
from collections.abc import Callable
from contextlib import suppress
from typing import Any, NoReturn

from werkzeug.exceptions import HTTPException

from .faults import THROTTLE, Fault, FaultRegistry, LambdaServiceError
from .patching import Patch

#: Service (IAM prefix) -> the wire protocol its errors come in.
PROTOCOLS = {
    "s3": "rest-xml",
    "sns": "query",
    "dynamodb": "json",
    "sqs": "json",
    "states": "json",
    "lambda": "rest-json",
}
#: Service -> (error code, HTTP status, message) of its throttling error as AWS answers it.
THROTTLING = {
    "s3": ("SlowDown", 503, "Please reduce your request rate."),
    "dynamodb": ("ThrottlingException", 400, "Throughput exceeds the current capacity of your table or index."),
    "sqs": ("RequestThrottled", 400, "Rate exceeded"),
    "sns": ("Throttling", 400, "Rate exceeded"),
    "states": ("ThrottlingException", 400, "Rate exceeded"),
    "lambda": ("TooManyRequestsException", 429, "Rate Exceeded."),
}
#: Error codes whose HTTP status AWS documents; any other code is answered with 500.
KNOWN_STATUSES = {
    "ProvisionedThroughputExceededException": 400,
    "RequestLimitExceeded": 400,
    "ThrottlingException": 400,
    "Throttling": 400,
    "ThrottledException": 400,
    "RequestThrottled": 400,
    "KMSThrottlingException": 400,
    "TooManyRequestsException": 429,
    "SlowDown": 503,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "InternalError": 500,
    "InternalServerError": 500,
    "InternalFailure": 500,
    "ServiceException": 500,
}
#: The Lambda service error that is no answer at all: the SDK's own exception when the connection fails.
SDK_CLIENT_EXCEPTION = "SdkClientException"
#: The connection of the request this server thread is handling, so a fault can drop it unanswered.
_current = threading.local()
#: JSON services' `__type` namespace, as their responses spell it.
JSON_NAMESPACES = {
    "dynamodb": "com.amazonaws.dynamodb.v20120810#",
    "sqs": "com.amazonaws.sqs#",
    "states": "",
}


class ApiFaultError(HTTPException):
    """An injected error response: status, body and headers in the protocol of the service that answers it."""

    def __init__(self, status: int, body: str, headers: dict[str, str]) -> None:
        super().__init__(description=body)
        self.code = status
        self.headers = headers

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return list(self.headers.items())

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return str(self.description)


def error_code_and_status(service: str, error: str) -> tuple[str, int, str]:
    """The code, status and message a fault's `error` answers with for `service` ("throttle": its own)."""
    if error == THROTTLE:
        return THROTTLING[service]
    return error, KNOWN_STATUSES.get(error, 500), "injected fault"


def api_error(service: str, code: str, status: int, message: str) -> ApiFaultError:
    """`code` as `service` answers it: S3's XML, the query protocol's ErrorResponse, or JSON with `__type`."""
    request_id = str(uuid.uuid4())
    protocol = PROTOCOLS[service]
    sender = "Sender" if status < 500 else "Receiver"
    if protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId>"
            f"<HostId>{uuid.uuid4().hex}</HostId></Error>"
        )
        return ApiFaultError(status, body, {"Content-Type": "application/xml", "x-amz-request-id": request_id})
    if protocol == "query":
        body = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
            f"<Error><Type>{sender}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return ApiFaultError(status, body, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id})
    if protocol == "rest-json":
        document: dict[str, str] = {"Type": "User" if status < 500 else "Service", "message": message}
        if code == "TooManyRequestsException":
            document["Reason"] = "ConcurrentInvocationLimitExceeded"
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
        return ApiFaultError(status, json.dumps(document), headers)
    body = json.dumps({"__type": f"{JSON_NAMESPACES[service]}{code}", "message": message})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": request_id}
    if service == "sqs":  # SQS's JSON protocol also names the error as its query protocol did
        headers["x-amzn-query-error"] = f"{code};{sender}"
    return ApiFaultError(status, body, headers)


def fault_error(service: str, fault: Fault) -> ApiFaultError:
    code, status, message = error_code_and_status(service, str(fault.error_name))
    return api_error(service, code, status, message)


def request_action(handler: Any, s3: bool) -> str | None:
    """`service:Operation` of a request moto is about to run, from its signature's scope and moto's action."""
    authorization = str(handler.headers.get("Authorization") or "")
    if "Credential=" not in authorization:
        return None
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    if len(scope) < 4:
        return None
    operation = (handler.data or {}).get("Action") if s3 else handler._get_action()
    if isinstance(operation, list):
        operation = operation[0] if operation else None
    return f"{scope[3]}:{operation}" if operation else None


def drop_connection() -> NoReturn:
    """Close the current request's connection without an answer, as a network failure does."""
    connection = getattr(_current, "connection", None)
    if connection is not None:
        with suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("injected fault: the connection closed before a response")  # werkzeug: say nothing


def raise_lambda_service_error(error: LambdaServiceError) -> NoReturn:
    """Fail the Invoke call: Lambda's JSON error with its status, or (SdkClientException) no response at all."""
    if error.code == SDK_CLIENT_EXCEPTION:
        drop_connection()
    raise api_error("lambda", error.code, error.status, error.message) from None


def install(patch: Patch, registry: Callable[[], FaultRegistry]) -> None:
    """Answer a request that an active API fault matches with that fault's error, after IAM allowed it."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import S3IAMRequest

    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    @functools.wraps(original)
    def authorize(handler: Any, iam_request_cls: type, resource: str = "*") -> None:
        original(handler, iam_request_cls, resource)
        environ = getattr(getattr(handler, "normalized_request", None), "environ", None) or {}
        _current.connection = environ.get("werkzeug.socket")
        action = request_action(handler, s3=issubclass(iam_request_cls, S3IAMRequest))
        service = action.split(":")[0] if action else ""
        if action is None or service not in PROTOCOLS:
            return
        fault = registry().for_action(action)
        if fault is not None:
            error = fault_error(service, fault)
            handler.response_headers.update(error.headers)  # the authorization path answers with these headers
            raise error

    patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize)


def install_sdk_client_errors(patch: Patch) -> None:
    """A Lambda task whose Invoke got no response fails with Lambda.SdkClientException, as AWS's SDK client names it;
    moto's interpreter calls any exception that is not a service's answer States.Runtime (which no Retry matches)."""
    from botocore.exceptions import HTTPClientError
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
        StateTaskServiceLambda,
    )

    original = StateTaskServiceLambda._from_error

    def from_error(task: Any, env: Any, ex: Exception) -> Any:
        event: Any = original(task, env, ex)
        if isinstance(ex, HTTPClientError):
            name = f"Lambda.{SDK_CLIENT_EXCEPTION}"
            event.error_name = CustomErrorName(name)
            event.event_details["taskFailedEventDetails"]["error"] = name
        return event

    patch(StateTaskServiceLambda, "_from_error", from_error)
