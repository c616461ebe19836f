"""``wirepipe bench kafka``: records/s read by ReadFromKafka (bounded, Beam FnApiRunner) versus a plain
kafka-python consumer loop over the same topic, in the same run; prints both and the ratio (goal ≥ 0.5).

Without ``--bootstrap-servers`` (or $KAFKA_BOOTSTRAP_SERVERS) it starts the local broker with
deploy/local/kafka.sh and stops it afterwards if it was not running.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
import uuid
from typing import Optional

from pipeline.locations import project_path

NAME = "kafka"
HELP = "ReadFromKafka (bounded, FnApiRunner) records/s versus a plain kafka-python consumer loop"

KAFKA_SH = project_path("deploy/local/kafka.sh")
FNAPI_RUNNER = "apache_beam.runners.portability.fn_api_runner.FnApiRunner"
# Invented filler for the synthetic articles (no corpus text).
_WORDS = ("أعلنت", "الوزارة", "اليوم", "عن", "افتتاح", "مشروع", "جديد", "في", "العاصمة", "بحضور", "عدد", "من",
          "المسؤولين", "وقال", "المتحدث", "إن", "الخطة", "تشمل", "مراحل", "عدة")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
                        help="broker to use (default: $KAFKA_BOOTSTRAP_SERVERS, else start deploy/local/kafka.sh)")
    parser.add_argument("--records", type=int, default=50_000, help="records to produce and read (default 50000)")
    parser.add_argument("--value-bytes", type=int, default=1500, help="approximate size of each value (default 1500)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the benchmark topic (default 3)")
    parser.add_argument("--repeat", type=int, default=1, help="read passes of each kind; the best counts (default 1)")
    parser.add_argument("--keep-topic", action="store_true", help="do not delete the benchmark topic")


def run(args: argparse.Namespace) -> dict:
    from pipeline.errors import ConfigError

    if args.records <= 0 or args.partitions <= 0 or args.repeat <= 0 or args.value_bytes <= 0:
        raise ConfigError("--records, --partitions, --repeat and --value-bytes must be positive")
    bootstrap, started_broker = local_broker(args.bootstrap_servers)
    try:
        return _bench(bootstrap, args)
    finally:
        if started_broker:
            subprocess.run(["bash", str(KAFKA_SH), "stop"], capture_output=True, timeout=120)


def local_broker(given: Optional[str]) -> tuple[str, bool]:
    from pipeline.errors import KafkaIOError

    if given:
        return given, False
    was_running = subprocess.run(["bash", str(KAFKA_SH), "status"], capture_output=True).returncode == 0
    started = subprocess.run(["bash", str(KAFKA_SH), "start"], capture_output=True, text=True, timeout=600)
    if started.returncode != 0:
        raise KafkaIOError(f"deploy/local/kafka.sh start failed: {started.stderr[-2000:]}")
    return started.stdout.strip().splitlines()[-1], not was_running


def _bench(bootstrap: str, args: argparse.Namespace) -> dict:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    from pipeline.io.kafka import KafkaConfig

    topic = f"wp-bench.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirepipe-bench")
    admin.create_topics([NewTopic(topic, args.partitions, 1)], timeout_ms=30000)
    try:
        produce_s, total_bytes = _produce(bootstrap, topic, args.records, args.value_bytes)
        plain = min(_plain_read(bootstrap, topic, args.records) for _ in range(args.repeat))
        beam_s = min(_beam_read(KafkaConfig(bootstrap, client_id="wirepipe-bench"), topic, args.records)
                     for _ in range(args.repeat))
    finally:
        if not args.keep_topic:
            admin.delete_topics([topic], timeout_ms=30000)
        admin.close()
    plain_rps = args.records / plain
    beam_rps = args.records / beam_s
    return {
        "records": args.records,
        "partitions": args.partitions,
        "value_bytes_avg": round(total_bytes / args.records),
        "produce_records_per_s": round(args.records / produce_s),
        "plain_consumer": {"seconds": round(plain, 3), "records_per_s": round(plain_rps)},
        "read_from_kafka": {"seconds": round(beam_s, 3), "records_per_s": round(beam_rps),
                            "runner": "FnApiRunner", "note": "wall time of the whole pipeline, start-up included"},
        "ratio": round(beam_rps / plain_rps, 3),
        "goal": 0.5,
        "goal_met": beam_rps / plain_rps >= 0.5,
    }


def _value(i: int, size: int) -> bytes:
    words = []
    length = 0
    while length < size - 80:
        word = _WORDS[(i * 7 + len(words)) % len(_WORDS)]
        words.append(word)
        length += len(word.encode()) + 1
    return json.dumps({"id": f"bench-{i}", "agency": "SANA", "published_at": 1_764_000_000_000 + i,
                       "body": " ".join(words)}, ensure_ascii=False).encode()


def _produce(bootstrap: str, topic: str, n: int, size: int) -> tuple[float, int]:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024)
    total = 0
    started = time.monotonic()
    for i in range(n):
        value = _value(i, size)
        total += len(value)
        producer.send(topic, key=f"bench-{i}".encode(), value=value)
    producer.flush()
    elapsed = time.monotonic() - started
    producer.close()
    return elapsed, total


def _plain_read(bootstrap: str, topic: str, n: int) -> float:
    """The baseline: assign every partition, poll until n records have come, touching each value."""
    from kafka import KafkaConsumer, TopicPartition

    from pipeline.io.kafka import CONSUMER_FETCH_OPTIONS

    started = time.monotonic()
    # The same fetch sizes as ReadFromKafka (kafka-python's defaults fail on multi-partition fetches).
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="wirepipe-bench",
                             **CONSUMER_FETCH_OPTIONS)
    consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
    consumer.seek_to_beginning()
    count = 0
    size = 0
    while count < n:
        for batch in consumer.poll(timeout_ms=1000, max_records=1000).values():
            count += len(batch)
            size += sum(len(r.value) for r in batch)
    consumer.close()
    return time.monotonic() - started


def _beam_read(config, topic: str, n: int) -> float:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipeline.errors import KafkaIOError
    from pipeline.io.kafka import ReadFromKafka

    started = time.monotonic()
    pipeline = beam.Pipeline(options=PipelineOptions([f"--runner={FNAPI_RUNNER}"]))
    _ = (pipeline
         | "Read" >> ReadFromKafka(config, topic, start="earliest", bounded=True)
         | "Sizes" >> beam.Map(lambda raw: len(raw.payload))
         | "Total" >> beam.combiners.Count.Globally())
    result = pipeline.run()
    result.wait_until_finish()
    elapsed = time.monotonic() - started
    from apache_beam.metrics.metric import MetricsFilter

    counters = result.metrics().query(MetricsFilter().with_name("records_read"))["counters"]
    read = sum(c.committed or c.attempted for c in counters)
    if read != n:
        raise KafkaIOError(f"ReadFromKafka read {read} records, expected {n}")
    return elapsed
