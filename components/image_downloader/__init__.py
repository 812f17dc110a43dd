"""ImageDownloader: batches of images downloaded concurrently into a private bucket, recorded, failures notified."""

from .args import DISTRIBUTED_MAP_MAX_CONCURRENCY, MAP_MODES, ImageDownloaderArgs, ImageDownloaderSettings
from .component import ImageDownloader
from .definition import (
    BATCHES_PREFIX,
    DOWNLOADS_FAILED,
    DOWNLOADS_INCOMPLETE,
    DOWNLOADS_NOT_RECORDED,
    FAILURES_PREFIX,
    REQUESTS_PREFIX,
    RESULTS_PREFIX,
    ROUTE_KEY,
    TERMINAL_ERRORS,
    definition,
)

__all__ = [
    "BATCHES_PREFIX",
    "DISTRIBUTED_MAP_MAX_CONCURRENCY",
    "DOWNLOADS_FAILED",
    "DOWNLOADS_INCOMPLETE",
    "DOWNLOADS_NOT_RECORDED",
    "FAILURES_PREFIX",
    "MAP_MODES",
    "REQUESTS_PREFIX",
    "RESULTS_PREFIX",
    "ROUTE_KEY",
    "TERMINAL_ERRORS",
    "ImageDownloader",
    "ImageDownloaderArgs",
    "ImageDownloaderSettings",
    "definition",
]
