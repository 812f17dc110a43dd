"""Registry entries for moto's Lambda (`moto.awslambda`, `moto.awslambda_simple`): invocations run by the sandbox's
runtime, Lambda's payload limits, the resource IAM checks, and denials."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from .. import api_faults, lambda_limits
from ..faults import LambdaServiceError
from ..patching import EXTENSION_POINT, NO_ISSUE, NOT_A_BUG, PATCH, Entry, Hooks, ScopedPatch
from .shared import QUOTAS, access_denied_entry, resource_entry

GUARDS = "tests/sandbox/test_moto_patch_points.py"
PAYLOADS = "tests/sandbox/test_lambda_payload_limits.py"
USE_DOCKER = "moto.core.config.default_user_config['lambda']['use_docker']"
SIMPLE_BACKENDS = "moto.awslambda_simple.models.lambda_simple_backends"


def function_resource(response: Any) -> str:
    """The function a Lambda request is for, as IAM names it (unqualified); "*" for a request naming none."""
    parts = response.path.split("/")
    if "functions" not in parts or parts.index("functions") + 1 >= len(parts):
        return "*"
    name = unquote(parts[parts.index("functions") + 1])
    if name.startswith("arn:"):
        name = name.split(":")[6]
    return f"arn:aws:lambda:{response.region}:{response.current_account}:function:{name.split(':')[0]}"


def _runtime_backend(patch: ScopedPatch, hooks: Hooks) -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple import models as simple
    from moto.core.base_backend import BackendDict
    from moto.core.config import default_user_config

    class SandboxLambdaBackend(simple.LambdaSimpleBackend):
        """moto's backend without Docker, whose Invoke runs the deployed zip in the sandbox's `LambdaRuntime`."""

        def invoke(
            self, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
        ) -> Any:
            invoker = hooks.lambda_invoker
            if invoker is None:  # an embedded AWS without a runtime: moto's own (Docker) invoke, as before
                return LambdaBackend.invoke(self, function_name, qualifier, body, headers, response_headers)
            self.get_function(function_name, qualifier)  # ResourceNotFoundException for an unknown function
            payload = body.encode() if isinstance(body, str) else (body or b"{}")
            lambda_limits.check_request(payload, headers)
            try:
                result, function_error = invoker(function_name, payload)
            except LambdaServiceError as error:  # an injected service error: the Invoke call itself fails
                api_faults.raise_lambda_service_error(error)
            if function_error:
                response_headers["x-amz-function-error"] = function_error
            return lambda_limits.limit_response(result, headers, response_headers)

    lambda_config: Any = default_user_config["lambda"]
    patch.item(lambda_config, "use_docker", False, point=USE_DOCKER)
    patch(simple, "lambda_simple_backends", BackendDict(SandboxLambdaBackend, "lambda"))


ENTRIES = (
    Entry(
        name="lambda-runtime-backend",
        target=(
            "`moto.core.config.default_user_config['lambda']['use_docker']` = False, and "
            "`moto.awslambda_simple.models.lambda_simple_backends` of `SandboxLambdaBackend`"
        ),
        points=(USE_DOCKER, SIMPLE_BACKENDS),
        why=(
            "moto runs functions in Docker, which the sandbox lacks; the sandbox runs the deployed zip in "
            "`LambdaRuntime` worker processes, holding requests and responses to Lambda's 6 MB limits."
        ),
        proven_by=(
            f"{PAYLOADS}::test_a_synchronous_request_of_6_mib_is_invoked_and_one_byte_more_is_refused_before_the_function_runs",
            "tests/sandbox/test_faults.py::test_a_lambda_service_error_fails_the_invoke_call_with_its_status",
            f"{GUARDS}::test_moto_chooses_the_lambda_backend_by_use_docker_and_the_sandbox_s_subclass_serves_invoke",
        ),
        upstream=f"{NOT_A_BUG}: moto runs functions in Docker by design",
        kind=EXTENSION_POINT,
        how=(
            "moto's `lambda.use_docker` switch makes `moto.awslambda.utils.get_backend` serve every Lambda request "
            "from `lambda_simple_backends`, a BackendDict of a LambdaBackend subclass without Docker; the sandbox "
            "registers its own subclass of that backend there (moto lets no config name the class itself)."
        ),
        install=_runtime_backend,
    ),
    Entry(
        name="lambda-response-size",
        points=("moto.awslambda.responses.sys",),
        why=(
            "moto refuses a response whose `sys.getsizeof` passes 6,000,000, about 290 KB short of Lambda's 6,291,556 "
            "bytes, so a response AWS returns failed; the sandbox's backend applies the real limit, and moto's module "
            "gets a `sys` whose getsizeof measures nothing (`tools/sandbox/lambda_limits.py`)."
        ),
        proven_by=(
            f"{PAYLOADS}::test_a_response_of_6_mib_and_100_bytes_is_returned_and_one_byte_more_is_a_response_size_function_error",
            f"{PAYLOADS}::test_moto_invoke_still_checks_the_response_with_sys_getsizeof_alone",
        ),
        upstream=f"{NO_ISSUE} for the 6,000,000 threshold (the check came with https://github.com/getmoto/moto/issues/3988)",
        kind=PATCH,
        how=(
            "The check is in `LambdaResponse.invoke`, after the backend returns: moto routes Lambda's URLs to that "
            "response class (its `urls.py`), and no switch picks another."
        ),
        install=lambda patch, hooks: lambda_limits.install(patch),
    ),
    resource_entry(
        "lambda",
        "moto.awslambda.responses",
        "LambdaResponse",
        function_resource,
        (f"{QUOTAS}::test_a_policy_naming_one_resource_allows_it_and_denies_another",),
    ),
    access_denied_entry(
        "lambda",
        "moto.awslambda.responses",
        "LambdaResponse",
        "`AccessDeniedException` in JSON (HTTP 403)",
        f"{QUOTAS}::test_a_lambda_task_denied_by_iam_fails_with_aws_lambda_exception_and_access_denied_in_the_cause",
    ),
)
