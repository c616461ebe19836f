"""Fixtures for tests against a real Apache Kafka broker (deploy/local/kafka.sh), or the one named by
KAFKA_BOOTSTRAP_SERVERS. The broker is started once per session and stopped at the end if we started it."""
from __future__ import annotations

import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO_ROOT / "deploy" / "local" / "kafka.sh"


def _kafka_sh(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(KAFKA_SH), command], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of a running broker: KAFKA_BOOTSTRAP_SERVERS, an already running local one, or one we start."""
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    already_running = _kafka_sh("status").returncode == 0
    started = _kafka_sh("start")
    if started.returncode != 0:
        pytest.fail(f"deploy/local/kafka.sh start failed:\n{started.stderr[-3000:]}", pytrace=False)
    address = started.stdout.strip().splitlines()[-1]
    try:
        yield address
    finally:
        if not already_running:
            _kafka_sh("stop")


@pytest.fixture(scope="session")
def kafka_config(kafka_bootstrap: str):
    """A :class:`KafkaConfig` for the test broker."""
    from pipeline.io.kafka import KafkaConfig

    return KafkaConfig(bootstrap_servers=kafka_bootstrap, client_id="wirepipe-tests")


@pytest.fixture(scope="session")
def kafka_admin(kafka_bootstrap: str):
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="wirepipe-tests-admin")
    yield admin
    admin.close()


def unique_name(prefix: str, request: pytest.FixtureRequest) -> str:
    """A topic/group name unique to this test run, readable in broker logs."""
    test = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name)[:80]
    return f"{prefix}.{test}.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_topic(kafka_admin, request) -> Iterator[Callable[..., str]]:
    """Factory: ``make_topic(partitions=3)`` creates a uniquely named topic; all are deleted after the test."""
    from kafka.admin import NewTopic

    created: list[str] = []

    def make(partitions: int = 3, prefix: str = "wp-test") -> str:
        name = unique_name(prefix, request)
        kafka_admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=30000)
        created.append(name)
        return name

    yield make
    if created:
        try:
            kafka_admin.delete_topics(created, timeout_ms=30000)
        except Exception:  # noqa: BLE001 - clean-up must not hide the test's own result
            pass


@pytest.fixture
def group_name(request) -> str:
    """A consumer group name unique to this test."""
    return unique_name("wp-group", request)
