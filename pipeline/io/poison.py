"""Poison records: one that kills the worker process each time it is enriched must not block its partition.

Every exception is already a dead letter; what is left is a record that takes the whole process down (a
crash in native code, the kernel's out-of-memory killer). Kafka then hands it back after each restart,
from the last commit, forever. :class:`PoisonJournal` notes on local disk, per worker thread, which record
is being enriched, and clears the note when it is done. A process that dies leaves its notes behind; the
next process counts each left note as a failed attempt on that record, and a record with
``max_attempts`` failed attempts is dead-lettered (``poison``) without being enriched again.

The journal is local to a machine: it serves the local and Prism runners, where a restarted job runs
where the last one died. (A kill -9 that happens to land while a record is enriched also counts as an
attempt; it takes ``max_attempts`` such coincidences on the same record to dead-letter it.)

Fault injection for tests: ``WIREPIPE_FAULT_KILL_ON_ID`` (comma-separated article ids) makes the worker
process SIGKILL itself while it enriches one of those articles, as a native crash would
(:func:`fault_ids`, :func:`crash_if_faulty`). Unset, it costs one set lookup per article.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from typing import Optional

from pipeline.errors import ConfigError

_LOG = logging.getLogger(__name__)
DEFAULT_MAX_ATTEMPTS = 3
FAULT_ENV = "WIREPIPE_FAULT_KILL_ON_ID"
_ATTEMPTS = "attempts.json"
_INFLIGHT = "inflight-"


class PoisonJournal:
    """The in-flight notes and failed-attempt counts kept in ``directory`` (see the module docstring).

    Several journals are made at once in one process (each worker thread's DoFn sets one up): the notes
    left by a dead process are collected under one lock, so that each is counted once, and a failure to
    persist the counts is logged, never raised (a setup that raises fails the whole job on Prism: seen in
    the soak, two threads renaming the same temporary file after a kill -9).
    """

    _collect_lock = threading.Lock()

    def __init__(self, directory: str, max_attempts: int = DEFAULT_MAX_ATTEMPTS):
        if not directory:
            raise ConfigError("the poison journal needs a directory")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ConfigError(f"max_attempts must be a positive int, got {max_attempts!r}")
        self.directory = directory
        self.max_attempts = max_attempts
        self._local = threading.local()
        self._lock = threading.Lock()
        os.makedirs(directory, exist_ok=True)
        self._attempts: dict[str, int] = self._collect()

    def attempts(self, key: str) -> int:
        """How many processes died while enriching the record ``key``."""
        return self._attempts.get(key, 0)

    def is_poison(self, key: str) -> bool:
        """True when ``key`` has reached ``max_attempts`` failed attempts."""
        return self.attempts(key) >= self.max_attempts

    def begin(self, key: str) -> None:
        """Note that this thread starts on ``key`` (no fsync: a note must survive the process, not the machine)."""
        fd = getattr(self._local, "fd", None)
        if fd is None:
            path = os.path.join(self.directory, f"{_INFLIGHT}{os.getpid()}-{threading.get_ident()}")
            fd = self._local.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        data = key.encode("utf-8", "backslashreplace")
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))

    def end(self) -> None:
        """Clear this thread's note: the record it was on is done."""
        fd = getattr(self._local, "fd", None)
        if fd is not None:
            os.ftruncate(fd, 0)

    def _collect(self) -> dict[str, int]:
        """Load the counts, adding the notes left by processes that are gone, and persist them."""
        with PoisonJournal._collect_lock:
            return self._collect_locked()

    def _collect_locked(self) -> dict[str, int]:
        path = os.path.join(self.directory, _ATTEMPTS)
        try:
            with open(path, encoding="utf-8") as fh:
                attempts = {str(k): int(v) for k, v in json.load(fh).items()}
        except (OSError, ValueError, AttributeError):
            attempts = {}
        left = []
        for name in os.listdir(self.directory):
            if not name.startswith(_INFLIGHT):
                continue
            pid = _pid_of(name)
            if pid is None or pid == os.getpid() or _alive(pid):
                continue
            note = os.path.join(self.directory, name)
            try:
                with open(note, "rb") as fh:
                    key = fh.read().decode("utf-8", "replace")
            except OSError:
                continue
            if key:
                attempts[key] = attempts.get(key, 0) + 1
            left.append(note)
        if left:
            temp = path + f".{os.getpid()}.{threading.get_ident()}.tmp"
            try:
                with open(temp, "w", encoding="utf-8") as fh:
                    json.dump(attempts, fh, ensure_ascii=False)
                os.replace(temp, path)
            except OSError as exc:  # another process collecting at the same moment: the counts stay in memory
                _LOG.warning("poison journal: could not save the attempt counts in %s: %s", path, exc)
                return attempts
            for note in left:
                try:
                    os.remove(note)
                except OSError:
                    pass
        return attempts


def fault_ids() -> frozenset:
    """The article ids whose enrichment kills the process (``$WIREPIPE_FAULT_KILL_ON_ID``; tests only)."""
    value = os.environ.get(FAULT_ENV, "")
    ids = frozenset(part.strip() for part in value.split(",") if part.strip())
    if ids:
        _LOG.warning("fault injection: the process kills itself when it enriches %s (%s)", sorted(ids), FAULT_ENV)
    return ids


def crash_if_faulty(article_id: str, ids: frozenset) -> None:
    """SIGKILL this process when ``article_id`` is one of the fault-injection ``ids``."""
    if article_id in ids:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def record_key(source: dict) -> str:
    """A record's identity across restarts: ``kafka:topic/partition/offset`` or ``file:path:line``."""
    if source.get("kind") == "KAFKA":
        return f"kafka:{source['topic']}/{source['partition']}/{source['offset']}"
    return f"file:{source.get('path')}:{source.get('line')}"


def _pid_of(name: str) -> Optional[int]:
    head = name[len(_INFLIGHT):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
