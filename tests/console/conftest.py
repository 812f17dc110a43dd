"""Headless Chromium (Debian's chromium and chromium-driver, which `make chromium` installs) driving the console.

Under `make test` a missing browser fails these tests (the Makefile installs it first); run alone, they are skipped
with a line saying how to install it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Set by the Makefile's test target, which installs the browser: then a missing one is a failure, not a skip.
REQUIRED = os.environ.get("SFN_CONSOLE_BROWSER") == "required"
#: The machine's flags for a headless Chromium that asks nothing of the network (and no sandbox, as root).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1100",
)
#: Screenshots for docs/console.md are written only when asked (CONSOLE_SCREENSHOTS=1), so CI never rewrites them.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        message = f"{', '.join(missing)} missing: install Debian's chromium and chromium-driver with `make chromium`"
        if REQUIRED:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # every request the browser makes
    with tempfile.TemporaryDirectory(prefix="console-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def screenshot(browser: object):
    """`screenshot(name)` saves docs/images/console-NAME.png when CONSOLE_SCREENSHOTS=1."""

    def take(name: str) -> None:
        if os.environ.get("CONSOLE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(SCREENSHOTS / f"console-{name}.png"))  # type: ignore[attr-defined]

    return take
