"""How long a team waits: installing `sfn-patterns[sandbox]`, a cold `sfn-sandbox run`, and executions with the fixture.

`python -m tools.bench.team_sandbox` prints each figure, then where a cold run's time goes (imports by
`python -X importtime`, and cProfile's top functions by cumulative time). `--skip install` leaves out the
install (some minutes on a busy machine). The run is lambda-iterator with 3 iterations, deployed alone.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import venv
from pathlib import Path

from tools.program import PROJECT_ROOT

TARGET = "lambdaIteratorStateMachineArn"
RUN = ["run", TARGET, "--config", "workflows=lambda-iterator", "--input", '{"iterations": 3}', "--json"]
EXECUTIONS = 20
#: Cold runs, each a new process; the median is the figure (one run swings with the machine's load).
COLD_RUNS = 5
#: The fixture's side of the measurement: 20 tests, each one execution, each timed by the test itself.
FIXTURE_TESTS = f"""
import json, os, time
import pytest

@pytest.mark.parametrize("n", range({EXECUTIONS}))
def test_execution(sfn_sandbox, n):
    start = time.perf_counter()
    result = sfn_sandbox.execute("{TARGET}", {{"iterations": 3}})
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    with open(os.environ["TIMINGS"], "a") as timings:
        timings.write(json.dumps({{"wall": time.perf_counter() - start, "execution": result.report.duration_seconds}}))
        timings.write("\\n")
"""


def install_seconds(folder: Path) -> float:
    """`pip install "<checkout>[sandbox]"` into a fresh venv, with whatever pip cache the machine has."""
    started = time.perf_counter()
    venv.EnvBuilder(with_pip=True).create(folder)
    subprocess.run(
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"{PROJECT_ROOT}[sandbox]"],
        check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    return time.perf_counter() - started


def cold_run() -> tuple[float, float]:
    """A cold `sfn-sandbox run` from this checkout's folder: wall seconds end to end, and the execution's own."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sfn_patterns.sandbox", *RUN],
        check=True, capture_output=True, text=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    return time.perf_counter() - started, float(json.loads(result.stdout)["durationSeconds"])


def fixture_runs(folder: Path) -> list[dict[str, float]]:
    """20 executions in one pytest session with the `sfn_sandbox` fixture, deploying this checkout's program."""
    (folder / "test_executions.py").write_text(textwrap.dedent(FIXTURE_TESTS))
    (folder / "pytest.ini").write_text("[pytest]\n")
    timings = folder / "timings.jsonl"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--sfn-program", str(PROJECT_ROOT),
         "--sfn-config", "workflows=lambda-iterator", "test_executions.py"],
        check=True, capture_output=True, cwd=folder, env={**os.environ, "TIMINGS": str(timings)},
    )  # fmt: skip
    return [json.loads(line) for line in timings.read_text().splitlines()]


def import_times(top: int = 10) -> list[tuple[str, float]]:
    """The packages a cold run spends most import time on (`python -X importtime` over the whole run, so imports
    done inside functions count too), summed per top-level package."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sfn_patterns.sandbox", *RUN],
        check=True, capture_output=True, text=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    totals: dict[str, float] = {}
    for micros, indent, name in re.findall(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", result.stderr):
        if len(indent) == 1:  # imported by no module being imported: its cumulative time is its whole cost
            package = name.split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(micros) / 1e6
    return sorted(totals.items(), key=lambda row: -row[1])[:top]


#: The steps of a cold run, as (file, function) in cProfile's table.
STEPS = {
    "all imports": ("<frozen importlib._bootstrap>", "_find_and_load"),
    "start the embedded AWS (moto server, patches)": ("aws.py", "start"),
    "evaluate and deploy the program": ("program.py", "run_program"),
    "enforce IAM": ("aws.py", "enforce_iam"),
    "the execution, start to end": ("session.py", "execute"),
    "stop (Lambda workers, moto server)": ("session.py", "close"),
}


def profile() -> list[tuple[str, float]]:
    """cProfile of one cold run in this process (its main thread): cumulative seconds of each step of STEPS."""
    from tools.sandbox import program_cli

    profiler = cProfile.Profile()
    stdout, sys.stdout = sys.stdout, io.StringIO()
    previous = Path.cwd()
    try:
        os.chdir(PROJECT_ROOT)
        profiler.runcall(program_cli.main, RUN[:])
    finally:
        sys.stdout = stdout
        os.chdir(previous)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    steps = []
    for step, (file, function) in STEPS.items():
        seconds = [row[3] for (path, _, name), row in stats.items() if path.endswith(file) and name == function]
        steps.append((step, max(seconds, default=0.0)))
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.team_sandbox", description=__doc__)
    parser.add_argument("--skip", action="append", default=[], choices=["install", "profile"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sfn-team-") as scratch:
        if "install" not in args.skip:
            seconds = install_seconds(Path(scratch) / "venv")
            print(f'pip install "sfn-patterns[sandbox]" into a fresh venv (warm pip cache): {seconds:.1f} s')
        runs_cold = sorted(cold_run() for _ in range(COLD_RUNS))
        (wall, execution), slowest = runs_cold[COLD_RUNS // 2], runs_cold[-1][0]
        print(
            f"cold `sfn-sandbox run lambda-iterator` (3 iterations), median of {COLD_RUNS} runs: {wall:.2f} s end to "
            f"end (slowest {slowest:.2f} s), execution {execution:.2f} s"
        )
        (folder := Path(scratch) / "fixture").mkdir()
        runs = fixture_runs(folder)
        later = [run["wall"] for run in runs[1:]]
        print(
            f"{len(runs)} executions with the sfn_sandbox fixture: first {runs[0]['wall']:.2f} s, then mean "
            f"{sum(later) / len(later):.2f} s, max {max(later):.2f} s (execution itself: mean "
            f"{sum(run['execution'] for run in runs[1:]) / len(later):.2f} s)"
        )
    print("a cold run's import time, per top-level package (python -X importtime):")
    for name, seconds in import_times():
        print(f"  {seconds:6.2f} s  {name}")
    if "profile" not in args.skip:
        print("a cold run's steps (cProfile, main thread, cumulative; imports overlap the others):")
        for step, seconds in profile():
            print(f"  {seconds:6.2f} s  {step}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
