"""Registry entries for moto's IAM (`moto.iam`): the action and the signature moto checks a request with."""

from __future__ import annotations

from typing import Any

from ..patching import NO_ISSUE, PATCH, Entry, Hooks, ScopedPatch

#: Operation names moto checks that differ from IAM's action names.
IAM_ACTION_NAMES = {"lambda:Invoke": "lambda:InvokeFunction"}
GUARDS = "tests/sandbox/test_moto_patch_points.py"


def _install(patch: ScopedPatch, hooks: Hooks) -> None:
    from moto.iam import access_control

    original_init = access_control.IAMRequestBase.__init__

    def init(request: Any, *args: Any, **kwargs: Any) -> None:
        original_init(request, *args, **kwargs)
        request._action = IAM_ACTION_NAMES.get(request._action, request._action)
        s3 = isinstance(request, access_control.S3IAMRequest)  # S3 signs the payload's hash header, not the body
        content_type = str(dict(request._headers or {}).get("Content-Type", ""))
        if not request._body and "x-www-form-urlencoded" not in content_type and not s3:
            # moto re-signs a bodyless request with its parsed parameters as the body, so the signature of
            # every GET (e.g. Lambda GetFunction) and bodyless POST (an Invoke without a payload) would
            # mismatch; the signed body was empty. (A query-protocol POST's form is its body: left alone.)
            request._data = b""

    patch(access_control.IAMRequestBase, "__init__", init)


ENTRIES = (
    Entry(
        name="iam-action-names-and-bodyless-signatures",
        points=("moto.iam.access_control.IAMRequestBase.__init__",),
        why=(
            "moto names the checked action after the API operation (`lambda:Invoke`), where IAM's name is "
            "`lambda:InvokeFunction`; and it re-signs a bodyless request with its parsed parameters as the body, so "
            "every signed GET (and a bodyless POST) failed its signature check. S3's signature covers the payload's "
            "hash header: left alone."
        ),
        proven_by=(
            "tests/sandbox/test_test_state_deployed.py::test_a_role_without_lambda_invoke_function_is_denied_as_aws_denies_it",
            "tests/sandbox/test_quotas.py::test_a_signed_lambda_invoke_without_a_payload_passes_the_signature_check",
            "tests/sandbox/test_sandbox_guarantees.py::test_signed_get_requests_pass_the_signature_check",
            f"{GUARDS}::test_iam_request_still_names_its_action_in_underscore_action",
            f"{GUARDS}::test_iam_request_still_re_signs_with_body_or_data",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how=(
            "moto builds its IAMRequest classes itself in every response's authorization; no switch names the action "
            "or the signed body."
        ),
        install=_install,
    ),
)
