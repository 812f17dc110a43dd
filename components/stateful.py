"""Resource options for what holds data (tables, buckets, queues): protected on stacks that retain data."""

from __future__ import annotations

import pulumi

from components.config import CommonSettings


def data_options(parent: pulumi.Resource, common: CommonSettings) -> pulumi.ResourceOptions:
    """With `retainData`, `pulumi destroy` refuses to delete the resource, and a replacement keeps the old one."""
    return pulumi.ResourceOptions(parent=parent, protect=common.retain_data, retain_on_delete=common.retain_data)
