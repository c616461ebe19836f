"""Archive readers: every supported format, directories and globs, and files that cannot be read."""
from __future__ import annotations

import gzip
import json

import fastavro
import pytest

from pipeline.errors import ConfigError
from pipeline.io.archive import expand_paths, iter_raw_records
from pipeline.io.avro import load_schema

ARTICLE = {"id": "a-1", "body": "دمشق-سانا\nقال الوزير إن الاجتماع مهم", "headline": "الاجتماع"}


def write_lines(path, lines, opener=open):
    with opener(path, "wb") as fh:
        fh.write(b"\n".join(lines) + b"\n")


def test_each_format_yields_its_records(tmp_path):
    line = json.dumps(ARTICLE, ensure_ascii=False).encode()
    write_lines(tmp_path / "a.jsonl", [line, b"", line])
    write_lines(tmp_path / "b.jsonl.gz", [line], opener=gzip.open)
    (tmp_path / "c.json").write_text(json.dumps([ARTICLE, ARTICLE], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "d.txt").write_text("العنوان\n\nالنص", encoding="utf-8")
    with open(tmp_path / "e.avro", "wb") as fh:
        fastavro.writer(fh, load_schema("wire_article"), [{**ARTICLE, "extra": {}}])
    records = list(iter_raw_records(expand_paths([str(tmp_path)])))
    by_file = {}
    for r in records:
        by_file.setdefault(r.source["path"].rsplit("/", 1)[-1], []).append(r)
    assert [r.source["line"] for r in by_file["a.jsonl"]] == [1, 3]  # blank line 2 is not a record
    assert len(by_file["b.jsonl.gz"]) == 1 and by_file["b.jsonl.gz"][0].payload == line
    assert [r.fmt for r in by_file["c.json"]] == ["record", "record"]
    assert by_file["d.txt"][0].fmt == "txt"
    assert by_file["e.avro"][0].payload["id"] == "a-1"
    assert all(r.error is None for r in records)


def test_broken_gzip_keeps_the_lines_before_the_break(tmp_path):
    good = gzip.compress(b'{"id": "1", "body": "x"}\n' * 50)
    (tmp_path / "cut.jsonl.gz").write_bytes(good[: len(good) // 2])
    records = list(iter_raw_records([str(tmp_path / "cut.jsonl.gz")]))
    assert records[-1].error[0] == "unreadable_gzip"
    assert all(r.error is None for r in records[:-1])


def test_not_gzip_at_all(tmp_path):
    (tmp_path / "plain.jsonl.gz").write_bytes(b'{"id": "1"}\n')
    [record] = list(iter_raw_records([str(tmp_path / "plain.jsonl.gz")]))
    assert record.error[0] == "unreadable_gzip" and record.raw_length == 12


def test_named_unsupported_file_is_a_dead_letter_but_skipped_in_directories(tmp_path):
    (tmp_path / "notes.md").write_text("# notes")
    (tmp_path / "a.jsonl").write_text('{"id": "1", "body": "x"}\n')
    [record] = list(iter_raw_records(expand_paths([str(tmp_path / "notes.md")])))
    assert record.error[0] == "unsupported_file"
    assert expand_paths([str(tmp_path)]) == [str(tmp_path / "a.jsonl")]


def test_globs_and_missing_paths(tmp_path):
    (tmp_path / "x.jsonl").write_text("{}\n")
    (tmp_path / "y.jsonl").write_text("{}\n")
    assert len(expand_paths([str(tmp_path / "*.jsonl"), str(tmp_path / "x.jsonl")])) == 2
    with pytest.raises(ConfigError, match="no such file"):
        expand_paths([str(tmp_path / "nothing-*.jsonl")])


def test_corrupt_avro(tmp_path):
    (tmp_path / "bad.avro").write_bytes(b"Obj\x01 not really avro")
    [record] = list(iter_raw_records([str(tmp_path / "bad.avro")]))
    assert record.error[0] == "unreadable_avro"
