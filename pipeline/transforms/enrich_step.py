"""Enrich: deduplicated articles → EnrichedArticle records; failures become dead letters."""
from __future__ import annotations

import json
import logging
import os

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from pipeline import parse, progress
from pipeline.enrich import Enricher
from pipeline.io.poison import PoisonJournal, crash_if_faulty, fault_ids, record_key
from pipeline.model import RawRecord
from pipeline.options import JobConfig
from pipeline.transforms import METRICS_NAMESPACE
from pipeline.transforms.parse_step import DEAD_LETTERS

log = logging.getLogger(__name__)


def build_enricher(config: JobConfig) -> Enricher:
    """Load the extractors the configuration asks for (gazetteers, models): once per worker."""
    from pipeline.nlp.entities import EntityExtractor
    from pipeline.nlp.fingerprint import Fingerprinter
    from pipeline.nlp.quotes import QuoteExtractor

    entities = None
    if config.ner_backend != "none":
        entities = EntityExtractor.load(model_path=config.ner_model, backend=config.ner_backend)
    fingerprint = Fingerprinter(threshold=config.near_dup_threshold).fingerprint_list if config.near_dup else None
    return Enricher(entities=entities, quotes=QuoteExtractor(), fingerprint=fingerprint)


def check_resources(config: JobConfig) -> None:
    """Fail on the driver, before a pipeline starts, when the chosen entity backend lacks its data."""
    from pipeline.errors import ResourceMissingError
    from pipeline.nlp.entities.camel import require_camel_resources
    from pipeline.nlp.entities.crf import lexicon_path

    if config.ner_backend == "camel":
        require_camel_resources()
    if config.ner_model and config.ner_backend in ("auto", "crf"):
        for path in (config.ner_model, lexicon_path(config.ner_model)):
            if not os.path.isfile(path):
                raise ResourceMissingError(
                    f"NER model file {path} not found; train one with `wirepipe train-ner --conll TRAIN --out {config.ner_model}`")


class _Loaded:
    """Shared.acquire needs a weak-referenceable object."""

    def __init__(self, enricher: Enricher):
        self.enricher = enricher


class _EnrichFn(beam.DoFn):
    def __init__(self, config: JobConfig, handle: shared.Shared):
        self.config = config
        self._handle = handle
        self.failed = Metrics.counter(METRICS_NAMESPACE, "dead_letter")
        self.entities = Metrics.counter(METRICS_NAMESPACE, "entities")
        self.quotes = Metrics.counter(METRICS_NAMESPACE, "quotes")

    def setup(self):
        config = self.config
        self._enrich = self._handle.acquire(lambda: _Loaded(build_enricher(config)), tag=repr(config)).enricher
        self._journal = PoisonJournal(config.state_dir) if config.state_dir else None
        self._kill_on = fault_ids()

    def process(self, article, timestamp=beam.DoFn.TimestampParam):
        key = record_key(article["source"]) if self._journal else None
        if key is not None and self._journal.is_poison(key):
            self.failed.inc()
            yield self._dead(article, "poison", f"the worker process died {self._journal.attempts(key)} times while "
                                                "enriching this record; it is not enriched again")
            return
        try:
            if key is not None:
                self._journal.begin(key)
            crash_if_faulty(article["id"], self._kill_on)
            record = self._enrich(article)
        except Exception as exc:  # an extractor bug must not stop the stream; the article is kept
            log.exception("enrich failed for %s", article.get("id"))
            self.failed.inc()
            yield self._dead(article, "enrich_error", f"{type(exc).__name__}: {exc}")
            return
        finally:
            if key is not None:
                self._journal.end()
        progress.advance("enriched")
        self.entities.inc(len(record["entities"]))
        self.quotes.inc(len(record["quotes"]))
        yield record

    def _dead(self, article: dict, kind: str, message: str):
        raw = RawRecord(json.dumps(_jsonable(article), ensure_ascii=False).encode("utf-8"), article["source"])
        return beam.pvalue.TaggedOutput(
            DEAD_LETTERS, parse.dead_letter(raw, kind, message, "enrich", article_id=article["id"],
                                            raw_cap=self.config.raw_cap_bytes))


class Enrich(beam.PTransform):
    """Article (after dedup) → ``main`` EnrichedArticle records and ``dead_letters``."""

    def __init__(self, config: JobConfig):
        super().__init__()
        self.config = config

    def expand(self, articles):
        return articles | "EnrichArticles" >> beam.ParDo(_EnrichFn(self.config, shared.Shared())).with_outputs(
            DEAD_LETTERS, main="main"
        )


def _jsonable(article: dict) -> dict:
    return {k: v for k, v in article.items() if not k.startswith("_")}
