"""The plan of a replay in chunks, and the state carried between chunks (pure functions, no Beam)."""
import json
import random

import pytest

from pipeline import parse
from pipeline.chunks import EXACT, NEAR, Carried, carry_forward, check_chunk_records, dated_records, plan_chunks
from pipeline.errors import ConfigError, InputError
from pipeline.model import RawRecord, file_source

NOW = 1_700_000_000_000


def _positions(chunk):
    return set(chunk.positions)


def _plan(times, max_records, now_ms=NOW):
    index = [(ordinal, t) for ordinal, t in enumerate(times)]
    return plan_chunks(index, max_records, now_ms)


@pytest.mark.parametrize("times, max_records, expected", [
    # event-time order, whatever the reading order
    ([30, 10, 20, 40], 2, [[1, 2], [0, 3]]),
    # one event time is never split: the chunk grows past the limit instead
    ([10, 20, 20, 20, 30], 2, [[0, 1, 2, 3], [4]]),
    ([20, 20, 20, 10], 1, [[3], [0, 1, 2]]),
    # no date, or a date at or after the replay's start: last, in reading order, chunked too
    ([None, 10, NOW, None, NOW + 5, 20], 2, [[1, 5], [0, 2], [3, 4]]),
    ([10, 20, 30], 5, [[0, 1, 2]]),
    ([], 3, []),
])
def test_chunks_follow_event_time_and_never_split_one_time(times, max_records, expected):
    plan = _plan(times, max_records)
    assert [list(chunk.positions) for chunk in plan] == expected
    assert [chunk.size for chunk in plan] == [len(ordinals) for ordinals in expected]


def test_every_record_is_in_exactly_one_chunk_and_chunks_do_not_overlap_in_time():
    rng = random.Random(7)
    times = [rng.choice([None, NOW + 1] + list(range(50))) for _ in range(500)]
    plan = _plan(times, 17)
    seen = [position for chunk in plan for position in _positions(chunk)]
    assert sorted(seen) == list(range(500))
    dated = [chunk for chunk in plan if chunk.start_ms is not None]
    assert all(chunk.start_ms is None for chunk in plan[len(dated):]), "read-time chunks come last"
    for before, after in zip(dated, dated[1:]):
        assert max(times[o] for o in _positions(before)) < after.start_ms
    for chunk in dated:
        assert chunk.start_ms == min(times[o] for o in _positions(chunk))


def test_carry_forward_keeps_what_is_inside_each_kinds_horizon():
    items = [Carried(EXACT, "h1", 100, "a", None), Carried(EXACT, "h2", 149, "b", None),
             Carried(NEAR, "3", 100, "a", None), Carried(NEAR, "3", 140, "c", None), Carried(NEAR, "5", 139, "d", None)]
    kept = list(carry_forward(items, 200, {EXACT: 100, NEAR: 60}))
    assert [(item.kind, item.id) for item in kept] == [(EXACT, "a"), (EXACT, "b"), (NEAR, "c")]
    assert list(carry_forward(items, 250, {EXACT: 100, NEAR: 60})) == []


@pytest.mark.parametrize("bad", [0, -1, 2.5, "100", True, None])
def test_chunk_size_must_be_a_positive_int(bad):
    with pytest.raises(ConfigError):
        check_chunk_records(bad)


@pytest.mark.parametrize("payload", [
    {"id": "a", "body": "نص الخبر", "date_extracted": "2015-08-10 18:52:49"},
    {"id": "a", "body": "نص الخبر", "published_at": 1439232769000},
    {"id": "a", "body": "نص الخبر", "published": "2015-08-10T18:52:49+03:00", "date": ""},
    {"id": "a", "body": "نص الخبر"},
])
def test_published_time_is_what_parse_gives_the_article(payload):
    raw = RawRecord(json.dumps(payload).encode(), file_source("f.jsonl", 1))
    assert parse.published_time(raw) == parse.parse_record(raw)["published_at"]


def test_published_time_of_a_kafka_record_falls_back_to_its_timestamp():
    raw = RawRecord(b'{"id": "a", "body": "x"}', file_source("f", 1), timestamp_ms=1439232769000)
    assert parse.published_time(raw) == parse.parse_record(raw)["published_at"] == 1439232769000


@pytest.mark.parametrize("payload", [b"{not json", b'"a string"', b'{"id": "a", "body": "x", "date": "yesterday"}'])
def test_published_time_of_what_parse_rejects_is_none(payload):
    raw = RawRecord(payload, file_source("f.jsonl", 1))
    with pytest.raises(InputError):
        parse.parse_record(raw)
    assert parse.published_time(raw) is None


def test_dated_records_come_in_reading_order_with_their_dates(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "body": "x", "date": "2015-08-10 00:00:00"}\n\n{broken\n'
                    '{"id": "b", "body": "y"}\n', encoding="utf-8")
    assert [(raw.source["line"], published) for raw, published in dated_records([str(feed)])] == [
        (1, 1439164800000), (3, None), (4, None)]


@pytest.mark.parametrize("plan, spool", [(b"not a pickle", True), (None, True), (b"", False)])
def test_a_replay_state_that_cannot_be_resumed_is_dropped_for_a_fresh_start(tmp_path, plan, spool):
    from pipeline import jobs

    folder = tmp_path / "replay-x"
    folder.mkdir()
    if plan is not None:
        (folder / "plan.pickle").write_bytes(plan)
    if spool:
        (folder / "records.spool").write_bytes(b"")
    assert jobs._resume(str(folder)) == ([], {})
    assert not folder.exists()
