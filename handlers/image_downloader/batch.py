"""Validate a download request and split its paths into batches: inline in the payload, or one S3 object."""

from __future__ import annotations

import json
import logging
from typing import Any

import storage
from keys import batches_id, batches_key
from settings import SETTINGS, Settings
from validation import DownloadRequest, parse_request

logger = logging.getLogger()
logger.setLevel(logging.INFO)

#: Step Functions refuses a state output over 256 KiB; inline batches larger than this go to S3 instead.
MAX_INLINE_PAYLOAD_BYTES = 200 * 1024


def make_batches(request: DownloadRequest, batch_size: int) -> list[dict[str, Any]]:
    """Each batch is a whole download event: {"baseUrl", "resourcePaths", "lambdaConcur"}."""
    paths = request.resource_paths
    return [
        {
            "baseUrl": request.base_url,
            "resourcePaths": paths[start : start + batch_size],
            "lambdaConcur": request.lambda_concur,
        }
        for start in range(0, len(paths), batch_size)
    ]


def choose_mode(total: int, batches: list[dict[str, Any]], settings: Settings) -> str:
    """MAP_MODE, or for auto: distributed past INLINE_LIMIT paths, or when the batches would crowd the payload."""
    if settings.map_mode != "auto":
        return settings.map_mode
    if total > settings.inline_limit:
        return "distributed"
    too_big = len(json.dumps(batches, separators=(",", ":")).encode()) > MAX_INLINE_PAYLOAD_BYTES
    return "distributed" if too_big else "inline"


def handler(event: Any, context: Any) -> dict[str, Any]:
    """-> {"mode": "inline", "total", "batchCount", "batches"} or {"mode": "distributed", ..., "batchesKey"}."""
    request = parse_request(event, SETTINGS)
    batches = make_batches(request, SETTINGS.batch_size)
    total = len(request.resource_paths)
    mode = choose_mode(total, batches, SETTINGS)
    logger.info(json.dumps({"mode": mode, "total": total, "batchCount": len(batches), "baseUrl": request.base_url}))
    if mode == "inline":
        return {"mode": "inline", "total": total, "batchCount": len(batches), "batches": batches}
    identifier = batches_id(request.base_url, request.resource_paths, request.lambda_concur, SETTINGS.batch_size)
    key = batches_key(identifier)
    storage.put_json(key, batches)
    return {
        "mode": "distributed",
        "total": total,
        "batchCount": len(batches),
        "batchesBucket": storage.images_bucket(),
        "batchesKey": key,
        "batchesId": identifier,
    }
