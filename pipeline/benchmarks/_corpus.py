"""Articles for benchmarks, read with the pipeline's own archive reader and Parse."""
from __future__ import annotations

from pipeline.errors import InputError
from pipeline.io.archive import expand_paths, iter_raw_records
from pipeline.parse import parse_record


def load_articles(path: str, limit: int | None = None) -> list[tuple[str | None, str]]:
    """Return ``(headline, body)`` of the valid articles in ``path`` (any replay format), at most ``limit``."""
    out = []
    for raw in iter_raw_records(expand_paths([str(path)])):
        try:
            article = parse_record(raw)
        except InputError:
            continue  # benchmarks time the extractors; Parse's rejects are counted elsewhere
        out.append((article["headline"], article["body"]))
        if limit and len(out) >= limit:
            break
    return out
