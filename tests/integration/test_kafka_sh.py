"""deploy/local/kafka.sh itself: a second broker with a state directory of its own."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import KAFKA_SH

pytestmark = pytest.mark.kafka


def _run(command: str, state_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "KAFKA_STATE_DIR": str(state_dir), "KAFKA_PORT": "", "KAFKA_CONTROLLER_PORT": "", **env}
    return subprocess.run(["bash", str(KAFKA_SH), command], capture_output=True, text=True, timeout=300, env=environ)


def test_a_cluster_id_that_starts_with_a_dash_still_formats_and_serves(tmp_path: Path) -> None:
    """One random id in 64 starts with "-"; the storage tool once read it as an option and CI failed."""
    cluster_id = "-ej6PlZGSji4vhhYoDzdgQ"
    state = tmp_path / "kafka"
    try:
        started = _run("start", state, KAFKA_CLUSTER_ID=cluster_id)
        assert started.returncode == 0, started.stderr[-2000:]
        meta = (state / "data" / "meta.properties").read_text()
        assert f"cluster.id={cluster_id}" in meta
        assert _run("status", state).stdout.startswith("running ")
    finally:
        _run("stop", state)
    assert _run("status", state).returncode == 3
