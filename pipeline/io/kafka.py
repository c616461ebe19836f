"""Kafka source and sink for Beam, on kafka-python: the design of Beam Java KafkaIO's ``ReadFromKafkaDoFn``.

Reading is a splittable DoFn with one element per topic-partition and an offset-range restriction
``[start, stop)``. Partitions and their start/stop offsets are resolved once at pipeline start
(``DiscoverPartitions``) or, with ``discover_every_s``, also as partitions are added (``WatchPartitions``);
``ReadPartitions`` then polls each partition, claims offsets, emits
:class:`~pipeline.model.RawRecord` values timestamped with the Kafka record timestamp, and commits the
next offset to the consumer group only when the runner finalizes the bundle (after it has durably
committed the bundle's outputs), so a restarted job resumes without loss: at least once.

- bounded: the restriction stops at the end offsets seen at start (or the first offsets at/after a stop
  timestamp); the read completes and everything downstream runs on any runner.
- unbounded: the restriction is open-ended; the DoFn self-checkpoints with ``tracker.defer_remainder``
  when a poll returns nothing (or after ``checkpoint_interval_s``), letting the runner finalize bundles.

Only bytes leave this module: values are not parsed here, so a bad value becomes a dead letter in Parse.

Runners (Beam 2.77, measured with tests/integration): bounded reads run on the FnApiRunner; unbounded
reads need Prism (or Flink) — on Prism, windows behind a GroupByKey fire on idle partitions and offsets
are committed in bundle finalization, provided partition watermarks are aligned (see
:class:`_AlignedWatermarks`, on by default for the in-process runners).
"""
from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Union

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.io.iobase import WatermarkEstimator
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.metrics import Metrics
from apache_beam.transforms.core import RestrictionProvider, WatermarkEstimatorProvider
from apache_beam.transforms.periodicsequence import PeriodicImpulse, RebaseMode
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP, Duration, Timestamp
from apache_beam.utils.windowed_value import WindowedValue
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from pipeline.errors import ConfigError, KafkaIOError
from pipeline.io.kafka_serde import AvroValueSerializer
from pipeline.model import RawRecord, kafka_source
from pipeline.offsets import ReadRange, SinkAck
from pipeline.parse import MAX_TIMESTAMP_MS

_LOG = logging.getLogger(__name__)

METRICS_NAMESPACE = "wirepipe.kafka"
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
START_KINDS = ("committed", "earliest", "latest")
# The read's input is always in the global window (Impulse or PeriodicImpulse -> discovery -> Reshuffle).
_GLOBAL_WINDOWS = (GlobalWindow(),)
# Kafka offsets are signed 64-bit: an unbounded restriction runs to the largest one (as Java's Long.MAX_VALUE).
UNBOUNDED_STOP = 2**63 - 1
# The read's second output (``ledger=True``): a ReadRange per reader call, for commits that follow the sinks.
LEDGER = "ledger"


# --- configuration -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KafkaConfig:
    """How to reach the cluster: bootstrap servers, security protocol, SASL credentials, SSL CA file.

    ``repr`` never shows the SASL password. (The password still travels inside the pickled pipeline, as
    with any Beam I/O configured in code; use a secret-mounted file and the runner's protections there.)
    """

    bootstrap_servers: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: Optional[str] = None
    sasl_username: Optional[str] = None
    sasl_password: Optional[str] = field(default=None, repr=False)
    ssl_cafile: Optional[str] = None
    client_id: str = "wirepipe"
    request_timeout_ms: int = 30000

    def __post_init__(self) -> None:
        servers = self.bootstrap_servers
        if not isinstance(servers, str) or not servers.strip():
            raise ConfigError(f"bootstrap_servers must be 'host:port[,host:port...]', got {servers!r}")
        for server in servers.split(","):
            if not re.fullmatch(r"\s*(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}\s*", server):
                raise ConfigError(f"bootstrap server must be host:port, got {server!r}")
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise ConfigError(f"security_protocol must be one of {', '.join(SECURITY_PROTOCOLS)}, got {self.security_protocol!r}")
        uses_sasl = self.security_protocol.startswith("SASL_")
        if uses_sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise ConfigError(f"sasl_mechanism must be one of {', '.join(SASL_MECHANISMS)} with {self.security_protocol}, got {self.sasl_mechanism!r}")
            if not self.sasl_username or self.sasl_password is None:
                raise ConfigError(f"{self.security_protocol} needs sasl_username and sasl_password")
        elif self.sasl_mechanism or self.sasl_username or self.sasl_password:
            raise ConfigError(f"SASL options given but security_protocol is {self.security_protocol}; use SASL_SSL or SASL_PLAINTEXT")
        if self.ssl_cafile is not None and "SSL" not in self.security_protocol:
            raise ConfigError(f"ssl_cafile given but security_protocol is {self.security_protocol}; use SSL or SASL_SSL")
        if not isinstance(self.request_timeout_ms, int) or self.request_timeout_ms <= 0:
            raise ConfigError(f"request_timeout_ms must be a positive int, got {self.request_timeout_ms!r}")

    def __repr__(self) -> str:
        password = None if self.sasl_password is None else "***"
        return (
            f"KafkaConfig(bootstrap_servers={self.bootstrap_servers!r}, security_protocol={self.security_protocol!r}, "
            f"sasl_mechanism={self.sasl_mechanism!r}, sasl_username={self.sasl_username!r}, sasl_password={password!r}, "
            f"ssl_cafile={self.ssl_cafile!r}, client_id={self.client_id!r})"
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "KafkaConfig":
        """Build from a mapping (a config file section), rejecting unknown keys."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown Kafka option(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
        return cls(**dict(values))

    def client_options(self) -> dict:
        """Keyword arguments for kafka-python clients (consumer, producer, admin)."""
        options: dict[str, Any] = {
            "bootstrap_servers": [s.strip() for s in self.bootstrap_servers.split(",")],
            "security_protocol": self.security_protocol,
            "client_id": self.client_id,
            "request_timeout_ms": self.request_timeout_ms,
        }
        if self.sasl_mechanism:
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


class StartPosition(NamedTuple):
    """Where reading starts: the group's ``committed`` offset, ``earliest``, ``latest``, or a ``timestamp``."""

    kind: str
    timestamp_ms: Optional[int] = None

    @classmethod
    def parse(cls, value: Union["StartPosition", str, datetime, int]) -> "StartPosition":
        """Accept committed|earliest|latest, an ISO-8601 time (naive = UTC), a datetime, or epoch millis."""
        if isinstance(value, StartPosition):
            return value
        if isinstance(value, str) and value.strip().lower() in START_KINDS:
            return cls(value.strip().lower())
        return cls("timestamp", to_epoch_millis(value, what="start"))


def to_epoch_millis(value: Union[str, datetime, int], what: str = "time") -> int:
    """Return epoch milliseconds for an ISO-8601 string (naive means UTC), an aware or naive datetime, or an int."""
    if isinstance(value, bool):
        raise ConfigError(f"{what} must be an ISO-8601 time, a datetime or epoch millis, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"{what} must be non-negative epoch millis, got {value}")
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ConfigError(
                f"{what} must be committed, earliest, latest or an ISO-8601 time like 2026-11-29T03:00:00Z, got {value!r}"
            ) from exc
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp() * 1000)
    raise ConfigError(f"{what} must be an ISO-8601 time, a datetime or epoch millis, got {value!r}")


class PartitionRange(NamedTuple):
    """One topic-partition to read and its offset range, resolved at pipeline start."""

    topic: str
    partition: int
    start_offset: int
    stop_offset: int  # exclusive; UNBOUNDED_STOP when unbounded
    end_offset: int  # the partition's end offset when resolved (for backlog estimates)
    watermark_delay_ms: int = 0  # how far the watermark trails (see KafkaWatermarkEstimator)
    read_id: str = ""  # set when partition watermarks are aligned (see _AlignedWatermarks)
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
    retention) starts at the log start; one above the end offset (a re-created topic) at the end.
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
            first = first_offset(start, beginning[tp], end[tp],
                                 consumer.committed(tp) if start.kind == "committed" else None,
                                 None if found is None else found.offset, missing_commit)
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


# kafka-python 2.3 refuses network frames over receive_message_max_bytes (default 1,000,000), which
# is smaller than one partition's default fetch (1 MiB): a multi-partition fetch of a full topic then
# fails with "Invalid frame length" and is retried forever. Bound the fetch and allow a frame that fits it.
CONSUMER_FETCH_OPTIONS: dict[str, int] = {
    "fetch_max_bytes": 8 * 1024 * 1024,
    "max_partition_fetch_bytes": 1024 * 1024,
    "receive_message_max_bytes": 8 * 1024 * 1024 + 64 * 1024,
}


def _consumer(config: KafkaConfig, group: Optional[str], **overrides: Any) -> KafkaConsumer:
    options = {
        "group_id": group,
        "enable_auto_commit": False,  # offsets are committed in bundle finalization only
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
            consumer = _consumer(config, None)
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


# --- reading: partition discovery --------------------------------------------------------------------


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
        consumer = _consumer(self._config, self._group)
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
    some of its records (see :class:`_AlignedWatermarks`).
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
                _AlignedWatermarks.join(read_id, tuple(sorted(seen)), found.partitions)
        seen_state.write((read_id, found.seen))
        yield from self._stamped(ranges, read_id, tuple(sorted(found.seen)))

    def _list(self, seen: Optional[frozenset]) -> tuple[NewPartitions, list[PartitionRange]]:
        """List the partitions now; return what is new and the ranges to read from the new ones."""
        if self._watcher is None:
            self._watcher = _consumer(self._config, self._group)
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


# --- reading: the splittable DoFn ---------------------------------------------------------------------


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


class WatermarkState(NamedTuple):
    """What a partition's watermark estimator carries from one checkpoint to the next."""

    watermark: Timestamp  # this partition's own watermark (monotonic)
    max_event: Timestamp  # newest record timestamp seen
    idle: Timestamp  # watermark candidate from the last idle poll
    max_delay: Duration
    aligned: tuple = ()  # (read id, this partition, all partitions of the read) when aligned, see below


class _AlignedWatermarks:
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
    _tables: dict[str, dict[tuple[str, int], Timestamp]] = {}

    @classmethod
    def _table(cls, read_id: str, partitions: Iterable) -> dict[tuple[str, int], Timestamp]:
        table = cls._tables.get(read_id)
        if table is None:
            table = cls._tables[read_id] = {tuple(p): MIN_TIMESTAMP for p in partitions}
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
    minimum over all partitions of the read (see :class:`_AlignedWatermarks`).
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
        return _AlignedWatermarks.report(read_id, tuple(partition), partitions, own)

    def get_estimator_state(self) -> WatermarkState:
        return WatermarkState(self.own_watermark(), self._max_event, self._idle, self._max_delay, self._state.aligned)


class _WatermarkProvider(WatermarkEstimatorProvider):
    def initial_estimator_state(self, element: PartitionRange, restriction: OffsetRange) -> WatermarkState:
        aligned = ()
        if element.read_id:
            aligned = (element.read_id, (element.topic, element.partition), element.read_partitions)
        return KafkaWatermarkEstimator.initial_state(Duration(micros=element.watermark_delay_ms * 1000), aligned)

    def create_watermark_estimator(self, estimator_state: WatermarkState) -> KafkaWatermarkEstimator:
        return KafkaWatermarkEstimator(estimator_state)


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
        self._committer: Optional[KafkaConsumer] = None
        self._checker: Optional[KafkaConsumer] = None  # end-offset look-ups (see _confirmed_caught_up)
        self._commit_lock = threading.Lock()
        self._committed: dict[TopicPartition, int] = {}
        self._lag_gauges: dict[TopicPartition, Any] = {}
        self._last_record_at: dict[TopicPartition, float] = {}

    def teardown(self) -> None:
        for client in (getattr(self, "_consumer", None), getattr(self, "_committer", None), getattr(self, "_checker", None)):
            if client is not None:
                client.close(autocommit=False)

    def process(
        self,
        element: PartitionRange,
        # BundleFinalizerParam must come before the restriction and estimator params (see BEAM-NOTES).
        bundle_finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=beam.DoFn.RestrictionParam(_OffsetRangeProvider(bounded=True)),
        watermark_estimator=beam.DoFn.WatermarkEstimatorParam(_WatermarkProvider()),
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
                self._consumer = _consumer(self._config, None, max_poll_records=self._max_poll_records,
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
            self._reset_consumer()
            tracker.defer_remainder(Duration(seconds=max(1.0, self._idle_resume_s)))
            return
        finally:
            progress[0] = next_offset

    def _reset_consumer(self) -> None:
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
                self._checker = _consumer(self._config, None)
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
        """Commit ``offset`` for ``tp`` to the group (bundle finalization: the outputs are durable now)."""
        with self._commit_lock:
            if self._committed.get(tp, -1) >= offset:
                return  # finalizations can arrive out of order; never move a commit backwards
            try:
                if self._committer is None:
                    self._committer = _consumer(self._config, self._group)
                self._committer.commit({tp: OffsetAndMetadata(offset, "", -1)})
            except (KafkaError, KafkaIOError) as exc:
                # Not fatal: the records are emitted; a restart re-reads them (at least once).
                self._commit_failures.inc()
                _LOG.warning("commit of %s-%d at %d failed: %s", tp.topic, tp.partition, offset, exc)
                return
            self._committed[tp] = offset
            self._commits.inc()


class _ReadUnboundedPartitionFn(_ReadPartitionFn):
    """Reads one PartitionRange per element with an open-ended restriction (streaming)."""

    _BOUNDED = False

    @beam.DoFn.unbounded_per_element()
    def process(
        self,
        element: PartitionRange,
        bundle_finalizer=beam.DoFn.BundleFinalizerParam,
        tracker=beam.DoFn.RestrictionParam(_OffsetRangeProvider(bounded=False)),
        watermark_estimator=beam.DoFn.WatermarkEstimatorParam(_WatermarkProvider()),
    ) -> Iterator[WindowedValue]:
        yield from self._read(element, bundle_finalizer, tracker, watermark_estimator)


def _runs_in_process(pipeline: beam.Pipeline) -> bool:
    """True where every partition of a read is read in one SDK worker process, which can share a watermark
    table (see :class:`_AlignedWatermarks`): Prism, which starts one worker per environment whatever its
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
    the in-process local runners, where Prism needs it; see :class:`_AlignedWatermarks`).
    ``discover_every_s``: list the topics' partitions again at this interval and read each new one from
    its committed offset, else its earliest (Java KafkaIO's ``withDynamicRead``; unbounded reads only).
    Its records may be late: see :class:`_AlignedWatermarks`.
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
        if not topic_list or not all(isinstance(t, str) and re.fullmatch(r"[A-Za-z0-9._-]{1,249}", t) for t in topic_list):
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
            align = _runs_in_process(pbegin.pipeline)
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


# One key per read: the partition watcher's state (the partitions seen) lives under it.
def _start_key(_impulse: bytes) -> tuple[str, None]:
    return "partitions", None


def _tick_key(tick: Timestamp) -> tuple[str, Timestamp]:
    return "partitions", tick


def commit_offsets(config: KafkaConfig, group: str, positions: Mapping[tuple[str, int], int],
                   forward_only: bool = True) -> dict[tuple[str, int], int]:
    """Commit ``{(topic, partition): next offset}`` to ``group``, e.g. after a local run whose outputs are
    all written (the FnApiRunner finalizes the read's bundles before the stages after a shuffle run).
    With ``forward_only``, a partition whose committed offset is already at or past the given one is left
    alone. Returns what was committed."""
    if not group:
        raise ConfigError("commit_offsets needs a consumer group")
    consumer = _consumer(config, group)
    try:
        wanted = {TopicPartition(topic, partition): offset for (topic, partition), offset in positions.items()}
        if forward_only:
            wanted = {tp: offset for tp, offset in wanted.items() if (consumer.committed(tp) or -1) < offset}
        if wanted:
            consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in wanted.items()})
        return {(tp.topic, tp.partition): offset for tp, offset in wanted.items()}
    except KafkaError as exc:
        raise KafkaIOError(f"cannot commit offsets of group {group!r}: {exc}") from exc
    finally:
        consumer.close(autocommit=False)


class OffsetCommitter:
    """Commits a consumer group's offsets, forward only; made on a worker (it holds a Kafka client).

    A failed commit is not an error here: the caller keeps its target and tries again later (the records
    are durable; at worst a restart reads them again).
    """

    def __init__(self, config: KafkaConfig, group: str):
        if not group:
            raise ConfigError("committing offsets needs a consumer group")
        self._config = config
        self._group = group
        self._consumer: Optional[KafkaConsumer] = None
        self._committed: dict[TopicPartition, int] = {}

    def commit(self, topic: str, partition: int, offset: int) -> bool:
        """Commit ``offset`` (the next one to read) unless the group is already at or past it; True when done."""
        tp = TopicPartition(topic, partition)
        try:
            if self._consumer is None:
                self._consumer = _consumer(self._config, self._group)
            if tp not in self._committed:
                self._committed[tp] = self._consumer.committed(tp) or -1
            if self._committed[tp] >= offset:
                return True
            self._consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
        except Exception as exc:  # KafkaError, or an OSError of a client whose broker went away and came back
            # Any failure here must leave the stage running: a raised error fails the bundle, and the runner
            # retries it with the same broken client, so every commit of the partition stops.
            _LOG.warning("commit of %s-%d at %d to group %s failed (tried again later): %s",
                         topic, partition, offset, self._group, exc)
            self.close()
            return False
        self._committed[tp] = offset
        return True

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except Exception:  # closing a client of a broker that is gone must not fail the caller
                pass


# --- writing -----------------------------------------------------------------------------------------


class _WriteToKafkaFn(beam.DoFn):
    """(key, record) -> Avro value on ``topic``; a failed send fails the bundle, so the runner retries it."""

    def __init__(self, config: KafkaConfig, topic: str, schema_name: str, schema_id: Optional[int],
                 flush_timeout_s: float, producer_options: Mapping[str, Any], ack_kind: Optional[str] = None):
        self._config = config
        self._ack_kind = ack_kind
        self._topic = topic
        self._schema_name = schema_name
        self._schema_id = schema_id
        self._flush_timeout_s = flush_timeout_s
        self._producer_options = dict(producer_options)
        self._records = Metrics.counter(METRICS_NAMESPACE, "records_written")
        self._bytes = Metrics.counter(METRICS_NAMESPACE, "bytes_written")

    def setup(self) -> None:
        self._serialize = AvroValueSerializer(self._schema_name, self._schema_id)
        options = {
            "acks": "all",
            "retries": 5,
            "enable_idempotence": True,  # retries must not write duplicates within a producer session
            "linger_ms": 5,
            "delivery_timeout_ms": 60000,
            **self._config.client_options(),
            **self._producer_options,
        }
        try:
            self._producer = KafkaProducer(**options)
        except KafkaError as exc:
            raise KafkaIOError(f"cannot create a producer for {self._config.bootstrap_servers}: {exc}") from exc
        self._pending: list = []

    def start_bundle(self) -> None:
        self._pending = []
        self._sources: dict[tuple[str, int], list[int]] = {}
        self._last_timestamp = MIN_TIMESTAMP

    def process(self, element: tuple[Optional[str], Mapping[str, Any]], timestamp=beam.DoFn.TimestampParam) -> Iterable[None]:
        key, record = element
        if self._ack_kind is not None:
            source = record.get("source") or {}
            if source.get("kind") == "KAFKA":
                self._sources.setdefault((source["topic"], source["partition"]), []).append(source["offset"])
            self._last_timestamp = max(self._last_timestamp, timestamp)
        value, headers = self._serialize(record)
        try:
            future = self._producer.send(
                self._topic, key=None if key is None else key.encode("utf-8"), value=value, headers=list(headers)
            )
        except KafkaError as exc:
            raise KafkaIOError(f"send to {self._topic} failed: {exc}") from exc
        self._pending.append(future)
        self._records.inc()
        self._bytes.inc(len(value))
        return ()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        try:
            self._producer.flush(timeout=self._flush_timeout_s)
        except KafkaError as exc:
            raise KafkaIOError(f"flush to {self._topic} failed: {exc}") from exc
        pending, self._pending = self._pending, []
        for future in pending:
            if not future.is_done:
                raise KafkaIOError(f"{self._topic}: a send was not acknowledged within {self._flush_timeout_s}s")
            if future.failed():
                raise KafkaIOError(f"send to {self._topic} failed: {future.exception}") from future.exception
        # Every send of the bundle is acknowledged: the records are durable in the topic.
        sources, self._sources = getattr(self, "_sources", {}), {}
        for (topic, partition), offsets in sources.items():
            yield WindowedValue(SinkAck(topic, partition, f"topic:{self._topic}", self._ack_kind, tuple(offsets)),
                                self._last_timestamp, _GLOBAL_WINDOWS)

    def teardown(self) -> None:
        producer = getattr(self, "_producer", None)
        if producer is not None:
            producer.close(timeout=self._flush_timeout_s)


class WriteToKafka(beam.PTransform):
    """Write ``(key, record)`` pairs to ``topic`` as Avro values of schema ``schema_name``.

    Schemaless Avro with a schema-fingerprint header, or Confluent framing when ``schema_id`` is given
    (see :mod:`pipeline.io.kafka_serde`). acks=all, idempotent retries; a bundle succeeds only when every
    send of it is acknowledged. ``producer_options`` override kafka-python producer settings.
    With ``ack_kind`` (an output kind), the result holds a :class:`~pipeline.offsets.SinkAck` per source
    partition of each acknowledged bundle, for :class:`CommitOffsets`; records must then carry ``source``.
    """

    def __init__(self, config: KafkaConfig, topic: str, schema_name: str, schema_id: Optional[int] = None,
                 flush_timeout_s: float = 60.0, producer_options: Optional[Mapping[str, Any]] = None,
                 ack_kind: Optional[str] = None):
        super().__init__()
        if not isinstance(config, KafkaConfig):
            raise ConfigError(f"config must be a KafkaConfig, got {type(config).__name__}")
        if not isinstance(topic, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,249}", topic):
            raise ConfigError(f"topic must be a Kafka topic name ([A-Za-z0-9._-]), got {topic!r}")
        AvroValueSerializer(schema_name, schema_id)  # checks the schema name and id now, not on a worker
        if not isinstance(flush_timeout_s, (int, float)) or flush_timeout_s <= 0:
            raise ConfigError(f"flush_timeout_s must be a positive number, got {flush_timeout_s!r}")
        self._fn = _WriteToKafkaFn(config, topic, schema_name, schema_id, float(flush_timeout_s), producer_options or {},
                                   ack_kind)

    def expand(self, pcoll: beam.PCollection) -> beam.PCollection:
        return pcoll | "WriteRecords" >> beam.ParDo(self._fn)


__all__ = [
    "KafkaConfig",
    "KafkaWatermarkEstimator",
    "LEDGER",
    "OffsetCommitter",
    "NewPartitions",
    "PartitionRange",
    "ReadFromKafka",
    "check_connection",
    "StartPosition",
    "WatermarkState",
    "WriteToKafka",
    "commit_offsets",
    "find_new_partitions",
    "first_offset",
    "list_partitions",
    "resolve_partition_ranges",
    "to_epoch_millis",
    "to_raw_record",
]
