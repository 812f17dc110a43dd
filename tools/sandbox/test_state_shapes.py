"""A mocked Task result checked against the service's response shape (botocore's model), as TestState checks it.

`fieldValidationMode` STRICT checks the fields given and that the shape's required fields are present; PRESENT
checks only the fields given; fields the shape does not know are accepted (AWS: forward compatibility).
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: Step Functions' integration names that differ from botocore's service names.
SERVICE_NAMES = {"states": "stepfunctions", "apigateway": "apigateway"}
#: Integrations whose response is not an AWS API's response shape (API Gateway's invoke, HTTP tasks).
UNSHAPED = ("apigateway:invoke", "http:invoke")
#: Integration patterns whose result is not the API call's response: not checked.
WAITING_PATTERNS = (".sync", ".sync:2", ".waitForTaskToken")


def _sfn_cased(name: str) -> str:
    """Step Functions names a service response's fields with a capital first letter."""
    return name[:1].upper() + name[1:]


@cache
def _output_shape(service: str, action: str) -> Any:
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    session = botocore.session.get_session()
    try:
        model = session.get_service_model(SERVICE_NAMES.get(service, service))
    except UnknownServiceError:
        return None
    wanted = action.lower()
    for operation in model.operation_names:
        if operation.lower() == wanted:
            return model.operation_model(operation).output_shape
    return None


def resource_operation(resource: str) -> tuple[str, str] | None:
    """(service, action) of a service integration's resource ARN; None for a Lambda ARN or an activity."""
    parts = resource.split(":")
    if len(parts) < 7 or parts[2] != "states" or parts[3] or parts[4]:
        return None  # a function or activity ARN names a region and account; an integration names neither
    path = parts[5:]
    if path[0] == "aws-sdk" and len(path) >= 3:
        return path[1], path[2].split(".")[0]
    if len(path) >= 2:
        return path[0], path[1].split(".")[0]
    return None


def check_mock_result(resource: str, result: Any, strict: bool) -> str | None:
    """What is wrong with a mocked result for this resource (AWS's words after its prefix), or None."""
    operation = resource_operation(resource)
    if operation is None or f"{operation[0]}:{operation[1]}" in UNSHAPED:
        return None
    if resource.endswith(WAITING_PATTERNS):  # their result is a job's or a task token's, not the call's response
        return None
    shape = _output_shape(*operation)
    if shape is None:
        return None
    return _check(result, shape, None, strict)


def _check(value: Any, shape: Any, name: str | None, strict: bool) -> str | None:
    kind = shape.type_name
    if kind in ("document", "blob"):  # a Lambda Payload is the function's JSON, not base64 text
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return f"Field '{name}' must be an object" if name else "Mock result must be a JSON object"
        members = {_sfn_cased(key): member for key, member in shape.members.items()}
        if strict:
            for required in shape.required_members:
                if _sfn_cased(required) not in value:
                    return f"Required field '{_sfn_cased(required)}' is missing"
        for key, item in value.items():
            if key in members:
                problem = _check(item, members[key], key, strict)
                if problem:
                    return problem
        return None
    if kind == "list":
        if not isinstance(value, list):
            return f"Field '{name}' must be an array"
        return next((p for p in (_check(item, shape.member, name, strict) for item in value) if p), None)
    if kind == "map":
        if not isinstance(value, dict):
            return f"Field '{name}' must be an object"
        return next((p for p in (_check(item, shape.value, name, strict) for item in value.values()) if p), None)
    if kind in ("string", "timestamp"):
        if not isinstance(value, str):
            return f"Field '{name}' must be a string"
        if getattr(shape, "enum", None) and value not in shape.enum:
            return f"Field '{name}' is not an expected value"
        return None
    if kind in ("integer", "long"):
        return None if isinstance(value, int) and not isinstance(value, bool) else f"Field '{name}' must be a number"
    if kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"Field '{name}' must be a number"
    if kind == "boolean":
        return None if isinstance(value, bool) else f"Field '{name}' must be a boolean"
    return None
