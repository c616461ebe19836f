"""Unbounded ReadFromKafka on Beam's Prism runner: windows behind a GroupByKey fire on idle partitions,
offsets are committed through bundle finalization while the job runs, and (with ``discover_every_s``)
a partition added while it runs is read.

Prism is a Go binary (`go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0`); the tests are
skipped unless it is found ($PRISM_LOCATION, `prism` on PATH, or $(go env GOPATH)/bin/prism)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms import trigger
from apache_beam.transforms.window import FixedWindows
from apache_beam.utils.windowed_value import PaneInfoTiming
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewPartitions

from pipeline.io.kafka import ReadFromKafka
from tests.integration.kafka_helpers import prism_or_none



PRISM = prism_or_none()
pytestmark = [
    pytest.mark.kafka,
    pytest.mark.slow,
    pytest.mark.skipif(PRISM is None, reason="Prism runner binary not found (set PRISM_LOCATION)"),
]


class _AppendWindow(beam.DoFn):
    """Append each fired pane (partition, offsets, window end, pane timing) to a JSONL file."""

    def __init__(self, path: str):
        self._path = path

    def process(self, kv, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        partition, offsets = kv
        with open(self._path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"partition": partition, "offsets": sorted(offsets), "end": float(window.end),
                                 "timing": int(pane.timing)}) + "\n")


def _panes(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return condition()


def test_unbounded_read_fires_windows_and_commits_while_running(kafka_bootstrap, kafka_config, make_topic, group_name, tmp_path):
    topic = make_topic(partitions=2)
    out = tmp_path / "panes.jsonl"
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")

    def send(first: int, n: int) -> None:
        for i in range(first, first + n):
            producer.send(topic, key=f"story-{i}".encode(), value=f"خبر رقم {i}".encode())
        producer.flush()

    def offsets_seen() -> list[tuple[int, int]]:
        return sorted((p["partition"], o) for p in _panes(out) for o in p["offsets"])

    def committed() -> dict[int, Optional[int]]:
        consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group_name, enable_auto_commit=False)
        try:
            return {p: consumer.committed(TopicPartition(topic, p)) for p in range(2)}
        finally:
            consumer.close(autocommit=False)

    def ends() -> dict[int, int]:
        consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
        try:
            return {tp.partition: o for tp, o in consumer.end_offsets([TopicPartition(topic, p) for p in range(2)]).items()}
        finally:
            consumer.close()

    send(0, 20)
    options = PipelineOptions(["--runner=PrismRunner", f"--prism_location={PRISM}", "--streaming",
                               "--environment_type=LOOPBACK"])
    p = beam.Pipeline(options=options)
    _ = (p
         | "Read" >> ReadFromKafka(kafka_config, topic, start="committed", group=group_name, max_watermark_delay_s=1.0)
         | "Offsets" >> beam.Map(lambda raw: (raw.source["partition"], raw.source["offset"]))
         | "Window" >> beam.WindowInto(FixedWindows(2))
         | "Group" >> beam.GroupByKey()
         | "Append" >> beam.ParDo(_AppendWindow(str(out))))
    result = p.run()
    try:
        # The records are "now": their windows can only fire once the idle partitions move the watermark.
        assert _wait_for(lambda: len(offsets_seen()) >= 20, 60), f"panes so far: {_panes(out)}"
        assert _wait_for(lambda: committed() == ends(), 20), (committed(), ends())
        send(20, 10)
        assert _wait_for(lambda: len(offsets_seen()) >= 30, 30), f"panes so far: {_panes(out)}"
        assert _wait_for(lambda: committed() == ends(), 20), (committed(), ends())
    finally:
        result.cancel()
        producer.close()
    end = ends()
    assert offsets_seen() == sorted((part, o) for part in range(2) for o in range(end[part]))  # each exactly once


def test_partition_added_while_running_is_found_and_read(kafka_bootstrap, kafka_config, kafka_admin, make_topic, group_name,
                                                         tmp_path):
    """discover_every_s: a partition added to the topic while the job runs is read from its first record,
    and the first partition keeps flowing (its windows still fire) once the new one has joined. The
    backlog present at start is on time, as without discovery (the watermark waits for it)."""
    topic = make_topic(partitions=1)
    out = tmp_path / "panes.jsonl"
    producers: list[KafkaProducer] = []

    def producer_for(partitions: int) -> KafkaProducer:
        """A producer whose metadata has ``partitions`` partitions of the topic (it refuses a partition it does not know)."""
        deadline = time.monotonic() + 20
        while True:
            producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
            producers.append(producer)
            if len(producer.partitions_for(topic)) >= partitions:
                return producer
            assert time.monotonic() < deadline, f"no producer saw {partitions} partitions of {topic}"
            time.sleep(0.2)

    def send(producer: KafkaProducer, partition: int, first: int, n: int, timestamp_ms: Optional[int] = None) -> None:
        for i in range(first, first + n):
            producer.send(topic, partition=partition, key=f"story-{partition}-{i}".encode(), value=f"خبر رقم {i}".encode(),
                          timestamp_ms=timestamp_ms)
        producer.flush()

    def offsets_seen() -> list[tuple[int, int]]:
        return sorted((p["partition"], o) for p in _panes(out) for o in p["offsets"])

    send(producer_for(1), 0, 0, 10, timestamp_ms=int(time.time() * 1000) - 60_000)  # a minute before the job starts
    options = PipelineOptions(["--runner=PrismRunner", f"--prism_location={PRISM}", "--streaming",
                               "--environment_type=LOOPBACK"])
    p = beam.Pipeline(options=options)
    _ = (p
         | "Read" >> ReadFromKafka(kafka_config, topic, start="committed", group=group_name, max_watermark_delay_s=1.0,
                                   discover_every_s=1.0)
         | "Offsets" >> beam.Map(lambda raw: (raw.source["partition"], raw.source["offset"]))
         # Records of the new partition may be behind the watermark when it is found: keep late panes.
         | "Window" >> beam.WindowInto(FixedWindows(2), trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                                       accumulation_mode=trigger.AccumulationMode.DISCARDING, allowed_lateness=600)
         | "Group" >> beam.GroupByKey()
         | "Append" >> beam.ParDo(_AppendWindow(str(out))))
    result = p.run()
    try:
        assert _wait_for(lambda: len(offsets_seen()) >= 10, 60), f"panes so far: {_panes(out)}"
        kafka_admin.create_partitions({topic: NewPartitions(total_count=2)})
        producer = producer_for(2)
        send(producer, 1, 0, 10)
        send(producer, 0, 10, 5)  # partition 0 must not be held up by the one that joined
        expected = [(0, o) for o in range(15)] + [(1, o) for o in range(10)]
        assert _wait_for(lambda: set(offsets_seen()) >= set(expected), 40), f"seen: {offsets_seen()}"
    finally:
        result.cancel()
        for producer in producers:
            producer.close()
    assert offsets_seen() == expected  # each exactly once
    backlog_timings = {p["timing"] for p in _panes(out) if p["partition"] == 0 and min(p["offsets"]) < 10}
    assert backlog_timings == {int(PaneInfoTiming.ON_TIME)}, _panes(out)
