"""WriteToKafka against the real broker, read back with the decoder of pipeline.io.kafka.serde."""
from __future__ import annotations

import struct
from datetime import datetime, timezone

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from tests.integration.kafka_helpers import read_topic
from pipeline.errors import InputError, KafkaIOError
from pipeline.io.kafka import KafkaConfig, WriteToKafka
from pipeline.io.kafka.serde import (
    FINGERPRINT_HEADER,
    SCHEMA_HEADER,
    AvroValueDecoder,
    schema_fingerprint,
)

pytestmark = pytest.mark.kafka

RUNNER = ["--runner=apache_beam.runners.portability.fn_api_runner.FnApiRunner"]


def article(article_id: str, headline: str, body: str, published_at: int | None = None, **extra: str) -> dict:
    return {"id": article_id, "body": body, "headline": headline, "agency": "SANA", "published_at": published_at,
            "url": None, "author": None, "language": "ar", "version": None, "extra": dict(extra)}


ARTICLES = [
    article("sana-2015-10-12-001", "لافروف يطالب واشنطن بأجوبة واضحة",
            "طالب وزير الخارجية الروسي سيرغي لافروف الولايات المتحدة بإعطاء أجوبة صريحة.", 1_444_636_800_000),
    article("wafa-17", "افتتاح مستشفى في رام الله", "أعلنت وزارة الصحة عن افتتاح مستشفى جديد.", None,
            desk="محليات"),
    article("spa-9", "", "الرياض (واس) - عقد مجلس الوزراء جلسته الأسبوعية.", 1_700_000_000_123),
]


def as_decoded(record: dict) -> dict:
    """What fastavro reads back: timestamp-millis becomes an aware UTC datetime (as in pipeline.io.avro.read_avro)."""
    ms = record["published_at"]
    return {**record, "published_at": None if ms is None else datetime.fromtimestamp(ms / 1000, tz=timezone.utc)}


def write(config: KafkaConfig, topic: str, **kwargs) -> None:
    with beam.Pipeline(options=PipelineOptions(RUNNER)) as p:
        (p | beam.Create([(a["id"], a) for a in ARTICLES])
           | "Write" >> WriteToKafka(config, topic, "wire_article", **kwargs))


def test_schemaless_round_trip_with_fingerprint_header(kafka_bootstrap, kafka_config, make_topic):
    topic = make_topic(partitions=2)
    write(kafka_config, topic)
    records = read_topic(kafka_bootstrap, topic, len(ARTICLES))
    decode = AvroValueDecoder()
    decoded = {r.key.decode(): decode(r.value, r.headers) for r in records}
    assert decoded == {a["id"]: ("wire_article", as_decoded(a)) for a in ARTICLES}
    for r in records:
        headers = dict(r.headers)
        assert headers[SCHEMA_HEADER] == b"io.wirepipe.WireArticle"
        assert headers[FINGERPRINT_HEADER] == schema_fingerprint("wire_article").encode()


def test_confluent_framing_round_trip(kafka_bootstrap, kafka_config, make_topic):
    topic = make_topic(partitions=1)
    write(kafka_config, topic, schema_id=42)
    records = read_topic(kafka_bootstrap, topic, len(ARTICLES))
    assert len(records) == len(ARTICLES)
    for r in records:
        assert r.value[:5] == b"\x00" + struct.pack(">I", 42)
        assert not r.headers
    decode = AvroValueDecoder(schema_ids={42: "wire_article"})
    assert sorted((decode(r.value, r.headers) for r in records), key=lambda d: d[1]["id"]) == sorted(
        (("wire_article", as_decoded(a)) for a in ARTICLES), key=lambda d: d[1]["id"])
    with pytest.raises(InputError, match="unknown schema id 42"):
        AvroValueDecoder()(records[0].value, records[0].headers)


def test_send_failure_fails_the_bundle(kafka_config):
    # The topic does not exist and may not be created: the producer gives up after max_block_ms.
    with pytest.raises(KafkaIOError, match="wp-test.never-created"):
        write(kafka_config, "wp-test.never-created",
              producer_options={"allow_auto_create_topics": False, "max_block_ms": 1500}, flush_timeout_s=5)


