"""Download throughput: the image-downloader's download handler against c/L and against a naive sequential handler."""

from __future__ import annotations

import itertools
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import requests

from tools.bench.handler_loader import IMAGE_DOWNLOADER_DIR, fresh_handler, lambda_log
from tools.bench.latency_server import image_path
from tools.bench.placement import Placement, pinned
from tools.bench.profiling import ThreadProfiles
from tools.bench.services import AwsEndpoint, ChildService, embedded_aws, latency_images

REGION = "us-east-1"


@dataclass(frozen=True)
class ThroughputSettings:
    """What to download: `images` of `image_bytes` each, every request delayed `latency_seconds` by the host."""

    images: int = 500
    image_bytes: int = 20 * 1024
    latency_seconds: float = 0.05
    concurrencies: tuple[int, ...] = (1, 4, 16)
    #: The naive baseline is sequential (at best 1/L images/s), so a sample of the images measures its rate.
    baseline_images: int = 100
    #: The workflow hands each download Lambda BATCH_SIZE paths; measured too, at the largest concurrency.
    natural_batch_size: int = 25
    #: Where to write a profile of one extra (untimed) run at the largest concurrency; None for no profile.
    profile_path: Path | None = None


@dataclass(frozen=True)
class ThroughputRun:
    """One timed download of `images` URLs (`concurrency` 0: the naive baseline) and the CPU each process spent."""

    label: str
    concurrency: int
    batch_size: int
    images: int
    succeeded: int
    seconds: float
    new_connections: int
    cpu_ms_per_image: dict[str, float] = field(default_factory=dict)

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else 0.0


def physical_limit(concurrency: int, latency_seconds: float) -> float:
    """c downloads at a time, each at least L long: c/L images/s (the naive baseline, sequential, has c = 1)."""
    return max(concurrency, 1) / latency_seconds


def ratio(value: float, reference: float) -> float:
    """value / reference, or 0 when there is no reference."""
    return value / reference if reference > 0 else 0.0


@dataclass(frozen=True)
class Measurement:
    """Every timed run, and the cores the handler and the services were given (None: not pinned)."""

    runs: list[ThroughputRun]
    placement: Placement | None


def cpu_ceiling(cpu_ms_per_image: dict[str, float], cpus: int, placement: Placement | None = None) -> float:
    """Images/s this machine could reach were CPU the only limit: every core busy with these processes alone, and
    when pinned, the handler's cores with its work and the services' cores with theirs (the busier side limits)."""
    total = sum(cpu_ms_per_image.values())
    if total <= 0:
        return 0.0
    if placement is None:
        return cpus * 1000 / total
    handler = cpu_ms_per_image.get("handler", 0.0)
    sides = [(len(placement.handler), handler), (len(placement.services), total - handler)]
    return min(cores * 1000 / spent for cores, spent in sides if spent > 0)


def handler_environment(aws: AwsEndpoint, images: int) -> dict[str, str]:
    """What the deployed download function sees, pointed at the embedded AWS and allowed to reach 127.0.0.1."""
    return {
        "IMAGES_BUCKET": aws.bucket,
        "URL_TABLE": aws.table,
        "ALLOW_INSECURE_HTTP": "true",
        "ALLOW_PRIVATE_HOSTS": "true",
        "MAX_RESOURCES": str(max(images, 1)),
        "AWS_ENDPOINT_URL": aws.endpoint_url,
        "AWS_ACCESS_KEY_ID": aws.access_key_id,
        "AWS_SECRET_ACCESS_KEY": aws.secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


def naive_download(base_url: str, paths: list[str], s3: Any, bucket: str) -> int:
    """A straightforward tutorial handler: one `requests.get` per URL (a new connection each), the whole body in
    memory, then `put_object`, one URL after another. Returns how many it stored."""
    stored = 0
    for path in paths:
        response = requests.get(f"{base_url}/{path}", timeout=10)
        if response.status_code == 200:
            s3.put_object(Bucket=bucket, Key=f"naive/{path}", Body=response.content, ContentType="image/gif")
            stored += 1
    return stored


def handler_download(
    download: ModuleType, base_url: str, paths: list[str], concurrency: int, batch_size: int
) -> Callable[[], int]:
    """Call the handler with the paths in batches of `batch_size`, one invocation after another. Each call of the
    returned function fetches images of its own (the paths under a folder of its own, which the host serves alike):
    the handler skips an image whose url row exists, so a second pass over the same URLs would download nothing."""
    calls = itertools.count()

    def run() -> int:
        succeeded, folder = 0, f"pass-{next(calls)}-{uuid.uuid4().hex[:8]}/"
        for start in range(0, len(paths), batch_size):
            event = {
                "baseUrl": base_url,
                "resourcePaths": [folder + path for path in paths[start : start + batch_size]],
                "lambdaConcur": concurrency,
            }
            result = download.handler(event, None)
            if result.get("alreadyStored"):  # a timed run must fetch every image it counts
                raise RuntimeError(f"{result['alreadyStored']} images were already stored: the run measured less")
            succeeded += int(result["succeeded"])
        return succeeded

    return run


class _Timer:
    """Times one download and charges each process's CPU to its images."""

    def __init__(self, aws: ChildService, images: ChildService) -> None:
        self.aws, self.images = aws, images

    def run(
        self, label: str, concurrency: int, batch_size: int, count: int, download: Callable[[], int]
    ) -> ThroughputRun:
        aws_before, images_before = self.aws.stats(), self.images.stats()
        cpu_before, started = time.process_time(), time.perf_counter()
        succeeded = download()
        seconds = time.perf_counter() - started
        handler_cpu = time.process_time() - cpu_before
        aws_after, images_after = self.aws.stats(), self.images.stats()
        cpu = {
            "handler": handler_cpu,
            "embeddedAws": aws_after["cpuSeconds"] - aws_before["cpuSeconds"],
            "imageHost": images_after["cpuSeconds"] - images_before["cpuSeconds"],
        }
        return ThroughputRun(
            label=label,
            concurrency=concurrency,
            batch_size=batch_size,
            images=count,
            succeeded=succeeded,
            seconds=seconds,
            new_connections=int(images_after["connections"] - images_before["connections"]),
            cpu_ms_per_image={name: round(seconds_spent * 1000 / count, 2) for name, seconds_spent in cpu.items()},
        )


# The handler runs in this process (imported as a fresh execution environment, its log going to a file as Lambda's
# goes to CloudWatch): in-process rather than in a `tools.sandbox.lambda_runtime` worker, so the figure has no pipe
# or worker start-up in it and cProfile can see the handler's threads. S3 and DynamoDB are the embedded AWS, and the
# image host adds a fixed latency L per request; both run in processes of their own (`tools.bench.services`).
def measure(settings: ThroughputSettings) -> Measurement:
    """The handler at each concurrency with all images in one invocation, at the largest concurrency in the
    workflow's batches, and the naive baseline over a sample; all against one image host and one embedded AWS,
    with the handler on a core of its own and the services on the others (`tools.bench.placement`)."""
    paths = [image_path(index) for index in range(settings.images)]
    widest = max(settings.concurrencies)
    runs: list[ThroughputRun] = []
    with (
        embedded_aws() as aws_service,
        latency_images(settings.latency_seconds, settings.image_bytes) as images,
        tempfile.TemporaryDirectory(prefix="bench-lambda-log-") as log_dir,
        pinned(os.getpid(), [aws_service.pid, images.pid]) as placement,
    ):
        aws: AwsEndpoint = aws_service.value
        base_url = f"{images.value}/data"
        timer = _Timer(aws_service, images)
        environment = handler_environment(aws, settings.images)
        with (
            lambda_log(Path(log_dir) / "download.log"),
            fresh_handler("download", environment, IMAGE_DOWNLOADER_DIR) as download,
        ):
            # A warm execution environment: its clients and `widest` connections to the host already made.
            handler_download(download, base_url, paths[:widest], widest, widest)()
            for concurrency in settings.concurrencies:
                run = handler_download(download, base_url, paths, concurrency, len(paths))
                runs.append(timer.run(f"handler c={concurrency}", concurrency, len(paths), len(paths), run))
            size = settings.natural_batch_size
            run = handler_download(download, base_url, paths, widest, size)
            runs.append(timer.run(f"handler c={widest}, batches of {size}", widest, size, len(paths), run))
            if settings.profile_path is not None:
                _profile(download, base_url, paths, widest, settings.profile_path)
        sample = paths[: min(settings.baseline_images, len(paths))]
        s3 = boto3.client(
            "s3",
            region_name=REGION,
            endpoint_url=aws.endpoint_url,
            aws_access_key_id=aws.access_key_id,
            aws_secret_access_key=aws.secret_access_key,
        )
        naive_download(base_url, sample[:1], s3, aws.bucket)  # the client's first request pays its own setup
        naive = timer.run("naive baseline", 0, 1, len(sample), lambda: naive_download(base_url, sample, s3, aws.bucket))
        runs.append(naive)
    return Measurement(runs, placement)


def _profile(download: ModuleType, base_url: str, paths: list[str], concurrency: int, path: Path) -> None:
    """One more (untimed) run with every thread of the handler profiled: downloads, uploads and row writes."""
    profiles = ThreadProfiles()
    module: Any = download
    # Each is looked up by name when called: the pool's map() calls download_one, the upload and row threads
    # call the classes' methods.
    targets = [(module, "download_one"), (module.storage.Uploads, "_upload"), (module.records.RowWriter, "_write")]
    originals = [(owner, name, getattr(owner, name)) for owner, name in targets]
    for owner, name, original in originals:
        setattr(owner, name, profiles.wrap(original))
    try:
        profiles.call(handler_download(download, base_url, paths, concurrency, len(paths)))
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    heading = f"download handler, {len(paths)} images, lambdaConcur {concurrency}, pid {os.getpid()}"
    profiles.write(path, heading)
