"""kafka-python clients made the same way everywhere, partition listing, and the connection check."""
from __future__ import annotations

import threading
from typing import Any, Optional, Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline.errors import KafkaIOError
from pipeline.io.kafka.config import KafkaConfig


# kafka-python 2.3 refuses network frames over receive_message_max_bytes (default 1,000,000), which
# is smaller than one partition's default fetch (1 MiB): a multi-partition fetch of a full topic then
# fails with "Invalid frame length" and is retried forever. Bound the fetch and allow a frame that fits it.
CONSUMER_FETCH_OPTIONS: dict[str, int] = {
    "fetch_max_bytes": 8 * 1024 * 1024,
    "max_partition_fetch_bytes": 1024 * 1024,
    "receive_message_max_bytes": 8 * 1024 * 1024 + 64 * 1024,
}


def new_consumer(config: KafkaConfig, group: Optional[str], **overrides: Any) -> KafkaConsumer:
    """A consumer that never commits by itself, with bounded fetches; KafkaIOError when it cannot be made."""
    options = {
        "group_id": group,
        "enable_auto_commit": False,  # offsets are committed only once the records are durable
        "auto_offset_reset": "earliest",  # a seek past retention restarts at the log start
        "allow_auto_create_topics": False,
        **CONSUMER_FETCH_OPTIONS,
        **config.client_options(),
        **overrides,
    }
    try:
        return KafkaConsumer(**options)
    except KafkaError as exc:
        raise KafkaIOError(f"cannot connect to Kafka at {config.bootstrap_servers}: {exc}") from exc


def check_connection(config: KafkaConfig, topics: Sequence[str], timeout_s: float = 30.0) -> None:
    """Raise KafkaIOError unless the cluster answers with this configuration within ``timeout_s`` and every
    topic exists. kafka-python retries a failed handshake forever (a SASL or SSL client against a
    PLAINTEXT listener never gets past it): a job would hang instead of saying what is wrong."""
    outcome: dict[str, Any] = {}

    def probe() -> None:
        try:
            consumer = new_consumer(config, None)
            try:
                list_partitions(consumer, topics)
            finally:
                consumer.close(autocommit=False)
        except Exception as exc:  # reported below, with the configuration that failed
            outcome["error"] = exc
        else:
            outcome["ok"] = True

    thread = threading.Thread(target=probe, name="kafka-connection-check", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if outcome.get("ok"):
        return
    if "error" in outcome:
        error = outcome["error"]
        raise KafkaIOError(str(error) if isinstance(error, KafkaIOError) else
                           f"cannot reach Kafka at {config.bootstrap_servers} ({config.security_protocol}): {error}")
    raise KafkaIOError(
        f"no answer from Kafka at {config.bootstrap_servers} within {timeout_s:.0f}s with security protocol "
        f"{config.security_protocol}: check the address, and that the listener speaks that protocol "
        f"(a SASL or SSL client never completes its handshake with a PLAINTEXT listener)")


def list_partitions(consumer: KafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    """The partitions of ``topics`` from the consumer's metadata, in order; KafkaIOError for a topic without any."""
    tps = []
    for topic in topics:
        try:
            partitions = consumer.partitions_for_topic(topic)
        except KafkaError as exc:
            raise KafkaIOError(f"cannot list the partitions of {topic!r}: {exc}") from exc
        if not partitions:
            raise KafkaIOError(f"topic {topic!r} not found (or not authorized) on the cluster")
        tps.extend(TopicPartition(topic, p) for p in sorted(partitions))
    return tps
