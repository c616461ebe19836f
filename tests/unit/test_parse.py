"""Parse: a table of good and bad inputs, each bad one with the dead-letter kind it must get."""
from __future__ import annotations

import json

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.model import RawRecord, file_source, kafka_source
from pipeline.parse import dead_letter, parse_record, parse_timestamp

SRC = file_source("feed.jsonl", 3)


def raw(value, fmt="json", **kw) -> RawRecord:
    payload = value if isinstance(value, (bytes, dict, list)) or value is None else value.encode("utf-8")
    return RawRecord(payload, kw.pop("source", SRC), fmt=fmt, **kw)


GOOD = [
    ({"id": "sana-1", "body": "دمشق-سانا\nقال الوزير", "headline": "عنوان"}, {"id": "sana-1", "headline": "عنوان"}),
    ({"story_id": 17, "content": "نص الخبر", "title": "عنوان"}, {"id": "17", "headline": "عنوان"}),
    ({"guid": "g-1", "text": "نص", "source": "was", "date_extracted": "2015-08-10 18:52:49"},
     {"id": "g-1", "agency": "was", "published_at": 1439232769000}),
    ({"id": "x", "body": "نص", "published_at": "2025-11-03T10:00:00+03:00"}, {"published_at": 1762153200000}),
    ({"id": "x", "body": "نص", "published": 1762153200}, {"published_at": 1762153200000}),
    ({"id": "x", "body": "نص", "date": 1762153200000}, {"published_at": 1762153200000}),
    ({"id": "x", "body": " نص ", "section": "سياسة", "tags": ["a", "b"]},
     {"body": " نص ", "extra": {"section": "سياسة", "tags": '["a", "b"]'}, "language": "ar"}),
]


@pytest.mark.parametrize("obj,expected", GOOD)
def test_good_records(obj, expected):
    article = parse_record(raw(json.dumps(obj, ensure_ascii=False)))
    for key, value in expected.items():
        assert article[key] == value
    assert article["source"] == SRC
    assert len(article["content_hash"]) == 64


BAD = [
    (b'{"id": "x", "body": ', "invalid_json"),
    (b'\xff\xfe{"id": "x"}', "invalid_utf8"),
    (b'["id", "body"]', "not_an_object"),
    (b'"just a string"', "not_an_object"),
    (b'{"body": "\xd9\x86\xd8\xb5"}', "missing_id"),
    (b'{"id": "  ", "body": "x"}', "missing_id"),
    (b'{"id": "x", "body": "   \\n "}', "empty_body"),
    (b'{"id": "x"}', "empty_body"),
    (b'{"id": {"a": 1}, "body": "x"}', "invalid_field"),
    (b'{"id": "x", "body": "x", "published_at": "yesterday"}', "invalid_timestamp"),
    (None, "empty_record"),
]


@pytest.mark.parametrize("payload,kind", BAD)
def test_bad_records_name_their_error(payload, kind):
    with pytest.raises(InputError) as info:
        parse_record(RawRecord(payload, SRC))
    assert info.value.kind == kind


def test_body_over_the_limit_is_refused():
    body = "خبر " * 300  # 2,400 bytes of UTF-8
    with pytest.raises(InputError) as info:
        parse_record(raw({"id": "x", "body": body}, fmt="record"), max_body_bytes=1000)
    assert info.value.kind == "body_too_large"
    assert parse_record(raw({"id": "x", "body": body}, fmt="record"), max_body_bytes=5000)["body"] == body


def test_limit_must_be_positive():
    with pytest.raises(ConfigError, match="positive"):
        parse_record(raw({"id": "x", "body": "y"}, fmt="record"), max_body_bytes=0)


def test_txt_article_headline_and_body(tmp_path):
    text = "\n\nعنوان الخبر\n\nالفقرة الأولى.\n\nالفقرة الثانية.\n"
    article = parse_record(RawRecord(text.encode(), file_source(str(tmp_path / "story-7.txt"), 1), fmt="txt"))
    assert (article["id"], article["headline"], article["body"]) == ("story-7", "عنوان الخبر", "الفقرة الأولى.\n\nالفقرة الثانية.")


def test_kafka_timestamp_is_the_fallback_event_time():
    record = RawRecord(b'{"id": "k", "body": "x"}', kafka_source("wire", 0, 5), timestamp_ms=1700000000000)
    assert parse_record(record)["published_at"] == 1700000000000


def test_source_errors_pass_through_as_their_kind():
    with pytest.raises(InputError) as info:
        parse_record(RawRecord(b"\x1f\x8b..", SRC, error=("unreadable_gzip", "truncated")))
    assert info.value.kind == "unreadable_gzip"


def test_dead_letter_keeps_capped_raw_bytes_and_length():
    payload = ("x" * 100).encode()
    record = dead_letter(RawRecord(payload, SRC), "invalid_json", "bad", "parse", raw_cap=10)
    assert record["raw"] == payload[:10] and record["raw_length"] == 100 and record["truncated"]
    assert record["source"] == SRC and record["stage"] == "parse"
    full = dead_letter(RawRecord(payload, SRC), "invalid_json", "bad", "parse")
    assert full["raw"] == payload and not full["truncated"]


def test_dead_letter_of_a_decoded_record_keeps_it_as_json():
    record = dead_letter(RawRecord({"id": "a-1", "body": ""}, SRC, fmt="record"), "empty_body", "no body", "parse")
    assert record["id"] == "a-1"
    assert json.loads(record["raw"]) == {"id": "a-1", "body": ""}


@pytest.mark.parametrize("value,expected", [
    ("2015-08-10 18:52:49", 1439232769000),
    ("2015-08-10T18:52:49Z", 1439232769000),
    ("2015-08-10T21:52:49+03:00", 1439232769000),
    (1439232769, 1439232769000),
    ("1439232769000", 1439232769000),
    (None, None),
    ("", None),
])
def test_timestamps(value, expected):
    assert parse_timestamp(value) == expected
