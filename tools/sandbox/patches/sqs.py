"""Registry entries for moto's SQS (`moto.sqs`): denials."""

from __future__ import annotations

from ..patching import Entry
from .shared import QUOTAS, access_denied_entry

ENTRIES: tuple[Entry, ...] = (
    access_denied_entry(
        "sqs",
        "moto.sqs.responses",
        "SQSResponse",
        "`AccessDenied` in JSON (HTTP 403)",
        f"{QUOTAS}::test_callers_denied_by_sqs_and_sns_get_access_denied_and_authorization_error_naming_the_resource",
    ),
)
