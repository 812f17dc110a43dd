"""Registry entries for moto's S3 (`moto.s3`): a bucket policy's conditions."""

from __future__ import annotations

import json
from typing import Any

from ..patching import NO_ISSUE, PATCH, Entry, Hooks, ScopedPatch

GUARDS = "tests/sandbox/test_moto_patch_points.py"


def applies_over_tls(statement: dict[str, Any]) -> bool:
    """Whether a statement's `Bool aws:SecureTransport` condition (if any) holds for a TLS request."""
    expected = (statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport")
    if expected is None:
        return True
    values = expected if isinstance(expected, list) else [expected]
    return "true" in [str(value).lower() for value in values]


def _install(patch: ScopedPatch, hooks: Hooks) -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(bucket: Any, action: str, resource: str) -> Any:
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(bucket.policy.decode())
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        applicable = [statement for statement in statements if applies_over_tls(statement)]
        if not applicable:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps({**document, "Statement": applicable})).is_action_permitted(action, resource)

    patch(FakeBucket, "get_permission", get_permission)


ENTRIES = (
    Entry(
        name="bucket-policy-over-tls",
        points=("moto.s3.models.FakeBucket.get_permission",),
        why=(
            "moto evaluates a bucket policy's Deny without its conditions, so the usual \"deny unless "
            'aws:SecureTransport" statement denies everything; the sandbox evaluates it with `aws:SecureTransport = '
            "true`, as every SDK request to AWS's TLS endpoints is (the embedded endpoint stands in for them)."
        ),
        proven_by=(
            "tests/e2e/test_image_downloader.py::test_distributed_mode_reads_batches_from_s3_and_writes_results_to_s3",
            f"{GUARDS}::test_bucket_permission_is_still_evaluated_by_get_permission",
            f"{GUARDS}::test_moto_still_ignores_bool_conditions_which_the_sandbox_evaluates_for_tls",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how="moto's S3 response reads a bucket's permission from its FakeBucket model, which no switch replaces.",
        install=_install,
    ),
)
