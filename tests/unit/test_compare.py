"""``wirepipe compare``: two output folders hold the same records, whatever the run's times and the order of
files and records; any other field that differs is found."""
from __future__ import annotations

import fastavro

from pipeline import parse
from pipeline.cli import main
from pipeline.io.avro import load_schema
from pipeline.model import DEAD_LETTER, OUTPUT_SCHEMAS, RawRecord, file_source

SCHEMA = load_schema(OUTPUT_SCHEMAS[DEAD_LETTER])


def _dead(number: int, message: str = "bad JSON") -> dict:
    return parse.dead_letter(RawRecord(b"{" + "ب".encode() * number, file_source("feed.jsonl", number)),
                             "invalid_json", message, "parse")


def _write(folder, name: str, records: list) -> None:
    folder.mkdir(exist_ok=True)
    with open(folder / f"dead-letter-{name}.avro", "wb") as fh:
        fastavro.writer(fh, SCHEMA, records)


def test_the_same_records_in_other_files_and_at_other_times_compare_equal(tmp_path, capsys):
    records = [_dead(n) for n in range(5)]
    _write(tmp_path / "a", "1", records)
    later = [{**r, "failed_at": r["failed_at"] + 60_000} for r in reversed(records)]
    _write(tmp_path / "b", "1", later[:2])
    _write(tmp_path / "b", "2", later[2:])
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert "dead-letter: 5 and 5 records, 0 keys differ" in capsys.readouterr().out


def test_a_changed_field_or_a_missing_record_differs(tmp_path, capsys):
    records = [_dead(n) for n in range(5)]
    _write(tmp_path / "a", "1", records)
    _write(tmp_path / "b", "1", [records[0], {**records[1], "error_message": "other"}, *records[2:4]])
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    assert "dead-letter: 5 and 4 records, 2 keys differ" in capsys.readouterr().out
