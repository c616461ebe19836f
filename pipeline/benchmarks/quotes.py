"""``wirepipe bench quotes``: quote extraction throughput (articles/s on one core) over SaudiNewsNet.

The body is the article's ``content``, the headline its ``title``. By default entities are not
extracted (``--entities none``) so the figure is the quote extractor's own cost; ``--entities auto``
also times the speaker linking on real entity lists (entity extraction itself is timed apart).
"""
from __future__ import annotations

import time

from pipeline.benchmarks._corpus import load_articles
from pipeline.errors import ConfigError, InputError
from pipeline.evaluation.quotes import DEFAULT_CORPUS
from pipeline.nlp.quotes import QuoteExtractor

NAME = "quotes"
HELP = "quote extraction speed on SaudiNewsNet articles (single process, one core)"


def add_arguments(parser) -> None:
    parser.add_argument("--input", default=str(DEFAULT_CORPUS), help="JSONL with title/content (default: SaudiNewsNet)")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the articles; the best is reported")
    parser.add_argument("--entities", choices=("none", "auto"), default="none",
                        help="pass entity lists from pipeline.nlp.entities (computed before timing)")


def run(args) -> dict:
    """Time ``QuoteExtractor.extract`` over the articles; CPU time of one process is the measure."""
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be a positive number of articles, got {args.limit}")
    articles = load_articles(args.input, args.limit)
    if not articles:
        raise InputError("empty", f"no articles with a body in {args.input}")
    entities: list[list[dict]] = [[] for _ in articles]
    if args.entities == "auto":
        from pipeline.nlp.entities import EntityExtractor

        ner = EntityExtractor.load()
        entities = [ner.extract(h, b) for h, b in articles]
    qx = QuoteExtractor()
    best_cpu = best_wall = float("inf")
    quotes = 0
    for _ in range(max(1, args.repeat)):
        c0, w0 = time.process_time(), time.perf_counter()
        quotes = sum(len(qx.extract(h, b, e)) for (h, b), e in zip(articles, entities))
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    kinds = {k: qx.stats[k] // max(1, args.repeat) for k in ("DIRECT", "PARTIAL", "INDIRECT")}
    return {
        "input": str(args.input),
        "articles": len(articles),
        "entities": args.entities,
        "quotes": quotes,
        "quotes_by_kind": kinds,
        "unbalanced_marks": qx.stats["unbalanced_marks"] // max(1, args.repeat),
        "cpu_seconds": round(best_cpu, 3),
        "articles_per_cpu_second": round(len(articles) / best_cpu, 1),
        "articles_per_wall_second": round(len(articles) / best_wall, 1),
        "goal_articles_per_second": 2000,
    }
