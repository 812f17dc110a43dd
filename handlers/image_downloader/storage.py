"""S3 writes: an image streamed from its response, and the JSON batches object a Distributed Map reads."""

from __future__ import annotations

import json
from typing import Any

import clients
from boto3.s3.transfer import TransferConfig
from settings import SETTINGS

ENCRYPTION = "AES256"
#: Each download already runs on its own thread; the upload of one image needs no thread pool of its own.
#: (A failed read aborts the upload: no object is written, and a multipart upload is aborted.)
TRANSFER_CONFIG = TransferConfig(use_threads=False)


def images_bucket() -> str:
    if not SETTINGS.images_bucket:
        raise RuntimeError("IMAGES_BUCKET is not set")
    return SETTINGS.images_bucket


def upload_image(body: Any, key: str, content_type: str, size: int | None = None) -> None:
    """Stream a file-like body to `key` in the images bucket, typed and encrypted. A body of known `size` below the
    multipart threshold goes up in one PutObject: the managed transfer would buffer it in memory all the same, and
    setting one up per image cost about a fifth of each upload's CPU."""
    extra_args = {"ContentType": content_type, "ServerSideEncryption": ENCRYPTION}
    if size is not None and size < TRANSFER_CONFIG.multipart_threshold:
        clients.s3().put_object(Bucket=images_bucket(), Key=key, Body=body.read(), **extra_args)
        return
    clients.s3().upload_fileobj(body, images_bucket(), key, ExtraArgs=extra_args, Config=TRANSFER_CONFIG)


def put_json(key: str, document: Any) -> None:
    body = json.dumps(document, separators=(",", ":")).encode()
    clients.s3().put_object(
        Bucket=images_bucket(), Key=key, Body=body, ContentType="application/json", ServerSideEncryption=ENCRYPTION
    )


def get_json(bucket: str, key: str) -> Any:
    """Parse an object's JSON (or JSON Lines: a ResultWriter may be set to write them)."""
    text = clients.s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
