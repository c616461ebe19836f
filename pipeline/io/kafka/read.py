"""The read: a splittable DoFn per topic-partition, the design of Beam Java KafkaIO's ``ReadFromKafkaDoFn``."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Iterator, Optional, Sequence, Union

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.metrics import Metrics
from apache_beam.transforms.core import RestrictionProvider
from apache_beam.transforms.periodicsequence import PeriodicImpulse, RebaseMode
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import Duration, Timestamp
from apache_beam.utils.windowed_value import WindowedValue
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from pipeline.errors import ConfigError, KafkaIOError
from pipeline.io.kafka.client import new_consumer
from pipeline.io.kafka.commits import OffsetCommitter
from pipeline.io.kafka.config import (METRICS_NAMESPACE, UNBOUNDED_STOP, KafkaConfig, StartPosition, is_topic_name,
                                      to_epoch_millis)
from pipeline.io.kafka.discovery import PartitionRange, _DiscoverPartitionsFn, _start_key, _tick_key, _WatchPartitionsFn
from pipeline.io.kafka.watermarks import WatermarkProvider, runs_in_process
from pipeline.model import RawRecord, kafka_source
from pipeline.offsets import ReadRange
from pipeline.parse import MAX_TIMESTAMP_MS

_LOG = logging.getLogger(__name__)

# The read's input is always in the global window (Impulse or PeriodicImpulse -> discovery -> Reshuffle).
_GLOBAL_WINDOWS = (GlobalWindow(),)
# The read's second output (``ledger=True``): a ReadRange per reader call, for commits that follow the sinks.
LEDGER = "ledger"


class _CheckpointOnlyOffsetTracker(OffsetRestrictionTracker):
    """An offset tracker that only splits at checkpoints (fraction 0), for open ranges.

    A runner's dynamic split at a fraction of an open range cuts it near offset 2**62 (Prism does so),
    and the reader of the residual then claims the partition's next offset below its start and fails
    (seen with ``--until-idle`` on Prism). A partition is read in order anyway.
    """

    def try_split(self, fraction_of_remainder):
        if fraction_of_remainder > 0:
            return None
        return super().try_split(0)


class _UnboundedOffsetTracker(_CheckpointOnlyOffsetTracker):
    """An offset tracker whose range never ends; it says so, so that a drain stops at a checkpoint."""

    def is_bounded(self) -> bool:
        return False


class _OffsetRangeProvider(RestrictionProvider):
    """Restriction = OffsetRange [start, stop) of one partition."""

    def __init__(self, bounded: bool):
        self._bounded = bounded

    def initial_restriction(self, element: PartitionRange) -> OffsetRange:
        return OffsetRange(element.start_offset, element.stop_offset)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        if not self._bounded:
            return _UnboundedOffsetTracker(restriction)
        # --until-idle reads a bounded PCollection over an open range: split it only at checkpoints.
        return _CheckpointOnlyOffsetTracker(restriction) if restriction.stop == UNBOUNDED_STOP \
            else OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: PartitionRange, restriction: OffsetRange) -> int:
        if self._bounded:
            return restriction.size()
        # Unbounded: the backlog known at start is the best cheap estimate (Java KafkaIO asks the broker).
        return max(1, element.end_offset - restriction.start)

    def truncate(self, element: PartitionRange, restriction: OffsetRange) -> Optional[OffsetRange]:
        # On drain, finish a bounded range; stop an unbounded one at the checkpoint.
        return restriction if self._bounded else None


def to_raw_record(record: Any) -> RawRecord:
    """Turn a kafka-python ``ConsumerRecord`` into a :class:`RawRecord`: bytes untouched, a null value
    (tombstone) stays None (Parse dead-letters it as ``empty_record``)."""
    headers = record.headers
    timestamp = record.timestamp
    return RawRecord(
        payload=record.value,
        source=kafka_source(record.topic, record.partition, record.offset),
        # A producer may set any int64: one past the year 9999 overflows Beam's and Avro's timestamps.
        timestamp_ms=timestamp if timestamp is not None and 0 <= timestamp <= MAX_TIMESTAMP_MS else None,
        key=record.key,
        headers=tuple((name, value if value is not None else b"") for name, value in headers) if headers else (),
    )


def _nothing_to_finalize() -> None:
    """The bundle-finalization callback of a read whose commits follow the sinks (``ledger=True``)."""


class _ReadPartitionFn(beam.DoFn):
    """Reads one PartitionRange per element (bounded restriction); see the module docstring."""

    _BOUNDED = True

    def __init__(self, config: KafkaConfig, group: Optional[str], commit_offsets: bool, poll_timeout_ms: int,
                 max_poll_records: int, checkpoint_interval_s: float, idle_resume_s: float,
                 idle_timeout_s: Optional[float] = None, ledger: bool = False):
        self._config = config
        self._group = group
        self._commit_offsets = commit_offsets and group is not None
        self._ledger = ledger
        self._poll_timeout_ms = poll_timeout_ms
        self._max_poll_records = max_poll_records
        self._checkpoint_interval_s = checkpoint_interval_s
        self._idle_resume_s = idle_resume_s
        self._idle_timeout_s = idle_timeout_s
        self._records = Metrics.counter(METRICS_NAMESPACE, "records_read")
        self._bytes = Metrics.counter(METRICS_NAMESPACE, "bytes_read")
        self._lag = Metrics.distribution(METRICS_NAMESPACE, "partition_lag_records")
        self._commits = Metrics.counter(METRICS_NAMESPACE, "offset_commits")
        self._commit_failures = Metrics.counter(METRICS_NAMESPACE, "offset_commit_failures")

    def setup(self) -> None:
        # Reading needs no group membership (partitions are assigned by hand); the group id is only
        # for committed-offset look-ups and commits, which go through a separate, lazily made consumer.
        # An idle fetch must answer within a poll, or an empty poll cannot tell "caught up" (highwater) apart.
        # Made at the first read, not here: the runner may set up a new instance while the broker is away,
        # and a setup that raises fails the whole job (seen on Prism during a broker outage).
        self._consumer: Optional[KafkaConsumer] = None
        self._committer = OffsetCommitter(self._config, self._group) if self._commit_offsets else None
        self._checker: Optional[KafkaConsumer] = None  # end-offset look-ups (see _confirmed_caught_up)
        self._commit_lock = threading.Lock()
        self._lag_gauges: dict[TopicPartition, Any] = {}
        self._last_record_at: dict[TopicPartition, float] = {}
        self._reading: set[TopicPartition] = set()  # partitions this instance has read records from

    def teardown(self) -> None:
        for client in (getattr(self, "_consumer", None), getattr(self, "_checker", None)):
            if client is not None:
                client.close(autocommit=False)
        if getattr(self, "_committer", None) is not None:
            self._committer.close()

    def process(
        self,
        element: PartitionRange,
        # BundleFinalizerParam must come before the restriction and estimator params (docs/BEAM-FINDINGS.md).
        bundle_finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=beam.DoFn.RestrictionParam(_OffsetRangeProvider(bounded=True)),
        watermark_estimator=beam.DoFn.WatermarkEstimatorParam(WatermarkProvider()),
    ) -> Iterator[WindowedValue]:
        yield from self._read(element, bundle_finalizer, tracker, watermark_estimator)

    def _read(self, element: PartitionRange, bundle_finalizer, tracker, watermark_estimator):
        tp = TopicPartition(element.topic, element.partition)
        start = tracker.current_restriction().start
        progress = [start, 0]  # next offset after what this call claimed, records emitted
        try:
            yield from self._poll(element, tp, start, progress, tracker, watermark_estimator)
        finally:
            # Always registered, also when nothing was read or nothing is committed here: Prism sends
            # FinalizeBundle to every bundle of a DoFn that asks for a finalizer, and the SDK answers
            # an error ("not in a finalizable state") when the bundle has no callback.
            if self._commit_offsets:
                bundle_finalizer.register(
                    lambda tp=tp, offset=progress[0], start=start: offset > start and self._commit(tp, offset))
            else:
                bundle_finalizer.register(_nothing_to_finalize)
        if self._ledger:
            # After every call, also one that read nothing: the committer retries a failed commit on it.
            yield beam.pvalue.TaggedOutput(LEDGER, WindowedValue(
                ReadRange(element.topic, element.partition, element.start_offset, start, progress[0], progress[1]),
                watermark_estimator.current_watermark(), _GLOBAL_WINDOWS))

    def _poll(self, element: PartitionRange, tp: TopicPartition, start: int, progress: list, tracker,
              watermark_estimator) -> Iterator[WindowedValue]:
        """Claim and emit records from ``start`` until a checkpoint; ``progress`` tracks what was claimed.

        A broker that does not answer is waited for, not an error: the read defers to a later call (from
        where it got to) with a fresh client. A raised error would fail the bundle, and on Prism the job.
        """
        if self._consumer is None:
            try:
                self._consumer = new_consumer(self._config, None, max_poll_records=self._max_poll_records,
                                           fetch_max_wait_ms=max(10, self._poll_timeout_ms // 2))
            except KafkaIOError as exc:
                _LOG.warning("kafka %s-%d: no broker answers (%s); trying again", tp.topic, tp.partition, exc)
                tracker.defer_remainder(Duration(seconds=max(1.0, self._idle_resume_s)))
                return
        consumer = self._consumer
        consumer.assign([tp])
        consumer.seek(tp, start)
        last_attempt = start - 1  # the last offset handed to try_claim
        next_offset = start  # the offset to commit: everything before it has been emitted (or was a gap)
        deadline = time.monotonic() + self._checkpoint_interval_s
        # For idle_timeout_s, kept across the calls of a partition: a self-checkpoint starts a new call,
        # and a count that restarted with each call would never reach the timeout.
        last_record_at = self._last_record_at.setdefault(tp, time.monotonic())
        try:
            while True:
                stop = tracker.current_restriction().stop
                if self._BOUNDED and consumer.position(tp) >= stop:
                    if last_attempt < stop:
                        tracker.try_claim(stop)  # past the range: marks it done
                    return
                batch = consumer.poll(timeout_ms=self._poll_timeout_ms, max_records=self._max_poll_records).get(tp, ())
                emitted = size = 0
                try:
                    for record in batch:
                        last_attempt = record.offset
                        if not tracker.try_claim(record.offset):
                            return
                        raw = to_raw_record(record)
                        ts = (Timestamp(micros=raw.timestamp_ms * 1000) if raw.timestamp_ms is not None
                              else watermark_estimator.current_watermark())
                        # A WindowedValue, not a TimestampedValue: Beam would re-assign the window of
                        # every record (constructing GlobalWindow() each time), a third of the cost of
                        # the whole loop (measured with cProfile on `wirepipe bench kafka`).
                        yield WindowedValue(raw, ts, _GLOBAL_WINDOWS)
                        next_offset = record.offset + 1
                        emitted += 1
                        progress[1] += 1
                        size += len(record.value or b"") + len(record.key or b"")
                    if batch:
                        last_record_at = self._last_record_at[tp] = time.monotonic()
                        if tp not in self._reading:
                            self._reading.add(tp)
                            _LOG.info("kafka %s-%d: reading records from offset %d", tp.topic, tp.partition, batch[0].offset)
                finally:
                    # Counted per batch: a metric update per record costs more than the rest of the loop.
                    self._records.inc(emitted)
                    self._bytes.inc(size)
                # Offsets without records (compaction gaps, transaction markers) are consumed too: claim up
                # to the consumer position, or a range ending in a marker would never be done.
                position = consumer.position(tp)
                if position - 1 > last_attempt:
                    last_attempt = position - 1
                    if not tracker.try_claim(position - 1):
                        return
                    next_offset = position
                backlog = self._report_lag(tp, position)
                idle_for = time.monotonic() - last_record_at
                # The backlog comes from the last fetch answer, which a broker that went away leaves as it
                # was: "caught up" must be confirmed by the broker, or an outage would move the watermark
                # past the records still in the topic (they would arrive late) and end --until-idle reads.
                caught_up = not batch and backlog == 0 and self._confirmed_caught_up(tp, position)
                if caught_up and self._idle_timeout_s is not None and idle_for >= self._idle_timeout_s:
                    # --until-idle: caught up and nothing new for long enough; end the (open) range here.
                    tracker.try_claim(tracker.current_restriction().stop)
                    return
                if caught_up and not self._BOUNDED:
                    # Caught up: let the watermark move on and come back later. (An empty poll with a
                    # backlog, or before the first fetch answered, just polls again until the deadline.)
                    watermark_estimator.mark_idle()
                    tracker.defer_remainder(Duration(seconds=self._idle_resume_s))
                    return
                if time.monotonic() >= deadline:
                    # Self-checkpoint so the runner can commit outputs and finalize (and so commit offsets).
                    tracker.defer_remainder()
                    return
        except (KafkaError, OSError) as exc:
            # The broker went away (or the client broke with it): close the client, go on later from here.
            _LOG.warning("kafka %s-%d: reading failed (%s); trying again from offset %d", tp.topic, tp.partition,
                         exc, next_offset)
            self._resetnew_consumer()
            tracker.defer_remainder(Duration(seconds=max(1.0, self._idle_resume_s)))
            return
        finally:
            progress[0] = next_offset

    def _resetnew_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except Exception:  # a client of a broker that is gone may fail to close; it is dropped anyway
                pass

    def _confirmed_caught_up(self, tp: TopicPartition, position: int) -> bool:
        """True when the broker answers now that nothing is past ``position`` (False when it does not answer).

        Asked through a client of its own: a ListOffsets request on the fetching consumer, from the runner's
        bundle threads, broke its wake-up socket on Prism (OSError: Bad file descriptor).
        """
        try:
            if self._checker is None:
                self._checker = new_consumer(self._config, None)
            return self._checker.end_offsets([tp])[tp] <= position
        except Exception as exc:  # any failure means "not confirmed"; a fresh client next time
            _LOG.info("kafka %s-%d: end offset not confirmed (broker away?): %s", tp.topic, tp.partition, exc)
            checker, self._checker = self._checker, None
            if checker is not None:
                try:
                    checker.close(autocommit=False)
                except Exception:
                    pass
            return False

    def _report_lag(self, tp: TopicPartition, position: int) -> Optional[int]:
        highwater = self._consumer.highwater(tp)  # from the last fetch response; None before one
        if highwater is None:
            return None
        lag = max(0, highwater - position)
        self._lag.update(lag)
        gauge = self._lag_gauges.get(tp)
        if gauge is None:
            gauge = self._lag_gauges[tp] = Metrics.gauge(METRICS_NAMESPACE, f"lag[{tp.topic}-{tp.partition}]")
        gauge.set(lag)
        return lag

    def _commit(self, tp: TopicPartition, offset: int) -> None:
        """Commit ``offset`` for ``tp`` to the group (bundle finalization, ``commit_offsets=True``).

        Finalizations can arrive out of order: the committer never moves a commit backwards. A failure is
        counted and left for a later finalization (the records are emitted; a restart re-reads them).
        """
        with self._commit_lock:
            if self._committer.commit(tp.topic, tp.partition, offset):
                self._commits.inc()
            else:
                self._commit_failures.inc()


class _ReadUnboundedPartitionFn(_ReadPartitionFn):
    """Reads one PartitionRange per element with an open-ended restriction (streaming)."""

    _BOUNDED = False

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionRange,
        bundle_finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=beam.DoFn.RestrictionParam(_OffsetRangeProvider(bounded=False)),
        watermark_estimator=beam.DoFn.WatermarkEstimatorParam(WatermarkProvider()),
    ) -> Iterator[WindowedValue]:
        yield from self._read(element, bundle_finalizer, tracker, watermark_estimator)


class ReadFromKafka(beam.PTransform):
    """Read topics as :class:`RawRecord` values timestamped with their Kafka record timestamps.

    ``start``: committed (default; needs ``group``) | earliest | latest | an ISO-8601 time / datetime /
    epoch millis. ``bounded=True`` stops at the end offsets seen at start, or at ``stop_at`` (a time):
    a replay of the topic's current contents. With ``group`` and ``commit_offsets`` (default), offsets are
    committed to the group in bundle finalization. ``max_watermark_delay_s``: see
    :class:`KafkaWatermarkEstimator`. ``missing_commit``: where a partition without a committed offset starts.
    ``idle_timeout_s``: end the read once every partition is caught up and has had no record for that
    long (``wirepipe run --until-idle``); the output is then a bounded PCollection.
    ``align_watermarks``: report the minimum watermark over all partitions from each one (default: on for
    the in-process local runners, where Prism needs it; see :class:`AlignedWatermarks`).
    ``discover_every_s``: list the topics' partitions again at this interval and read each new one from
    its committed offset, else its earliest (Java KafkaIO's ``withDynamicRead``; unbounded reads only).
    Its records may be late: see :class:`AlignedWatermarks`.
    ``ledger``: also output, as ``LEDGER``, a :class:`~pipeline.offsets.ReadRange` for each stretch of
    offsets read (the result is then ``{"records", LEDGER}``), for :class:`CommitOffsets`, which commits
    once the records are in the sinks. Bundle finalization only says the runner holds the read's
    outputs; on Prism and the local runner that is memory, which dies with the process.
    """

    def __init__(
        self,
        config: KafkaConfig,
        topics: Union[str, Sequence[str]],
        start: Union[StartPosition, str, datetime, int] = "committed",
        bounded: bool = False,
        group: Optional[str] = None,
        stop_at: Union[str, datetime, int, None] = None,
        commit_offsets: bool = True,
        missing_commit: str = "earliest",
        max_watermark_delay_s: float = 2.0,
        poll_timeout_ms: int = 500,
        max_poll_records: int = 1000,
        checkpoint_interval_s: float = 10.0,
        idle_resume_s: float = 1.0,
        align_watermarks: Optional[bool] = None,
        idle_timeout_s: Optional[float] = None,
        discover_every_s: Optional[float] = None,
        ledger: bool = False,
    ):
        super().__init__()
        if not isinstance(config, KafkaConfig):
            raise ConfigError(f"config must be a KafkaConfig, got {type(config).__name__}")
        topic_list = (topics,) if isinstance(topics, str) else tuple(topics)
        if not topic_list or not all(is_topic_name(t) for t in topic_list):
            raise ConfigError(f"topics must be one or more Kafka topic names ([A-Za-z0-9._-]), got {topics!r}")
        self._start = StartPosition.parse(start)
        if self._start.kind == "committed" and not group:
            raise ConfigError("start='committed' needs a consumer group (group=...)")
        if group is not None and (not isinstance(group, str) or not group.strip()):
            raise ConfigError(f"group must be a non-empty string, got {group!r}")
        if stop_at is not None and not bounded:
            raise ConfigError("stop_at is only meaningful with bounded=True")
        if idle_timeout_s is not None and (not isinstance(idle_timeout_s, (int, float)) or idle_timeout_s <= 0):
            raise ConfigError(f"idle_timeout_s must be a positive number of seconds, got {idle_timeout_s!r}")
        if discover_every_s is not None:
            if (isinstance(discover_every_s, bool) or not isinstance(discover_every_s, (int, float))
                    or not 0 < discover_every_s < float("inf")):
                raise ConfigError(f"discover_every_s must be a positive number of seconds, got {discover_every_s!r}")
            if bounded or idle_timeout_s is not None:
                raise ConfigError("discover_every_s is for the unbounded read, which never ends; "
                                  "it cannot be combined with bounded=True or idle_timeout_s")
        if missing_commit not in ("earliest", "latest"):
            raise ConfigError(f"missing_commit must be earliest or latest, got {missing_commit!r}")
        for name, value in (("max_watermark_delay_s", max_watermark_delay_s), ("checkpoint_interval_s", checkpoint_interval_s),
                            ("idle_resume_s", idle_resume_s)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{name} must be a non-negative number of seconds, got {value!r}")
        for name, value in (("poll_timeout_ms", poll_timeout_ms), ("max_poll_records", max_poll_records)):
            if not isinstance(value, int) or value <= 0:
                raise ConfigError(f"{name} must be a positive int, got {value!r}")
        self._config = config
        self._topics = topic_list
        self._bounded = bool(bounded)
        self._group = group
        self._stop_timestamp_ms = None if stop_at is None else to_epoch_millis(stop_at, what="stop_at")
        self._missing_commit = missing_commit
        self._watermark_delay_ms = int(max_watermark_delay_s * 1000)
        self._align_watermarks = align_watermarks
        self._discover_every_s = None if discover_every_s is None else float(discover_every_s)
        # With an idle timeout the read ends by itself: a bounded PCollection, so it runs (and everything
        # downstream fires) on the FnApiRunner like a bounded read.
        fn_class = _ReadPartitionFn if self._bounded or idle_timeout_s is not None else _ReadUnboundedPartitionFn
        if ledger and commit_offsets:
            raise ConfigError("ledger=True is for commits that follow the sinks (CommitOffsets); "
                              "pass commit_offsets=False with it, or the read commits in bundle finalization too")
        self._ledger = bool(ledger)
        self._read_fn = fn_class(config, group, commit_offsets, poll_timeout_ms, max_poll_records,
                                 float(checkpoint_interval_s), float(idle_resume_s),
                                 None if idle_timeout_s is None else float(idle_timeout_s), self._ledger)

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        align = self._align_watermarks
        if align is None:
            align = runs_in_process(pbegin.pipeline)
        discover_args = (self._config, self._topics, self._group, self._start, self._bounded, self._stop_timestamp_ms,
                         self._missing_commit, self._watermark_delay_ms, "kafka" if align else "")
        if self._discover_every_s is None:
            partitions = (
                pbegin
                | "Impulse" >> beam.Impulse()
                | "DiscoverPartitions" >> beam.ParDo(_DiscoverPartitionsFn(*discover_args))
            )
        else:
            keyed = beam.typehints.KV[str, beam.typehints.Any]
            start = pbegin | "Impulse" >> beam.Impulse() | "KeyStart" >> beam.Map(_start_key).with_output_types(keyed)
            ticks = (
                pbegin
                # REBASE_START: the first tick comes when the job starts, not when this was built.
                | "EveryInterval" >> PeriodicImpulse(fire_interval=self._discover_every_s, rebase=RebaseMode.REBASE_START)
                | "KeyTicks" >> beam.Map(_tick_key).with_output_types(keyed)
            )
            partitions = (
                (start, ticks)
                | "StartAndTicks" >> beam.Flatten()
                | "WatchPartitions" >> beam.ParDo(_WatchPartitionsFn(*discover_args))
            )
        distributed = partitions | "DistributePartitions" >> beam.Reshuffle()
        if self._ledger:
            return distributed | "ReadPartitions" >> beam.ParDo(self._read_fn).with_outputs(LEDGER, main="records")
        return distributed | "ReadPartitions" >> beam.ParDo(self._read_fn)
