"""S3 writes: an image streamed from its response, and the JSON batches object a Distributed Map reads."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import ijson
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from image_downloader import clients
from image_downloader.settings import SETTINGS

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


def store_error(error: ClientError | BotoCoreError) -> str:
    """The per-image error of an upload S3 refused after the SDK's retries: `StoreFailed (<code>)`."""
    code = error.response.get("Error", {}).get("Code", "unknown") if isinstance(error, ClientError) else None
    return f"StoreFailed ({code or type(error).__name__})"


class Uploads:
    """Small images uploaded on their own threads, so a download slot does not wait for S3; at most `limit`
    wait or run at once (a slot blocks when they are all taken), which bounds the images held in memory.
    `put`'s `then` runs on the upload's thread once the object is stored (never when the upload failed). `put`
    returns a future of the upload's error (`StoreFailed (<code>)`, or None once stored): S3 refusing one image
    fails that image, not the batch. Any other error is raised when the uploads end."""

    def __init__(self, limit: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="upload")
        self._slots = threading.BoundedSemaphore(limit)
        self._futures: list[Future[str | None]] = []
        self._lock = threading.Lock()

    def put(
        self, key: str, data: bytes, content_type: str, then: Callable[[], None] = lambda: None
    ) -> Future[str | None]:
        self._slots.acquire()
        future = self._pool.submit(self._upload, key, data, content_type, then)
        with self._lock:
            self._futures.append(future)
        return future

    def _upload(self, key: str, data: bytes, content_type: str, then: Callable[[], None]) -> str | None:
        try:
            clients.s3().put_object(
                Bucket=images_bucket(), Key=key, Body=data, ContentType=content_type, ServerSideEncryption=ENCRYPTION
            )
        except (ClientError, BotoCoreError) as error:
            return store_error(error)
        finally:
            self._slots.release()
        then()
        return None

    def __enter__(self) -> Uploads:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)
        for future in self._futures:
            future.result()  # anything but S3 refusing an image (a bug, IMAGES_BUCKET unset) fails the batch


def put_json(key: str, document: Any) -> None:
    body = json.dumps(document, separators=(",", ":")).encode()
    clients.s3().put_object(
        Bucket=images_bucket(), Key=key, Body=body, ContentType="application/json", ServerSideEncryption=ENCRYPTION
    )


def put_text(key: str, text: str, content_type: str) -> None:
    clients.s3().put_object(
        Bucket=images_bucket(), Key=key, Body=text.encode(), ContentType=content_type, ServerSideEncryption=ENCRYPTION
    )


def put_json_file(key: str, file: Any) -> None:
    """Upload a JSON document from a file, in parts when it is large (a million paths' batches)."""
    put_file(key, file, "application/json")


def put_file(key: str, file: Any, content_type: str) -> None:
    """Upload a binary file object from its current position, in parts when it is large."""
    clients.s3().upload_fileobj(
        file, images_bucket(), key, ExtraArgs={"ContentType": content_type, "ServerSideEncryption": ENCRYPTION}
    )


class _Prefixed(io.RawIOBase):
    """A body whose first bytes were already read: those, then the rest of the body."""

    def __init__(self, head: bytes, body: Any) -> None:
        self.head, self.body = head, body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.head[: len(buffer)] if self.head else self.body.read(len(buffer))
        self.head = self.head[len(data) :] if self.head else b""
        buffer[: len(data)] = data
        return len(data)


def json_records(bucket: str, key: str) -> Iterator[Any]:
    """The items of an object's JSON array, or the lines of its JSON Lines, read as the object streams in: a
    ResultWriter file of a million executions is never held whole."""
    body = clients.s3().get_object(Bucket=bucket, Key=key)["Body"]
    head = body.read(1 << 10)
    stream = io.BufferedReader(_Prefixed(head, body), 1 << 16)
    if head.lstrip()[:1] == b"[":
        yield from ijson.items(stream, "item", use_float=True)
        return
    for line in io.TextIOWrapper(stream, encoding="utf-8"):
        if line.strip():
            yield json.loads(line)


def get_json(bucket: str, key: str) -> Any:
    """Parse an object's JSON (or JSON Lines: a ResultWriter may be set to write them)."""
    text = clients.s3().get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
