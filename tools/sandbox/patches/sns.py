"""Registry entries for moto's SNS (`moto.sns`): the resource IAM checks, and denials."""

from __future__ import annotations

from typing import Any

from ..patching import Entry
from .shared import QUOTAS, access_denied_entry, resource_entry


def topic_resource(response: Any) -> str:
    """The topic an SNS request is for (its TopicArn); "*" for a request naming none."""
    try:
        topic = response._get_param("TopicArn")
    except Exception:
        return "*"
    return str(topic or "*")


ENTRIES: tuple[Entry, ...] = (
    resource_entry(
        "sns",
        "moto.sns.responses",
        "SNSResponse",
        topic_resource,
        (f"{QUOTAS}::test_a_policy_naming_one_resource_allows_it_and_denies_another",),
    ),
    access_denied_entry(
        "sns",
        "moto.sns.responses",
        "SNSResponse",
        "`AuthorizationError` in its XML with a RequestId (HTTP 403)",
        f"{QUOTAS}::test_callers_denied_by_sqs_and_sns_get_access_denied_and_authorization_error_naming_the_resource",
    ),
)
