"""``wirepipe bench entities``: entity extraction throughput (articles/s on one core) over SaudiNewsNet."""
from __future__ import annotations

import os
import time

from pipeline.locations import SAUDINEWSNET_TWO_DAYS, shared_data
from pipeline.benchmarks._corpus import load_articles

from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.extractor import BACKENDS

NAME = "entities"
HELP = "entity extraction speed on SaudiNewsNet articles (single process, one core)"
DEFAULT_INPUT = str(shared_data(SAUDINEWSNET_TWO_DAYS))


def add_arguments(parser) -> None:
    parser.add_argument("--input", default=DEFAULT_INPUT, help=f"JSONL with title/content (default {DEFAULT_INPUT})")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--model", default=None, help="CRF model (default: the model shipped in the package)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the articles; the first warms caches")


def run(args) -> dict:
    articles = load_articles(args.input, args.limit)
    t0 = time.perf_counter()
    ner = EntityExtractor.load(args.model, args.backend)
    load_s = time.perf_counter() - t0
    passes = []
    entities = 0
    for _ in range(max(1, args.repeat)):
        c0, w0 = time.process_time(), time.perf_counter()
        entities = sum(len(ner.extract(h, b)) for h, b in articles)
        passes.append((time.process_time() - c0, time.perf_counter() - w0))
    cpu, wall = passes[-1]
    words = sum(len(b.split()) + len((h or "").split()) for h, b in articles)
    return {
        "input": str(args.input), "articles": len(articles), "words": words, "backend": ner.backend,
        "load_seconds": round(load_s, 2),
        "first_pass_articles_per_s": round(len(articles) / passes[0][1], 1),
        "articles_per_s": round(len(articles) / wall, 1),
        "articles_per_cpu_s": round(len(articles) / cpu, 1) if cpu else None,
        "words_per_s": round(words / wall), "entities": entities, "passes": len(passes),
        "cpu_count_used": 1, "pid": os.getpid(),
    }
