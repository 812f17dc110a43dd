"""Where the throughput benchmark's processes run: the handler on a core of its own, the services on the others.

In AWS the download function has its own vCPU (one at 1,769 MB) and S3, DynamoDB and the image host run on other
machines. Here all three share the machine's cores; left to the scheduler, the handler's threads hop between cores
and queue behind the embedded S3's threads, and the figure measures that contention as much as the handler
(measured on 2 cores: about 0.6 ms more handler CPU per image, c=16 at 0.71-0.79 of c/L instead of 0.83-0.89).
Pinning gives the handler one core and the stand-in services the rest, as the deployed system would.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Placement:
    """The cores the handler's process may run on, and those the services' processes may run on."""

    handler: tuple[int, ...]
    services: tuple[int, ...]

    def json(self) -> dict[str, Any]:
        return {"handlerCores": list(self.handler), "serviceCores": list(self.services)}


def split(cores: Iterable[int]) -> Placement | None:
    """The lowest core for the handler, the others for the services; None with fewer than two cores."""
    ordered = sorted(set(cores))
    if len(ordered) < 2:
        return None
    return Placement(handler=(ordered[0],), services=tuple(ordered[1:]))


def _threads(pid: int) -> list[int]:
    """Every thread of the process: affinity is per thread on Linux, and a new thread inherits its creator's."""
    try:
        return [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except FileNotFoundError:
        return [pid]


def set_process_cores(pid: int, cores: Iterable[int]) -> None:
    allowed = set(cores)
    for thread in _threads(pid):
        with suppress(ProcessLookupError):  # a thread that ended meanwhile
            os.sched_setaffinity(thread, allowed)


def process_cores(pid: int) -> set[int]:
    return set(os.sched_getaffinity(pid))


@contextmanager
def pinned(handler_pid: int, service_pids: Sequence[int]) -> Iterator[Placement | None]:
    """Pin the processes (every thread) for the block, then give each back the cores it had. Yields the placement,
    or None where the machine cannot pin (one core, or no `sched_setaffinity`): then nothing is changed."""
    if not hasattr(os, "sched_setaffinity") or not Path("/proc/self/task").is_dir():
        yield None
        return
    before = {pid: process_cores(pid) for pid in (handler_pid, *service_pids)}
    placement = split(before[handler_pid])
    if placement is None:
        yield None
        return
    set_process_cores(handler_pid, placement.handler)
    for pid in service_pids:
        set_process_cores(pid, placement.services)
    try:
        yield placement
    finally:
        for pid, cores in before.items():
            with suppress(ProcessLookupError):
                set_process_cores(pid, cores)
