"""Lambda's synchronous invocation payload limits, applied where the embedded Lambda's Invoke hands over to the
sandbox's runtime: a request over the limit is refused before the function runs, a response over it becomes the
function error Lambda answers instead."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, MutableMapping
from typing import Any

from . import quotas as q

SYNCHRONOUS = "RequestResponse"


def invocation_type(headers: Any) -> str:
    """The X-Amz-Invocation-Type of the call (RequestResponse when absent, as Lambda defaults)."""
    for key, value in dict(headers or {}).items():
        if str(key).lower() == "x-amz-invocation-type":
            return str(value)
    return SYNCHRONOUS


def check_request(payload: bytes, headers: Any) -> None:
    """Raise Lambda's RequestEntityTooLargeException (HTTP 413) for a synchronous request over 6 MB."""
    if invocation_type(headers) != SYNCHRONOUS or len(payload) <= q.LAMBDA_SYNC_REQUEST_BYTES:
        return
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(
        "RequestEntityTooLargeException",
        f"Request must be smaller than {q.LAMBDA_SYNC_REQUEST_BYTES} bytes for the InvokeFunction operation",
    )
    error.code = 413
    raise error


def limit_response(result: bytes, headers: Any, response_headers: MutableMapping[str, Any]) -> bytes:
    """The response a caller gets: the function's own, or Lambda's Function.ResponseSizeTooLarge past 6 MB."""
    if invocation_type(headers) != SYNCHRONOUS or len(result) <= q.LAMBDA_SYNC_RESPONSE_BYTES:
        return result
    response_headers["x-amz-function-error"] = "Unhandled"
    limit = q.LAMBDA_SYNC_RESPONSE_BYTES
    return json.dumps(
        {
            "errorMessage": f"Response payload size exceeded maximum allowed payload size ({limit} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    ).encode()


def install(patch: Callable[[Any, str, Any], None]) -> None:
    """moto's LambdaResponse.invoke refuses a response whose `sys.getsizeof` passes 6,000,000, about 290 KB short of
    Lambda's limit, so a response AWS returns failed here. The sandbox applies the real limit in `limit_response`;
    moto's module gets a `sys` whose getsizeof measures nothing (that check is the module's only use of `sys`)."""
    import moto.awslambda.responses as responses

    shim = types.SimpleNamespace(**{name: getattr(sys, name) for name in dir(sys) if not name.startswith("__")})
    shim.getsizeof = lambda value, default=0: 0
    patch(responses, "sys", shim)
