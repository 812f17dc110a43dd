"""The components this package hosts for other Pulumi languages, and the schema Pulumi infers from their types."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from .image_downloader import ImageDownloader
from .job_poller import JobPoller
from .lambda_iterator import LambdaIterator
from .map_fan_out import MapFanOut
from .record_transfer import RecordTransfer
from .task_tracker import TaskTracker

#: The package name in every type token (`sfn-patterns:index:MapFanOut`).
PACKAGE_NAME = "sfn-patterns"
VERSION = "0.1.0"
COMPONENTS: list[type[pulumi.ComponentResource]] = [
    ImageDownloader,
    JobPoller,
    LambdaIterator,
    MapFanOut,
    RecordTransfer,
    TaskTracker,
]


def schema() -> dict[str, Any]:
    """The package schema, inferred in-process exactly as the component provider infers it when Pulumi loads it."""
    from pulumi.provider.experimental.component import ComponentProvider

    provider = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=VERSION)
    document: dict[str, Any] = json.loads(provider.schema or "{}")
    return document
