"""`sfn-sandbox serve`: the program deployed, the console's URL printed, pages served until Ctrl-C, bad input named;
run in this checkout, it is `python -m tools.sandbox serve`, with the seed walkthroughs' presets."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tools.program import PROJECT_ROOT
from tools.sandbox.program_cli import main

COMMAND = str(Path(sys.executable).with_name("sfn-sandbox"))
ONE_WORKFLOW = ["--config", "workflows=lambda-iterator"]


def test_serve_prints_the_consoles_url_serves_the_state_machines_and_ends_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [COMMAND, "serve", *ONE_WORKFLOW],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        url = ""
        while not url and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else "serve ended"
            if line.startswith("console:"):
                url = line.split()[1]
        assert url.startswith("http://127.0.0.1:")
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "lambda-iterator-state-machine" in page.text
        [link] = set(re.findall(r'href="/(state-machines/[^"]+)"', page.text))
        form = requests.get(url + link, timeout=10).text
        steps = ["iterations 5", "iterations 0", "iterations -1", "iterations &#34;ten&#34;"]
        assert all(f">{step}</option>" in form for step in steps), "this checkout's seed walkthrough presets"
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    with socket.socket() as probe:  # the port is closed once serve ended
        assert probe.connect_ex(("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/")))) != 0


def test_serve_names_a_bad_or_taken_port_in_one_line_before_deploying(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for value, expected in (("70000", "--port 70000: a port is 0"), (str(port), f"127.0.0.1:{port}")):
            started = time.monotonic()
            assert main(["serve", *ONE_WORKFLOW, "--port", value]) == 2
            printed = capsys.readouterr().out
            assert printed.startswith("error:") and expected in printed and len(printed.splitlines()) == 1, printed
            assert time.monotonic() - started < 1, "refused before the program was deployed"
