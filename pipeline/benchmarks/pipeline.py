"""``wirepipe bench pipeline``: the whole job against its parts, on the same articles, in one run.

Prints, per CPU-second: the camel-tools anchor (normalize_unicode, dediac, alef / alef-maksura /
teh-marbuta normalization and simple_word_tokenize of each body), the bare enrichment loop (the
enricher the job builds, called per article without Beam), and ``wirepipe replay`` of the same file
(a child process, so its CPU time and peak RSS are its own); the two ratios; and, with ``--large``, the
peak RSS of a replay of a larger input beside that of the first (bounded memory: the ratio of the two).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

from pipeline.locations import SAUDINEWSNET_TWO_DAYS, shared_data
from pipeline.benchmarks._corpus import load_articles

NAME = "pipeline"
HELP = "camel-tools normalize+tokenize vs the bare enrichment loop vs wirepipe replay, and replay peak RSS"
DEFAULT_INPUT = str(shared_data(SAUDINEWSNET_TWO_DAYS))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", default=DEFAULT_INPUT, help=f"articles to measure on (default {DEFAULT_INPUT})")
    parser.add_argument("--large", nargs="*", default=[], metavar="PATH",
                        help="also replay these (with --input) for peak RSS, e.g. the 16-day .jsonl.gz")
    parser.add_argument("--no-replay", action="store_true", help="only the anchor and the bare loop")


def run(args: argparse.Namespace) -> dict:
    from camel_tools.tokenizers.word import simple_word_tokenize
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import (normalize_alef_ar, normalize_alef_maksura_ar, normalize_teh_marbuta_ar,
                                             normalize_unicode)

    from pipeline.options import JobConfig
    from pipeline.transforms.enrich_step import build_enricher

    articles = load_articles(args.input)
    result: dict = {"input": args.input, "articles": len(articles)}

    def anchor(body: str) -> int:
        text = normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(normalize_unicode(body)))))
        return len(simple_word_tokenize(text))

    cpu = time.process_time()
    for _, body in articles:
        anchor(body)
    anchor_s = time.process_time() - cpu
    result["camel_tools_articles_per_cpu_s"] = round(len(articles) / anchor_s, 1)

    enrich = build_enricher(JobConfig())
    record = {"ingested_at": 0, "source": {"kind": "FILE"}, "content_hash": "", "dedup": {}}
    enrich({**record, "id": "warm", "headline": None, "body": "قال الوزير إن الاجتماع مهم"})
    cpu = time.process_time()
    for i, (headline, body) in enumerate(articles):
        enrich({**record, "id": str(i), "headline": headline, "body": body})
    loop_s = time.process_time() - cpu
    result["bare_loop_articles_per_cpu_s"] = round(len(articles) / loop_s, 1)
    result["bare_loop_vs_camel_tools"] = round(anchor_s / loop_s, 3)
    if args.no_replay:
        return result
    replay = _replay([args.input])
    result["replay"] = replay
    result["replay_vs_bare_loop"] = round(replay["articles_per_cpu_s"] / result["bare_loop_articles_per_cpu_s"], 3)
    if args.large:
        large = _replay([args.input, *args.large])
        result["replay_large"] = large
        result["peak_rss_large_vs_small"] = round(large["peak_rss_mb"] / replay["peak_rss_mb"], 2)
    return result


def _replay(paths: list[str]) -> dict:
    """Run ``wirepipe replay`` on ``paths`` in a child process; its wall and CPU time, rate and peak RSS."""
    import json

    out = tempfile.mkdtemp(prefix="wirepipe-bench-replay-")
    peak_file = os.path.join(out, "peak-rss-kb")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # Through a parent of its own: this process's children's peak is the largest of all it ever waited for
    # (a Prism job or a broker started before would be counted instead of the replay).
    done = subprocess.run([sys.executable, "-c", _OWN_PEAK, peak_file, sys.executable, "-m", "pipeline.cli", "replay",
                           *paths, "--out", out, "--no-progress"], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wirepipe replay failed ({done.returncode}): {done.stderr[-2000:]}")
    with open(peak_file, encoding="utf-8") as fh:
        peak_kb = int(fh.read())
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as fh:
        read = json.load(fh)["read"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    subprocess.run(["rm", "-rf", out])
    return {"paths": paths, "read": read, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "articles_per_s": round(read / wall, 1), "articles_per_cpu_s": round(read / cpu, 1),
            "peak_rss_mb": round(peak_kb / 1024)}


# Runs argv[2:], writes the peak RSS (KB) of its largest process (it, or a chunk it forked) to argv[1].
_OWN_PEAK = ("import resource, subprocess, sys\n"
             "code = subprocess.run(sys.argv[2:]).returncode\n"
             "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
             "sys.exit(code)\n")
