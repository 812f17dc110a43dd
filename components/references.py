"""ARNs of resources a team brings by name or URL, built from the deploying account, region and partition.

Internal: a building block of the components, not part of the public API.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws


def _where() -> pulumi.Output[tuple[str, str, str]]:
    identity = aws.get_caller_identity_output()
    return pulumi.Output.all(
        aws.get_partition_output().partition, aws.get_region_output().region, identity.account_id
    ).apply(lambda a: (str(a[0]), str(a[1]), str(a[2])))


def table_arn(table_name: pulumi.Input[str]) -> pulumi.Output[str]:
    """The ARN of a DynamoDB table of this account and region, by its name."""
    return pulumi.Output.all(_where(), table_name).apply(
        lambda a: f"arn:{a[0][0]}:dynamodb:{a[0][1]}:{a[0][2]}:table/{a[1]}"
    )


def queue_name(queue_url: str) -> str:
    """The queue's name: the last segment of its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`)."""
    parts = [part for part in urlsplit(queue_url).path.split("/") if part]
    if len(parts) != 2 or not parts[0].isdigit():
        raise ValueError(f"{queue_url!r} is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)")
    return parts[1]


def queue_arn(queue_url: pulumi.Input[str]) -> pulumi.Output[str]:
    """The ARN of an SQS queue, by its URL (its account is in the URL's path; its region is the stack's)."""

    def arn(where: tuple[str, str, str], url: str) -> str:
        partition, region, _ = where
        account = next(part for part in urlsplit(url).path.split("/") if part)
        return f"arn:{partition}:sqs:{region}:{account}:{queue_name(url)}"

    return pulumi.Output.all(_where(), queue_url).apply(lambda a: arn(a[0], str(a[1])))
