"""DedupExact on Beam: the earliest (published_at, id) wins whatever the arrival order; updates stay
in the main output; state is cleared after the horizon (TestStream advancing the watermark)."""
from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to

from pipeline.dedup import First, event_ms
from pipeline.errors import ConfigError
from pipeline.model import file_source
from pipeline.nlp.normalize import content_hash
from pipeline.chunks import Carried
from pipeline.io.carry import save
from pipeline.transforms.dedup_step import DUPLICATES, DedupExact, firsts_of, unexpired

HOUR = 3600 * 1000
BODY = "دمشق-سانا\nقال وزير الخارجية إن المحادثات كانت بناءة."


def article(id_, body, published_at):
    return {"id": id_, "body": body, "published_at": published_at, "ingested_at": 2_000_000_000_000,
            "content_hash": content_hash(body), "source": file_source("t.jsonl", 1), "headline": None}


FEED = [
    article("sana-1", BODY, 10 * HOUR),
    article("paper-7", "دمشق-سانا\nقَالَ وزير الخارجية إنّ المحادثات كانت بنــاءة.", 12 * HOUR),  # same matching form
    article("paper-3", BODY, 11 * HOUR),
    article("sana-2", "الرياض-واس\nأعلنت الوزارة نتائج الاجتماع.", 10 * HOUR),
    article("sana-2", "الرياض-واس\nأعلنت الوزارة نتائج الاجتماع وتفاصيله.", 13 * HOUR),  # update
]


# A state key per content hash and per id (the distributed runners), and one key for all (the local runner).
ONE_KEY = pytest.mark.parametrize("one_key", [False, True], ids=["key-per-article", "one-key"])


def run_dedup(feed, horizon_s=7 * 86400, one_key=False):
    with TestPipeline(runner="apache_beam.runners.portability.fn_api_runner.FnApiRunner") as p:
        out = (p | beam.Create(feed) | beam.Map(lambda a: beam.window.TimestampedValue(a, event_ms(a) / 1000))
               | DedupExact(horizon_s, one_key=one_key))
        main = out["main"] | "Main" >> beam.Map(lambda a: (a["id"], a["published_at"], a["dedup"]["status"]))
        dups = out[DUPLICATES] | "Dups" >> beam.Map(lambda d: (d["id"], d["kind"], d["duplicate_of"]))
        assert_that(main, equal_to([("sana-1", 10 * HOUR, "UNIQUE"), ("sana-2", 10 * HOUR, "UNIQUE"),
                                    ("sana-2", 13 * HOUR, "UPDATE")]), label="CheckMain")
        assert_that(dups, equal_to([("paper-3", "EXACT", "sana-1"), ("paper-7", "EXACT", "sana-1")]), label="CheckDups")


@ONE_KEY
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_earliest_wins_whatever_the_arrival_order(seed, one_key):
    feed = list(FEED)
    random.Random(seed).shuffle(feed)
    run_dedup(feed, one_key=one_key)


@ONE_KEY
def test_same_time_ties_break_on_id(one_key):
    feed = [article("b", BODY, HOUR), article("a", BODY, HOUR)]
    with TestPipeline(runner="apache_beam.runners.portability.fn_api_runner.FnApiRunner") as p:
        out = (p | beam.Create(feed) | beam.Map(lambda a: beam.window.TimestampedValue(a, event_ms(a) / 1000))
               | DedupExact(3600, one_key=one_key))
        assert_that(out["main"] | beam.Map(lambda a: a["id"]), equal_to(["a"]), label="Main")
        assert_that(out[DUPLICATES] | "D" >> beam.Map(lambda d: (d["id"], d["duplicate_of"])), equal_to([("b", "a")]), label="Dups")


@ONE_KEY
def test_update_is_linked_to_the_first_version(one_key):
    feed = [article("s", "نص أول", HOUR), article("s", "نص ثان مختلف", 2 * HOUR)]
    with TestPipeline(runner="apache_beam.runners.portability.fn_api_runner.FnApiRunner") as p:
        out = (p | beam.Create(feed) | beam.Map(lambda a: beam.window.TimestampedValue(a, event_ms(a) / 1000))
               | DedupExact(86400, one_key=one_key))
        updates = out["main"] | beam.Filter(lambda a: a["dedup"]["status"] == "UPDATE") | beam.Map(
            lambda a: (a["dedup"]["first_version_hash"], a["dedup"]["first_version_published_at"]))
        assert_that(updates, equal_to([(content_hash("نص أول"), HOUR)]))


@ONE_KEY
def test_state_is_cleared_after_the_horizon(one_key):
    """A copy after the horizon is a new story; one inside it is a duplicate (watermark-driven)."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    day = 86400
    stream = (
        TestStream()
        .advance_watermark_to(0)
        .add_elements([beam.window.TimestampedValue(article("first", BODY, 1000 * 1000), 1000)])
        .advance_watermark_to(2000)
        .add_elements([beam.window.TimestampedValue(article("inside", BODY, 3000 * 1000), 3000)])
        .advance_watermark_to(day + 5000)
        .add_elements([beam.window.TimestampedValue(article("after", BODY, (day + 6000) * 1000), day + 6000)])
        # Past the last article first: what a timer emits once the watermark is at the end of time
        # is late for every later shuffle.
        .advance_watermark_to(day + 7000)
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        out = p | stream | DedupExact(day, one_key=one_key)
        assert_that(out["main"] | beam.Map(lambda a: a["id"]), equal_to(["first", "after"]), label="Main")
        assert_that(out[DUPLICATES] | "D" >> beam.Map(lambda d: (d["id"], d["duplicate_of"])),
                    equal_to([("inside", "first")]), label="Dups")


def test_one_key_keeps_the_firsts_a_key_would_keep():
    """A first leaves the one key's dict when a key's own timer would clear it: one horizon after it."""
    firsts = {("exact", "h1"): First(1000, "a", "h1", 1000), ("version", "b"): First(5000, "b", "h2", 5000)}
    assert unexpired(firsts, 1000 + HOUR, HOUR) == firsts
    assert unexpired(firsts, 1001 + HOUR, HOUR) == {("version", "b"): firsts[("version", "b")]}
    assert unexpired(firsts, 5001 + HOUR, HOUR) == {}


@ONE_KEY
def test_a_chunk_starts_from_the_firsts_carried_to_it(one_key, tmp_path):
    """A replay in chunks: the firsts an earlier chunk left make this chunk's copies duplicates and updates."""
    seeds = str(tmp_path / "in.pickle")
    save(seeds, [
        Carried("exact", content_hash(BODY), HOUR, "orig", First(HOUR, "orig", content_hash(BODY), HOUR)),
        Carried("version", "orig", HOUR, "orig", First(HOUR, "orig", content_hash(BODY), HOUR)),
        Carried("exact", content_hash("نص أول"), HOUR, "s", First(HOUR, "s", content_hash("نص أول"), HOUR)),
        Carried("version", "s", HOUR, "s", First(HOUR, "s", content_hash("نص أول"), HOUR)),
    ])
    feed = [article("copy", BODY, 2 * HOUR), article("s", "نص ثان مختلف", 3 * HOUR), article("new", "خبر آخر", 3 * HOUR)]
    with TestPipeline(runner="apache_beam.runners.portability.fn_api_runner.FnApiRunner") as p:
        out = (p | beam.Create(feed) | beam.Map(lambda a: beam.window.TimestampedValue(a, event_ms(a) / 1000))
               | DedupExact(86400, carried_from=seeds, one_key=one_key))
        assert_that(out["main"] | beam.Map(lambda a: (a["id"], a["dedup"]["status"])),
                    equal_to([("s", "UPDATE"), ("new", "UNIQUE")]), label="Main")
        assert_that(out[DUPLICATES] | "D" >> beam.Map(lambda d: (d["id"], d["duplicate_of"])),
                    equal_to([("copy", "orig")]), label="Dups")
        assert_that(out["carried"] | "C" >> beam.Map(lambda c: (c.kind, c.key)),
                    equal_to([("exact", content_hash("خبر آخر")), ("version", "new"), ("exact", content_hash("نص ثان مختلف"))]),
                    label="Carried")


def test_a_key_carried_twice_keeps_the_later_first():
    old, new = First(1000, "a", "h", 1000), First(9000, "b", "h", 9000)
    assert firsts_of([Carried("exact", "h", 9000, "b", new), Carried("exact", "h", 1000, "a", old)]) == {("exact", "h"): new}


def test_horizon_must_be_positive():
    with pytest.raises(ConfigError, match="positive"):
        DedupExact(0)


@pytest.mark.parametrize("published,ingested,expected", [
    (1_000, 5_000, 1_000),      # the usual case: published before it was read
    (9_000, 5_000, 5_000),      # dated in the future: processed at the time it was read
    (None, 5_000, 5_000),       # no date: the time it was read
])
def test_event_time_is_published_at_capped_at_ingestion(published, ingested, expected):
    assert event_ms({"published_at": published, "ingested_at": ingested}) == expected
