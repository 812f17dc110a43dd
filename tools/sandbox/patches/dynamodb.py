"""Registry entries for moto's DynamoDB (`moto.dynamodb`): the resource IAM checks, denials, and AWS's item quotas."""

from __future__ import annotations

from typing import Any

from .. import dynamodb as dynamodb_limits
from ..patching import NO_ISSUE, PATCH, Entry
from .shared import QUOTAS, RESPONSE_CLASS, access_denied_entry, json_body, resource_entry

GUARDS = "tests/sandbox/test_moto_patch_points.py"
SERVICE_LIMITS = "tests/sandbox/test_service_limits.py"


def table_resource(response: Any) -> str:
    """The table a DynamoDB request is for, as IAM names it; "*" for several tables (or none), stricter than AWS."""
    body = json_body(response)
    table = body.get("TableName")
    tables = list(body.get("RequestItems") or {})  # BatchWriteItem / BatchGetItem name their tables here
    if not table and len(tables) == 1:
        table = tables[0]
    if not table:
        return "*"  # several tables (or none): only a policy on "*" allows it, stricter than AWS
    return f"arn:aws:dynamodb:{response.region}:{response.current_account}:table/{table}"


ENTRIES = (
    resource_entry(
        "dynamodb",
        "moto.dynamodb.responses",
        "DynamoHandler",
        table_resource,
        (
            f"{QUOTAS}::test_a_policy_naming_one_resource_allows_it_and_denies_another",
            f"{QUOTAS}::test_a_caller_denied_by_dynamodb_gets_access_denied_exception_as_from_aws",
        ),
    ),
    access_denied_entry(
        "dynamodb",
        "moto.dynamodb.responses",
        "DynamoHandler",
        "`AccessDeniedException` in JSON (HTTP 400)",
        f"{QUOTAS}::test_a_caller_denied_by_dynamodb_gets_access_denied_exception_as_from_aws",
    ),
    Entry(
        name="dynamodb-item-size",
        points=("moto.dynamodb.models.dynamo_type.LimitedSizeDict.__setitem__",),
        why=(
            'moto refuses an item over 405,000 bytes, a guess "between 409 and 410KB"; AWS\'s quota is 400 KB '
            "(409,600 bytes), so the sandbox refuses from 409,601."
        ),
        proven_by=(
            f"{SERVICE_LIMITS}::test_dynamodb_stores_an_item_of_exactly_400_kb_and_refuses_one_byte_more",
            f"{GUARDS}::test_moto_still_guesses_405000_bytes_for_the_item_size_which_the_sandbox_sets_to_400_kb",
        ),
        upstream=f"{NO_ISSUE} for the 405,000 guess (the check came with https://github.com/getmoto/moto/issues/1874)",
        kind=PATCH,
        how="moto checks the size in the item's own dict class, with a literal; no setting holds the quota.",
        install=lambda patch, hooks: dynamodb_limits.install_item_size(patch),
    ),
    Entry(
        name="dynamodb-batch-write-limit",
        points=("moto.dynamodb.responses.DynamoHandler.batch_write_item",),
        why=(
            "moto writes any number of requests; AWS refuses more than 25 (per table, and across tables) with a "
            "ValidationException, and so does the sandbox."
        ),
        proven_by=(
            f"{SERVICE_LIMITS}::test_batch_write_item_takes_25_requests_and_refuses_26_in_one_table",
            f"{SERVICE_LIMITS}::test_batch_write_item_refuses_26_requests_across_two_tables",
            f"{GUARDS}::test_moto_batch_write_item_still_reads_request_items_from_the_body_and_sets_no_limit",
        ),
        upstream=NO_ISSUE,
        kind=PATCH,
        how=RESPONSE_CLASS,
        install=lambda patch, hooks: dynamodb_limits.install_batch_write_limit(patch),
    ),
)
