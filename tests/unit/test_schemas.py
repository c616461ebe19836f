"""The Avro record contracts: well-formed and documented, and every historical version stays readable.

``schemas/history/NAME.vN.avsc`` keeps each published version of ``schemas/NAME.avsc``; files written with
any of them must decode with the current schema (Avro schema resolution) without losing a value.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import fastavro
import pytest

from pipeline.io.avro import SCHEMA_DIR, SCHEMA_NAMES, load_schema
from pipeline.model import file_source, kafka_source

HISTORY_DIR = SCHEMA_DIR / "history"
NAMESPACE = "io.wirepipe"
UTC = dt.timezone.utc

HEADLINE = "لافروف يطالب واشنطن بأجوبة صريحة"
BODY = (
    "دمشق-سانا\n"
    "طالب وزير الخارجية الروسي سيرغي لافروف الولايات المتحدة بأجوبة صريحة حول تصرفات “التحالف” في سورية.\n"
    "وقال لافروف في موسكو اليوم: «نتطلع إلى الأجوبة الصريحة والواضحة من واشنطن».\n"
    "وأشار لافروف إلى أن موسكو لا تزال على اتصال مع واشنطن."
)


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def _ms(year: int, month: int, day: int, hour: int, minute: int, second: int = 0, milli: int = 0) -> dt.datetime:
    # timestamp-millis decodes to an aware UTC datetime with millisecond precision.
    return dt.datetime(year, month, day, hour, minute, second, milli * 1000, tzinfo=UTC)


def _enriched_article() -> dict:
    person = _span(BODY, "سيرغي لافروف")
    moscow = _span(BODY, "موسكو")
    washington = _span(BODY, "واشنطن", BODY.index("«"))
    headline_person = _span(HEADLINE, "لافروف")
    direct = _span(BODY, "نتطلع إلى الأجوبة الصريحة والواضحة من واشنطن")
    indirect = _span(BODY, "موسكو لا تزال على اتصال مع واشنطن")
    return {
        "id": "sana-2025-11-03-0001",
        "agency": "SANA",
        "headline": HEADLINE,
        "body": BODY,
        "url": "https://sana.example/ar/?p=1",
        "author": "سانا",
        "language": "ar",
        "published_at": _ms(2025, 11, 3, 6, 15, 0, 250),
        "ingested_at": _ms(2025, 11, 3, 6, 15, 2, 7),
        "source": kafka_source("wire.ar", 3, 1_234_567_890_123),
        "content_hash": "3f" * 32,
        "dateline": {"place": "دمشق", "agency": "سانا", "date_text": None, "start": 0, "end": len("دمشق-سانا")},
        "dedup": {
            "status": "UPDATE",
            "cluster_id": "sana-2025-11-03-0001",
            "duplicate_of": None,
            "similarity": None,
            "first_version_hash": "a1" * 32,
            "first_version_published_at": _ms(2025, 11, 3, 4, 40),
        },
        "entities": [
            {"type": "PERSON", "text": "سيرغي لافروف", "canonical": "سيرغي لافروف", "role": "وزير الخارجية الروسي",
             "field": "BODY", "start": person[0], "end": person[1], "method": "gazetteer"},
            {"type": "PERSON", "text": "لافروف", "canonical": "سيرغي لافروف", "role": None,
             "field": "HEADLINE", "start": headline_person[0], "end": headline_person[1], "method": "link"},
            {"type": "LOCATION", "text": "موسكو", "canonical": "موسكو", "role": None,
             "field": "BODY", "start": moscow[0], "end": moscow[1], "method": "gazetteer"},
            {"type": "LOCATION", "text": "واشنطن", "canonical": "واشنطن", "role": None,
             "field": "BODY", "start": washington[0], "end": washington[1], "method": "crf"},
        ],
        "quotes": [
            {"kind": "DIRECT", "text": BODY[direct[0]:direct[1]], "field": "BODY", "start": direct[0], "end": direct[1],
             "verb": "قال", "speaker": {"name": "سيرغي لافروف", "mention": "لافروف", "entity_index": 0}},
            {"kind": "INDIRECT", "text": BODY[indirect[0]:indirect[1]], "field": "BODY", "start": indirect[0],
             "end": indirect[1], "verb": "أشار", "speaker": None},
        ],
        "limits": ["too_many_quote_marks"],
        "extra": {"category": "سياسة", "priority": "2"},
        "pipeline_version": "0.1.0",
    }


def _wire_article() -> dict:
    return {
        "id": "wafa-2025-11-03-0001",
        "body": "رام الله 3-11-2025 وفا- قال وزير الزراعة إن الموسم «أقل من المعدل».\nوأكد أن الطواقم ستتابع المعاصر.",
        "headline": "انطلاق موسم قطف الزيتون",
        "agency": "WAFA",
        "published_at": _ms(2025, 11, 3, 10, 10, 0, 999),
        "url": None,
        "author": "وفا",
        "language": "ar",
        "version": "2",
        "extra": {"category": "اقتصاد"},
    }


def _duplicate() -> dict:
    return {
        "id": "wafa-2025-11-03-0007",
        "kind": "EXACT",
        "duplicate_of": "wafa-2025-11-03-0001",
        "duplicate_of_published_at": _ms(2025, 11, 3, 10, 10),
        "similarity": 1.0,
        "content_hash": "c0" * 32,
        "headline": "انطلاق موسم قطف الزيـــتون",
        "body": "رام الله 3-11-2025 وفا- قال وزير الزراعة إن إنتاج زيت الزيتون يُقدَّر بنحو خمسة عشر ألف طن.",
        "agency": "WAFA",
        "url": "https://wafa.example/1",
        "published_at": _ms(2025, 11, 3, 14, 45),
        "ingested_at": _ms(2025, 11, 3, 14, 45, 1, 500),
        "source": file_source("seeds/demo/feed.jsonl", 12),
        "extra": {"category": "اقتصاد"},
    }


def _dead_letter() -> dict:
    raw = '{"id": "sana-2025-11-05-0003", "body": "دمشق'.encode("utf-8") + b"\xff\xfe\xc3\x28"
    return {
        "id": "sana-2025-11-05-0003",
        "error_kind": "invalid_utf8",
        "error_message": "'utf-8' codec can't decode byte 0xff in position 47: invalid start byte",
        "stage": "parse",
        "source": file_source("seeds/demo/bad-bytes.jsonl", 2),
        "raw": raw,
        "raw_length": 4096,
        "truncated": True,
        "failed_at": _ms(2025, 11, 5, 7, 0, 0, 1),
        "pipeline_version": "0.1.0",
    }


SAMPLES = {
    "wire_article": _wire_article,
    "enriched_article": _enriched_article,
    "duplicate": _duplicate,
    "dead_letter": _dead_letter,
}


def _schema_files() -> list[Path]:
    return sorted(SCHEMA_DIR.glob("*.avsc"))


def _history_versions() -> list[tuple[str, Path]]:
    return [(name, path) for name in SCHEMA_NAMES for path in sorted(HISTORY_DIR.glob(f"{name}.v*.avsc"))]


def _walk_named(schema, seen: list[dict]) -> None:
    """Collect every record and enum definition of a parsed schema (references are strings)."""
    if isinstance(schema, list):
        for branch in schema:
            _walk_named(branch, seen)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            seen.append(schema)
        for field in schema.get("fields", ()):
            _walk_named(field["type"], seen)
        for key in ("items", "values"):
            if key in schema:
                _walk_named(schema[key], seen)
        if isinstance(kind, (dict, list)):
            _walk_named(kind, seen)


def _contains(whole, part, where: str = "record") -> None:
    """Assert that every field of ``part`` (recursively) is in ``whole`` with the same value."""
    if isinstance(part, dict) and isinstance(whole, dict):
        for key, value in part.items():
            assert key in whole, f"{where}.{key} is missing"
            _contains(whole[key], value, f"{where}.{key}")
    elif isinstance(part, list) and isinstance(whole, list):
        assert len(whole) == len(part), f"{where}: {len(whole)} items instead of {len(part)}"
        for index, (w, p) in enumerate(zip(whole, part)):
            _contains(w, p, f"{where}[{index}]")
    else:
        assert whole == part, f"{where}: {whole!r} != {part!r}"


def _write(schema: dict, record: dict) -> bytes:
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, [record])
    return buffer.getvalue()


def _read(data: bytes, reader_schema: dict | None = None) -> dict:
    records = list(fastavro.reader(io.BytesIO(data), reader_schema=reader_schema))
    assert len(records) == 1
    return records[0]


def test_every_contract_has_a_schema_file_and_a_v1():
    assert {p.stem for p in _schema_files()} == set(SCHEMA_NAMES)
    assert {p.name for p in HISTORY_DIR.glob("*.v1.avsc")} == {f"{name}.v1.avsc" for name in SCHEMA_NAMES}


@pytest.mark.parametrize("path", _schema_files(), ids=lambda p: p.stem)
def test_schema_parses_in_namespace_with_documented_fields(path: Path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["namespace"] == NAMESPACE
    assert raw.get("doc"), f"{path.name}: top-level record has no doc"
    parsed = fastavro.parse_schema(raw)
    named: list[dict] = []
    _walk_named(parsed, named)
    assert named[0]["name"] == f"{NAMESPACE}.{raw['name']}"
    undocumented = []
    for definition in named:
        assert definition["name"].startswith(NAMESPACE + "."), definition["name"]
        for field in definition.get("fields", ()):
            if not str(field.get("doc", "")).strip():
                undocumented.append(f"{definition['name']}.{field['name']}")
    assert not undocumented, f"{path.name}: fields without doc: {undocumented}"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_sample_round_trips_with_current_schema(name: str):
    sample = SAMPLES[name]()
    assert _read(_write(load_schema(name), sample)) == sample


@pytest.mark.parametrize(
    ("name", "history_path"), _history_versions(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_files_written_with_historical_schema_are_readable_with_current(name: str, history_path: Path):
    writer_schema = fastavro.parse_schema(json.loads(history_path.read_text(encoding="utf-8")))
    current = load_schema(name)
    sample = SAMPLES[name]()
    data = _write(writer_schema, copy.deepcopy(sample))

    stored = _read(data)  # what the old writer kept, decoded with its own schema
    _contains(sample, stored, name)
    evolved = _read(data, reader_schema=current)
    _contains(evolved, stored, name)
    # Fields the old version did not have must come back as their defaults.
    writer_fields = {field["name"] for field in writer_schema["fields"]}
    for field in current["fields"]:
        if field["name"] not in writer_fields:
            assert evolved[field["name"]] == field["default"], field["name"]


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
                          check=True, timeout=30).stdout


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_v1_history_equals_first_committed_schema(name: str):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        if _git("rev-parse", "--is-inside-work-tree").strip() != "true":
            pytest.skip("not a git checkout")
        if _git("rev-parse", "--is-shallow-repository").strip() == "true":
            pytest.skip("shallow clone: the first commit of the schema may be missing")
        added = _git("log", "--diff-filter=A", "--format=%H", "--", f"schemas/{name}.avsc").split()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        pytest.skip(f"git history unavailable: {exc}")
    if not added:
        pytest.skip(f"schemas/{name}.avsc is not committed yet")
    first = _git("show", f"{added[-1]}:schemas/{name}.avsc")
    assert (HISTORY_DIR / f"{name}.v1.avsc").read_text(encoding="utf-8") == first
