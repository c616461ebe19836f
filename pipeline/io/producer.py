"""Publishing an archived feed into Kafka, paced: what ``wirepipe produce`` and the benchmarks send.

Each record that Parse accepts is published with key = article id and value = the input record as
UTF-8 JSON (a JSONL line byte for byte; ``.json``/``.avro`` records and ``.txt`` articles re-encoded).
Records Parse rejects are counted (and handed to ``on_bad``), not published.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date, datetime
from typing import Any, Callable, Optional, Sequence

from pipeline.errors import ConfigError, InputError, KafkaIOError
from pipeline.io.archive import expand_paths, iter_raw_records
from pipeline.io.kafka import KafkaConfig
from pipeline.model import RawRecord
from pipeline.parse import parse_record


# --- pacing ------------------------------------------------------------------------------------------


def parse_rate(text: str) -> float:
    """``"200/s"`` or ``"200"`` -> 200.0 records per second."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(/\s*s)?\s*", text or "")
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"--rate must be a positive number of records per second like 200/s, got {text!r}")
    return float(match.group(1))


def parse_pace(text: str) -> float:
    """``"original"``, ``"original×60"`` (also ``x``/``*``) or ``"60"`` -> the speed-up factor K."""
    match = re.fullmatch(r"\s*(?:original\s*(?:[x×*]\s*([0-9]*\.?[0-9]+))?|([0-9]*\.?[0-9]+))\s*", text or "", re.IGNORECASE)
    if not match or (text.strip().lower() != "original" and float(match.group(1) or match.group(2)) <= 0):
        raise ConfigError(f"--pace must be original or original×K with K > 0 (e.g. original×60), got {text!r}")
    return float(match.group(1) or match.group(2) or 1.0)


class Pacer:
    """Decides when each record may be sent: at a fixed rate, or at the original gaps between
    ``published_at`` times divided by a speed-up (records without a time, or out of order, go at once)."""

    def __init__(self, rate: Optional[float] = None, speedup: Optional[float] = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate is not None and speedup is not None:
            raise ConfigError("give either a rate or a pace, not both")
        self._rate, self._speedup = rate, speedup
        self._clock, self._sleep = clock, sleep
        self._start: Optional[float] = None
        self._count = 0
        self._first_published: Optional[int] = None

    def wait(self, published_ms: Optional[int]) -> None:
        """Block until the next record is due."""
        now = self._clock()
        if self._start is None:
            self._start = now
        due = now
        if self._rate is not None:
            due = self._start + self._count / self._rate
        elif self._speedup is not None and published_ms is not None:
            if self._first_published is None:
                self._first_published = published_ms
            due = self._start + max(0, published_ms - self._first_published) / 1000 / self._speedup
        self._count += 1
        if due > now:
            self._sleep(due - now)


# --- publishing --------------------------------------------------------------------------------------


def record_value(raw: RawRecord, article: dict) -> bytes:
    """The Kafka value for an accepted record: the input JSON as UTF-8."""
    if raw.fmt == "json" and isinstance(raw.payload, (bytes, bytearray)):
        data = bytes(raw.payload)
        return data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # a BOM is not JSON
    if raw.fmt == "record":
        return json.dumps(raw.payload, ensure_ascii=False, default=_json_default).encode("utf-8")
    # A .txt article has no JSON form of its own: publish what the .txt reader took from it.
    return json.dumps({"id": article["id"], "headline": article["headline"], "body": article["body"]},
                      ensure_ascii=False).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # Avro timestamp-millis arrives as a datetime
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def ensure_topic(config: KafkaConfig, topic: str, partitions: int) -> bool:
    """Create ``topic`` with ``partitions`` partitions unless it exists; return True when created."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError

    admin = KafkaAdminClient(**config.client_options())
    try:
        if topic in admin.list_topics():
            return False
        admin.create_topics([NewTopic(topic, partitions, 1)], timeout_ms=30000)
        return True
    except TopicAlreadyExistsError:
        return False
    except KafkaError as exc:
        raise KafkaIOError(f"cannot create topic {topic!r}: {exc}") from exc
    finally:
        admin.close()


def produce(
    paths: Sequence[str],
    topic: str,
    config: KafkaConfig,
    pacer: Optional[Pacer] = None,
    on_bad: Callable[[RawRecord, InputError], None] = lambda raw, err: None,
    on_sent: Callable[[int], None] = lambda n: None,
) -> dict:
    """Publish the accepted records of the files named by ``paths`` to ``topic``; return the summary.

    Raises :class:`KafkaIOError` when the producer cannot be created; failed sends are counted in the
    summary (``failed``) after a final flush.
    """
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    files = expand_paths(paths)
    pacer = pacer or Pacer()
    try:
        producer = KafkaProducer(acks="all", enable_idempotence=True, linger_ms=5, **config.client_options())
    except KafkaError as exc:
        raise KafkaIOError(f"cannot connect to Kafka at {config.bootstrap_servers}: {exc}") from exc
    counts: Counter = Counter()
    bad: Counter = Counter()
    partitions: Counter = Counter()
    errors: list[str] = []

    def acked(meta) -> None:
        partitions[meta.partition] += 1

    def failed(exc) -> None:
        counts["failed"] += 1
        if len(errors) < 5:
            errors.append(repr(exc))

    started = time.monotonic()
    try:
        for raw in iter_raw_records(files):
            counts["read"] += 1
            try:
                article = parse_record(raw)
            except InputError as err:
                bad[err.kind] += 1
                on_bad(raw, err)
                continue
            pacer.wait(article.get("published_at"))
            try:
                future = producer.send(topic, key=article["id"].encode("utf-8"), value=record_value(raw, article))
            except KafkaError as exc:
                raise KafkaIOError(f"send to {topic} failed: {exc}") from exc
            future.add_callback(acked)
            future.add_errback(failed)
            counts["sent"] += 1
            on_sent(1)
        producer.flush()
    finally:
        producer.close()
    seconds = time.monotonic() - started
    published = counts["sent"] - counts["failed"]
    return {
        "topic": topic,
        "files": len(files),
        "read": counts["read"],
        "published": published,
        "bad": sum(bad.values()),
        "bad_by_kind": dict(sorted(bad.items())),
        "failed": counts["failed"],
        "failed_examples": errors,
        "per_partition": {str(p): n for p, n in sorted(partitions.items())},
        "seconds": round(seconds, 3),
        "records_per_s": round(published / seconds, 1) if seconds > 0 else None,
    }
