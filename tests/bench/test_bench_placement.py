"""Pinning the throughput benchmark's processes: the handler on one core, the services on the rest, then undone."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from tools.bench.placement import Placement, pinned, process_cores, split


def test_the_handler_gets_the_lowest_core_and_the_services_every_other() -> None:
    assert split({0, 1}) == Placement(handler=(0,), services=(1,))
    assert split([5, 3, 4, 3]) == Placement(handler=(3,), services=(4, 5))
    assert split({2}) is None and split([]) is None


def _idle_with_a_thread(ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    ready.set()
    time.sleep(60)


def _thread_cores(pid: int) -> list[set[int]]:
    return [set(os.sched_getaffinity(int(tid))) for tid in os.listdir(f"/proc/{pid}/task")]


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2 or not Path("/proc/self/task").is_dir(),
    reason="pinning needs two cores and Linux's per-thread CPU affinity",
)
def test_every_thread_of_each_process_is_pinned_for_the_block_and_given_its_cores_back() -> None:
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    service = context.Process(target=_idle_with_a_thread, args=(ready,), daemon=True)
    service.start()
    try:
        assert ready.wait(30)
        assert service.pid is not None
        handler_before, service_before = process_cores(os.getpid()), process_cores(service.pid)
        worker = threading.Thread(target=time.sleep, args=(2,), daemon=True)
        worker.start()  # a thread the handler's process had before pinning

        with pinned(os.getpid(), [service.pid]) as placement:
            assert placement is not None
            assert all(cores == set(placement.handler) for cores in _thread_cores(os.getpid()))
            assert len(_thread_cores(service.pid)) >= 2
            assert all(cores == set(placement.services) for cores in _thread_cores(service.pid))
            started_inside: list[set[int]] = []
            late = threading.Thread(target=lambda: started_inside.append(set(os.sched_getaffinity(0))))
            late.start()
            late.join()
            assert started_inside == [set(placement.handler)], "a thread started while pinned inherits the core"

        assert all(cores == handler_before for cores in _thread_cores(os.getpid()))
        assert all(cores == service_before for cores in _thread_cores(service.pid))
    finally:
        service.kill()
        service.join()
