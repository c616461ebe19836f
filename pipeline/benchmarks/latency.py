"""``wirepipe bench latency``: streaming latency from produce to a complete output file, p50/p99.

The real path, end to end: a fresh topic on the broker; ``wirepipe run`` as a subprocess (the CLI,
unbounded, on Prism, ``--window``, ``--out`` a temporary directory); warm-up records until the job has
written a file (so start-up and resource loading are not measured); then N records at a steady rate,
each with ``published_at`` = its produce wall time (event time = produce time) and a unique id. The out
directory is polled every 20 ms; each new Avro file is read and each id gets the time its file
appeared. Latency = appearance − produce. The job is stopped (its whole process group: the CLI, Prism)
and the topic and directory are removed.

Besides the total, each record's latency is split with the fields of the record itself:
``read`` (produce → Parse's ``ingested_at``), ``window`` (produce → end of its window: on average half a
window) and ``after_window_end`` (window end → file). A window's file cannot appear before the watermark
passes the window end, and the Kafka watermark trails the newest record by ReadFromKafka's
``max_watermark_delay_s``: so ``after_window_end`` minus that delay is what the runner, dedup's
event-time timers and the file sink add (``beyond_watermark_delay``).

Measured (Beam 2.77, Prism v2.77.0, 2 shared cores, 3 partitions, window 1 s, graph with NearDup):
300 records at 20/s, p50 13.4 s, p99 20.7 s; 1,200 at 20/s (a minute, steady), p50 15.3 s, p99 26.5 s;
1,000 at 100/s, p50 22-23 s, p99 27-28 s; at 100/s for 40 s the job keeps up with only about 30 records/s
and latency grows past 90 s. Before NearDup was wired in: 300 at 20/s, p50 6.6-13.1 s, p99 11.5-19.7 s.
What dominates is ReadFromKafka's ``checkpoint_interval_s`` (10 s): a partition that keeps receiving
records never has an empty poll, so its bundle runs 10 s, and the watermark (hence every window and
event-time timer) only moves when a bundle ends. With 1 s (before NearDup), p50 3.9-5.0 s; with also
``max_watermark_delay_s`` 0.5 and ``idle_resume_s`` 0.2, p50 2.1-2.4 s at 20/s. Exact dedup's event-time
buffering made no difference beyond run-to-run noise (it waits for the same watermark as the window,
which ends later). ``files_replaced``/``records_lost_on_disk`` count late panes renamed onto an earlier
pane's file (see :class:`OutputWatcher`).

Prism is a Go binary: ``--prism-location``, $PRISM_LOCATION, ``prism`` on PATH or $(go env GOPATH)/bin/prism.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from pipeline import runners
from pipeline.locations import project_path
from pipeline.benchmarks._jobs import StreamJob as _Job

NAME = "latency"
HELP = "streaming latency from produce to a complete output file (wirepipe run on Prism), p50/p90/p99"

DEMO_FEED = project_path("seeds/demo/feed.jsonl")
POLL_S = 0.02  # how often the out directory is listed: the resolution of every figure
_STOP_GRACE_S = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--records", type=int, default=300, help="records to measure (default 300)")
    parser.add_argument("--rate", default="20/s", help="produce rate, N/s (default 20/s)")
    parser.add_argument("--window", default="1s", help="window of the Avro files, as `wirepipe run --window` (default 1s)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the benchmark topic (default 3)")
    parser.add_argument("--prism-location", default=os.environ.get("PRISM_LOCATION"),
                        help="the Prism runner binary (default $PRISM_LOCATION, `prism` on PATH, $(go env GOPATH)/bin/prism)")
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
                        help="broker to use (default: $KAFKA_BOOTSTRAP_SERVERS, else start deploy/local/kafka.sh)")
    parser.add_argument("--startup-timeout", type=float, default=180.0,
                        help="seconds for the job to write its first (warm-up) file (default 180)")
    parser.add_argument("--drain-timeout", type=float, default=60.0,
                        help="seconds to wait for the last records after producing ends (default 60)")
    parser.add_argument("--keep", action="store_true", help="keep the topic, the out directory and the job log")
    parser.add_argument("--run-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for `wirepipe run` (repeat; e.g. --run-arg=--dedup-horizon=1h)")


def run(args: argparse.Namespace) -> dict:
    from pipeline.benchmarks.kafka import KAFKA_SH, local_broker
    from pipeline.io.producer import parse_rate
    from pipeline.errors import ConfigError
    from pipeline.options import parse_duration

    if args.records <= 0 or args.partitions <= 0:
        raise ConfigError("--records and --partitions must be positive")
    if args.startup_timeout <= 0 or args.drain_timeout <= 0:
        raise ConfigError("--startup-timeout and --drain-timeout must be positive numbers of seconds")
    rate = parse_rate(args.rate)
    window_s = parse_duration(args.window)
    if window_s <= 0:
        raise ConfigError(f"--window must be a positive duration, got {args.window!r}")
    prism = runners.find_prism(args.prism_location)
    bootstrap, started_broker = local_broker(args.bootstrap_servers)
    try:
        return _bench(bootstrap, prism, args, rate, window_s)
    finally:
        if started_broker:
            subprocess.run(["bash", str(KAFKA_SH), "stop"], capture_output=True, timeout=120)


# --- pure parts --------------------------------------------------------------------------------------


def load_templates(path: Path = DEMO_FEED) -> list[dict]:
    """The demo feed's well-formed stories (invented text), as templates for benchmark records."""
    from pipeline.errors import ResourceMissingError

    templates = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ResourceMissingError(f"the demo feed {path} is needed for the benchmark's articles: {exc}") from exc
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the feed has deliberately broken lines
        if isinstance(record, dict) and isinstance(record.get("body"), str) and record["body"].strip():
            templates.append(record)
    if not templates:
        raise ResourceMissingError(f"no well-formed story in {path}")
    return templates


_SENTENCE_END = re.compile(r"(?<=[.!؟])\s+|\n")


def make_record(templates: Sequence[dict], run_id: str, i: int, produced_ms: int) -> dict:
    """Story ``i`` of a run: a demo story's fields and dateline with a body of four sentences drawn from
    the whole demo feed (seeded by run and index, so that stories are neither exact repeats, which
    exact dedup would route to duplicates, nor mostly near-duplicates of each other, which would make
    NearDup's work unrealistic), a unique id, and ``published_at`` = the produce time in epoch ms."""
    record = dict(templates[i % len(templates)])
    sentences = [part.strip() for t in templates for part in _SENTENCE_END.split(t["body"]) if len(part.strip()) > 20]
    dateline = record["body"].split("\n", 1)[0] if "\n" in record["body"] else ""
    chosen = random.Random(f"{run_id}-{i}").sample(sentences, min(4, len(sentences)))
    record["id"] = f"lat-{run_id}-{i:06d}"
    record["body"] = "\n".join([dateline, *chosen, f"النشرة رقم {i} من سلسلة {run_id}"]).strip()
    record["published_at"] = produced_ms
    record.pop("version", None)  # every record is a first version
    return record


def window_end_ms(event_ms: int, window_ms: int) -> int:
    """End of the fixed window (aligned to the epoch, as Beam's FixedWindows) holding ``event_ms``."""
    return (event_ms // window_ms + 1) * window_ms


def percentiles(values: Iterable[float]) -> dict:
    """p50/p90/p99/max (and min, mean) of ``values`` in whole ms; empty when there are none."""
    import numpy as np

    data = np.asarray(list(values), dtype=float)
    if data.size == 0:
        return {}
    p50, p90, p99 = np.percentile(data, [50, 90, 99])
    return {"p50": round(p50), "p90": round(p90), "p99": round(p99), "max": round(data.max()),
            "min": round(data.min()), "mean": round(data.mean())}


def summarize(produced: Mapping[str, float], seen: Mapping[str, float], ingested_ms: Mapping[str, int],
              window_ms: int) -> dict:
    """Latency figures from produce times and file appearance times (both epoch seconds, per id) and
    Parse's ``ingested_at`` (epoch ms, per id)."""
    found = [i for i in produced if i in seen]
    total, read, to_end, after_end = [], [], [], []
    for record_id in found:
        produced_ms = produced[record_id] * 1000
        end = window_end_ms(int(produced_ms), window_ms)
        total.append(seen[record_id] * 1000 - produced_ms)
        to_end.append(end - produced_ms)
        after_end.append(seen[record_id] * 1000 - end)
        if record_id in ingested_ms:
            read.append(ingested_ms[record_id] - produced_ms)
    missing = sorted(i for i in produced if i not in seen)
    span_s = max(seen[i] for i in found) - min(produced.values()) if found else 0.0
    return {
        "records_seen": len(found),
        "records_missing": len(missing),
        "missing_ids": missing[:20],
        "latency_ms": percentiles(total),
        # Median latency of each tenth of the records in produce order: a rising series means the job
        # does not keep up with the rate (a backlog builds), a flat one that it does.
        "p50_ms_by_tenth": _by_tenth([produced[i] for i in found], total),
        # Records in files per second, from the first produce to the last file: below the produce rate
        # when the job cannot keep up.
        "output_per_s": round(len(found) / span_s, 1) if span_s > 0 else None,
        "breakdown_ms": {
            "read": percentiles(read),
            "window": percentiles(to_end),
            "after_window_end": percentiles(after_end),
        },
    }


def _by_tenth(times: Sequence[float], values: Sequence[float]) -> list[int]:
    import numpy as np

    ordered = [v for _, v in sorted(zip(times, values))]
    return [round(float(np.median(part))) for part in np.array_split(np.asarray(ordered), 10) if len(part)]


def watermark_delay_s() -> float:
    """The watermark delay ``wirepipe run`` reads with: ReadFromKafka's default ``max_watermark_delay_s``."""
    from pipeline.io.kafka import ReadFromKafka

    return float(inspect.signature(ReadFromKafka.__init__).parameters["max_watermark_delay_s"].default)


# --- the out-directory watcher -----------------------------------------------------------------------


class OutputWatcher:
    """Notes when each record id first appears in a complete Avro file of ``out_dir``.

    fileio writes into a hidden temporary directory and renames a file into place when its pane is
    committed, so any visible ``*.avro`` file is complete. A file can be *replaced*: Beam's fileio
    leaves the pane out of file names (apache/beam#18721), so a later pane of a window (late data) is
    renamed onto the earlier pane's file. Files are therefore told apart by name, inode, size and
    mtime, and ids that were in a file but are no longer in any file are counted as lost on disk."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.seen: dict[str, float] = {}  # id -> epoch seconds when its file was first listed
        self.ingested_ms: dict[str, int] = {}
        self.kinds: dict[str, int] = {}  # records per output kind (articles, duplicates, dead-letter)
        self.files = 0  # file versions read
        self.replaced = 0  # files renamed onto an existing name
        self._versions: dict[str, tuple] = {}  # name -> (inode, size, mtime) of the version read
        self._ids_in: dict[str, set[str]] = {}  # name -> ids in the version read

    def poll(self) -> int:
        """List the directory once, read new (or replaced) files; return how many there were."""
        import fastavro

        now = time.time()
        new = 0
        with os.scandir(self.out_dir) as entries:
            found = {e.name: e.stat() for e in entries
                     if e.is_file() and e.name.endswith(".avro") and not e.name.startswith(".")}
        for name in sorted(found):
            st = found[name]
            version = (st.st_ino, st.st_size, st.st_mtime_ns)
            if self._versions.get(name) == version:
                continue
            if name in self._versions:
                self.replaced += 1
            self._versions[name] = version
            new += 1
            self.files += 1
            kind = "dead-letter" if name.startswith("dead-letter") else name.split("-", 1)[0]
            ids = self._ids_in[name] = set()
            try:
                with open(os.path.join(self.out_dir, name), "rb") as fh:
                    records = list(fastavro.reader(fh))
            except FileNotFoundError:  # replaced again between the listing and the read: next poll
                del self._versions[name]
                continue
            for record in records:
                self.kinds[kind] = self.kinds.get(kind, 0) + 1
                record_id = record.get("id") or record.get("article_id")
                if not record_id:
                    continue
                ids.add(record_id)
                if record_id not in self.seen:
                    self.seen[record_id] = now
                    ingested = record.get("ingested_at")
                    if ingested is not None:  # a timestamp-millis: fastavro gives a datetime
                        self.ingested_ms[record_id] = (round(ingested.timestamp() * 1000)
                                                       if hasattr(ingested, "timestamp") else int(ingested))
        return new

    def lost_on_disk(self) -> list[str]:
        """Ids that appeared in a file but are in none of the files now in the directory."""
        present = set().union(*self._ids_in.values()) if self._ids_in else set()
        return sorted(i for i in self.seen if i not in present)


# --- the run -----------------------------------------------------------------------------------------


def _bench(bootstrap: str, prism: str, args: argparse.Namespace, rate: float, window_s: float) -> dict:
    from kafka import KafkaAdminClient, KafkaProducer
    from kafka.admin import NewTopic

    from pipeline.io.producer import Pacer
    from pipeline.errors import KafkaIOError

    run_id = uuid.uuid4().hex[:8]
    topic = f"wp-bench-latency.{run_id}"
    templates = load_templates()
    work = tempfile.mkdtemp(prefix="wirepipe-latency-")
    out_dir = os.path.join(work, "out")
    admin = producer = job = None
    topic_created = False
    stopped: dict = {}
    try:
        os.makedirs(out_dir)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirepipe-bench-latency")
        admin.create_topics([NewTopic(topic, args.partitions, 1)], timeout_ms=30000)
        topic_created = True
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0,
                                 client_id="wirepipe-bench-latency")
        load_before = os.getloadavg()
        command = [sys.executable, "-m", "pipeline.cli", "run", "--bootstrap-servers", bootstrap, "--topic", topic,
                   "--group", f"wp-bench-latency.{run_id}", "--start", "earliest", "--out", out_dir,
                   "--window", args.window, "--no-progress",
                   "--runner=PrismRunner", f"--prism_location={prism}", "--environment_type=LOOPBACK", *args.run_arg]
        job = _Job(command, os.path.join(work, "job.log"))
        watcher = OutputWatcher(out_dir)
        startup_s = _warm_up(job, watcher, producer, topic, templates, run_id, args.startup_timeout)
        produced: dict[str, float] = {}
        failures: list[BaseException] = []
        sender = threading.Thread(target=_produce, args=(producer, topic, templates, run_id, args.records,
                                                         Pacer(rate=rate), produced, failures), daemon=True)
        sender.start()
        while sender.is_alive():
            watcher.poll()
            time.sleep(POLL_S)
        if failures:
            raise KafkaIOError(f"producing the benchmark records failed: {failures[0]}") from failures[0]
        produce_s = (max(produced.values()) - min(produced.values())) if produced else 0.0
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline and any(i not in watcher.seen for i in produced):
            job.check_alive()
            watcher.poll()
            time.sleep(POLL_S)
        job.check_alive()
    finally:
        # Clean-up must not hide the benchmark's own result or error: each step on its own.
        if job is not None:
            stopped = job.stop()
        if producer is not None:
            producer.close()
        if admin is not None:
            if topic_created and not args.keep:
                try:
                    admin.delete_topics([topic], timeout_ms=30000)
                except Exception:  # noqa: BLE001 - see above
                    pass
            admin.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    window_ms = int(round(window_s * 1000))
    lost = [i for i in watcher.lost_on_disk() if i in produced]
    result = {
        "records": args.records,
        "rate_per_s": rate,
        "rate_achieved_per_s": round((len(produced) - 1) / produce_s, 1) if produce_s > 0 else None,
        "window": args.window,
        "partitions": args.partitions,
        "runner": f"PrismRunner ({prism}), LOOPBACK, via `wirepipe run`",
    }
    result.update(summarize(produced, watcher.seen, watcher.ingested_ms, window_ms))
    delay_ms = watermark_delay_s() * 1000
    after = result["breakdown_ms"]["after_window_end"]
    result["watermark_delay_ms"] = round(delay_ms)
    if after:
        result["breakdown_ms"]["beyond_watermark_delay"] = {k: round(after[k] - delay_ms) for k in ("p50", "p90", "p99")}
    result.update({
        "output_records_by_kind": watcher.kinds,
        "files": watcher.files,
        "files_replaced": watcher.replaced,
        "records_lost_on_disk": len(lost),
        "lost_on_disk_ids": lost[:20],
        "startup_s": round(startup_s, 1),
        "job_stop": stopped,
        "load_average_before": [round(x, 2) for x in load_before],
        "cpus": os.cpu_count(),
    })
    if args.keep:
        result["kept"] = {"topic": topic, "dir": work}
    return result


def _send(producer, topic: str, record: dict) -> None:
    producer.send(topic, key=record["id"].encode(), value=json.dumps(record, ensure_ascii=False).encode())


def _warm_up(job: _Job, watcher: OutputWatcher, producer, topic: str, templates: Sequence[dict], run_id: str,
             timeout_s: float) -> float:
    """Send a warm-up record each second until one is in a file; return the seconds that took."""
    from pipeline.errors import WirepipeError

    started = time.monotonic()
    sent: list[str] = []
    next_send = started
    while not any(i in watcher.seen for i in sent):
        job.check_alive()
        if time.monotonic() - started > timeout_s:
            raise WirepipeError(f"wirepipe run wrote no file within {timeout_s:.0f}s of start:\n{job.log_tail()}")
        if time.monotonic() >= next_send:
            record = make_record(templates, f"{run_id}-warmup", len(sent), int(time.time() * 1000))
            _send(producer, topic, record)
            producer.flush()
            sent.append(record["id"])
            next_send += 1.0
        watcher.poll()
        time.sleep(POLL_S)
    elapsed = time.monotonic() - started
    # Let the warm-up windows drain so their files do not share the first measured polls.
    until = time.monotonic() + 3.0
    while time.monotonic() < until:
        watcher.poll()
        time.sleep(POLL_S)
    return elapsed


def _produce(producer, topic: str, templates: Sequence[dict], run_id: str, n: int, pacer, produced: dict,
             failures: list) -> None:
    """Send ``n`` records at the pacer's rate; note each one's produce time (epoch seconds) by id.
    Runs in a thread: an error is put in ``failures`` for the main thread to raise."""
    try:
        for i in range(n):
            pacer.wait(None)
            now = time.time()
            record = make_record(templates, run_id, i, int(now * 1000))
            _send(producer, topic, record)
            produced[record["id"]] = now
        producer.flush()
    except Exception as exc:  # noqa: BLE001 - handed to the main thread, which raises it
        failures.append(exc)
