"""The Kafka I/O parts that need no broker: configuration, start positions, the watermark policy,
argument checks of the transforms, and the Avro value framing."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from apache_beam.utils.timestamp import MIN_TIMESTAMP, Duration, Timestamp

from pipeline.errors import ConfigError, InputError
from pipeline.io.kafka import KafkaConfig, KafkaWatermarkEstimator, ReadFromKafka, StartPosition, WriteToKafka
from pipeline.io.kafka.serde import FINGERPRINT_HEADER, AvroValueDecoder, AvroValueSerializer, schema_fingerprint

BASE_TS = 1_764_000_000_000  # 2025-11-24T16:00:00Z, in ms
CONFIG = KafkaConfig("127.0.0.1:9092")  # never contacted: building a transform does not connect
ARTICLE = {"id": "sana-2015-10-12-001", "body": "طالب وزير الخارجية الروسي سيرغي لافروف الولايات المتحدة بإعطاء أجوبة صريحة.",
           "headline": "لافروف يطالب واشنطن بأجوبة واضحة", "agency": "SANA", "published_at": 1_444_636_800_000,
           "url": None, "author": None, "language": "ar", "version": None, "extra": {"desk": "سياسة"}}
ARTICLE_DECODED = {**ARTICLE, "published_at": datetime(2015, 10, 12, 8, 0, tzinfo=timezone.utc)}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"topics": "t", "start": "committed"}, "needs a consumer group"),
        ({"topics": "t", "start": "yesterday"}, "ISO-8601"),
        ({"topics": "bad topic!", "start": "earliest"}, "topic names"),
        ({"topics": "t", "start": "earliest", "stop_at": 5}, "bounded=True"),
        ({"topics": "t", "start": "earliest", "missing_commit": "oldest"}, "earliest or latest"),
    ],
)
def test_read_arguments_are_checked_when_the_transform_is_built(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ReadFromKafka(CONFIG, **kwargs)


@pytest.mark.parametrize(
    "records_ts, idle_at, expected",
    [
        ([], None, MIN_TIMESTAMP),  # nothing seen: no progress
        ([10_000, 30_000, 20_000], None, Timestamp(28)),  # newest record − 2 s, never backwards
        ([10_000], 100, Timestamp(98)),  # idle: now − 2 s
        ([500_000], 100, Timestamp(498)),  # idle never pulls the watermark below the records' own
    ],
)
def test_watermark_policy(records_ts, idle_at, expected):
    estimator = KafkaWatermarkEstimator(KafkaWatermarkEstimator.initial_state(Duration(seconds=2)))
    for ms in records_ts:
        estimator.observe_timestamp(Timestamp(micros=ms * 1000))
        estimator.current_watermark()
    if idle_at is not None:
        estimator.mark_idle(Timestamp(idle_at))
    assert estimator.current_watermark() == expected
    restored = KafkaWatermarkEstimator(estimator.get_estimator_state())
    assert restored.current_watermark() == expected


def test_aligned_watermarks_report_the_slowest_partition_of_the_read():
    """For Prism, each partition reports the minimum over the read; partitions not read yet hold it."""
    partitions = (("t", 0), ("t", 1))
    states = [KafkaWatermarkEstimator.initial_state(Duration(seconds=2), ("read-x", p, partitions)) for p in partitions]
    p0, p1 = (KafkaWatermarkEstimator(s) for s in states)
    p0.observe_timestamp(Timestamp(100))
    p0.mark_idle(Timestamp(500))
    assert p0.own_watermark() == Timestamp(498)
    assert p0.current_watermark() == MIN_TIMESTAMP  # partition 1 has reported nothing yet
    p1.observe_timestamp(Timestamp(50))
    assert p1.current_watermark() == Timestamp(48)
    assert p0.current_watermark() == Timestamp(48)
    # A restored estimator keeps its own watermark, not the aligned one.
    assert KafkaWatermarkEstimator(p0.get_estimator_state()).own_watermark() == Timestamp(498)
    other_read = KafkaWatermarkEstimator(KafkaWatermarkEstimator.initial_state(Duration(0), ("read-y", ("t", 0), partitions[:1])))
    other_read.mark_idle(Timestamp(700))
    assert other_read.current_watermark() == Timestamp(700)  # reads do not hold each other


@pytest.mark.parametrize(
    "value, expected",
    [
        ("committed", StartPosition("committed")),
        (" Earliest ", StartPosition("earliest")),
        ("2025-11-24T16:00:05Z", StartPosition("timestamp", BASE_TS + 5000)),
        ("2025-11-24T19:00:05+03:00", StartPosition("timestamp", BASE_TS + 5000)),
        ("2025-11-24T16:00:05", StartPosition("timestamp", BASE_TS + 5000)),  # naive = UTC
        (BASE_TS, StartPosition("timestamp", BASE_TS)),
    ],
)
def test_start_position_parsing(value, expected):
    assert StartPosition.parse(value) == expected


def test_config_repr_hides_the_password_and_checks_options():
    config = KafkaConfig("broker-1:9093,broker-2:9093", security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                         sasl_username="wirepipe", sasl_password="s3cr3t-value", ssl_cafile="/etc/ca.pem")
    assert "s3cr3t-value" not in repr(config) and "s3cr3t-value" not in str(config)
    assert config.client_options()["sasl_plain_password"] == "s3cr3t-value"
    assert config.client_options()["bootstrap_servers"] == ["broker-1:9093", "broker-2:9093"]
    with pytest.raises(ConfigError, match="sasl_mechanism"):
        KafkaConfig("b:9092", security_protocol="SASL_SSL", sasl_username="u", sasl_password="p")
    with pytest.raises(ConfigError, match="host:port"):
        KafkaConfig("localhost")
    with pytest.raises(ConfigError, match="unknown Kafka option"):
        KafkaConfig.from_mapping({"bootstrap_servers": "b:9092", "sasl_pasword": "typo"})


@pytest.mark.parametrize(
    "value, headers, kind",
    [
        (b"", ((FINGERPRINT_HEADER, schema_fingerprint("wire_article").encode()),), "avro_decode"),  # empty
        (b"\x0cabc", ((FINGERPRINT_HEADER, schema_fingerprint("wire_article").encode()),), "avro_decode"),  # short
        (b'{"id": "x"}', (), "avro_decode"),  # JSON, no framing
        (b"\x00\x00\x00\x00\x07\x02", (), "avro_decode"),  # Confluent framing, unknown id
        (b"\x02", ((FINGERPRINT_HEADER, b"0000000000000000"),), "avro_decode"),  # unknown fingerprint
    ],
)
def test_decoder_rejects_values_it_cannot_read(value, headers, kind):
    with pytest.raises(InputError) as info:
        AvroValueDecoder()(value, headers)
    assert info.value.kind == kind


def test_decoder_rejects_trailing_bytes():
    serialize = AvroValueSerializer("wire_article")
    value, headers = serialize(ARTICLE)
    assert AvroValueDecoder()(value, headers) == ("wire_article", ARTICLE_DECODED)
    with pytest.raises(InputError, match="trailing bytes"):
        AvroValueDecoder()(value + b"\x00", headers)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"topic": "t", "schema_name": "no_such_schema"}, "unknown schema"),
        ({"topic": "t", "schema_name": "wire_article", "schema_id": -1}, "schema_id"),
        ({"topic": "with space", "schema_name": "wire_article"}, "topic name"),
    ],
)
def test_write_arguments_are_checked_when_the_transform_is_built(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        WriteToKafka(CONFIG, **kwargs)


def test_record_not_matching_the_schema_is_an_input_error():
    with pytest.raises(InputError) as info:
        AvroValueSerializer("wire_article")({"id": "x"})  # body missing
    assert info.value.kind == "avro_encode"
