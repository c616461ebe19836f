"""Reading topics back in the real-broker tests."""
from __future__ import annotations

import os

from kafka import KafkaConsumer, TopicPartition


def read_topic(bootstrap: str, topic: str, expected: int, timeout_s: float = 20.0) -> list:
    """The records of every partition of ``topic`` from the beginning, once ``expected`` have come or the time is up."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    consumer.seek_to_beginning()
    out: list = []
    try:
        for _ in range(int(timeout_s * 2)):
            for batch in consumer.poll(timeout_ms=500).values():
                out.extend(batch)
            if len(out) >= expected:
                break
        return out
    finally:
        consumer.close()


def prism_or_none() -> str | None:
    """The Prism binary if one is built (see pipeline.runners.find_prism), else None: its tests skip."""
    from pipeline.errors import ResourceMissingError
    from pipeline.runners import find_prism

    try:
        return find_prism(os.environ.get("PRISM_LOCATION") or None)
    except ResourceMissingError:
        return None
