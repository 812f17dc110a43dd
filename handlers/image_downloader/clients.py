"""boto3 clients, each created once per execution environment (on first use, so an unused one costs nothing)."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

from image_downloader.validation import MAX_LAMBDA_CONCUR

#: Every download thread may upload at once; the default pool of 10 would make them queue (and warn).
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=MAX_LAMBDA_CONCUR + 2)


@functools.cache
def s3() -> Any:
    return boto3.client("s3", config=CLIENT_CONFIG)


@functools.cache
def dynamodb() -> Any:
    return boto3.client("dynamodb", config=CLIENT_CONFIG)
