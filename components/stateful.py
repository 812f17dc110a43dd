"""What holds data (tables, buckets, queues): encrypted tables, and protection on stacks that retain data.

Internal: a building block of the components, not part of the public API.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .settings import CommonSettings


def data_options(parent: pulumi.Resource, common: CommonSettings) -> pulumi.ResourceOptions:
    """With `retainData`, `pulumi destroy` refuses to delete the resource, and a replacement keeps the old one."""
    return pulumi.ResourceOptions(parent=parent, protect=common.retain_data, retain_on_delete=common.retain_data)


def data_table(
    name: str,
    parent: pulumi.Resource,
    common: CommonSettings,
    *,
    hash_key: str,
    range_key: tuple[str, str] | None = None,
    ttl_attribute: str | None = None,
) -> aws.dynamodb.Table:
    """An on-demand table, encrypted at rest, with point-in-time recovery; `hash_key` is a string attribute,
    `range_key` a (name, type) pair, `ttl_attribute` the item-expiry attribute if any."""
    attributes = [aws.dynamodb.TableAttributeArgs(name=hash_key, type="S")]
    if range_key is not None:
        attributes.append(aws.dynamodb.TableAttributeArgs(name=range_key[0], type=range_key[1]))
    return aws.dynamodb.Table(
        name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=hash_key,
        range_key=range_key[0] if range_key else None,
        attributes=attributes,
        ttl=aws.dynamodb.TableTtlArgs(attribute_name=ttl_attribute, enabled=True) if ttl_attribute else None,
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        opts=data_options(parent, common),
    )
