"""CheckRecords: every output record is encoded against its Avro schema before any sink sees it.

A record that cannot be written (a value outside what its schema holds) would fail the sink's whole
bundle, again at every retry, and stall the stream. Here it becomes a dead letter instead, with the
reason; a dead letter that cannot be written is made writable (its text fields sanitized). Each record
leaves with its encoding (:class:`Checked`), which the file sink writes as it is: encoding it again
there cost about 0.1 ms a record, and the encoded bytes cross the sink's shuffle in place of the record.
"""
from __future__ import annotations

import io
import json
import logging
from typing import NamedTuple

import apache_beam as beam
import fastavro
from apache_beam.metrics import Metrics

from pipeline import parse
from pipeline.enrich import public_record
from pipeline.io.avro import load_schema
from pipeline.model import ARTICLES, DEAD_LETTER, DUPLICATES, OUTPUT_SCHEMAS, RawRecord
from pipeline.transforms import METRICS_NAMESPACE

log = logging.getLogger(__name__)
_DEAD = "unwritable"


class Checked(NamedTuple):
    """An output record its schema holds, and the record encoded by it (Avro binary without a container:
    as records lie in a container file's blocks)."""

    record: dict
    avro: bytes


def encode(schema: dict, record: dict) -> bytes:
    """``record`` (its internal fields left out) encoded by ``schema``; raises what fastavro raises when the
    schema cannot hold it (ValueError, TypeError, OverflowError, UnicodeEncodeError …)."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, public_record(record))
    return out.getvalue()


def unwritable_dead_letter(record: dict, kind: str, error: Exception, raw_cap: int) -> dict:
    """The dead letter of an output record of ``kind`` that its schema cannot hold."""
    payload = json.dumps({k: v for k, v in record.items() if not k.startswith("_")}, ensure_ascii=False,
                         default=str).encode("utf-8", "backslashreplace")
    raw = RawRecord(payload, record.get("source") or {})
    return parse.dead_letter(raw, "unwritable_record", f"{kind} record not writable: {type(error).__name__}: {error}",
                             "write", article_id=record.get("id"), raw_cap=raw_cap)


def writable_dead_letter(dead: dict) -> dict:
    """``dead`` with every text sanitized and the source reduced to what the schema holds."""
    source = dead.get("source") or {}
    return {
        **dead,
        "id": parse.safe_text(str(dead["id"])) if dead.get("id") is not None else None,
        "error_kind": parse.safe_text(str(dead.get("error_kind"))),
        "error_message": parse.safe_text(str(dead.get("error_message"))),
        "stage": parse.safe_text(str(dead.get("stage"))),
        "source": {key: (parse.safe_text(value) if isinstance(value, str) else value)
                   for key, value in source.items()},
    }


class _CheckFn(beam.DoFn):
    def __init__(self, kind: str, raw_cap: int):
        self.kind = kind
        self.raw_cap = raw_cap
        self.dead = Metrics.counter(METRICS_NAMESPACE, "dead_letter")
        self.exact = Metrics.counter(METRICS_NAMESPACE, "exact_duplicate")
        self.near = Metrics.counter(METRICS_NAMESPACE, "near_duplicate_dropped")

    def setup(self) -> None:
        self.schema = load_schema(OUTPUT_SCHEMAS[self.kind])
        self.dead_schema = load_schema(OUTPUT_SCHEMAS[DEAD_LETTER])

    def process(self, record: dict):
        try:
            avro = encode(self.schema, record)
        except Exception as exc:  # whatever fastavro raises: the record is kept, as a dead letter
            error = exc
        else:
            yield Checked(record, avro)
            return
        log.error("%s record %r is not writable (%s); kept as a dead letter", self.kind, record.get("id"), error)
        if self.kind == DEAD_LETTER:
            yield self._dead_letter(writable_dead_letter(record))
            return
        # It leaves its output for the dead letters: move it in the accounting too.
        if self.kind == DUPLICATES:
            (self.exact if record.get("kind") == "EXACT" else self.near).dec()
        self.dead.inc()
        yield beam.pvalue.TaggedOutput(_DEAD, self._dead_letter(unwritable_dead_letter(record, self.kind, error,
                                                                                      self.raw_cap)))

    def _dead_letter(self, dead: dict) -> Checked:
        return Checked(dead, encode(self.dead_schema, dead))


class CheckRecords(beam.PTransform):
    """``{kind: PCollection}`` of records → the same kinds, of :class:`Checked` records their schemas hold."""

    def __init__(self, raw_cap_bytes: int = parse.DEFAULT_RAW_CAP_BYTES):
        super().__init__()
        self.raw_cap_bytes = raw_cap_bytes

    def expand(self, outputs):
        checked = {
            kind: outputs[kind] | f"Check{kind.title().replace('-', '')}" >> beam.ParDo(
                _CheckFn(kind, self.raw_cap_bytes)).with_outputs(_DEAD, main="main")
            for kind in (ARTICLES, DUPLICATES, DEAD_LETTER)
        }
        dead = (checked[DEAD_LETTER].main, checked[ARTICLES][_DEAD], checked[DUPLICATES][_DEAD]) \
            | "MergeUnwritable" >> beam.Flatten()
        return {ARTICLES: checked[ARTICLES].main, DUPLICATES: checked[DUPLICATES].main, DEAD_LETTER: dead}
