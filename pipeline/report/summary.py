"""Figures of a run for the overview and the stories view: counts, top names, story clusters, updates."""
from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Optional

from pipeline.metrics import COUNTERS, check_invariant
from pipeline.report.run import Run

UTC = dt.timezone.utc


def counters(run: Run) -> dict:
    """The run's counters: ``metrics.json`` when the run wrote one, else counted from its records."""
    if run.metrics is not None:
        counts = dict.fromkeys(COUNTERS, 0)
        counts.update({k: v for k, v in run.metrics.items() if isinstance(v, int) and not isinstance(v, bool)})
        return counts
    counts = dict.fromkeys(COUNTERS, 0)
    counts["written"] = len(run.articles)
    counts["dead_letter"] = len(run.dead_letters)
    counts["exact_duplicate"] = sum(1 for d in run.duplicates if d.get("kind") == "EXACT")
    counts["near_duplicate_dropped"] = sum(1 for d in run.duplicates if d.get("kind") == "NEAR")
    counts["read"] = counts["written"] + counts["dead_letter"] + counts["exact_duplicate"] + counts["near_duplicate_dropped"]
    statuses = collections.Counter((a.get("dedup") or {}).get("status") for a in run.articles)
    counts["updates"] = statuses["UPDATE"]
    counts["near_duplicate"] = statuses["NEAR_DUPLICATE"]
    counts["entities"] = sum(len(a.get("entities") or ()) for a in run.articles)
    counts["quotes"] = sum(len(a.get("quotes") or ()) for a in run.articles)
    return counts


def accounting_line(counts: dict) -> tuple[str, bool]:
    """``read = dead_letter + exact_duplicate + near_duplicate_dropped + written`` with figures, and whether it holds."""
    line = (f"{counts['read']:,} = {counts['dead_letter']:,} + {counts['exact_duplicate']:,} + "
            f"{counts.get('near_duplicate_dropped', 0):,} + {counts['written']:,}")
    return line, check_invariant(counts)


def per_agency(articles: Iterable[dict]) -> list[tuple[str, int]]:
    """Articles per agency, most first (no agency counts as "—")."""
    return collections.Counter(a.get("agency") or "—" for a in articles).most_common()


def _floor(at: dt.datetime, unit: str) -> dt.datetime:
    at = at.replace(minute=0, second=0, microsecond=0)
    if unit == "hour":
        return at
    at = at.replace(hour=0)
    return at if unit == "day" else at.replace(day=1) if unit == "month" else at.replace(month=1, day=1)


def _next(at: dt.datetime, unit: str) -> dt.datetime:
    if unit in ("hour", "day"):
        return at + dt.timedelta(hours=1 if unit == "hour" else 24)
    if unit == "month":
        return at.replace(year=at.year + at.month // 12, month=at.month % 12 + 1)
    return at.replace(year=at.year + 1)


def per_time(articles: Iterable[dict], max_buckets: int = 96) -> tuple[str, list[tuple[dt.datetime, int]]]:
    """Articles per hour of publication (UTC), or per day, month or year, the first of these units that
    gives at most ``max_buckets`` buckets; returns the unit and every bucket from the first to the last,
    empty ones included."""
    times = [a["published_at"].astimezone(UTC) for a in articles if a.get("published_at") is not None]
    if not times:
        return "hour", []
    first, last = min(times), max(times)
    spans = {"hour": (last - first).total_seconds() / 3600, "day": (last - first).days,
             "month": (last.year - first.year) * 12 + last.month - first.month}
    unit = next((u for u in ("hour", "day", "month") if spans[u] + 2 <= max_buckets), "year")
    counts = collections.Counter(_floor(t, unit) for t in times)
    buckets = []
    at, end = _floor(first, unit), _floor(last, unit)
    while at <= end:
        buckets.append((at, counts.get(at, 0)))
        at = _next(at, unit)
    return unit, buckets


def per_hour_of_day(articles: Iterable[dict]) -> list[tuple[int, int]]:
    """Articles per hour of the day of publication (UTC), hours 0 to 23."""
    counts = collections.Counter(a["published_at"].astimezone(UTC).hour for a in articles if a.get("published_at"))
    return [(hour, counts.get(hour, 0)) for hour in range(24)]


def top_entities(articles: Iterable[dict], limit: int = 10) -> dict[str, list[tuple[str, int]]]:
    """Per entity type, the canonical names in the most articles, with their number of articles."""
    per_type: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for article in articles:
        seen = {(e["type"], e["canonical"]) for e in article.get("entities") or ()}
        for kind, canonical in seen:
            per_type[kind][canonical] += 1
    return {kind: per_type[kind].most_common(limit) for kind in ("PERSON", "ORGANIZATION", "LOCATION")}


def top_speakers(articles: Iterable[dict], limit: int = 10) -> list[tuple[str, int]]:
    """The speakers with the most quotes, with their number of quotes (unattributed quotes left out)."""
    counter = collections.Counter(
        q["speaker"]["name"] for a in articles for q in a.get("quotes") or () if q.get("speaker"))
    return counter.most_common(limit)


@dataclass
class Story:
    """A near-duplicate cluster: its head (the earliest article) and the republications of it."""

    head_id: str
    head: Optional[dict]                      # None when the head is not among the run's articles
    copies: list[dict] = field(default_factory=list)  # article or duplicate records, in time order


def _time(record: dict) -> float:
    value = record.get("published_at") or record.get("ingested_at")
    return value.timestamp() if value else 0.0


def stories(run: Run) -> list[Story]:
    """Clusters with at least one republication (near duplicates kept or dropped, exact copies), the
    largest first; each copy is an article (``dedup``) or a duplicate record (``kind``)."""
    by_id: dict[str, dict] = {}
    for article in run.articles:  # articles are in time order: the first of an id is its first version
        by_id.setdefault(article["id"], article)
    cluster_of = {a["id"]: (a.get("dedup") or {}).get("cluster_id") or a["id"] for a in run.articles}
    clusters: dict[str, Story] = {}

    def story(head_id: str) -> Story:
        if head_id not in clusters:
            clusters[head_id] = Story(head_id=head_id, head=by_id.get(head_id))
        return clusters[head_id]

    for article in run.articles:
        dedup = article.get("dedup") or {}
        if dedup.get("status") == "NEAR_DUPLICATE":
            story(dedup.get("cluster_id") or dedup.get("duplicate_of") or article["id"]).copies.append(article)
    for duplicate in run.duplicates:
        original = duplicate.get("duplicate_of") or ""
        story(cluster_of.get(original, original)).copies.append(duplicate)
    result = list(clusters.values())
    for item in result:
        item.copies.sort(key=_time)
    result.sort(key=lambda s: (-len(s.copies), _time(s.head) if s.head else 0.0, s.head_id))
    return result


def updates(articles: Iterable[dict]) -> list[list[dict]]:
    """Stories with more than one version in the output (same id), each as its versions in time order."""
    versions: dict[str, list[dict]] = collections.defaultdict(list)
    for article in articles:
        versions[article["id"]].append(article)
    updated = [sorted(v, key=_time) for v in versions.values()
               if any((a.get("dedup") or {}).get("status") == "UPDATE" for a in v)]
    return sorted(updated, key=lambda v: _time(v[0]))
