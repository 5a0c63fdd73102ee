"""What the benchmarks measure the same way: the best of a few runs, a run's peak of traced memory,
and the process's peak resident memory. A helper module of bench/, not a benchmark."""

import resource
import sys
import time
import tracemalloc


def best_of(function, *args, repeat: int):
    """The fastest of `repeat` runs, in seconds, and what the last run returned."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - started)
    return min(times), result


def traced(function, *args) -> int:
    """The peak of memory Python allocated during one run, in bytes."""
    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def maxrss_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports kilobytes, macOS bytes)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
