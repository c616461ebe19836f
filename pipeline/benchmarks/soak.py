"""``wirepipe bench soak``: the endless stream on Prism for a long time, through a broker outage and a kill -9.

A producer writes wire stories to a fresh topic at a steady rate for the whole run (every 10th an exact
republication under another id, every 37th invalid JSON), and notes the partition and offset Kafka
acknowledged for each. ``wirepipe run`` runs unbounded on Prism. At a third of the run the broker is
stopped and started again (the producer and the job must ride it out); at two thirds the job's whole
process group (the CLI, its LOOPBACK workers, Prism) gets SIGKILL and is started again with the same
consumer group. After producing ends, the job gets time to drain; then every acknowledged record is
looked up, by partition and offset, in the Avro files the job wrote.

Figures: records acknowledged, found, **missing** (must be 0), **repeats** (records written more than
once: the price of at-least-once after a kill), exact duplicates let through as articles (dedup state
lives in memory on Prism, so a restart forgets the originals it had seen), whether the job ever died by
itself, and the committed offsets against the outputs (every record below a committed offset must be
in a file).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Callable, Optional

from pipeline import runners

NAME = "soak"
HELP = "the endless stream on Prism for a long run, with a broker outage and a kill -9 of the job (no loss, repeats)"
BODY = ("الرياض - واس\nقال وزير الخارجية إن الاجتماع رقم {n} تناول {m} ملفا، وأضاف أن المحادثات "
        "ستستمر في الأسبوع المقبل بمشاركة وفود من {k} دولة.")


@dataclass(frozen=True)
class SoakPlan:
    """How long, how fast, and when the broker goes away and the job is killed (seconds from the start)."""

    seconds: float = 600.0
    rate: float = 10.0
    partitions: int = 3
    outage_at: Optional[float] = None  # default: a third of the run
    outage_s: float = 20.0
    kill_at: Optional[float] = None  # default: two thirds of the run
    window: str = "5s"
    drain_s: float = 180.0
    sample_s: float = 60.0

    def times(self) -> tuple[float, float]:
        outage = self.seconds / 3 if self.outage_at is None else self.outage_at
        kill = 2 * self.seconds / 3 if self.kill_at is None else self.kill_at
        return outage, kill


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to produce (default 10)")
    parser.add_argument("--rate", type=float, default=10.0, help="records per second (default 10)")
    parser.add_argument("--outage", type=float, default=20.0, help="seconds the broker is down (default 20; 0: none)")
    parser.add_argument("--no-kill", action="store_true", help="do not kill -9 the job")
    parser.add_argument("--sample-seconds", type=float, default=60.0,
                        help="how often to note acknowledged, written and committed records (default 60)")
    parser.add_argument("--prism-location", default=os.environ.get("PRISM_LOCATION"))
    parser.add_argument("--keep", action="store_true", help="keep the out directory and the job logs")


def run(args: argparse.Namespace) -> dict:
    from pipeline.benchmarks.kafka import KAFKA_SH, local_broker

    prism = runners.find_prism(args.prism_location)
    bootstrap, started = local_broker(None)
    plan = SoakPlan(seconds=args.minutes * 60, rate=args.rate, outage_s=args.outage,
                    outage_at=None if args.outage > 0 else float("inf"),
                    kill_at=float("inf") if args.no_kill else None, sample_s=args.sample_seconds)
    workdir = tempfile.mkdtemp(prefix="wirepipe-soak-")
    try:
        return run_soak(bootstrap, prism, plan, workdir, broker=LocalBroker(str(KAFKA_SH)))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        if started:
            subprocess.run(["bash", str(KAFKA_SH), "stop"], capture_output=True)


class LocalBroker:
    """Stops and starts the broker of deploy/local/kafka.sh (it comes back on the same port)."""

    def __init__(self, kafka_sh: str):
        self.kafka_sh = kafka_sh

    def stop(self) -> None:
        subprocess.run(["bash", self.kafka_sh, "stop"], capture_output=True, timeout=120, check=True)

    def start(self) -> str:
        done = subprocess.run(["bash", self.kafka_sh, "start"], capture_output=True, text=True, timeout=600, check=True)
        return done.stdout.strip().splitlines()[-1]


def run_soak(bootstrap: str, prism: str, plan: SoakPlan, workdir: str, broker: LocalBroker,
             log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)) -> dict:
    """Run the soak (see the module docstring) and return its figures."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    from pipeline.benchmarks._jobs import StreamJob, kill_group

    topic = f"wirepipe.soak.{uuid.uuid4().hex[:8]}"
    group = f"{topic}.group"
    out = os.path.join(workdir, "out")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirepipe-soak")
    admin.create_topics([NewTopic(topic, plan.partitions, 1)])
    admin.close()
    command = [sys.executable, "-m", "pipeline.cli", "run", "--bootstrap-servers", bootstrap, "--topic", topic,
               "--group", group, "--out", out, "--window", plan.window, "--no-progress",
               "--runner=PrismRunner", f"--prism_location={prism}", "--environment_type=LOOPBACK"]
    producer = _Producer(bootstrap, topic)
    jobs = [StreamJob(command, os.path.join(workdir, "job-1.log"))]
    events: list[dict] = []
    died = []
    restarts_ms: list[int] = []  # when a job was started again: its dedup state starts empty
    outage_at, kill_at = plan.times()
    started = time.monotonic()
    outage_done = kill_done = False
    at_kill: Optional[dict] = None
    trace: list[dict] = []
    next_sample = plan.sample_s
    try:
        producer.start(plan.rate)
        while time.monotonic() - started < plan.seconds:
            time.sleep(1.0)
            elapsed = time.monotonic() - started
            if elapsed >= next_sample:
                next_sample += plan.sample_s
                trace.append(_sample(bootstrap, topic, group, plan.partitions, out, producer, elapsed))
                log(f"soak: {json.dumps(trace[-1])}")
            if jobs[-1].process.poll() is not None:
                died.append({"at_s": round(elapsed), "exit": jobs[-1].process.returncode, "log": jobs[-1].log_tail(2000)})
                log(f"soak: the job exited by itself at {elapsed:.0f}s (code {jobs[-1].process.returncode}); restarting it")
                restarts_ms.append(int(time.time() * 1000))
                jobs.append(StreamJob(command, os.path.join(workdir, f"job-{len(jobs) + 1}.log")))
            if not outage_done and elapsed >= outage_at:
                outage_done = True
                log(f"soak: stopping the broker at {elapsed:.0f}s for {plan.outage_s:.0f}s")
                broker.stop()
                time.sleep(plan.outage_s)
                broker.start()
                events.append({"event": "broker outage", "at_s": round(elapsed), "seconds": plan.outage_s})
            if not kill_done and elapsed >= kill_at:
                kill_done = True
                log(f"soak: kill -9 of the job at {elapsed:.0f}s, then a restart with the same group")
                kill_group(jobs[-1])
                # Written but not committed at the kill: what the restart must read again (its repeats).
                at_kill = _sample(bootstrap, topic, group, plan.partitions, out, producer, elapsed)
                log(f"soak: at the kill {json.dumps(at_kill)}")
                restarts_ms.append(int(time.time() * 1000))
                jobs.append(StreamJob(command, os.path.join(workdir, f"job-{len(jobs) + 1}.log")))
                events.append({"event": "kill -9 and restart", "at_s": round(elapsed)})
        producer.stop()
        acked = producer.acked()
        log(f"soak: produced {producer.sent} records, {len(acked)} acknowledged; draining")
        deadline = time.monotonic() + plan.drain_s
        found = _found(out)
        while time.monotonic() < deadline and not set(acked) <= set(found):
            time.sleep(5)
            found = _found(out)
    finally:
        producer.stop()
        for job in jobs:
            if job.process.poll() is None:
                job.stop()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    committed = {p: consumer.committed(TopicPartition(topic, p)) for p in range(plan.partitions)}
    consumer.close(autocommit=False)
    hashes: dict = {}
    found = _found(out, hashes)
    missing = sorted(set(acked) - set(found))
    below_commit_missing = [key for key in missing if committed.get(key[0]) is not None and key[1] < committed[key[0]]]
    repeats = sum(count - 1 for key, count in found.items() if key in acked)
    return {
        "plan": asdict(plan),
        "seconds": round(time.monotonic() - started),
        "produced": producer.sent,
        "acknowledged": len(acked),
        "found": len(set(acked) & set(found)),
        "missing": len(missing),
        "missing_sample": missing[:10],
        "missing_below_committed_offset": len(below_commit_missing),
        "repeats": repeats,
        "repeat_ratio": round(repeats / max(1, len(acked)), 4),
        # Every 10th record repeats the body before it under another id: both as articles means dedup
        # missed it. Across a restart that is expected (dedup state lives in the job's memory on Prism);
        # within one job's run, through the broker outage, it must not happen.
        "exact_duplicates_let_through": sum(1 for ids in hashes.values() if len(ids) > 1),
        "exact_duplicates_let_through_within_one_job": sum(
            1 for ids in hashes.values() if len(ids) > 1 and len({_run_of(t, restarts_ms) for t in ids.values()}) == 1),
        "committed": committed,
        # Every sample_s: records acknowledged, records in complete files, and the sum of the committed
        # offsets (how far a restart would re-read: written - committed is the repeats a kill -9 costs then).
        "commit_trace": trace,
        # Records in files but not committed when the job was killed: the repeats a restart may write.
        "uncommitted_at_kill": None if at_kill is None or at_kill["committed"] is None
        else at_kill["written"] - at_kill["committed"],
        "events": events,
        "job_died_by_itself": died,
        "job_starts": len(jobs),
    }


def _sample(bootstrap: str, topic: str, group: str, partitions: int, out: str, producer: "_Producer",
            elapsed: float) -> dict:
    """Acknowledged, written and committed records at ``elapsed`` (committed: None while the broker is away)."""
    from kafka.admin import KafkaAdminClient

    committed: Optional[int] = None
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirepipe-soak-sample", request_timeout_ms=5_000)
        try:
            offsets = admin.list_consumer_group_offsets(group)
            committed = sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0)
        finally:
            admin.close()
    except Exception:  # the broker is stopped for the outage
        pass
    return {"at_s": round(elapsed), "acked": len(producer.acked()), "written": len(_found(out)),
            "committed": committed}


def _found(out: str, hashes: Optional[dict] = None) -> Counter:
    """How often each (partition, offset) is in the complete Avro files under ``out``; with ``hashes``, also
    collect the ids of the articles of each content hash."""
    import fastavro

    counts: Counter = Counter()
    for path in glob.glob(os.path.join(out, "*.avro")):
        try:
            with open(path, "rb") as fh:
                for record in fastavro.reader(fh):
                    source = record.get("source") or {}
                    if source.get("kind") == "KAFKA":
                        counts[(source["partition"], source["offset"])] += 1
                    if hashes is not None and os.path.basename(path).startswith("articles-"):
                        read_at = record["ingested_at"]  # fastavro reads timestamp-millis as a datetime
                        read_ms = int(read_at.timestamp() * 1000) if hasattr(read_at, "timestamp") else int(read_at)
                        hashes.setdefault(record["content_hash"], {})[record["id"]] = read_ms
        except (OSError, ValueError, EOFError):
            continue
    return counts


def _run_of(ingested_ms: int, restarts_ms: list[int]) -> int:
    """Which job (0 the first, 1 after the first restart, …) read a record at ``ingested_ms``."""
    return sum(1 for at in restarts_ms if ingested_ms >= at)


class _Producer:
    """Produces at a steady rate in a thread, through outages; remembers what Kafka acknowledged."""

    def __init__(self, bootstrap: str, topic: str):
        from kafka import KafkaProducer

        self._producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", retries=2**31 - 1,
                                       max_block_ms=120_000, delivery_timeout_ms=600_000, request_timeout_ms=10_000,
                                       linger_ms=5)
        self._topic = topic
        self._acked: dict[tuple[int, int], str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self.sent = 0

    def start(self, rate: float) -> None:
        self._thread = threading.Thread(target=self._run, args=(rate,), daemon=True)
        self._thread.start()

    def _run(self, rate: float) -> None:
        run = uuid.uuid4().hex[:6]
        started = time.monotonic()
        n = 0
        while not self._stop.is_set():
            wait = started + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            key = f"soak-{run}-{n}"
            if n % 37 == 36:
                value = b'{"id": "' + key.encode() + b'", "body": '  # invalid JSON: a dead letter
            else:
                body_n = n - 1 if n % 10 == 9 else n  # every 10th repeats the one before: an exact duplicate
                value = json.dumps({"id": key, "body": BODY.format(n=body_n, m=body_n * 3, k=body_n % 50),
                                    "published_at": int(time.time() * 1000)}, ensure_ascii=False).encode()
            try:
                future = self._producer.send(self._topic, key=key.encode(), value=value)
            except Exception:  # the buffer is full during an outage: try this record again
                time.sleep(0.5)
                continue
            future.add_callback(self._ack, key)
            n += 1
            self.sent = n

    def _ack(self, key: str, metadata) -> None:
        with self._lock:
            self._acked[(metadata.partition, metadata.offset)] = key

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
            self._producer.flush(timeout=120)

    def acked(self) -> dict:
        with self._lock:
            return dict(self._acked)
