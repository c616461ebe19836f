"""Parse: RawRecords → articles (timestamped with their event time) and dead letters."""
from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline import dedup, parse
from pipeline.errors import InputError
from pipeline.model import DEAD_LETTER
from pipeline.transforms import METRICS_NAMESPACE

log = logging.getLogger(__name__)
DEAD_LETTERS = DEAD_LETTER  # the tag of the dead letters of a step: the output kind itself


class _ParseFn(beam.DoFn):
    def __init__(self, max_body_bytes: int, raw_cap_bytes: int):
        self.max_body_bytes = max_body_bytes
        self.raw_cap_bytes = raw_cap_bytes
        self.read = Metrics.counter(METRICS_NAMESPACE, "read")
        self.dead = Metrics.counter(METRICS_NAMESPACE, "dead_letter")
        self.bytes = Metrics.counter(METRICS_NAMESPACE, "read_bytes")

    def process(self, raw):
        self.read.inc()
        if isinstance(raw.payload, (bytes, bytearray)):
            self.bytes.inc(len(raw.payload))
        try:
            article = parse.parse_record(raw, max_body_bytes=self.max_body_bytes)
        except InputError as exc:
            yield self._dead(raw, exc.kind, exc.message, exc.article_id)
            return
        except Exception as exc:  # a parser bug must not stop the stream; the record is kept
            log.exception("parse failed unexpectedly at %s", raw.source)
            yield self._dead(raw, "internal_error", f"{type(exc).__name__}: {exc}")
            return
        yield beam.window.TimestampedValue(article, dedup.event_ms(article) / 1000.0)

    def _dead(self, raw, kind: str, message: str, article_id=None):
        self.dead.inc()
        record = parse.dead_letter(raw, kind, message, "parse", article_id=article_id, raw_cap=self.raw_cap_bytes)
        return beam.pvalue.TaggedOutput(DEAD_LETTERS, record)


class Parse(beam.PTransform):
    """RawRecord → ``main`` articles and ``dead_letters`` records."""

    def __init__(self, max_body_bytes: int = parse.DEFAULT_MAX_BODY_BYTES, raw_cap_bytes: int = parse.DEFAULT_RAW_CAP_BYTES):
        super().__init__()
        self.max_body_bytes = max_body_bytes
        self.raw_cap_bytes = raw_cap_bytes

    def expand(self, raws):
        return raws | "ParseRecords" >> beam.ParDo(_ParseFn(self.max_body_bytes, self.raw_cap_bytes)).with_outputs(
            DEAD_LETTERS, main="main"
        )
