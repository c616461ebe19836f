"""Enrich: a deduplicated article becomes an EnrichedArticle record. Pure; no Beam."""
from __future__ import annotations

import re
import time
from typing import Callable, Optional, Protocol

from pipeline import __version__
from pipeline.model import EnrichedArticle
from pipeline.nlp.analysis import ArticleAnalysis
from pipeline.nlp.dateline import find_dateline

# Fields that ride along between stages but are not part of the Avro record.
INTERNAL_FIELDS = ("_fingerprint",)

# Bounds on the work one article can cost (a hostile or broken feed must not stall a stream). The
# longest SaudiNewsNet body has 12,502 characters and 96 quote marks; these are far above both.
MAX_ANALYZED_CHARS = 100_000  # entities, quotes and the dateline read this much of a field
MAX_QUOTE_MARKS = 1_000  # pairing marks is quadratic in their number: more, and quotes are skipped
TIME_BUDGET_S = 10.0  # an article that has used this much skips the extractors still to run
_QUOTE_MARK = re.compile("[«»“”„‟\"‘’]")


class EntityExtractorLike(Protocol):
    def extract(self, headline: Optional[str], body: str, analysis: Optional[ArticleAnalysis] = None) -> list[dict]: ...


class QuoteExtractorLike(Protocol):
    def extract(self, headline: Optional[str], body: str, entities: list[dict],
                analysis: Optional[ArticleAnalysis] = None) -> list[dict]: ...


class Enricher:
    """Applies the nlp/ extractors to one article; each extractor is optional."""

    def __init__(
        self,
        entities: Optional[EntityExtractorLike] = None,
        quotes: Optional[QuoteExtractorLike] = None,
        fingerprint: Optional[Callable[[str, Optional[str]], list]] = None,
        is_place: Optional[Callable[[str], bool]] = None,
    ):
        self.entities = entities
        self.quotes = quotes
        self.fingerprint = fingerprint
        self.is_place = is_place

    def __call__(self, article: dict, timings: Optional[dict[str, float]] = None) -> EnrichedArticle:
        """Return the enriched record of an article that went through dedup (``dedup`` set).

        Work is bounded (see ``MAX_ANALYZED_CHARS``, ``MAX_QUOTE_MARKS``, ``TIME_BUDGET_S``); the
        record's ``limits`` names each bound that applied. Offsets stay valid: only prefixes are cut.
        ``timings``, when given, accumulates the CPU seconds of each stage (``wirepipe bench stages``).
        """
        clock = _Clock(timings)
        started = time.monotonic()
        limits: list[str] = []
        headline, body = article.get("headline"), article["body"]
        text_headline, text = headline, body
        if len(body) > MAX_ANALYZED_CHARS or (headline and len(headline) > MAX_ANALYZED_CHARS):
            text = body[:MAX_ANALYZED_CHARS]
            text_headline = headline[:MAX_ANALYZED_CHARS] if headline else headline
            limits.append("analysis_truncated")
        # One analysis of the (analyzed part of the) article, read by every extractor.
        analysis = ArticleAnalysis(text_headline, text)
        clock.lap("setup")
        dateline = find_dateline(text, self.is_place)
        clock.lap("dateline")
        entities = self.entities.extract(text_headline, text, analysis) if self.entities else []
        clock.lap("entities")
        quotes: list = []
        if self.quotes:
            if len(_QUOTE_MARK.findall(text)) + len(_QUOTE_MARK.findall(text_headline or "")) > MAX_QUOTE_MARKS:
                limits.append("too_many_quote_marks")
            elif time.monotonic() - started > TIME_BUDGET_S:
                limits.append("time_budget")
            else:
                quotes = self.quotes.extract(text_headline, text, entities, analysis)
        clock.lap("quotes")
        record = {
            "id": article["id"],
            "agency": article.get("agency"),
            "headline": headline,
            "body": body,
            "url": article.get("url"),
            "author": article.get("author"),
            "language": article.get("language"),
            "published_at": article.get("published_at"),
            "ingested_at": article["ingested_at"],
            "source": article["source"],
            "content_hash": article["content_hash"],
            "dateline": dateline.to_record() if dateline else None,
            "dedup": article["dedup"],
            "entities": entities,
            "quotes": quotes,
            "limits": limits,
            "extra": article.get("extra") or {},
            "pipeline_version": __version__,
        }
        if self.fingerprint is not None:
            # The fingerprint reads the whole body; its matching form is the analysis's unless truncated.
            record["_fingerprint"] = self.fingerprint(body, analysis.matching_body if text is body else None)
        clock.lap("fingerprint")
        return record


class _Clock:
    """Adds the CPU time since the previous lap to ``timings[name]``; does nothing without ``timings``."""

    __slots__ = ("timings", "last")

    def __init__(self, timings: Optional[dict[str, float]]):
        self.timings = timings
        self.last = time.process_time() if timings is not None else 0.0

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.process_time()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now


def public_record(record: dict) -> dict:
    """Return ``record`` without the internal fields, ready for an Avro writer."""
    if not any(name in record for name in INTERNAL_FIELDS):
        return record
    return {k: v for k, v in record.items() if k not in INTERNAL_FIELDS}
