"""`python -m tools.bench --quick`: every part runs at tiny sizes and writes results.json with every figure
(and, with --profile, a profile of every kind of handler thread)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools.program import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_a_quick_run_writes_every_figure_with_the_machine_and_date(tmp_path: Path) -> None:
    output = tmp_path / "bench" / "results.json"

    finished = subprocess.run(
        [sys.executable, "-m", "tools.bench", "--quick", "--profile", "--output", str(output)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    results = json.loads(output.read_text())
    assert set(results) >= {"date", "machine", "throughput", "transitions", "scale", "programCost", "targets"}
    assert {"platform", "cpuCount", "python"} <= set(results["machine"])
    runs = {run["label"]: run for run in results["throughput"]["runs"]}
    assert {"handler c=1", "handler c=4", "handler c=16", "naive baseline"} <= set(runs)
    assert all(run["succeeded"] == run["images"] for run in runs.values())
    assert all(run["ratioToLimit"] > 0 and run["cpuMsPerImage"]["handler"] > 0 for run in runs.values())
    transitions = results["transitions"]
    for row in transitions["imageDownloader"] + transitions["mapFanOut"]:
        assert row["status"] == "SUCCEEDED" and row["stateTransitions"] == row["expectedFromDefinition"], row
    assert {row["mode"] for row in transitions["imageDownloader"]} == {"inline", "distributed"}
    assert (
        transitions["tutorialCheck"]["observedStateTransitions"]
        == transitions["tutorialCheck"]["expectedFromDefinition"]
    )
    assert results["scale"]["largestCompleted"] == 30
    assert results["programCost"]["resources"] > 0 and len(results["programCost"]["deploySeconds"]) == 2
    assert output.with_suffix(".md").read_text().startswith("Measured ")
    profile = (output.parent / "profile.txt").read_text()
    for thread_work in ("(download_one)", "(_upload)", "(_write)"):
        assert thread_work in profile, f"the profile has no {thread_work}: a kind of handler thread went unprofiled"
