"""ReadFromKafka against the real broker: bounded reads on Beam's FnApiRunner, start positions, offset
commits in bundle finalization, and the unbounded read loop driven by hand with Beam's own tracker."""
from __future__ import annotations

import json
from typing import NamedTuple, Optional

import apache_beam as beam
import pytest
from apache_beam.io.restriction_trackers import OffsetRange
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.sdf_utils import ThreadsafeRestrictionTracker
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.core import _BundleFinalizerParam
from apache_beam.utils.timestamp import Duration, Timestamp
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.errors import KafkaIOError
from pipeline.io.kafka import (
    UNBOUNDED_STOP,
    KafkaConfig,
    KafkaWatermarkEstimator,
    PartitionRange,
    ReadFromKafka,
    commit_offsets,
)
from pipeline.io.kafka.read import _OffsetRangeProvider, _ReadUnboundedPartitionFn

pytestmark = pytest.mark.kafka

RUNNER = ["--runner=apache_beam.runners.portability.fn_api_runner.FnApiRunner"]
BASE_TS = 1_764_000_000_000  # 2025-11-24T16:00:00Z, in ms

# Values as they arrive from agencies, good and bad: Parse (not the source) must judge them.
VALUES: list[Optional[bytes]] = [
    json.dumps({"id": "sana-1", "headline": "وزير الخارجية يلتقي نظيره العراقي", "body": "التقى وزير الخارجية في دمشق اليوم نظيره العراقي."}, ensure_ascii=False).encode(),
    json.dumps({"id": "wafa-7", "body": "أعلنت وزارة الصحة في رام الله عن افتتاح مستشفى جديد."}, ensure_ascii=False).encode(),
    b'{"id": "spa-3", "body": "\xd8\xa7\xd9\x84\xd8\xb1\xd9\x8a\xd8\xa7\xd8\xb6"',  # truncated JSON
    b"\xff\xfe\x00 not utf-8 \xd8",  # not UTF-8
    None,  # tombstone
    "الرياض (واس) - نص بلا JSON".encode(),
]


class Produced(NamedTuple):
    partition: int
    offset: int
    key: bytes
    value: Optional[bytes]
    timestamp_ms: int
    headers: tuple


def produce(bootstrap: str, topic: str, n: int, first_ts: int = BASE_TS, start_index: int = 0) -> list[Produced]:
    """Send n records (values cycling through VALUES), timestamps first_ts + 1000*i; return where they landed."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    sent = []
    for i in range(start_index, start_index + n):
        key = f"story-{i}".encode()
        value = VALUES[i % len(VALUES)]
        headers = [("agency", "سانا".encode()), ("seq", str(i).encode())]
        future = producer.send(topic, key=key, value=value, headers=headers, timestamp_ms=first_ts + 1000 * i)
        sent.append((future, key, value, first_ts + 1000 * i, tuple(headers)))
    producer.flush()
    out = []
    for future, key, value, ts, headers in sent:
        meta = future.get(timeout=10)
        out.append(Produced(meta.partition, meta.offset, key, value, ts, headers))
    producer.close()
    return out


def as_tuple(raw, timestamp=beam.DoFn.TimestampParam):
    """Everything a RawRecord carries, plus its element timestamp in ms (must equal the record's)."""
    src = raw.source
    return (src["kind"], src["topic"], src["partition"], src["offset"], raw.key, raw.payload, raw.timestamp_ms,
            raw.headers, timestamp.micros // 1000)


def expected_tuples(topic: str, records: list[Produced]) -> list[tuple]:
    return [("KAFKA", topic, r.partition, r.offset, r.key, r.value, r.timestamp_ms, r.headers, r.timestamp_ms)
            for r in records]


def run_read(config: KafkaConfig, topic: str, expected: list[tuple], **read_args) -> None:
    with beam.Pipeline(options=PipelineOptions(RUNNER)) as p:
        records = p | "Read" >> ReadFromKafka(config, topic, bounded=True, **read_args) | beam.Map(as_tuple)
        assert_that(records, equal_to(expected))


def committed_offsets(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, Optional[int]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return {p: consumer.committed(TopicPartition(topic, p)) for p in range(partitions)}
    finally:
        consumer.close(autocommit=False)


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        consumer.close()


def test_broker_serves_a_three_partition_topic(kafka_bootstrap, make_topic):
    topic = make_topic(partitions=3)
    records = produce(kafka_bootstrap, topic, 12)
    assert {r.partition for r in records} <= {0, 1, 2}
    assert sum(end_offsets(kafka_bootstrap, topic, 3).values()) == 12


def test_bounded_earliest_reads_every_record_once_with_its_metadata(kafka_bootstrap, kafka_config, make_topic):
    topic = make_topic(partitions=3)
    records = produce(kafka_bootstrap, topic, 36)
    assert len({r.partition for r in records}) > 1  # the keys really spread over partitions
    run_read(kafka_config, topic, expected_tuples(topic, records), start="earliest")


def test_committed_offsets_resume_and_a_second_run_reads_nothing(kafka_bootstrap, kafka_config, make_topic, group_name):
    topic = make_topic(partitions=3)
    first = produce(kafka_bootstrap, topic, 30)
    run_read(kafka_config, topic, expected_tuples(topic, first), start="committed", group=group_name)
    assert committed_offsets(kafka_bootstrap, group_name, topic, 3) == end_offsets(kafka_bootstrap, topic, 3)

    run_read(kafka_config, topic, [], start="committed", group=group_name)

    second = produce(kafka_bootstrap, topic, 9, start_index=30)
    run_read(kafka_config, topic, expected_tuples(topic, second), start="committed", group=group_name)
    assert committed_offsets(kafka_bootstrap, group_name, topic, 3) == end_offsets(kafka_bootstrap, topic, 3)


def test_start_and_stop_timestamps_select_a_time_range(kafka_bootstrap, kafka_config, make_topic):
    topic = make_topic(partitions=2)
    records = produce(kafka_bootstrap, topic, 20)
    start_ms, stop_ms = BASE_TS + 5_000, BASE_TS + 15_000  # records 5..14
    wanted = [r for r in records if start_ms <= r.timestamp_ms < stop_ms]
    assert len(wanted) == 10
    run_read(kafka_config, topic, expected_tuples(topic, wanted), start="2025-11-24T16:00:05Z", stop_at=stop_ms)


def test_latest_in_bounded_mode_reads_nothing_and_commits_nothing(kafka_bootstrap, kafka_config, make_topic, group_name):
    topic = make_topic(partitions=3)
    produce(kafka_bootstrap, topic, 6)
    run_read(kafka_config, topic, [], start="latest", group=group_name)
    assert committed_offsets(kafka_bootstrap, group_name, topic, 3) == {0: None, 1: None, 2: None}


def test_idle_timeout_ends_an_open_read_once_the_topic_is_quiet(kafka_bootstrap, kafka_config, make_topic):
    """`wirepipe run --until-idle`: an unbounded start position, ended by idleness, on the FnApiRunner."""
    topic = make_topic(partitions=2)
    records = produce(kafka_bootstrap, topic, 14)
    with beam.Pipeline(options=PipelineOptions(RUNNER)) as p:
        read = p | "Read" >> ReadFromKafka(kafka_config, topic, start="earliest", idle_timeout_s=1.0)
        assert read.is_bounded  # so windows, shuffles and file sinks complete on the local runner
        assert_that(read | beam.Map(as_tuple), equal_to(expected_tuples(topic, records)))


def test_commit_offsets_moves_a_group_forward_only(kafka_bootstrap, kafka_config, make_topic, group_name):
    topic = make_topic(partitions=2)
    records = produce(kafka_bootstrap, topic, 16)
    assert commit_offsets(kafka_config, group_name, {(topic, 0): 3, (topic, 1): 2}) == {(topic, 0): 3, (topic, 1): 2}
    assert commit_offsets(kafka_config, group_name, {(topic, 0): 1, (topic, 1): 4}) == {(topic, 1): 4}
    assert committed_offsets(kafka_bootstrap, group_name, topic, 2) == {0: 3, 1: 4}
    rest = [r for r in records if r.offset >= {0: 3, 1: 4}[r.partition]]
    run_read(kafka_config, topic, expected_tuples(topic, rest), start="committed", group=group_name, commit_offsets=False)


def test_a_commit_below_the_log_start_reads_from_it_and_says_how_many_were_lost(
        kafka_bootstrap, kafka_config, kafka_admin, make_topic, group_name, caplog):
    """Records deleted before the group read them (retention, or DeleteRecords as here) cannot be read:
    the read starts at the log start and says how many offsets the group never saw."""
    topic = make_topic(partitions=1)
    records = produce(kafka_bootstrap, topic, 10)
    commit_offsets(kafka_config, group_name, {(topic, 0): 2})
    kafka_admin.delete_records({TopicPartition(topic, 0): 6})
    caplog.set_level("WARNING", logger="pipeline.io.kafka.discovery")
    run_read(kafka_config, topic, expected_tuples(topic, records[6:]), start="committed", group=group_name,
             commit_offsets=False)
    assert any("committed offset 2 is below the log start 6: 4 records were deleted" in r.getMessage()
               for r in caplog.records)


def test_missing_topic_fails_the_read(kafka_config):
    # The FnApiRunner re-raises the DoFn's own exception type, with the step name appended.
    with pytest.raises(KafkaIOError, match="'wp-test.no-such-topic' not found"):
        run_read(kafka_config, "wp-test.no-such-topic", [], start="earliest")


def test_unbounded_read_checkpoints_when_idle_advances_the_watermark_and_commits_on_finalize(
    kafka_bootstrap, kafka_config, make_topic, group_name
):
    """The streaming loop, driven as a runner drives it: claim, emit, defer the remainder, finalize."""
    topic = make_topic(partitions=1)
    records = produce(kafka_bootstrap, topic, 8)
    fn = _ReadUnboundedPartitionFn(kafka_config, group_name, commit_offsets=True, poll_timeout_ms=300,
                                   max_poll_records=500, checkpoint_interval_s=30.0, idle_resume_s=1.0)
    fn.setup()
    provider = _OffsetRangeProvider(bounded=False)
    element = PartitionRange(topic, 0, 0, UNBOUNDED_STOP, 8, watermark_delay_ms=2000)
    estimator = KafkaWatermarkEstimator(KafkaWatermarkEstimator.initial_state(Duration(seconds=2)))
    finalizer = _BundleFinalizerParam()

    def call(restriction: OffsetRange) -> tuple[list, OffsetRange]:
        tracker = ThreadsafeRestrictionTracker(provider.create_tracker(restriction))
        out = list(fn.process(element, bundle_finalizer=finalizer, tracker=tracker, watermark_estimator=estimator))
        for value in out:
            estimator.observe_timestamp(value.timestamp)  # the SDK does this for every output
        residual, _delay = tracker.deferred_status()  # an unbounded call always defers the rest
        return out, residual

    try:
        out, restriction = [], OffsetRange(0, UNBOUNDED_STOP)
        for _ in range(10):  # the first polls may come back empty while the fetch starts
            batch, restriction = call(restriction)
            out.extend(batch)
            if len(out) == 8:
                break
        assert [(v.value.source["offset"], v.timestamp.micros // 1000) for v in out] == [
            (r.offset, r.timestamp_ms) for r in records]
        assert restriction == OffsetRange(8, UNBOUNDED_STOP)

        # The records are from 2025 and the partition is now idle: polls return nothing, the rest is
        # deferred, and the watermark moves to about now − 2 s (not to 2025 − 2 s).
        before = Timestamp.now()
        for _ in range(5):
            batch, restriction = call(restriction)
            assert batch == [] and restriction == OffsetRange(8, UNBOUNDED_STOP)
            if estimator.current_watermark() >= before - 2:
                break
        assert before - 2 <= estimator.current_watermark() <= Timestamp.now() - 2

        assert committed_offsets(kafka_bootstrap, group_name, topic, 1) == {0: None}  # not before finalization
        finalizer.finalize_bundle()
        assert committed_offsets(kafka_bootstrap, group_name, topic, 1) == {0: 8}
    finally:
        fn.teardown()


