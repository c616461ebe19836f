"""``wirepipe inspect``: readable lines and JSON lines for each record type, limits and clear errors."""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path

import fastavro
import pytest
from rich.cells import cell_len

from pipeline.cli import main
from pipeline.io.avro import load_schema
from pipeline.model import file_source, kafka_source

UTC = dt.timezone.utc
REPO = Path(__file__).resolve().parents[2]

SANA_BODY = (
    "دمشق-سانا\n"
    "بحث وزير الخارجية والمغتربين نزار الأحمد مع المبعوث الأممي ماركوس هولم اليوم في دمشق سبل تعزيز الاستقرار.\n"
    "وقال الأحمد: «أولويتنا إعادة الحياة الطبيعية إلى دير الزور والرقة»."
)
SPA_BODY = (
    "الرياض 12 جمادى الأولى 1447 هـ الموافق 3 نوفمبر 2025 م واس\n"
    "افتتح نائب وزير الطاقة المهندس فهد بن سعد العتيبي اليوم أعمال المؤتمر الدولي للطاقة المتجددة.\n"
    "وقال: “نعمل مع شركائنا في القطاع الخاص على خفض تكلفة إنتاج الكهرباء”."
)
REPUBLISHED_BODY = "عين اليوم – الرياض\n" + SPA_BODY.split("\n", 1)[1].replace("“", "«").replace("”", "»")


def _at(hour: int, minute: int, milli: int = 0) -> dt.datetime:
    return dt.datetime(2025, 11, 3, hour, minute, 0, milli * 1000, tzinfo=UTC)


def _entity(body: str, text: str, kind: str) -> dict:
    start = body.index(text)
    return {"type": kind, "text": text, "canonical": text, "role": None, "field": "BODY",
            "start": start, "end": start + len(text), "method": "gazetteer"}


def _quote(body: str, text: str, speaker: str) -> dict:
    start = body.index(text)
    return {"kind": "DIRECT", "text": text, "field": "BODY", "start": start, "end": start + len(text),
            "verb": "قال", "speaker": {"name": speaker, "mention": None, "entity_index": 0}}


def _article(article_id: str, headline: str, body: str, dateline: dict | None, dedup: dict,
             entities=(), quotes=(), line: int = 1) -> dict:
    return {
        "id": article_id, "agency": article_id.split("-")[0].upper(), "headline": headline, "body": body,
        "url": None, "author": None, "language": "ar", "published_at": _at(6, 15 + line, 250),
        "ingested_at": _at(9, 0), "source": file_source("seeds/demo/feed.jsonl", line),
        "content_hash": f"{line:02d}" * 32, "dateline": dateline, "dedup": dedup,
        "entities": list(entities), "quotes": list(quotes), "extra": {}, "pipeline_version": "0.1.0",
    }


def _dedup(status: str, cluster: str | None, duplicate_of: str | None = None, similarity: float | None = None) -> dict:
    return {"status": status, "cluster_id": cluster, "duplicate_of": duplicate_of, "similarity": similarity,
            "first_version_hash": None, "first_version_published_at": None}


ARTICLES = [
    _article(
        "sana-2025-11-03-0001", "وزير الخارجية يبحث مع المبعوث الأممي سبل تعزيز الاستقرار", SANA_BODY,
        {"place": "دمشق", "agency": "سانا", "date_text": None, "start": 0, "end": 9},
        _dedup("UNIQUE", "sana-2025-11-03-0001"),
        entities=[_entity(SANA_BODY, "نزار الأحمد", "PERSON"), _entity(SANA_BODY, "ماركوس هولم", "PERSON"),
                  _entity(SANA_BODY, "دمشق", "LOCATION")],
        quotes=[_quote(SANA_BODY, "أولويتنا إعادة الحياة الطبيعية إلى دير الزور والرقة", "نزار الأحمد")],
        line=2),
    _article(
        "spa-2025-11-03-0001", "نائب وزير الطاقة يفتتح المؤتمر الدولي للطاقة المتجددة", SPA_BODY,
        {"place": "الرياض", "agency": "واس", "date_text": "12 جمادى الأولى 1447 هـ الموافق 3 نوفمبر 2025 م",
         "start": 0, "end": SPA_BODY.index("\n")},
        _dedup("UNIQUE", "spa-2025-11-03-0001"),
        entities=[_entity(SPA_BODY, "فهد بن سعد العتيبي", "PERSON")], line=3),
    _article(
        "ainalyoum-2025-11-03-0002", "الرياض تستضيف مؤتمرا دوليا للطاقة المتجددة\nبمشاركة 40 دولة", REPUBLISHED_BODY,
        {"place": "الرياض", "agency": "عين اليوم", "date_text": None, "start": 0, "end": 18},
        _dedup("NEAR_DUPLICATE", "spa-2025-11-03-0001", "spa-2025-11-03-0001", 0.8046), line=10),
    _article(
        "sana-2025-11-03-0002", "أمطار غزيرة في الساحل السوري", "اللاذقية-سانا\nشهدت محافظتا اللاذقية وطرطوس أمطارا غزيرة.",
        None, _dedup("UPDATE", "sana-2025-11-03-0002"), line=7),
]

DUPLICATE = {
    "id": "wafa-2025-11-03-0007", "kind": "EXACT", "duplicate_of": "wafa-2025-11-03-0001",
    "duplicate_of_published_at": _at(10, 10), "similarity": 1.0, "content_hash": "c0" * 32,
    "headline": "انطلاق موسم قطف الزيـــتون", "body": "رام الله 3-11-2025 وفا- قال وزير الزراعة رامي عودة إن الموسم أقل من المعدل.",
    "agency": "WAFA", "url": None, "published_at": _at(14, 45), "ingested_at": _at(15, 0),
    "source": file_source("seeds/demo/feed.jsonl", 12), "extra": {},
}

BAD_UTF8 = b'{"id": "sana-2025-11-05-0003", "body": "\xd8\xaf\xd9\x85\xd8 \xff\xfe"}'
DEAD_LETTERS = [
    {"id": None, "error_kind": "invalid_json", "error_message": "Unterminated string starting at: line 1 column 65",
     "stage": "parse", "source": file_source("seeds/demo/feed.jsonl", 6), "raw": '{"id": "sana-2025-11-03-0003", "body": "دمشق'.encode(),
     "raw_length": 120, "truncated": False, "failed_at": _at(9, 0, 1), "pipeline_version": "0.1.0"},
    {"id": "sana-2025-11-05-0003", "error_kind": "invalid_utf8", "error_message": "'utf-8' codec can't decode byte 0xff\nin position 47",
     "stage": "read", "source": kafka_source("wire.ar", 2, 77), "raw": BAD_UTF8, "raw_length": len(BAD_UTF8),
     "truncated": False, "failed_at": _at(9, 0, 2), "pipeline_version": "0.1.0"},
]


def _write(path: Path, schema_name: str, records: list[dict], sync_interval: int = 16000) -> Path:
    with open(path, "wb") as fh:
        fastavro.writer(fh, load_schema(schema_name), records, sync_interval=sync_interval)
    return path


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = tmp_path / "out"
    out.mkdir()
    return {
        "articles": _write(out / "articles-00000-of-00001.avro", "enriched_article", ARTICLES),
        "duplicates": _write(out / "duplicates-00000-of-00001.avro", "duplicate", [DUPLICATE]),
        "dead_letters": _write(out / "dead-letter-00000-of-00001.avro", "dead_letter", DEAD_LETTERS),
    }


def _inspect(capsys, *args) -> tuple[int, str, str]:
    code = main(["inspect", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _rows(out: str) -> dict[str, list[str]]:
    """Map the first column of each record line to its columns (columns are separated by 2+ spaces)."""
    rows = {}
    for line in out.splitlines():
        if line.startswith(("==", "--")):
            continue
        columns = re.split(r" {2,}", line)
        rows[columns[0]] = columns
    return rows


@pytest.mark.parametrize(("key", "expected"), [
    ("sana-2025-11-03-0001",
     ["sana-2025-11-03-0001", "2025-11-03T06:17Z", "UNIQUE", "دمشق · سانا", "3", "1",
      "وزير الخارجية يبحث مع المبعوث الأممي سبل تعزيز الاستقرار"]),
    ("spa-2025-11-03-0001",
     ["spa-2025-11-03-0001", "2025-11-03T06:18Z", "UNIQUE",
      "الرياض · واس · 12 جمادى الأولى 1447 هـ الموافق 3 نوفمبر 2025 م", "1", "0",
      "نائب وزير الطاقة يفتتح المؤتمر الدولي للطاقة المتجددة"]),
    # A newline in the headline is folded so that the record stays on one line.
    ("ainalyoum-2025-11-03-0002",
     ["ainalyoum-2025-11-03-0002", "2025-11-03T06:25Z", "NEAR_DUPLICATE of spa-2025-11-03-0001 (0.80)",
      "الرياض · عين اليوم", "0", "0", "الرياض تستضيف مؤتمرا دوليا للطاقة المتجددة بمشاركة 40 دولة"]),
    ("sana-2025-11-03-0002",
     ["sana-2025-11-03-0002", "2025-11-03T06:22Z", "UPDATE", "-", "0", "0", "أمطار غزيرة في الساحل السوري"]),
    ("ID", ["ID", "PUBLISHED", "DEDUP", "DATELINE", "ENTITIES", "QUOTES", "HEADLINE"]),
])
def test_article_lines(capsys, files, key, expected):
    code, out, err = _inspect(capsys, files["articles"])
    assert code == 0, err
    assert out.splitlines()[0] == f"== {files['articles']} (articles, io.wirepipe.EnrichedArticle)"
    assert out.splitlines()[-1] == "-- 4 records"
    assert _rows(out)[key] == expected


def test_columns_are_aligned(capsys, files):
    _, out, _ = _inspect(capsys, files["articles"])
    lines = [line for line in out.splitlines() if not line.startswith(("==", "--"))]
    assert len(lines) == 5
    # The ids are ASCII, so the second column starts at the same index on every line.
    assert {line.index("2025-11-03T") if line[0] != "I" else line.index("PUBLISHED") for line in lines} == {27}


def test_columns_align_in_terminal_cells_despite_diacritics(capsys, tmp_path):
    # Diacritics take no terminal cell: padding counts cells, not code points.
    voweled = dict(ARTICLES[0], id="sana-2025-11-03-0009",
                   dateline={"place": "دِمَشْق", "agency": None, "date_text": None, "start": 0, "end": 7})
    path = _write(tmp_path / "articles.avro", "enriched_article", [ARTICLES[0], voweled])
    _, out, _ = _inspect(capsys, path)
    lines = [line for line in out.splitlines() if not line.startswith(("==", "--"))]
    # The ENTITIES column (after DATELINE) starts at the same cell on every line.
    starts = {cell_len(line[: line.index("  3  ") + 2]) for line in lines[1:]}
    assert starts == {cell_len(lines[0][: lines[0].index("ENTITIES")])}


def test_duplicate_and_dead_letter_lines(capsys, files):
    code, out, err = _inspect(capsys, files["duplicates"], files["dead_letters"])
    assert code == 0, err
    rows = _rows(out)
    assert rows["wafa-2025-11-03-0007"][:5] == [
        "wafa-2025-11-03-0007", "EXACT", "wafa-2025-11-03-0001", "1.00", "2025-11-03T14:45Z"]
    assert rows["invalid_json"] == [
        "invalid_json", "parse", "seeds/demo/feed.jsonl:6", "-", "120",
        "Unterminated string starting at: line 1 column 65"]
    assert rows["invalid_utf8"] == [
        "invalid_utf8", "read", "wire.ar/2@77", "sana-2025-11-05-0003", str(len(BAD_UTF8)),
        "'utf-8' codec can't decode byte 0xff in position 47"]
    assert [line for line in out.splitlines() if line.startswith("--")] == ["-- 1 record", "-- 2 records"]


def test_json_lines_round_trip(capsys, files):
    code, out, err = _inspect(capsys, "--json", files["articles"], files["dead_letters"])
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == [a["id"] for a in ARTICLES] + [d["id"] for d in DEAD_LETTERS]
    first = records[0]
    assert first["published_at"] == "2025-11-03T06:17:00.250+00:00"
    assert first["body"] == SANA_BODY
    assert first["entities"][0] == ARTICLES[0]["entities"][0]
    assert first["quotes"][0]["speaker"] == {"name": "نزار الأحمد", "mention": None, "entity_index": 0}
    assert first["dedup"]["status"] == "UNIQUE"
    assert base64.b64decode(records[-1]["raw"]) == BAD_UTF8
    assert records[-1]["source"]["partition"] == 2
    assert "سانا" in out  # Arabic printed as is, not as \u escapes


@pytest.mark.parametrize(("limit", "expected_ids"), [
    ("0", []),
    ("2", ["sana-2025-11-03-0001", "spa-2025-11-03-0001"]),
    # The limit counts records across files.
    ("5", [a["id"] for a in ARTICLES] + ["wafa-2025-11-03-0007"]),
    ("50", [a["id"] for a in ARTICLES] + ["wafa-2025-11-03-0007"]),
])
def test_limit(capsys, files, limit, expected_ids):
    code, out, _ = _inspect(capsys, "--json", "--limit", limit, files["articles"], files["duplicates"])
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == expected_ids


def test_limit_in_table_mode(capsys, files):
    _, out, _ = _inspect(capsys, "--limit", "1", files["articles"], files["duplicates"])
    assert list(_rows(out)) == ["ID", "sana-2025-11-03-0001"]
    assert out.splitlines()[-1] == "-- 1 record"


def test_directory_stands_for_its_avro_files(capsys, files):
    _, out, _ = _inspect(capsys, "--json", files["articles"].parent)
    ids = [json.loads(line).get("id") or json.loads(line)["error_kind"] for line in out.splitlines()]
    # sorted by file name: articles-, dead-letter-, duplicates-
    assert ids == [a["id"] for a in ARTICLES] + ["invalid_json", "sana-2025-11-05-0003", "wafa-2025-11-03-0007"]


def test_quoted_glob_pattern(capsys, files):
    _, out, _ = _inspect(capsys, "--json", files["articles"].parent / "d*-0000*.avro")
    ids = [json.loads(line).get("id") or json.loads(line)["error_kind"] for line in out.splitlines()]
    assert ids == ["invalid_json", "sana-2025-11-05-0003", "wafa-2025-11-03-0007"]


def test_wire_article_feed_file(capsys, tmp_path):
    record = {"id": "wafa-2025-11-03-0001", "body": "رام الله 3-11-2025 وفا- قال وزير الزراعة إن الموسم أقل من المعدل.",
              "headline": "انطلاق موسم قطف الزيتون", "agency": "WAFA", "published_at": _at(10, 10), "url": None,
              "author": None, "language": "ar", "version": None, "extra": {}}
    path = _write(tmp_path / "feed.avro", "wire_article", [record])
    code, out, _ = _inspect(capsys, path)
    assert code == 0
    assert _rows(out)["wafa-2025-11-03-0001"] == [
        "wafa-2025-11-03-0001", "2025-11-03T10:10Z", "WAFA", str(len(record["body"])), "انطلاق موسم قطف الزيتون"]


def _missing(tmp: Path) -> Path:
    return tmp / "missing.avro"


def _jsonl(tmp: Path) -> Path:
    return REPO / "seeds" / "demo" / "feed.jsonl"


def _empty(tmp: Path) -> Path:
    (tmp / "empty.avro").write_bytes(b"")
    return tmp / "empty.avro"


def _cut_header(tmp: Path) -> Path:
    # The magic bytes, then a metadata map cut off inside its first key.
    (tmp / "header.avro").write_bytes(b"Obj\x01\x04\x14avro.codec")
    return tmp / "header.avro"


def _empty_dir(tmp: Path) -> Path:
    (tmp / "no-avro").mkdir()
    (tmp / "no-avro" / "metrics.json").write_text("{}")
    return tmp / "no-avro"


def _unmatched_pattern(tmp: Path) -> Path:
    return tmp / "articles-*.avro"


@pytest.mark.parametrize(("make", "message"), [
    (_missing, "missing.avro: no such file"),
    (_jsonl, "feed.jsonl: not an Avro container file"),
    (_empty, "empty.avro: not an Avro container file"),
    (_cut_header, "header.avro: damaged Avro header"),
    (_empty_dir, "no-avro: directory holds no .avro files"),
    (_unmatched_pattern, "articles-*.avro: no file matches"),
])
def test_bad_input_is_a_clear_error(capsys, files, tmp_path, make, message):
    bad = make(tmp_path)
    # A bad file anywhere in the list fails before anything is printed.
    code, out, err = _inspect(capsys, files["articles"], bad)
    assert code == 2
    assert out == ""
    assert err.startswith("wirepipe inspect: error: ")
    assert message in err


def test_damaged_block_prints_good_records_then_fails(capsys, tmp_path):
    # One record per block; cutting the file inside the last block damages only the last record.
    path = _write(tmp_path / "articles.avro", "enriched_article", ARTICLES, sync_interval=1)
    data = path.read_bytes()
    path.write_bytes(data[:-40])
    for mode in ((), ("--json",)):
        code, out, err = _inspect(capsys, *mode, path)
        assert code == 2
        assert "damaged Avro data after record 3" in err
        printed = out.splitlines()
        ids = [json.loads(line)["id"] for line in printed] if mode else [
            r for r in _rows(out) if r != "ID"]
        assert ids == [a["id"] for a in ARTICLES[:3]]


def test_unknown_record_type_needs_json(capsys, tmp_path):
    schema = {"type": "record", "name": "Other", "namespace": "org.example", "fields": [{"name": "x", "type": "string"}]}
    path = tmp_path / "other.avro"
    with open(path, "wb") as fh:
        fastavro.writer(fh, fastavro.parse_schema(schema), [{"x": "نص"}])
    code, _, err = _inspect(capsys, path)
    assert code == 2 and "org.example.Other" in err and "--json" in err
    code, out, _ = _inspect(capsys, "--json", path)
    assert code == 0 and json.loads(out) == {"x": "نص"}


def test_negative_limit_is_rejected(capsys, files):
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", "--limit", "-1", str(files["articles"])])
    assert exit_info.value.code == 2
    assert "expected a number >= 0" in capsys.readouterr().err
