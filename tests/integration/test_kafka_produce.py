"""`wirepipe produce` against the real broker: what is published, what is skipped, keys, values, pacing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.io.archive import expand_paths, iter_raw_records
from pipeline.model import RawRecord, kafka_source
from pipeline.parse import parse_record
from pipeline.io.producer import Pacer, parse_pace, parse_rate, produce
from pipeline.io.kafka import KafkaConfig
from tests.integration.kafka_helpers import read_topic

pytestmark = pytest.mark.kafka

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def accepted_articles(paths: list[str]) -> list[dict]:
    """The articles Parse accepts from the files, in file order (what produce must publish)."""
    out = []
    for raw in iter_raw_records(expand_paths(paths)):
        try:
            out.append(parse_record(raw))
        except Exception:  # noqa: BLE001 - InputError: skipped by produce too
            pass
    return out


def test_produce_publishes_accepted_records_keyed_by_id_and_skips_bad_ones(kafka_bootstrap, make_topic, capsys):
    topic = make_topic(partitions=3)
    paths = [str(SEEDS / "demo"), str(SEEDS / "000_2ec8cf8ddaeb2913.txt")]
    expected = accepted_articles(paths)
    assert len(expected) >= 10

    code = main(["produce", *paths, "--topic", topic, "--bootstrap-servers", kafka_bootstrap, "--no-progress"])
    assert code == 0
    captured = capsys.readouterr()
    assert "feed.jsonl:6: invalid_json" in captured.err
    assert "bad-bytes.jsonl:2: invalid_utf8" in captured.err
    assert "published" in captured.out

    records = read_topic(kafka_bootstrap, topic, len(expected))
    assert len(records) == len(expected)
    by_key: dict[str, list] = {}
    for r in records:
        by_key.setdefault(r.key.decode(), []).append(r)
    # An update repeats its id: same key, so the versions stay in order on one partition.
    assert sorted(by_key) == sorted({a["id"] for a in expected})
    for versions in by_key.values():
        assert len({r.partition for r in versions}) == 1
    # Each value is the input record as JSON, and parses back to the same article.
    for article in expected:
        versions = by_key[article["id"]]
        parsed = [parse_record(RawRecord(r.value, kafka_source(topic, r.partition, r.offset), r.timestamp)) for r in versions]
        assert any(p["body"] == article["body"] and p["headline"] == article["headline"] for p in parsed)
        for r in versions:
            assert isinstance(json.loads(r.value.decode("utf-8")), dict)


def test_produce_summary_counts_bad_records_by_kind(kafka_bootstrap, make_topic):
    topic = make_topic(partitions=1)
    config = KafkaConfig(kafka_bootstrap)
    skipped = []
    summary = produce([str(SEEDS / "demo")], topic, config, on_bad=lambda raw, err: skipped.append((raw.source["line"], err.kind)))
    assert summary["bad_by_kind"] == {"empty_body": 1, "invalid_json": 1, "invalid_utf8": 1, "missing_id": 1,
                                      "not_an_object": 1, "unreadable_gzip": 1}
    assert summary["read"] == summary["published"] + summary["bad"]
    assert summary["failed"] == 0 and summary["per_partition"] == {"0": summary["published"]}
    assert (6, "invalid_json") in skipped and (2, "invalid_utf8") in skipped


@pytest.mark.parametrize("text, rate", [("200/s", 200.0), ("12.5", 12.5), (" 3 / s ", 3.0)])
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text, k", [("original", 1.0), ("original×60", 60.0), ("originalx2.5", 2.5), ("ORIGINAL*10", 10.0), ("4", 4.0)])
def test_parse_pace(text, k):
    assert parse_pace(text) == k


@pytest.mark.parametrize("text", ["fast", "0/s", "-5", "original×0", "original×"])
def test_bad_pacing_is_a_config_error(text):
    with pytest.raises(ConfigError):
        parse_rate(text) if "original" not in text else parse_pace(text)


class FakeClock:
    """A clock that moves only when slept on, so pacing is checked exactly and instantly."""

    def __init__(self):
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.mark.parametrize(
    "rate, speedup, published, sleeps",
    [
        (4.0, None, [None, None, None], [0.25, 0.25]),  # fixed rate: every 1/4 s
        (None, 10.0, [0, 20_000, 10_000, 50_000, None], [2.0, 3.0]),  # gaps / 10; out of order or no time: at once
        (None, None, [0, 60_000], []),  # unpaced
    ],
)
def test_pacer_schedules(rate, speedup, published, sleeps):
    clock = FakeClock()
    pacer = Pacer(rate=rate, speedup=speedup, clock=clock, sleep=clock.sleep)
    for ms in published:
        pacer.wait(ms)
    assert clock.sleeps == sleeps
