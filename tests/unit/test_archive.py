"""Archive readers: every supported format, directories and globs, and files that cannot be read."""
from __future__ import annotations

import gzip
import io
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


def _avro_file(path, count: int, block_records: int = 10) -> bytes:
    with open(path, "wb") as fh:
        writer = fastavro.write.Writer(fh, load_schema("wire_article"), codec="deflate", sync_interval=1_000_000)
        for i in range(count):
            writer.write({**ARTICLE, "id": f"a-{i}", "extra": {}})
            if (i + 1) % block_records == 0:
                writer.dump()
        writer.flush()
    return path.read_bytes()


def test_a_damaged_avro_block_is_one_dead_letter_and_the_next_blocks_are_read(tmp_path):
    data = bytearray(_avro_file(tmp_path / "feed.avro", 500))
    # Damage the middle of the file: the deflate data of the third block or so.
    middle = len(data) // 2
    data[middle : middle + 40] = b"\xff" * 40
    (tmp_path / "feed.avro").write_bytes(bytes(data))
    records = list(iter_raw_records([str(tmp_path / "feed.avro")]))
    good = [r for r in records if r.error is None]
    bad = [r for r in records if r.error is not None]
    assert len(bad) == 1 and bad[0].error[0] == "unreadable_avro" and "damaged" in bad[0].error[1]
    assert 480 <= len(good) < 500  # the blocks before and after the damage
    assert {r.payload["id"] for r in good} >= {"a-0", "a-499"}
    assert 0 < len(bad[0].payload) == bad[0].raw_length  # the damaged block's own bytes


def test_an_avro_block_claiming_a_huge_length_is_a_dead_letter(tmp_path):
    data = bytearray(_avro_file(tmp_path / "feed.avro", 20))
    # The first block starts after the header's sync marker: its count and size are zig-zag varints.
    reader_head = io.BytesIO(bytes(data))
    fastavro.reader(reader_head)
    start = reader_head.tell()
    huge = b"\xfe\xff\xff\xff\xff\xff\xff\xff\x7f"  # a block size of about 2**62 bytes
    data[start:start] = b"\x14" + huge  # count 10, then the huge size, in front of the real block
    (tmp_path / "feed.avro").write_bytes(bytes(data))
    records = list(iter_raw_records([str(tmp_path / "feed.avro")]))
    assert [r.error[0] for r in records if r.error] == ["unreadable_avro"]
    assert sum(r.error is None for r in records) == 10  # the second block survives


def test_a_gzip_broken_in_the_middle_keeps_its_compressed_rest(tmp_path):
    lines = b"".join(json.dumps({"id": str(i), "body": f"نص {i} " * 30}, ensure_ascii=False).encode() + b"\n"
                     for i in range(2000))
    data = bytearray(gzip.compress(lines))
    data[len(data) // 2 : len(data) // 2 + 20] = b"\x00" * 20
    (tmp_path / "feed.jsonl.gz").write_bytes(bytes(data))
    records = list(iter_raw_records([str(tmp_path / "feed.jsonl.gz")]))
    last = records[-1]
    assert last.error[0] == "unreadable_gzip" and "compressed byte" in last.error[1]
    assert all(r.error is None for r in records[:-1]) and len(records) > 100
    assert last.raw_length < len(data) and last.payload != bytes(data[:4096])


def test_lone_carriage_returns_end_lines(tmp_path):
    body = json.dumps(ARTICLE, ensure_ascii=False).encode()
    (tmp_path / "mac.jsonl").write_bytes(b"\r".join([body] * 10) + b"\r")
    records = list(iter_raw_records([str(tmp_path / "mac.jsonl")]))
    assert [r.source["line"] for r in records] == list(range(1, 11))
    assert all(r.payload == body for r in records)


def test_unreadable_directories_and_link_loops_are_named_not_skipped(tmp_path):
    import os

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.jsonl").write_text('{"id": "1", "body": "x"}\n')
    (tmp_path / "ok" / "loop").symlink_to(tmp_path)  # a link back up the tree
    (tmp_path / "dangling.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.jsonl").write_text('{"id": "2", "body": "y"}\n')
    locked.chmod(0)
    try:
        paths = expand_paths([str(tmp_path)])
        records = list(iter_raw_records(paths))
    finally:
        locked.chmod(0o755)
    errors = {os.path.basename(r.source["path"]): r.error[0] for r in records if r.error}
    assert errors["dangling.jsonl"] == "unreadable_file"
    assert errors["loop"] == "unreadable_directory"
    if os.geteuid() != 0:  # root reads a directory whatever its mode
        assert errors["locked"] == "unreadable_directory"
    assert any(r.error is None and r.source["path"].endswith("a.jsonl") for r in records)
