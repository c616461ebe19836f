"""Committing a consumer group's offsets, forward only: from a worker once records are durable, or from the driver."""
from __future__ import annotations

import logging
from typing import Mapping, Optional

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from pipeline.errors import ConfigError, KafkaIOError
from pipeline.io.kafka.client import new_consumer
from pipeline.io.kafka.config import KafkaConfig

_LOG = logging.getLogger(__name__)


class OffsetCommitter:
    """Commits a consumer group's offsets, never backwards; holds one Kafka client, made at the first commit.

    :meth:`commit` is for workers: a failure is logged and answered False, and the caller keeps its target
    and tries again later (the records are durable; at worst a restart reads them again). :meth:`advance`
    raises :class:`KafkaIOError` instead, for the driver, which must say that it could not commit.
    """

    def __init__(self, config: KafkaConfig, group: str):
        if not group:
            raise ConfigError("committing offsets needs a consumer group")
        self._config = config
        self._group = group
        self._consumer: Optional[KafkaConsumer] = None
        self._committed: dict[TopicPartition, int] = {}

    def advance(self, topic: str, partition: int, offset: int) -> bool:
        """Commit ``offset`` (the next one to read) unless the group is already at or past it.

        True when this call moved the group; KafkaIOError when the broker did not take it."""
        tp = TopicPartition(topic, partition)
        try:
            if self._consumer is None:
                self._consumer = new_consumer(self._config, self._group)
            if tp not in self._committed:
                self._committed[tp] = self._consumer.committed(tp) or -1
            if self._committed[tp] >= offset:
                return False
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
        except Exception as exc:  # KafkaError, or an OSError of a client whose broker went away and came back
            self.close()  # a fresh client next time: the runner would retry with the same broken one
            raise KafkaIOError(f"cannot commit {topic}-{partition} at {offset} to group {self._group!r}: {exc}") from exc
        self._committed[tp] = offset
        return True

    def commit(self, topic: str, partition: int, offset: int) -> bool:
        """As :meth:`advance`, but a failure is logged, not raised; True when the group is at ``offset`` or past it."""
        try:
            self.advance(topic, partition, offset)
        except KafkaIOError as exc:
            # A raised error would fail the bundle, and the runner retries it: every commit of the partition stops.
            _LOG.warning("%s (tried again later)", exc)
            return False
        return True

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except Exception:  # closing a client of a broker that is gone must not fail the caller
                pass


def commit_offsets(config: KafkaConfig, group: str, positions: Mapping[tuple[str, int], int]) -> dict[tuple[str, int], int]:
    """Commit ``{(topic, partition): next offset}`` to ``group`` from the driver (what a run made committable
    but could not commit itself), forward only. Returns what moved; KafkaIOError when the broker refused."""
    committer = OffsetCommitter(config, group)
    try:
        return {(topic, partition): offset for (topic, partition), offset in positions.items()
                if committer.advance(topic, partition, offset)}
    finally:
        committer.close()
