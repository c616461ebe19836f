"""``wirepipe bench stages``: CPU milliseconds per article of each enrichment stage, and what they output.

Runs the enricher the job builds (``build_enricher(JobConfig())``) over the articles, one at a time:
first the whole enricher (the records), then each stage alone with ``time.process_time`` around it.
``--record FILE`` writes, per article id, a hash of its dateline, entities, quotes and fingerprint and
the near-duplicate decision of a :class:`~pipeline.nlp.fingerprint.NearDupIndex` fed in file order;
``--compare FILE`` checks a new run against such a file (speed work must change no output).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time

from pipeline.locations import SAUDINEWSNET_TWO_DAYS, shared_data

NAME = "stages"
HELP = "per-stage CPU ms per article of the enricher; record or compare its outputs on a corpus"
DEFAULT_INPUT = str(shared_data(SAUDINEWSNET_TWO_DAYS))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", default=DEFAULT_INPUT, help=f"articles (default {DEFAULT_INPUT})")
    parser.add_argument("--record", metavar="FILE", help="write the per-article output hashes here (JSON)")
    parser.add_argument("--compare", metavar="FILE", help="compare the outputs with a file written by --record")


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def run(args: argparse.Namespace) -> dict:
    from pipeline.errors import InputError
    from pipeline.io.archive import expand_paths, iter_raw_records
    from pipeline.nlp.fingerprint import Fingerprint, Fingerprinter, NearDupIndex
    from pipeline.options import JobConfig
    from pipeline.parse import parse_record
    from pipeline.transforms.enrich_step import build_enricher

    articles = []
    for raw in iter_raw_records(expand_paths([args.input])):
        try:
            articles.append(parse_record(raw))
        except InputError:
            continue
    config = JobConfig()
    enrich = build_enricher(config)
    extra = {"ingested_at": 0, "source": {"kind": "FILE"}, "content_hash": "", "dedup": {}}
    enrich({**extra, "id": "warm", "headline": None, "body": "قال الوزير إن الاجتماع مهم"})

    cpu = time.process_time()
    records = [enrich({**extra, "id": a["id"], "headline": a["headline"], "body": a["body"]}) for a in articles]
    total_s = time.process_time() - cpu
    stages: dict[str, float] = {}
    for a in articles:
        enrich({**extra, "id": a["id"], "headline": a["headline"], "body": a["body"]}, timings=stages)
    n = len(articles)
    result = {"input": args.input, "articles": n, "enricher_ms_per_article": round(1000 * total_s / n, 3),
              "stage_ms_per_article": {k: round(1000 * v / n, 3) for k, v in stages.items()}}

    index = NearDupIndex(Fingerprinter(threshold=config.near_dup_threshold)) if config.near_dup else None
    outputs: dict[str, dict] = {}
    for i, record in enumerate(records):
        out = {"dateline": _digest(record["dateline"]), "entities": _digest(record["entities"]),
               "quotes": _digest(record["quotes"]), "limits": _digest(record["limits"])}
        if index is not None:
            fp = record["_fingerprint"]
            out["fingerprint"] = _digest(fp)
            out["near_dup"] = list(index.add(record["id"], i, Fingerprint.from_list(fp)))
        outputs[record["id"]] = out
    if args.record:
        with open(args.record, "w", encoding="utf-8") as fh:
            json.dump(outputs, fh, ensure_ascii=False, indent=0, sort_keys=True)
        result["recorded"] = args.record
    if args.compare:
        with open(args.compare, encoding="utf-8") as fh:
            before = json.load(fh)
        differ: dict[str, int] = {}
        for key in sorted(before.keys() | outputs.keys()):
            old, new = before.get(key, {}), outputs.get(key, {})
            for part in sorted(old.keys() | new.keys()):
                if old.get(part) != new.get(part):
                    differ[part] = differ.get(part, 0) + 1
        result["compared_with"] = args.compare
        result["articles_compared"] = len(before.keys() | outputs.keys())
        result["differing_articles_by_part"] = differ
        result["identical"] = not differ
    return result
