"""cProfile across a handler's threads: one profiler per thread, timed in thread CPU seconds, merged into one report."""

from __future__ import annotations

import cProfile
import io
import pstats
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ThreadProfiles:
    """Profiles of every thread that ran a wrapped function (cProfile only sees the thread that enabled it)."""

    def __init__(self) -> None:
        self.profilers: list[cProfile.Profile] = []
        self._local = threading.local()
        self._lock = threading.Lock()

    def _profiler(self) -> cProfile.Profile:
        profiler: cProfile.Profile | None = getattr(self._local, "profiler", None)
        if profiler is None:
            # Thread CPU time: wall time would charge each wait for the GIL to whichever function was waiting.
            profiler = self._local.profiler = cProfile.Profile(time.thread_time)
            with self._lock:
                self.profilers.append(profiler)
        return profiler

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        return self._profiler().runcall(function, *args)

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def profiled(*args: Any) -> Any:
            return self.call(function, *args)

        return profiled

    def write(self, path: Path, heading: str) -> None:
        """The merged profile, by cumulative and by own CPU time."""
        if not self.profilers:
            return
        text = io.StringIO()
        text.write(f"{heading}\n{len(self.profilers)} threads profiled (CPU seconds per thread, merged).\n")
        stats = pstats.Stats(self.profilers[0], stream=text)
        for profiler in self.profilers[1:]:
            stats.add(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.getvalue())
