"""moto.batch is deferred: the sandbox starts without importing all of EC2, and Batch still works when asked for."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from tools.sandbox.aws import EmbeddedAws
aws = EmbeddedAws().start()
try:
    started_without = [name for name in ("moto.batch.models", "moto.ec2") if name in sys.modules]
    environments = aws.client("batch").describe_compute_environments()["computeEnvironments"]
    print(started_without, environments, "moto.batch.models" in sys.modules)
finally:
    aws.stop()
"""


def test_the_sandbox_starts_without_moto_batch_and_ec2_and_batch_still_answers():
    # A fresh process: this test session may have imported moto.batch already.
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[] [] True", result.stderr


def test_the_interpreter_still_reads_only_moto_batch_utils():
    # The patch point: if moto's interpreter starts reading more of moto.batch, deferring it buys nothing.
    import moto.stepfunctions.parser as parser

    root = Path(parser.__file__).parent
    imports = {
        line.strip()
        for path in root.rglob("*.py")
        for line in path.read_text().splitlines()
        if "moto.batch" in line and "import" in line
    }
    assert imports == {"from moto.batch.utils import JobStatus"}
