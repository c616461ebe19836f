"""Enrich: a deduplicated article becomes an EnrichedArticle record. Pure; no Beam."""
from __future__ import annotations

from typing import Callable, Optional, Protocol

from pipeline import __version__
from pipeline.model import EnrichedArticle
from pipeline.nlp.dateline import find_dateline

# Fields that ride along between stages but are not part of the Avro record.
INTERNAL_FIELDS = ("_fingerprint",)


class EntityExtractorLike(Protocol):
    def extract(self, headline: Optional[str], body: str) -> list[dict]: ...


class QuoteExtractorLike(Protocol):
    def extract(self, headline: Optional[str], body: str, entities: list[dict]) -> list[dict]: ...


class Enricher:
    """Applies the nlp/ extractors to one article; each extractor is optional."""

    def __init__(
        self,
        entities: Optional[EntityExtractorLike] = None,
        quotes: Optional[QuoteExtractorLike] = None,
        fingerprint: Optional[Callable[[str], list]] = None,
        is_place: Optional[Callable[[str], bool]] = None,
    ):
        self.entities = entities
        self.quotes = quotes
        self.fingerprint = fingerprint
        self.is_place = is_place

    def __call__(self, article: dict) -> EnrichedArticle:
        """Return the enriched record of an article that went through dedup (``dedup`` set)."""
        headline, body = article.get("headline"), article["body"]
        dateline = find_dateline(body, self.is_place)
        entities = self.entities.extract(headline, body) if self.entities else []
        quotes = self.quotes.extract(headline, body, entities) if self.quotes else []
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
            "extra": article.get("extra") or {},
            "pipeline_version": __version__,
        }
        if self.fingerprint is not None:
            record["_fingerprint"] = self.fingerprint(body)
        return record


def public_record(record: dict) -> dict:
    """Return ``record`` without the internal fields, ready for an Avro writer."""
    if not any(name in record for name in INTERNAL_FIELDS):
        return record
    return {k: v for k, v in record.items() if k not in INTERNAL_FIELDS}
