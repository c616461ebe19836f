"""CheckRecords: every output record is encoded against its Avro schema before any sink sees it.

A record that cannot be written (a value outside what its schema holds) would fail the sink's whole
bundle, again at every retry, and stall the stream. Here it becomes a dead letter instead, with the
reason; a dead letter that cannot be written is made writable (its text fields sanitized).
"""
from __future__ import annotations

import io
import json
import logging

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


def encode_error(schema: dict, record: dict) -> Exception | None:
    """The error that encoding ``record`` with ``schema`` raises, or None when it encodes."""
    try:
        fastavro.schemaless_writer(io.BytesIO(), schema, record)
    except Exception as exc:  # fastavro raises ValueError, TypeError, OverflowError, UnicodeEncodeError …
        return exc
    return None


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

    def process(self, record: dict):
        error = encode_error(self.schema, public_record(record))
        if error is None:
            yield record
            return
        log.error("%s record %r is not writable (%s); kept as a dead letter", self.kind, record.get("id"), error)
        if self.kind == DEAD_LETTER:
            yield writable_dead_letter(record)
            return
        # It leaves its output for the dead letters: move it in the accounting too.
        if self.kind == DUPLICATES:
            (self.exact if record.get("kind") == "EXACT" else self.near).dec()
        self.dead.inc()
        yield beam.pvalue.TaggedOutput(_DEAD, unwritable_dead_letter(record, self.kind, error, self.raw_cap))


class CheckRecords(beam.PTransform):
    """``{kind: PCollection}`` → the same kinds, holding only records their schemas can write."""

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
