"""ImageDownloader in distributed mode with an injected fault: its own module, since its sandbox is deployed
differently from the other failure suites' and only one embedded AWS runs in a process at a time."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.test_image_downloader_failures import SwitchableImages, run, sandbox_with
from tests.e2e.test_image_downloader_failures_injected import FIRST
from tools.sandbox.faults import Fault

pytestmark = pytest.mark.e2e


def test_a_distributed_map_whose_item_reader_is_refused_ends_downloads_incomplete_notified():
    distributed = contextlib.contextmanager(sandbox_with)
    with distributed(SwitchableImages(), mapMode="distributed") as sandbox:
        # ValidateAndBatch writes the batches object; the Map's ItemReader is the one to read it.
        sandbox.inject(Fault.api("s3:GetObject"))

        result = run(sandbox, FIRST)

    assert (result.report.status, result.report.error) == ("FAILED", "DownloadsIncomplete")
    assert result.cause.startswith("Image downloads did not complete: DownloadDistributed failed with ")
    assert result.notifications == [result.cause] and result.stored == []
