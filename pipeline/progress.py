"""Progress of a job running in this process (the local runners run workers in-process).

Steps call :func:`advance`; the command line shows the counts with rich while the job runs. On a
remote runner nothing reaches this process and the display shows elapsed time only; the figures
that count are the Beam metrics written at the end.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from contextlib import contextmanager
from typing import Iterator, Optional

_counts: Counter = Counter()
_lock = threading.Lock()


def advance(name: str, amount: int = 1) -> None:
    """Count ``amount`` more items for the step ``name``."""
    with _lock:
        _counts[name] += amount


def snapshot() -> dict:
    """Return the current counts."""
    with _lock:
        return dict(_counts)


def take() -> dict:
    """Return the counts and start again from zero (a child process hands its progress to its parent)."""
    with _lock:
        counts = dict(_counts)
        _counts.clear()
        return counts


def add(counts: dict) -> None:
    """Count what :func:`take` returned in another process."""
    with _lock:
        _counts.update(counts)


def _after_fork_in_child() -> None:
    # A forked child starts from zero, with a lock of its own (another thread may have held the parent's).
    global _lock
    _lock = threading.Lock()
    _counts.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def display(enabled: bool, total_read: Optional[int] = None, interval: float = 0.5) -> Iterator[None]:
    """Show read and enriched counts on stderr while the block runs (no-op when not enabled)."""
    with _lock:
        _counts.clear()
    if not enabled:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    stop = threading.Event()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        read = bar.add_task("read", total=total_read)
        done = bar.add_task("enriched", total=None)

        def refresh() -> None:
            while not stop.wait(interval):
                counts = snapshot()
                bar.update(read, completed=counts.get("read", 0))
                bar.update(done, completed=counts.get("enriched", 0), total=counts.get("read") or None)

        thread = threading.Thread(target=refresh, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
