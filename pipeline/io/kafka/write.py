"""The sink: records as Avro values on a topic, a bundle done only when every send is acknowledged."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue
from kafka import KafkaProducer
from kafka.errors import KafkaError

from pipeline.errors import ConfigError, KafkaIOError
from pipeline.io.kafka.config import METRICS_NAMESPACE, KafkaConfig, is_topic_name
from pipeline.io.kafka.serde import AvroValueSerializer
from pipeline.offsets import SinkAck

_GLOBAL_WINDOWS = (GlobalWindow(),)


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
    (see :mod:`pipeline.io.kafka.serde`). acks=all, idempotent retries; a bundle succeeds only when every
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
        if not is_topic_name(topic):
            raise ConfigError(f"topic must be a Kafka topic name ([A-Za-z0-9._-]), got {topic!r}")
        AvroValueSerializer(schema_name, schema_id)  # checks the schema name and id now, not on a worker
        if not isinstance(flush_timeout_s, (int, float)) or flush_timeout_s <= 0:
            raise ConfigError(f"flush_timeout_s must be a positive number, got {flush_timeout_s!r}")
        self._fn = _WriteToKafkaFn(config, topic, schema_name, schema_id, float(flush_timeout_s), producer_options or {},
                                   ack_kind)

    def expand(self, pcoll: beam.PCollection) -> beam.PCollection:
        return pcoll | "WriteRecords" >> beam.ParDo(self._fn)
