"""CheckRecords hands each record on with its Avro encoding, and the file sink writes those bytes as they are:
what it writes reads back as the records themselves, whatever the blocks."""
from __future__ import annotations

import io

import fastavro
import pytest

from pipeline import parse
from pipeline.io.avro import load_schema, read_avro
from pipeline.io.files import AvroRecord, write_avro_file
from pipeline.model import ARTICLES, DEAD_LETTER, OUTPUT_SCHEMAS, RawRecord, file_source, kafka_source
from pipeline.transforms.check import Checked, _CheckFn

DEAD_SCHEMA = load_schema(OUTPUT_SCHEMAS[DEAD_LETTER])


def dead_letter(number: int, payload: bytes = b"{") -> dict:
    source = kafka_source("wire", 0, number) if number % 2 else file_source("feed.jsonl", number)
    return parse.dead_letter(RawRecord(payload, source), "invalid_json", f"record {number}", "parse")


def _encoded(schema: dict, record: dict) -> bytes:
    """``record`` as fastavro's own writer encodes it."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, record)
    return out.getvalue()


def _checked(kind: str, record: dict) -> list:
    fn = _CheckFn(kind, parse.DEFAULT_RAW_CAP_BYTES)
    fn.setup()
    return list(fn.process(record))


def test_a_writable_record_leaves_with_its_encoding():
    record = dead_letter(1)
    [checked] = _checked(DEAD_LETTER, record)
    assert isinstance(checked, Checked) and checked.record is record
    assert checked.avro == _encoded(DEAD_SCHEMA, record)


@pytest.mark.parametrize("kind, record, why", [
    (ARTICLES, {"id": "a-1", "body": "نص", "source": file_source("feed.jsonl", 4)}, "an article its schema cannot hold"),
    (DEAD_LETTER, {**dead_letter(2), "error_message": "\ud800"}, "a dead letter with a lone surrogate"),
])
def test_an_unwritable_record_leaves_as_an_encoded_dead_letter(kind, record, why):
    [out] = _checked(kind, record)
    checked = getattr(out, "value", out)  # an article leaves on the dead letters' output
    assert isinstance(checked, Checked), why
    assert checked.avro == _encoded(DEAD_SCHEMA, checked.record)


def test_encoded_records_read_back_as_written_over_several_blocks(tmp_path):
    records = [dead_letter(number, payload=b"{" + "ب".encode() * 700) for number in range(60)]  # ~90 KB: blocks
    written = write_avro_file(str(tmp_path / "dead.avro"), DEAD_SCHEMA,
                              (AvroRecord.of(r, _checked(DEAD_LETTER, r)[0].avro) for r in records))
    with open(tmp_path / "reference.avro", "wb") as fh:
        fastavro.writer(fh, DEAD_SCHEMA, records, codec="deflate")
    assert list(read_avro(tmp_path / "dead.avro")) == list(read_avro(tmp_path / "reference.avro"))
    assert written == [r["source"] for r in records]
    with open(tmp_path / "dead.avro", "rb") as fh:
        assert len(list(fastavro.block_reader(fh))) > 1


def test_an_encoded_record_keeps_its_read_time_for_the_file_windows():
    record = dead_letter(3)
    assert AvroRecord.of(record, b"").read_ms == record["failed_at"]
    assert AvroRecord.of({"ingested_at": 5, "source": None}, b"").read_ms == 5
