"""The errors of the image-downloader handlers: a bad event, one URL's failed download, writes AWS kept refusing."""

from __future__ import annotations


class InvalidInput(ValueError):
    """The event is not what the handler accepts; the message starts with the field, e.g. `resourcePaths[3]: `."""


class InvalidSetting(ValueError):
    """An environment variable holds a value the handlers cannot use; the message names the variable."""


class DownloadFailed(Exception):
    """One URL could not be stored; `error` is what the per-URL result reports (`NotFound`, `TooLarge`, ...)."""

    def __init__(self, error: str, status_code: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status_code = status_code


class RowsNotWritten(RuntimeError):
    """DynamoDB still returned unprocessed url rows after every retry; `urls` are theirs (their images are stored,
    with no row: the batch reports them as unrecorded)."""

    def __init__(self, message: str, urls: list[str] | None = None) -> None:
        super().__init__(message)
        self.urls = urls or []


class StoreFailed(RuntimeError):
    """S3 or DynamoDB refused the batch's writes after the SDK's own retries (throttled, denied); the message names
    the call's error code. Rerunning the batch is safe: the images it stored are skipped."""
