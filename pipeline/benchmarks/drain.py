"""``wirepipe bench drain``: how fast the endless stream on Prism drains a backlog, against a replay.

A backlog is what a stream faces after an outage or a restart: many records already on the topic. The
articles of ``--input`` (the two-day SaudiNewsNet file by default) are sent as wire stories (unique ids,
their headline and body, ``published_at`` and the Kafka timestamp one second apart and ending two
minutes before now, as the backlog of an hour's outage would be) to a fresh topic; then ``wirepipe run``
starts on Prism. The rate is counted from the reader's first records (its log line; start-up before it
is not counted) to the moment every article is in a complete output file (articles, duplicates or dead
letters): articles per wall second, and per CPU-second of the job's processes (the CLI with its LOOPBACK
SDK worker, and Prism). Then ``wirepipe replay`` of the same file, and the ratio of the two wall rates
(issue 13's goal: the stream at least half the replay's rate).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid

from pipeline import runners
from pipeline.locations import SAUDINEWSNET_TWO_DAYS, shared_data

NAME = "drain"
HELP = "the endless stream on Prism draining a backlog of real articles, against wirepipe replay of them"
DEFAULT_INPUT = str(shared_data(SAUDINEWSNET_TWO_DAYS))
POLL_S = 0.5
READING = "reading records from offset"  # the Kafka reader's log line (INFO) when it starts on a partition
BACKLOG_END_S = 120  # the newest backlog record is this old


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", default=DEFAULT_INPUT, help=f"articles to send (default {DEFAULT_INPUT})")
    parser.add_argument("--limit", type=int, default=None, help="send at most this many articles")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the topic (default 3)")
    parser.add_argument("--window", default="60s", help="the job's --window (default 60s, as `wirepipe run`)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up after this many seconds of draining")
    parser.add_argument("--no-replay", action="store_true", help="only the stream")
    parser.add_argument("--prism-location", default=os.environ.get("PRISM_LOCATION"))
    parser.add_argument("--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
                        help="a running broker (default: the local one of deploy/local/kafka.sh, started if needed)")
    parser.add_argument("--run-arg", action="append", default=[], help="an extra argument for `wirepipe run`")


def run(args: argparse.Namespace) -> dict:
    from pipeline.benchmarks.kafka import KAFKA_SH, local_broker

    prism = runners.find_prism(args.prism_location)
    bootstrap, started_broker = local_broker(args.bootstrap_servers)
    try:
        result = _drain(bootstrap, prism, args)
    finally:
        if started_broker:
            import subprocess

            subprocess.run(["bash", str(KAFKA_SH), "stop"], capture_output=True, timeout=120)
    if not args.no_replay:
        from pipeline.benchmarks.pipeline import _replay

        replay = _replay([args.input]) if args.limit is None else None
        if replay is not None:
            result["replay"] = replay
            result["stream_vs_replay"] = round(result["articles_per_s"] / replay["articles_per_s"], 3)
    return result


def backlog(articles: list[tuple], run_id: str, now_ms: int) -> list[dict]:
    """Wire stories of ``articles`` ``(headline, body)``: ids ``drain-<run>-<i>``, published one a second up to
    two minutes before now (so that the last window can close as soon as the backlog is read)."""
    n = len(articles)
    return [{"id": f"drain-{run_id}-{i:06d}", "headline": headline, "body": body,
             "published_at": now_ms - BACKLOG_END_S * 1000 - (n - i) * 1000} for i, (headline, body) in enumerate(articles)]


def group_cpu_s(pgid: int) -> float:
    """CPU-seconds (user + system) of the live processes of process group ``pgid``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def _drain(bootstrap: str, prism: str, args: argparse.Namespace) -> dict:
    from kafka import KafkaAdminClient, KafkaProducer
    from kafka.admin import NewTopic

    from pipeline.benchmarks._corpus import load_articles
    from pipeline.benchmarks._jobs import StreamJob
    from pipeline.benchmarks.latency import OutputWatcher
    from pipeline.errors import WirepipeError

    run_id = uuid.uuid4().hex[:8]
    topic = f"wp-bench-drain.{run_id}"
    articles = load_articles(args.input, args.limit)
    work = tempfile.mkdtemp(prefix="wirepipe-drain-")
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="wirepipe-bench-drain")
    admin.create_topics([NewTopic(topic, args.partitions, 1)], timeout_ms=30000)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_request_size=8 * 2**20,
                             client_id="wirepipe-bench-drain")
    command = [sys.executable, "-m", "pipeline.cli", "-v", "run", "--bootstrap-servers", bootstrap, "--topic", topic,
               "--group", f"{topic}.group", "--out", out_dir, "--window", args.window, "--no-progress",
               "--runner=PrismRunner", f"--prism_location={prism}", "--environment_type=LOOPBACK", *args.run_arg]
    records = backlog(articles, run_id, int(time.time() * 1000))
    for record in records:
        # The Kafka timestamp is the publication time too: the watermark follows the backlog, not the send.
        producer.send(topic, key=record["id"].encode(), value=json.dumps(record, ensure_ascii=False).encode(),
                      timestamp_ms=record["published_at"])
    producer.flush()
    producer.close()
    wanted = {record["id"] for record in records}
    job = StreamJob(command, os.path.join(work, "job.log"))
    watcher = OutputWatcher(out_dir)
    try:
        started = time.monotonic()
        while READING not in job.log_tail(1_000_000):  # start-up: Beam, Prism, the first bundle
            job.check_alive()
            if time.monotonic() > started + args.timeout:
                raise WirepipeError(f"the stream read nothing in {args.timeout:.0f}s:\n{job.log_tail()}")
            time.sleep(0.1)
        reading = time.monotonic()
        cpu_before = group_cpu_s(job.process.pid)
        while not wanted <= watcher.seen.keys():
            job.check_alive()
            if time.monotonic() > started + args.timeout:
                missing = len(wanted - watcher.seen.keys())
                raise WirepipeError(f"the stream had not drained {missing} of {len(wanted)} articles after "
                                    f"{args.timeout:.0f}s:\n{job.log_tail()}")
            watcher.poll()
            time.sleep(POLL_S)
        done = time.monotonic()
        cpu_s = group_cpu_s(job.process.pid) - cpu_before
    finally:
        job.stop()
        try:
            admin.delete_topics([topic], timeout_ms=30000)
        except Exception:  # noqa: BLE001 - clean-up must not hide the result
            pass
        admin.close()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "input": args.input, "articles": len(records), "partitions": args.partitions, "window": args.window,
        "runner": f"PrismRunner ({prism}), LOOPBACK, via `wirepipe run`",
        "startup_s": round(reading - started, 1), "drain_s": round(done - reading, 1),
        # From the reader's first records to the last file: start-up (Beam, Prism, the job graph) is not counted.
        "articles_per_s": round(len(wanted) / (done - reading), 1),
        "job_cpu_s": round(cpu_s, 1), "articles_per_job_cpu_s": round(len(wanted) / cpu_s, 1) if cpu_s else None,
        "output_records_by_kind": watcher.kinds, "cpus": os.cpu_count(),
    }
