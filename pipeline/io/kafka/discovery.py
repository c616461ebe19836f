"""Which partitions a read covers and from which offset: resolved at start, and again as partitions are added."""
from __future__ import annotations

import logging
import uuid
from typing import Iterable, Iterator, NamedTuple, Optional, Sequence

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.utils.timestamp import Timestamp
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline.errors import KafkaIOError
from pipeline.io.kafka.client import list_partitions, new_consumer
from pipeline.io.kafka.config import METRICS_NAMESPACE, UNBOUNDED_STOP, KafkaConfig, StartPosition
from pipeline.io.kafka.watermarks import AlignedWatermarks

_LOG = logging.getLogger(__name__)
# Offsets between a group's commit and the log start when a read resolves: records the group never read.
_RETENTION_LOSSES = Metrics.counter(METRICS_NAMESPACE, "records_deleted_before_read")


class PartitionRange(NamedTuple):
    """One topic-partition to read and its offset range, resolved at pipeline start."""

    topic: str
    partition: int
    start_offset: int
    stop_offset: int  # exclusive; UNBOUNDED_STOP when unbounded
    end_offset: int  # the partition's end offset when resolved (for backlog estimates)
    watermark_delay_ms: int = 0  # how far the watermark trails (see KafkaWatermarkEstimator)
    read_id: str = ""  # set when partition watermarks are aligned (see AlignedWatermarks)
    read_partitions: tuple = ()  # ((topic, partition), ...) of the whole read, when aligned


def first_offset(start: StartPosition, beginning: int, end: int, committed: Optional[int] = None,
                 at_start_time: Optional[int] = None, missing_commit: str = "earliest") -> int:
    """The offset to start reading a partition whose log holds ``[beginning, end)``.

    ``committed`` is the group's committed offset (None: none), ``at_start_time`` the first offset at or
    after a ``timestamp`` start (None: no record that recent). See :func:`resolve_partition_ranges`.
    """
    if start.kind == "earliest":
        return beginning
    if start.kind == "latest":
        return end
    if start.kind == "timestamp":
        return end if at_start_time is None else at_start_time
    if committed is None:
        return beginning if missing_commit == "earliest" else end
    # Clamped to the log: below it, retention deleted the records; above it, the topic was re-created
    # (a seek past the end would restart at the earliest offset).
    return min(max(committed, beginning), end)


def resolve_partition_ranges(
    consumer: KafkaConsumer,
    topics: Sequence[str],
    start: StartPosition,
    bounded: bool,
    stop_timestamp_ms: Optional[int] = None,
    missing_commit: str = "earliest",
    partitions: Optional[Iterable[tuple[str, int]]] = None,
) -> list[PartitionRange]:
    """Discover the partitions of ``topics`` (or take ``partitions``) and the offset range to read from each.

    ``committed`` needs a consumer created with a ``group_id``; a partition without a committed offset
    starts at ``missing_commit`` (earliest|latest). A committed offset below the log start (deleted by
    retention) starts at the log start, with a warning and the ``records_deleted_before_read`` counter;
    one above the end offset (a re-created topic) at the end.
    """
    tps = list_partitions(consumer, topics) if partitions is None else [TopicPartition(t, p) for t, p in partitions]
    try:
        beginning = consumer.beginning_offsets(tps)
        end = consumer.end_offsets(tps)
        by_time = consumer.offsets_for_times({tp: start.timestamp_ms for tp in tps}) if start.kind == "timestamp" else {}
        if stop_timestamp_ms is not None:
            stop_by_time = consumer.offsets_for_times({tp: stop_timestamp_ms for tp in tps})
        ranges = []
        for tp in tps:
            found = by_time.get(tp)
            committed = consumer.committed(tp) if start.kind == "committed" else None
            first = first_offset(start, beginning[tp], end[tp], committed,
                                 None if found is None else found.offset, missing_commit)
            if committed is not None and committed < beginning[tp]:
                lost = beginning[tp] - committed
                _LOG.warning("kafka %s-%d: the group's committed offset %d is below the log start %d: %d records "
                             "were deleted (retention) before the group read them", tp.topic, tp.partition,
                             committed, beginning[tp], lost)
                _RETENTION_LOSSES.inc(lost)
            if not bounded:
                stop = UNBOUNDED_STOP
            elif stop_timestamp_ms is not None:
                found = stop_by_time.get(tp)
                stop = found.offset if found is not None else end[tp]
            else:
                stop = end[tp]
            ranges.append(PartitionRange(tp.topic, tp.partition, min(first, stop), stop, end[tp]))
    except KafkaError as exc:
        raise KafkaIOError(f"cannot read offsets of {', '.join(topics)}: {exc}") from exc
    return ranges


class NewPartitions(NamedTuple):
    """What one listing of a topic's partitions adds to a running read (see :func:`find_new_partitions`)."""

    partitions: tuple  # ((topic, partition), ...) not read yet, in order
    start: StartPosition  # where they start
    missing_commit: str  # where they start when the group has no committed offset for them
    seen: frozenset  # every (topic, partition) of the read after this listing


def find_new_partitions(listed: Iterable[tuple[str, int]], seen: Optional[frozenset], start: StartPosition,
                        missing_commit: str, group: Optional[str]) -> NewPartitions:
    """Compare a listing of partitions with those the read has (``seen``; None before the first listing).

    The first listing keeps the read's own start position. A partition that appears later starts at the
    group's committed offset if it has one, else at its earliest offset: it is new, so nothing in it has
    been read (Java KafkaIO's dynamic read would start it at ``auto.offset.reset``, "latest" by default).
    """
    listed = frozenset((str(t), int(p)) for t, p in listed)
    if seen is None:
        return NewPartitions(tuple(sorted(listed)), start, missing_commit, listed)
    later_start = StartPosition("committed") if group else StartPosition("earliest")
    return NewPartitions(tuple(sorted(listed - seen)), later_start, "earliest", seen | listed)


class _DiscoverPartitionsFn(beam.DoFn):
    """Impulse -> one PartitionRange per topic-partition, offsets resolved once at start."""

    def __init__(self, config: KafkaConfig, topics: tuple[str, ...], group: Optional[str], start: StartPosition,
                 bounded: bool, stop_timestamp_ms: Optional[int], missing_commit: str, watermark_delay_ms: int = 0,
                 align_id: str = ""):
        self._config = config
        self._topics = topics
        self._group = group
        self._start = start
        self._bounded = bounded
        self._stop_timestamp_ms = stop_timestamp_ms
        self._missing_commit = missing_commit
        self._watermark_delay_ms = watermark_delay_ms
        self._align_id = align_id

    def process(self, _impulse: bytes) -> Iterator[PartitionRange]:
        consumer = new_consumer(self._config, self._group)
        try:
            ranges = resolve_partition_ranges(
                consumer, self._topics, self._start, self._bounded, self._stop_timestamp_ms, self._missing_commit
            )
        finally:
            consumer.close(autocommit=False)
        read_id = self._new_read_id()
        yield from self._stamped(ranges, read_id, tuple((r.topic, r.partition) for r in ranges))

    def _new_read_id(self) -> str:
        # A fresh id per run, so a restarted pipeline in the same process starts a fresh table.
        return f"{self._align_id}/{uuid.uuid4().hex}" if self._align_id else ""

    def _stamped(self, ranges: Iterable[PartitionRange], read_id: str, partitions: tuple) -> Iterator[PartitionRange]:
        """The ranges with the watermark delay and, when aligned, the read's id and partitions; logged."""
        for r in ranges:
            stop = "open" if r.stop_offset == UNBOUNDED_STOP else r.stop_offset
            _LOG.info("kafka %s-%d: read offsets [%d, %s), end offset %d", r.topic, r.partition, r.start_offset, stop, r.end_offset)
            yield r._replace(watermark_delay_ms=self._watermark_delay_ms, read_id=read_id,
                             read_partitions=partitions if read_id else ())


class _WatchPartitionsFn(_DiscoverPartitionsFn):
    """(key, None | tick) -> a PartitionRange for each partition not seen before (``discover_every_s``).

    The start element (from an Impulse) lists every partition, as :class:`_DiscoverPartitionsFn` does;
    each tick lists them again and emits only those added since (:func:`find_new_partitions`). The read's
    id and the partitions seen are kept in state under one key, so they survive bundles. A failed listing
    after the first is counted, logged and tried again at the next tick; the first one fails the read.

    The start element carries the Impulse's minimum timestamp, which holds the watermark until the
    partitions present at start are being read, as without discovery: their backlog is not late. A tick
    carries its own time, so a partition found later is read behind a watermark that may have passed
    some of its records (see :class:`AlignedWatermarks`).
    """

    SEEN = ReadModifyWriteStateSpec("kafka_partitions_seen", PickleCoder())  # (read id, frozenset of (topic, partition))

    def setup(self) -> None:
        self._watcher: Optional[KafkaConsumer] = None
        self._discovered = Metrics.counter(METRICS_NAMESPACE, "partitions_discovered")
        self._failures = Metrics.counter(METRICS_NAMESPACE, "partition_discovery_failures")

    def teardown(self) -> None:
        self._close_watcher()

    def _close_watcher(self) -> None:
        watcher, self._watcher = getattr(self, "_watcher", None), None
        if watcher is not None:
            watcher.close(autocommit=False)

    def process(self, element: tuple, seen_state=beam.DoFn.StateParam(SEEN)) -> Iterator[PartitionRange]:
        _, tick = element
        read_id, seen = seen_state.read() or ("", None)
        if (tick is None) != (seen is None):
            return  # a tick before the first listing is done (the next one looks again), or a repeated start
        if seen is None:
            read_id = self._new_read_id()
        try:
            found, ranges = self._list(seen)
        except KafkaIOError as exc:
            self._close_watcher()  # a fresh client next time
            if seen is None:
                raise
            self._failures.inc()
            _LOG.warning("kafka: listing the partitions of %s failed; trying again at the next tick: %s",
                         ", ".join(self._topics), exc)
            return
        if not found.partitions:
            return
        if seen is not None:
            self._discovered.inc(len(found.partitions))
            _LOG.info("kafka: new partition(s) %s", ", ".join(f"{t}-{p}" for t, p in found.partitions))
            if read_id:
                AlignedWatermarks.join(read_id, tuple(sorted(seen)), found.partitions)
        seen_state.write((read_id, found.seen))
        yield from self._stamped(ranges, read_id, tuple(sorted(found.seen)))

    def _list(self, seen: Optional[frozenset]) -> tuple[NewPartitions, list[PartitionRange]]:
        """List the partitions now; return what is new and the ranges to read from the new ones."""
        if self._watcher is None:
            self._watcher = new_consumer(self._config, self._group)
        try:
            self._watcher.topics()  # refreshes the metadata cache, which partitions_for_topic answers from
        except KafkaError as exc:
            raise KafkaIOError(f"cannot list the topics of {self._config.bootstrap_servers}: {exc}") from exc
        listed = [(tp.topic, tp.partition) for tp in list_partitions(self._watcher, self._topics)]
        found = find_new_partitions(listed, seen, self._start, self._missing_commit, self._group)
        if not found.partitions:
            return found, []
        ranges = resolve_partition_ranges(self._watcher, self._topics, found.start, self._bounded, self._stop_timestamp_ms,
                                          found.missing_commit, partitions=found.partitions)
        return found, ranges


# One key per read: the partition watcher's state (the partitions seen) lives under it.
def _start_key(_impulse: bytes) -> tuple[str, None]:
    return "partitions", None


def _tick_key(tick: Timestamp) -> tuple[str, Timestamp]:
    return "partitions", tick
