"""The peak memory and CPU of a sandbox function's Lambda workers, read from /proc while they are still warm.

A worker's own `getrusage(RUSAGE_SELF).ru_maxrss` is not its peak: Linux carries the high-water mark across
`fork` and `exec`, so every worker reports the sandbox process's size when it was started (some 340 MB). VmHWM in
/proc/<pid>/status belongs to the process's own address space, which `exec` replaces: the worker's peak since it
started (importing the handler and every invocation it served).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tools.sandbox.session import Sandbox


@dataclass(frozen=True)
class WorkerUsage:
    """A function's live workers: how many, the largest peak resident size among them, and their CPU seconds."""

    workers: int
    peak_mb: float
    cpu_seconds: float

    def as_json(self) -> dict[str, float | int]:
        return {
            "workers": self.workers,
            "peakMemoryMb": round(self.peak_mb, 1),
            "cpuSeconds": round(self.cpu_seconds, 2),
        }


def high_water_mb(pid: int) -> float:
    """VmHWM of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def usage(sandbox: Sandbox, logical_name: str) -> WorkerUsage:
    """The workers of the function the program named `logical_name` (e.g. image-downloader-batch-function)."""
    function_name = sandbox.mocks.functions[logical_name].function_name
    pids = sandbox.runtime._pool(function_name).pids()  # the runtime lists every pool's pids together only
    peaks = [high_water_mb(pid) for pid in pids]
    return WorkerUsage(len(pids), max(peaks, default=0.0), sum(cpu_seconds(pid) for pid in pids))
