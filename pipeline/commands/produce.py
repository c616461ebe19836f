"""``wirepipe produce PATH... --topic T``: publish an archived feed (the replay formats) into Kafka.

Each record that Parse accepts is published with key = article id and value = the input record as
UTF-8 JSON (a JSONL line byte for byte; ``.json``/``.avro`` records and ``.txt`` articles re-encoded).
Records Parse rejects are reported and counted, not published. ``--rate N/s`` paces publishing;
``--pace original×K`` replays the gaps between ``published_at`` times K times faster.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from datetime import date, datetime
from typing import Any, Callable, Optional, Sequence

from pipeline.errors import ConfigError, InputError, KafkaIOError
from pipeline.io.archive import expand_paths, iter_raw_records
from pipeline.io.kafka import SASL_MECHANISMS, SECURITY_PROTOCOLS, KafkaConfig
from pipeline.model import RawRecord
from pipeline.parse import parse_record

BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
SASL_PASSWORD_ENV = "KAFKA_SASL_PASSWORD"
_SHOWN_BAD = 20  # bad records reported one by one; the rest only counted


# --- shared connection options (also for `wirepipe run`) ---------------------------------------------


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Kafka connection options; the SASL password comes from $KAFKA_SASL_PASSWORD, never argv."""
    group = parser.add_argument_group("Kafka connection")
    group.add_argument("--bootstrap-servers", default=os.environ.get(BOOTSTRAP_ENV),
                       help=f"host:port[,host:port] (default ${BOOTSTRAP_ENV}; "
                            "`deploy/local/kafka.sh bootstrap` prints the local broker's)")
    group.add_argument("--security-protocol", default="PLAINTEXT", choices=SECURITY_PROTOCOLS)
    group.add_argument("--sasl-mechanism", choices=SASL_MECHANISMS)
    group.add_argument("--sasl-username")
    group.add_argument("--ssl-cafile", help="CA certificate file (PEM) for SSL / SASL_SSL")


def connection_config(args: argparse.Namespace) -> KafkaConfig:
    """Build the :class:`KafkaConfig` from :func:`add_connection_arguments` options."""
    if not args.bootstrap_servers:
        raise ConfigError(f"no Kafka bootstrap servers: give --bootstrap-servers or set ${BOOTSTRAP_ENV}")
    return KafkaConfig(
        bootstrap_servers=args.bootstrap_servers,
        security_protocol=args.security_protocol,
        sasl_mechanism=args.sasl_mechanism,
        sasl_username=args.sasl_username,
        sasl_password=os.environ.get(SASL_PASSWORD_ENV) if args.security_protocol.startswith("SASL_") else None,
        ssl_cafile=args.ssl_cafile,
    )


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


def _where(raw: RawRecord) -> str:
    src = raw.source or {}
    return f"{src.get('path')}:{src.get('line')}" if src.get("line") is not None else str(src.get("path"))


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


# --- command line ------------------------------------------------------------------------------------


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "produce", help="publish archived feeds (.txt .json .jsonl .jsonl.gz .avro) into a Kafka topic",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, directories or globs")
    parser.add_argument("--topic", required=True)
    pacing = parser.add_mutually_exclusive_group()
    pacing.add_argument("--rate", type=parse_rate, metavar="N/s", help="publish at most N records per second")
    pacing.add_argument("--pace", type=parse_pace, metavar="original×K",
                        help="keep the published_at gaps, K times faster (original = real time)")
    parser.add_argument("--partitions", type=int, metavar="N",
                        help="create the topic with N partitions first if it does not exist")
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    add_connection_arguments(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    config = connection_config(args)
    if args.partitions is not None:
        if args.partitions <= 0:
            raise ConfigError(f"--partitions must be a positive number, got {args.partitions}")
        if ensure_topic(config, args.topic, args.partitions):
            print(f"created topic {args.topic} with {args.partitions} partitions", file=sys.stderr)
    from rich.console import Console

    err = Console(stderr=True)
    shown = 0

    def report_bad(raw: RawRecord, error: InputError) -> None:
        nonlocal shown
        shown += 1
        if shown <= _SHOWN_BAD:
            err.print(f"[yellow]skipped[/] {_where(raw)}: {error.kind}: {error.message}", markup=True, highlight=False, soft_wrap=True)
        elif shown == _SHOWN_BAD + 1:
            err.print("(further bad records are counted, not shown)")

    pacer = Pacer(rate=args.rate, speedup=args.pace)
    if args.no_progress or not sys.stderr.isatty():
        summary = produce(args.paths, args.topic, config, pacer, on_bad=report_bad)
    else:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("published {task.completed:,}"), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("produce", total=None)
            summary = produce(args.paths, args.topic, config, pacer, on_bad=report_bad,
                              on_sent=lambda n: bar.advance(task, n))
    _print_summary(summary)
    return 1 if summary["failed"] else 0


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"wirepipe produce → {summary['topic']}")
    table.add_column("counter")
    table.add_column("value", justify="right")
    table.add_row("files", f"{summary['files']:,}")
    table.add_row("read", f"{summary['read']:,}")
    table.add_row("published", f"{summary['published']:,}")
    for kind, n in summary["bad_by_kind"].items():
        table.add_row(f"bad: {kind}", f"{n:,}")
    table.add_row("send failures", f"{summary['failed']:,}")
    for partition, n in summary["per_partition"].items():
        table.add_row(f"partition {partition}", f"{n:,}")
    table.add_row("seconds", f"{summary['seconds']:.2f}")
    table.add_row("records/s", f"{summary['records_per_s'] or 0:,.0f}")
    Console().print(table)
    for example in summary["failed_examples"]:
        print(f"send failure: {example}", file=sys.stderr)
