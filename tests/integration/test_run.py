"""`wirepipe run` end to end on the real broker: Kafka in, Avro files and Kafka topics out.

Every produced record (good, duplicate, update or malformed) must come out in exactly one output,
committed offsets must reach the end offsets, a second run must read nothing new, and a run killed
with SIGKILL must lose nothing when restarted with the same group.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.cli import main
from pipeline.io.avro import read_avro
from pipeline.io.kafka.serde import AvroValueDecoder
from tests.e2e.helpers import KINDS, assert_accounting, read_outputs, read_records, source_key
from tests.integration.kafka_helpers import prism_or_none, read_topic

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parents[2]


def stories(start: int, count: int, base_ms: int = 1_762_150_000_000):
    """Wire stories with an exact repeat every 5th and an update every 7th (ids, bodies, times)."""
    out = []
    for i in range(start, start + count):
        body = f"دمشق-سانا\nقال وزير الخارجية إن الاجتماع رقم {i} تناول {i * 3} ملفا."
        story = {"id": f"sana-{i}", "body": body, "published_at": base_ms + i * 60_000}
        out.append(story)
        if i % 5 == 0:
            out.append({"id": f"paper-{i}", "body": body.replace("قال", "قَال"), "published_at": story["published_at"] + 3_600_000})
        if i % 7 == 0:
            out.append({**story, "body": body + "\nوأضاف أن المحادثات ستستمر.", "published_at": story["published_at"] + 7_200_000})
    return out


def produce(bootstrap, topic, values, timestamp_ms=None):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for value in values:
        data = value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()
        producer.send(topic, data, timestamp_ms=timestamp_ms).get(timeout=30)
    producer.flush()
    producer.close()


def end_offsets(bootstrap, topic):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    ends = consumer.end_offsets(tps)
    consumer.close()
    return {(tp.topic, tp.partition): off for tp, off in ends.items()}


def committed(bootstrap, topic, group):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    result = {(tp.topic, tp.partition): consumer.committed(tp) for tp in tps}
    consumer.close()
    return result


def decoded(bootstrap, topic, expected):
    decode = AvroValueDecoder()
    return [decode(m.value, m.headers)[1] for m in read_topic(bootstrap, topic, expected)]


def run(bootstrap, topic, group, out, *extra):
    code = main(["run", "--bootstrap-servers", bootstrap, "--topic", topic, "--group", group,
                 "--out", str(out), "--no-progress", *extra])
    assert code == 0
    return read_outputs(out)


MALFORMED = [b'{"id": "cut', b"\xff\xfe\x00 not utf-8", b"[1, 2, 3]", b'{"id": "x", "body": ""}']


def test_stop_at_end_reads_everything_once_and_commits(kafka_bootstrap, make_topic, group_name, tmp_path):
    topic, articles_topic, dl_topic = make_topic(3), make_topic(1), make_topic(1)
    feed = stories(0, 40)
    produce(kafka_bootstrap, topic, feed + MALFORMED)
    ends = end_offsets(kafka_bootstrap, topic)

    result = run(kafka_bootstrap, topic, group_name, tmp_path / "out", "--stop-at-end",
                 "--output-topic", articles_topic, "--dead-letter-topic", dl_topic)
    expected = {(topic, p, o) for (_, p), end in ends.items() for o in range(end)}
    assert_accounting(result, expected)
    m = result["metrics"]
    assert m["read"] == len(feed) + len(MALFORMED)
    assert (m["exact_duplicate"], m["updates"], m["dead_letter"]) == (8, 6, 4)
    assert sorted(d["error_kind"] for d in result["dead-letter"]) == [
        "empty_body", "invalid_json", "invalid_utf8", "not_an_object"]
    assert committed(kafka_bootstrap, topic, group_name) == ends

    # The output topics hold the same records as the files.
    in_topic = decoded(kafka_bootstrap, articles_topic, len(result["articles"]))
    assert sorted(r["id"] for r in in_topic) == sorted(a["id"] for a in result["articles"])
    assert len(decoded(kafka_bootstrap, dl_topic, 4)) == 4

    again = run(kafka_bootstrap, topic, group_name, tmp_path / "again", "--stop-at-end")
    assert again["metrics"]["read"] == 0


def test_killed_run_loses_nothing(kafka_bootstrap, make_topic, group_name, tmp_path):
    topic = make_topic(3)
    first, second = stories(0, 30), stories(100, 60)
    produce(kafka_bootstrap, topic, first)
    done = run(kafka_bootstrap, topic, group_name, tmp_path / "one", "--until-idle", "2")
    assert done["metrics"]["read"] == len(first)

    produce(kafka_bootstrap, topic, second)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = tmp_path / "killed.log"
    with open(log, "wb") as err:
        killed = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "-v", "run", "--bootstrap-servers", kafka_bootstrap, "--topic", topic,
             "--group", group_name, "--until-idle", "30", "--out", str(tmp_path / "killed"), "--no-progress"],
            env=env, stdout=subprocess.DEVNULL, stderr=err)
    # Killed once it has read records from every partition (the 30 s idle wait keeps it from finishing first).
    deadline = time.monotonic() + 120
    while log.read_text(errors="replace").count("reading records from offset") < 3 and time.monotonic() < deadline:
        assert killed.poll() is None, "the run ended before it read anything: " + log.read_text(errors="replace")[-2000:]
        time.sleep(0.2)
    assert log.read_text(errors="replace").count("reading records from offset") == 3, "the run never read all partitions"
    assert killed.poll() is None, "the run finished before it could be killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait()

    restarted = run(kafka_bootstrap, topic, group_name, tmp_path / "restarted", "--until-idle", "2")
    partial = read_outputs(tmp_path / "killed") if (tmp_path / "killed" / "metrics.json").exists() else None
    assert partial is None  # killed before the end: nothing was committed, no metrics written
    # The restart reads exactly what the completed first run had not committed.
    assert restarted["metrics"]["read"] == len(second)
    assert_accounting(restarted)
    seen = {source_key(r) for r in done["articles"] + done["duplicates"] + done["dead-letter"]}
    seen |= {source_key(r) for r in restarted["articles"] + restarted["duplicates"] + restarted["dead-letter"]}
    assert len(seen) == len(first) + len(second)
    assert committed(kafka_bootstrap, topic, group_name) == end_offsets(kafka_bootstrap, topic)


def test_past_and_future_record_times(kafka_bootstrap, make_topic, group_name, tmp_path):
    """No published_at: event time is the Kafka timestamp, capped at the time the record was read."""
    topic = make_topic(1)
    past_ms = 978_307_200_000  # 2001-01-01
    # The broker refuses timestamps over an hour ahead (log.message.timestamp.after.max.ms).
    future_ms = int(time.time() * 1000) + 40 * 60_000
    produce(kafka_bootstrap, topic, [{"id": "old", "body": "خبر قديم عن الرياض"}], timestamp_ms=past_ms)
    produce(kafka_bootstrap, topic, [{"id": "ahead", "body": "خبر مؤرخ في المستقبل عن دمشق"}], timestamp_ms=future_ms)
    out = tmp_path / "out"
    result = run(kafka_bootstrap, topic, group_name, out, "--stop-at-end", "--window", "60s")
    by_id = {a["id"]: a for a in result["articles"]}
    assert set(by_id) == {"old", "ahead"}
    # published_at keeps the record timestamp as given ...
    assert int(by_id["old"]["published_at"].timestamp() * 1000) == past_ms
    assert int(by_id["ahead"]["published_at"].timestamp() * 1000) == future_ms
    # ... while files are windowed by when the records were read: now, for the 2001 story and the one ahead.
    window_of = {r["id"]: path.name.split("-", 1)[1][:19] for path in out.glob("articles-*.avro") for r in read_avro(path)}
    for story in ("old", "ahead"):
        window = time.mktime(time.strptime(window_of[story], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        assert abs(window - time.time()) < 10 * 60, (story, window_of[story])


PRISM = prism_or_none()


@contextlib.contextmanager
def prism_job(bootstrap, topic, group, out):
    """`wirepipe run` as an endless stream on Prism with 1 s windows, stopped (SIGTERM, then SIGKILL) on exit."""
    job = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "run", "--bootstrap-servers", bootstrap, "--topic", topic,
         "--group", group, "--start", "earliest", "--out", str(out), "--window", "1s", "--no-progress",
         "--runner=PrismRunner", f"--prism_location={PRISM}", "--environment_type=LOOPBACK"],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        yield job
    finally:
        os.killpg(job.pid, signal.SIGTERM)
        try:
            job.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()


@pytest.mark.slow
@pytest.mark.skipif(PRISM is None, reason="Prism runner binary not found (make test builds it when Go is there)")
def test_endless_stream_on_prism(kafka_bootstrap, make_topic, group_name, tmp_path):
    """The real streaming mode: 1 s windows fire while the job runs, offsets are committed in bundle
    finalization, and every record (duplicates, updates, malformed values) lands in exactly one output."""
    topic = make_topic(3)
    out = tmp_path / "out"
    with prism_job(kafka_bootstrap, topic, group_name, out) as job:
        feed = stories(0, 20)
        produce(kafka_bootstrap, topic, feed + MALFORMED)
        ends = end_offsets(kafka_bootstrap, topic)
        expected = {(topic, p, o) for (_, p), end in ends.items() for o in range(end)}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert job.poll() is None, "the streaming job stopped by itself"
            records = read_records(out) if out.exists() else {kind: [] for kind in KINDS}
            seen = [source_key(r) for kind in KINDS for r in records[kind]]
            if set(seen) >= expected and committed(kafka_bootstrap, topic, group_name) == ends:
                break
            time.sleep(1)
        assert sorted(seen) == sorted(expected), "a record is missing or was written twice"
        assert committed(kafka_bootstrap, topic, group_name) == ends
        assert len(records["duplicates"]) == 4 and len(records["dead-letter"]) == len(MALFORMED)
        statuses = sorted(a["dedup"]["status"] for a in records["articles"])
        assert statuses.count("UPDATE") == 3 and len(statuses) == len(feed) - 4


@pytest.mark.timeout(180)
def test_until_idle_ends_when_checkpoints_are_shorter_than_the_idle_time(kafka_bootstrap, make_topic, group_name, tmp_path):
    """The idle count must survive the reader's self-checkpoints (it once restarted with each of them)."""
    topic = make_topic(2)
    produce(kafka_bootstrap, topic, stories(0, 6))
    started = time.monotonic()
    result = run(kafka_bootstrap, topic, group_name, tmp_path / "out", "--until-idle", "3", "--checkpoint-interval", "250ms")
    assert result["metrics"]["read"] == len(stories(0, 6))
    assert time.monotonic() - started < 120


@pytest.mark.slow
@pytest.mark.skipif(PRISM is None, reason="Prism runner binary not found (make test builds it when Go is there)")
def test_old_story_arriving_in_a_running_stream_is_written(kafka_bootstrap, make_topic, group_name, tmp_path):
    """A story dated 30 days back that arrives once the watermark is current must still get a file:
    files are windowed by the time a record was read, so no record is later than the allowed lateness."""
    topic = make_topic(1)
    out = tmp_path / "out"
    now_ms = int(time.time() * 1000)
    fresh = [{"id": f"fresh-{i}", "body": f"الرياض-واس\nأعلنت الوزارة افتتاح المشروع رقم {i}.", "published_at": now_ms}
             for i in range(3)]
    old = {"id": "old-story", "body": "الرياض-واس\nأعلنت الوزارة نتائج العام الماضي كاملة.",
           "published_at": now_ms - 30 * 86_400_000}

    def written() -> set:
        return {a["id"] for a in read_records(out)["articles"]} if out.exists() else set()

    with prism_job(kafka_bootstrap, topic, group_name, out) as job:
        produce(kafka_bootstrap, topic, fresh)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not written() >= {s["id"] for s in fresh}:
            assert job.poll() is None, "the streaming job stopped by itself"
            time.sleep(1)
        assert written() >= {s["id"] for s in fresh}
        produce(kafka_bootstrap, topic, [old])  # the watermark is now days past its date
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "old-story" not in written():
            assert job.poll() is None, "the streaming job stopped by itself"
            time.sleep(1)
        assert "old-story" in written(), "a story dated 30 days back was read but never written"


def test_hostile_records_neither_stop_the_run_nor_block_the_group(kafka_bootstrap, make_topic, group_name, tmp_path):
    from tests.e2e.test_replay_hostile import KNOWN_BAD

    topic, articles_topic = make_topic(2), make_topic(1)
    feed = stories(0, 10)
    produce(kafka_bootstrap, topic, feed + KNOWN_BAD)
    ends = end_offsets(kafka_bootstrap, topic)
    result = run(kafka_bootstrap, topic, group_name, tmp_path / "out", "--stop-at-end", "--output-topic", articles_topic)
    assert_accounting(result, {(topic, p, o) for (_, p), end in ends.items() for o in range(end)})
    assert result["metrics"]["outcome"] == "done"
    assert committed(kafka_bootstrap, topic, group_name) == ends
    assert {d["error_kind"] for d in result["dead-letter"]} == {"invalid_text", "invalid_timestamp", "empty_body",
                                                                 "invalid_json"}
    # The articles are in the output topic as well: the commit waited for both sinks.
    assert len(decoded(kafka_bootstrap, articles_topic, len(result["articles"]))) == len(result["articles"])


def test_a_record_that_kills_the_worker_is_dead_lettered_and_stops_blocking_the_group(
        kafka_bootstrap, make_topic, group_name, tmp_path):
    """A record whose enrichment kills the process (a native crash; here the fault-injection hook) comes back
    after each restart from the last commit. After three deaths on it, the next run dead-letters it as
    ``poison``, writes every other record and commits to the end: the partition is not blocked for good."""
    from pipeline.io.poison import DEFAULT_MAX_ATTEMPTS, FAULT_ENV

    topic = make_topic(1)
    feed = stories(0, 12)
    poison_id = "sana-3"  # neither a repeat nor an update: it reaches enrichment
    produce(kafka_bootstrap, topic, feed)
    ends = end_offsets(kafka_bootstrap, topic)
    out = tmp_path / "out"  # the same output directory each time: the poison journal lives under it
    command = [sys.executable, "-m", "pipeline.cli", "run", "--bootstrap-servers", kafka_bootstrap, "--topic", topic,
               "--group", group_name, "--stop-at-end", "--out", str(out), "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO), FAULT_ENV: poison_id}
    for attempt in range(1, DEFAULT_MAX_ATTEMPTS + 1):
        died = subprocess.run(command, env=env, capture_output=True, timeout=300)
        assert died.returncode == -signal.SIGKILL, (attempt, died.returncode, died.stderr.decode(errors="replace")[-2000:])
        assert committed(kafka_bootstrap, topic, group_name) != ends  # the poison record held the partition
    last = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert last.returncode == 0, last.stderr.decode(errors="replace")[-2000:]
    result = read_outputs(out)
    assert_accounting(result, {(topic, 0, offset) for offset in range(ends[(topic, 0)])})
    [dead] = [d for d in result["dead-letter"] if d["error_kind"] == "poison"]
    assert (dead["id"], dead["stage"]) == (poison_id, "enrich")
    assert poison_id not in {a["id"] for a in result["articles"]}
    assert committed(kafka_bootstrap, topic, group_name) == ends


def test_a_missing_topic_fails_fast_with_exit_1_and_says_so(kafka_bootstrap, group_name, tmp_path, capsys):
    code = main(["run", "--bootstrap-servers", kafka_bootstrap, "--topic", "no-such-topic-" + group_name[-8:],
                 "--group", group_name, "--out", str(tmp_path / "out"), "--stop-at-end", "--no-progress"])
    assert code == 1
    assert "not found" in capsys.readouterr().err


def test_the_final_commit_reports_a_broker_that_is_gone():
    import socket

    from pipeline.jobs import commit_the_rest
    from pipeline.io.kafka import KafkaConfig

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = KafkaConfig(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=2000)
    assert commit_the_rest(gone, "g", {("t", 0): (5, 3)}, attempts=1) is False
    assert commit_the_rest(gone, "g", {("t", 0): (5, 5)}, attempts=1) is True  # nothing left to commit
