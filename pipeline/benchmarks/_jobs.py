"""A ``wirepipe run`` subprocess in its own process group (so that stopping it also stops Prism), for the
streaming benchmarks."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

_STOP_GRACE_S = 20.0


class StreamJob:
    """``wirepipe run`` in its own process group, so that stopping it also stops Prism."""

    def __init__(self, command: list[str], log_path: str):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)

    def check_alive(self) -> None:
        from pipeline.errors import WirepipeError

        if self.process.poll() is not None:
            raise WirepipeError(f"wirepipe run exited with code {self.process.returncode}:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return Path(self.log_path).read_bytes()[-chars:].decode("utf-8", "replace")

    def stop(self) -> dict:
        """SIGTERM to the group, SIGKILL to whatever is left after a grace period; say what it took."""
        pgid = self.process.pid
        killed = False
        _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_S
        while time.monotonic() < deadline and _group_alive(pgid):
            time.sleep(0.2)
        if _group_alive(pgid):
            killed = True
            _signal_group(pgid, signal.SIGKILL)
            time.sleep(0.5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()
        return {"stopped_by": "SIGKILL" if killed else "SIGTERM", "processes_left": _group_alive(pgid)}


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    """True while any process of the group lives (zombies of our own child excepted)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # The leader may be a zombie we have not reaped: the group then still "exists".
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def kill_group(job: StreamJob) -> None:
    """SIGKILL the job's whole process group at once (a crash, as ``kill -9``), and reap it."""
    _signal_group(job.process.pid, signal.SIGKILL)
    try:
        job.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 30
    while _group_alive(job.process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    job._log.close()
