"""Which copy is the original: pure decisions behind the exact-dedup and update stages.

Both stages see one key's articles in event-time order, earliest ``(published_at, id)`` first
(the Beam wrapper buffers until the watermark passes, so arrival order does not matter), and keep
a small :class:`First` per key for the dedup horizon.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from pipeline.model import Duplicate


class First(NamedTuple):
    """The first article seen for a key inside the horizon."""

    event_ms: int
    id: str
    content_hash: str
    published_at: Optional[int]


def event_ms(article: dict) -> int:
    """Event time of an article in ms: published_at, capped at when it was ingested.

    A story dated in the future (a wrong clock or time zone at the agency) would otherwise wait in
    dedup state until the watermark reached that date; it is processed now, its published_at kept.
    """
    published = article.get("published_at")
    ingested = article["ingested_at"]
    return int(ingested if published is None else min(published, ingested))


def order_key(article: dict) -> tuple[int, str]:
    """Sort key that makes the earliest ``(published_at, id)`` the original."""
    return event_ms(article), article["id"]


def first_of(article: dict) -> First:
    """Return the :class:`First` state for an article that opens a key."""
    return First(event_ms(article), article["id"], article["content_hash"], article.get("published_at"))


def is_expired(first: Optional[First], article: dict, horizon_ms: int) -> bool:
    """True when there is no first article, or ``article`` is past the horizon after it."""
    return first is None or event_ms(article) > first.event_ms + horizon_ms


def unique(article: dict) -> dict:
    """Mark an article as the first of its story."""
    return {**article, "dedup": _dedup("UNIQUE", cluster_id=article["id"])}


def update(article: dict, first: First) -> dict:
    """Mark an article as a changed version of ``first`` (same id, other content)."""
    return {
        **article,
        "dedup": _dedup(
            "UPDATE", cluster_id=article["id"], first_version_hash=first.content_hash,
            first_version_published_at=first.published_at,
        ),
    }


def exact_duplicate(article: dict, first: First) -> Duplicate:
    """Return the duplicates-output record of an exact repeat of ``first``."""
    return duplicate_record(article, "EXACT", first.id, first.published_at, 1.0)


def duplicate_record(article: dict, kind: str, of_id: str, of_published_at: Optional[int], similarity: float) -> Duplicate:
    """Return a Duplicate record (schemas/duplicate.avsc) keeping the whole article."""
    return {
        "id": article["id"], "kind": kind, "duplicate_of": of_id, "duplicate_of_published_at": of_published_at,
        "similarity": float(similarity), "content_hash": article["content_hash"], "headline": article.get("headline"),
        "body": article["body"], "agency": article.get("agency"), "url": article.get("url"),
        "published_at": article.get("published_at"), "ingested_at": article["ingested_at"],
        "source": article["source"], "extra": article.get("extra") or {},
    }


def _dedup(status: str, **values) -> dict:
    record = {"status": status, "cluster_id": None, "duplicate_of": None, "similarity": None,
              "first_version_hash": None, "first_version_published_at": None}
    record.update(values)
    return record
