"""Parse against hostile input: every value a reader or a UTF-8 writer could not hold is a dead letter with a
clear kind, never an exception; and a property-based fuzz (hypothesis) of arbitrary bytes and JSON shapes."""
from __future__ import annotations

import io
import json

import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.io.avro import load_schema
from pipeline.model import RawRecord, file_source
from pipeline.parse import MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, dead_letter, parse_record

SRC = file_source("feed.jsonl", 7)
DEAD_SCHEMA = load_schema("dead_letter")


def _raw(text: str) -> RawRecord:
    return RawRecord(text.encode("utf-8", "surrogatepass"), SRC)


def _writes(schema: dict, record: dict) -> None:
    """The record encodes with fastavro and reads back (what a sink and `wirepipe inspect` do)."""
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, [record])
    buffer.seek(0)
    assert len(list(fastavro.reader(buffer))) == 1


BODY = "قال الوزير إن الاجتماع مهم"
HOSTILE = [
    # (the JSON text, the dead-letter kind)
    ('{"id": "\\ud800", "body": "%s"}' % BODY, "invalid_text"),
    ('{"id": "a", "headline": "x\\udfff", "body": "%s"}' % BODY, "invalid_text"),
    ('{"id": "a", "source": "\\ud83d", "body": "%s"}' % BODY, "invalid_text"),
    ('{"id": "a", "url": "http://x/\\udc80", "body": "%s"}' % BODY, "invalid_text"),
    ('{"id": "a", "section": "\\ud800", "body": "%s"}' % BODY, "invalid_text"),
    ('{"id": "a", "\\ud800": "x", "body": "%s"}' % BODY, "invalid_text"),
    ('{"id": "a", "body": "%s", "published_at": 1e19}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": -1e19}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": 1e20}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": 9223372036854775808}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": 9223372036854775807}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": "12345678901234567890123"}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": 1.7e308}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": "0001-01-01T00:00:00+05:00"}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": "9999-12-31T23:59:00-14:00"}' % BODY, "invalid_timestamp"),
    ('{"id": "a", "body": "%s", "published_at": "%s"}' % (BODY, "9" * 5000), "invalid_timestamp"),
    ('{"id": %s, "body": "%s"}' % ("9" * 5000, BODY), "invalid_json"),  # Python refuses ints over 4,300 digits
    ("[" * 100_000 + "]" * 100_000, "invalid_json"),
    ('{"id": "a", "body": "%s", "x": %s}' % (BODY, "[" * 100_000 + "]" * 100_000), "invalid_json"),
    ('{"id": "a", "body": "\\u064e\\u064e\\u0640\\u0640 ... «»"}', "empty_body"),
    ('{"id": "a", "body": "\\u200f\\u200e\\ufeff"}', "empty_body"),
]


@pytest.mark.parametrize("text,kind", HOSTILE, ids=[f"{k}-{i}" for i, (_, k) in enumerate(HOSTILE)])
def test_hostile_values_are_dead_letters_that_can_be_written(text, kind):
    with pytest.raises(InputError) as caught:
        parse_record(_raw(text))
    assert caught.value.kind == kind
    record = dead_letter(_raw(text), caught.value.kind, caught.value.message, "parse", article_id=caught.value.article_id)
    _writes(DEAD_SCHEMA, record)


@pytest.mark.parametrize("value", [MIN_TIMESTAMP_MS, MAX_TIMESTAMP_MS, "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_the_edges_of_the_range_are_accepted_and_readable(value):
    article = parse_record(_raw(json.dumps({"id": "a", "body": BODY, "published_at": value})))
    schema = load_schema("wire_article")
    _writes(schema, {k: article[k] for k in ("id", "body", "headline", "agency", "published_at", "url", "author",
                                             "language", "version", "extra")})


def test_a_kafka_timestamp_out_of_range_is_ignored_not_fatal():
    raw = RawRecord(json.dumps({"id": "a", "body": BODY}).encode(), SRC, timestamp_ms=2**63 - 1)
    assert parse_record(raw)["published_at"] is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)
_FIELDS = st.sampled_from(["id", "story_id", "guid", "body", "content", "text", "headline", "title", "agency",
                           "source", "published_at", "date", "published", "url", "author", "language", "version", "x"])
_ARTICLE = st.dictionaries(_FIELDS, _JSON | st.text(alphabet=st.characters(), max_size=30), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), _ARTICLE.map(lambda o: json.dumps(o).encode()),
                 _JSON.map(lambda o: json.dumps(o).encode())))
def test_any_bytes_parse_or_become_a_writable_dead_letter(payload):
    raw = RawRecord(payload, SRC)
    try:
        article = parse_record(raw)
    except InputError as exc:
        _writes(DEAD_SCHEMA, dead_letter(raw, exc.kind, exc.message, "parse", article_id=exc.article_id))
    else:
        assert article["id"].strip() and article["body"].strip()
        article["body"].encode("utf-8")
        assert article["published_at"] is None or MIN_TIMESTAMP_MS <= article["published_at"] <= MAX_TIMESTAMP_MS
