"""CommitOffsets: Kafka offsets reach the consumer group only once their records are in every sink.

The reader's :class:`~pipeline.offsets.ReadRange` s and the sinks' :class:`~pipeline.offsets.SinkAck` s
meet here, keyed by partition, in a :class:`~pipeline.offsets.PartitionLedger` kept in state; each time
the ledger's commit point moves, it is committed. This holds on every runner: on Prism and the local
runner, whose state lives in memory, a crash loses only records that were not committed and are read
again; on Flink and Dataflow a restore from a checkpoint reads from the checkpointed position, which
is never past the committed one's records. A failed commit is retried at the next element (the reader
sends a ReadRange after each of its calls, also when it read nothing).
"""
from __future__ import annotations

from typing import Mapping, Union

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from pipeline.io.kafka import KafkaConfig, OffsetCommitter
from pipeline.offsets import PartitionLedger, ReadRange, SinkAck, required_sinks
from pipeline.transforms import METRICS_NAMESPACE

COMMIT_TARGET = "commit_target"  # gauge per partition: the offset the sinks have made committable
COMMITTED = "committed"  # gauge per partition: the offset committed to the group


def gauge_name(prefix: str, topic: str, partition: int) -> str:
    """The metric name of a per-partition gauge (``:`` cannot occur in a Kafka topic name)."""
    return f"{prefix}:{topic}:{partition}"


def parse_gauge_name(name: str) -> tuple[str, str, int] | None:
    """``(prefix, topic, partition)`` of a :func:`gauge_name`, or None for another metric."""
    parts = name.split(":")
    if len(parts) != 3 or parts[0] not in (COMMIT_TARGET, COMMITTED) or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])


def _partition_key(item: Union[ReadRange, SinkAck]) -> tuple[str, Union[ReadRange, SinkAck]]:
    return f"{item.topic}:{item.partition}", item


class _CommitFn(beam.DoFn):
    LEDGER = ReadModifyWriteStateSpec("ledger", PickleCoder())

    def __init__(self, config: KafkaConfig, group: str, required: Mapping[str, frozenset]):
        self._config = config
        self._group = group
        self._required = dict(required)
        self._commits = Metrics.counter(METRICS_NAMESPACE, "offset_commits")
        self._failures = Metrics.counter(METRICS_NAMESPACE, "offset_commit_failures")

    def setup(self) -> None:
        self._committer = OffsetCommitter(self._config, self._group)

    def teardown(self) -> None:
        self._committer.close()

    def process(self, element, ledger_state=beam.DoFn.StateParam(LEDGER)):
        _, item = element
        state = ledger_state.read() or (PartitionLedger(self._required), -1)
        ledger, committed = state
        if isinstance(item, ReadRange):
            ledger.add_range(item)
        else:
            ledger.add_ack(item)
        ledger.advance()
        target = ledger.position
        if target is not None and target > committed:
            Metrics.gauge(METRICS_NAMESPACE, gauge_name(COMMIT_TARGET, item.topic, item.partition)).set(target)
            if self._committer.commit(item.topic, item.partition, target):
                committed = target
                self._commits.inc()
                Metrics.gauge(METRICS_NAMESPACE, gauge_name(COMMITTED, item.topic, item.partition)).set(committed)
            else:
                self._failures.inc()
        ledger_state.write((ledger, committed))


class CommitOffsets(beam.PTransform):
    """ReadRanges and SinkAcks (a tuple of PCollections) → commits to ``group``; ``sinks``: ``{kind: sink names}``."""

    def __init__(self, config: KafkaConfig, group: str, sinks: Mapping[str, object]):
        super().__init__()
        if not group:
            from pipeline.errors import ConfigError

            raise ConfigError("CommitOffsets needs a consumer group")
        try:
            self._required = required_sinks(sinks)
        except ValueError as exc:
            from pipeline.errors import ConfigError

            raise ConfigError(str(exc)) from None
        self._config = config
        self._group = group

    def expand(self, pcolls):
        # The file sinks' acks come in their files' windows: all of it meets in the global window.
        rewindowed = [pcoll | f"GlobalWindow{i}" >> beam.WindowInto(beam.window.GlobalWindows())
                      for i, pcoll in enumerate(pcolls)]
        return (
            rewindowed
            | "MergeProgress" >> beam.Flatten()
            | "KeyByPartition" >> beam.Map(_partition_key).with_output_types(beam.typehints.KV[str, beam.typehints.Any])
            | "Commit" >> beam.ParDo(_CommitFn(self._config, self._group, self._required))
        )


def commit_positions(result) -> dict[tuple[str, int], tuple[int, int]]:
    """``{(topic, partition): (commit target, committed)}`` from a finished run's gauges (-1: none)."""
    positions: dict[tuple[str, int], list[int]] = {}
    for gauge in result.metrics().query()["gauges"]:
        parsed = parse_gauge_name(gauge.key.metric.name)
        if gauge.key.metric.namespace != METRICS_NAMESPACE or parsed is None or gauge.committed is None:
            continue
        prefix, topic, partition = parsed
        slot = positions.setdefault((topic, partition), [-1, -1])
        index = 0 if prefix == COMMIT_TARGET else 1
        slot[index] = max(slot[index], int(gauge.committed.value))
    return {key: (target, committed) for key, (target, committed) in positions.items()}
