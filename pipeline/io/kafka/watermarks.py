"""Event-time watermarks of a Kafka read, per partition and, where one process reads them all, aligned."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional

import apache_beam as beam
from apache_beam.io.iobase import WatermarkEstimator
from apache_beam.io.restriction_trackers import OffsetRange
from apache_beam.transforms.core import WatermarkEstimatorProvider
from apache_beam.utils.timestamp import MIN_TIMESTAMP, Duration, Timestamp

if TYPE_CHECKING:
    from pipeline.io.kafka.discovery import PartitionRange


class WatermarkState(NamedTuple):
    """What a partition's watermark estimator carries from one checkpoint to the next."""

    watermark: Timestamp  # this partition's own watermark (monotonic)
    max_event: Timestamp  # newest record timestamp seen
    idle: Timestamp  # watermark candidate from the last idle poll
    max_delay: Duration
    aligned: tuple = ()  # (read id, this partition, all partitions of the read) when aligned, see below


class AlignedWatermarks:
    """Process-wide table of the partition watermarks of each read, for runners that keep one
    watermark estimate per stage instead of one per restriction.

    Prism (Beam 2.77) sets an SDF stage's output watermark to the estimate of the bundle that finished
    last (``stage.estimatedOutput``), so a partition that catches up and goes idle moves the stage past
    the records another partition is still reading: those become late and their windows are dropped
    (seen here: a 2-partition read lost one partition's first window in 2 runs out of 3). Aligned, each
    partition reports the minimum over every partition of the read, starting at the minimum timestamp
    for those not read yet. This only works where all partitions are read in one process (Prism, the
    FnApiRunner, LOOPBACK environments); elsewhere a partition read by another worker would hold the
    watermark forever, so alignment is off for other runners (where the runner takes the minimum itself).

    A partition found after the read started (``discover_every_s``) joins at the read's current aligned
    watermark, not at the minimum timestamp: it never moves the watermark back, and it holds it at that
    value only until its own watermark passes it (it reads newer records or goes idle). Its records older
    than that value are late data, handled downstream like any late record; in the wirepipe graph the
    windowed file output takes them in a late pane up to the allowed lateness (the dedup horizon), and
    drops older ones, while the output topics are not windowed.
    """

    _lock = threading.Lock()
    # The most recently used reads first out last: a process that runs pipeline after pipeline (a test
    # session, a service of replays) keeps the tables of its last few reads, not of every read it ran.
    _tables: "OrderedDict[str, dict[tuple[str, int], Timestamp]]" = OrderedDict()
    MAX_READS = 8

    @classmethod
    def _table(cls, read_id: str, partitions: Iterable) -> dict[tuple[str, int], Timestamp]:
        table = cls._tables.get(read_id)
        if table is None:
            table = cls._tables[read_id] = {tuple(p): MIN_TIMESTAMP for p in partitions}
            while len(cls._tables) > cls.MAX_READS:
                cls._tables.popitem(last=False)
        else:
            cls._tables.move_to_end(read_id)
        return table

    @classmethod
    def _join(cls, table: dict[tuple[str, int], Timestamp], partition: tuple[str, int]) -> None:
        if partition not in table:
            table[partition] = min(table.values(), default=MIN_TIMESTAMP)

    @classmethod
    def join(cls, read_id: str, partitions: tuple, new: Iterable[tuple[str, int]]) -> None:
        """Add partitions found after the read started (``partitions``: those it had) at its current watermark."""
        with cls._lock:
            table = cls._table(read_id, partitions)
            for partition in new:
                cls._join(table, tuple(partition))

    @classmethod
    def report(cls, read_id: str, partition: tuple[str, int], partitions: tuple, own: Timestamp) -> Timestamp:
        with cls._lock:
            table = cls._table(read_id, partitions)
            cls._join(table, partition)  # a no-op unless it was found later and not joined yet
            if own > table[partition]:
                table[partition] = own
            return min(table.values())


class KafkaWatermarkEstimator(WatermarkEstimator):
    """Watermark = newest record timestamp − ``max_delay``; when the partition is caught up (idle), it also
    advances to now − ``max_delay`` — the policy of Java KafkaIO's ``CustomTimestampPolicyWithLimitedDelay``.

    So windows and event-time timers fire on idle partitions. The cost: a record that arrives later with
    a timestamp older than now − max_delay is late (the window it belongs to may have fired already).
    The delay travels in the :class:`WatermarkState`, so that the estimator is right from construction on
    (the runner may ask for the watermark before ``process`` runs). With ``aligned`` state it reports the
    minimum over all partitions of the read (see :class:`AlignedWatermarks`).
    """

    def __init__(self, state: WatermarkState):
        self._state = WatermarkState(*state)
        self._watermark = self._state.watermark
        self._max_event = self._state.max_event
        self._idle = self._state.idle
        self._max_delay = self._state.max_delay

    @staticmethod
    def initial_state(max_delay: Duration = Duration(0), aligned: tuple = ()) -> WatermarkState:
        """The state of a partition not read yet."""
        # Timestamps, never None: the estimator compares against them from the first record on.
        return WatermarkState(MIN_TIMESTAMP, MIN_TIMESTAMP, MIN_TIMESTAMP, max_delay, aligned)

    def observe_timestamp(self, timestamp: Timestamp) -> None:
        if timestamp > self._max_event:
            self._max_event = timestamp

    def mark_idle(self, now: Optional[Timestamp] = None) -> None:
        """Record that the partition has no backlog at ``now`` (default: wall clock)."""
        candidate = (now or Timestamp.now()) - self._max_delay
        if candidate > self._idle:
            self._idle = candidate

    def own_watermark(self) -> Timestamp:
        """This partition's watermark, whatever the other partitions of the read are at."""
        candidate = self._idle
        if self._max_event > MIN_TIMESTAMP + self._max_delay:
            candidate = max(candidate, self._max_event - self._max_delay)
        if candidate > self._watermark:
            self._watermark = candidate
        return self._watermark

    def current_watermark(self) -> Timestamp:
        own = self.own_watermark()
        if not self._state.aligned:
            return own
        read_id, partition, partitions = self._state.aligned
        return AlignedWatermarks.report(read_id, tuple(partition), partitions, own)

    def get_estimator_state(self) -> WatermarkState:
        return WatermarkState(self.own_watermark(), self._max_event, self._idle, self._max_delay, self._state.aligned)


class WatermarkProvider(WatermarkEstimatorProvider):
    def initial_estimator_state(self, element: PartitionRange, restriction: OffsetRange) -> WatermarkState:
        aligned = ()
        if element.read_id:
            aligned = (element.read_id, (element.topic, element.partition), element.read_partitions)
        return KafkaWatermarkEstimator.initial_state(Duration(micros=element.watermark_delay_ms * 1000), aligned)

    def create_watermark_estimator(self, estimator_state: WatermarkState) -> KafkaWatermarkEstimator:
        return KafkaWatermarkEstimator(estimator_state)


def runs_in_process(pipeline: beam.Pipeline) -> bool:
    """True where every partition of a read is read in one SDK worker process, which can share a watermark
    table (see :class:`AlignedWatermarks`): Prism, which starts one worker per environment whatever its
    type (LOOPBACK, or EXTERNAL as the worker-pool tests run it), and the FnApiRunner and the DirectRunner
    in this process. Not the FnApiRunner's ``multi_processing`` mode, nor Flink or Dataflow: each worker
    process would hold its own table, and a partition read elsewhere would hold its minimum forever.
    """
    from apache_beam.options.pipeline_options import DirectOptions, PortableOptions, StandardOptions

    runner = pipeline.runner
    name = type(runner).__name__ if runner is not None else str(pipeline.options.view_as(StandardOptions).runner or "")
    if "Prism" in name:
        return True
    if not any(local in name for local in ("Direct", "FnApiRunner")):
        return False
    if pipeline.options.view_as(DirectOptions).direct_running_mode == "multi_processing":
        return False
    environment = pipeline.options.view_as(PortableOptions).environment_type
    return environment in (None, "LOOPBACK", "EMBEDDED") or "FnApiRunner" in name
