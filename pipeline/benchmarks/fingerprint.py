"""``wirepipe bench fingerprint``: our MinHash + LSH index against datasketch's, same parameters, same run.

Both sides get the same word n-gram shingles of the same stripped, normalized bodies (tokenizing is
timed once, apart). Measured per side: signatures alone, then the full streaming step (signature,
query the index for candidates, confirm them, insert). Quality is measured too: the mean absolute
error of the Jaccard estimates against the exact shingle Jaccard on candidate pairs of the feed.
"""
from __future__ import annotations

import argparse
import os
import time
import numpy as np

from pipeline.errors import ConfigError
from pipeline.nlp import fingerprint as fp

NAME = "fingerprint"
HELP = "MinHash + LSH index throughput (ours vs datasketch, same parameters), printed as JSON"
DEFAULT_FEED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "saudinewsnet",
                            "saudinewsnet_2015-08-10_11.jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", nargs="+", default=[DEFAULT_FEED], metavar="FEED", help="feed file(s) (default SaudiNewsNet)")
    parser.add_argument("--limit", type=int, default=0, help="use the first N articles (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per side; the best is kept")
    parser.add_argument("--num-perm", type=int, default=fp.DEFAULT_NUM_PERM)
    parser.add_argument("--ngram", type=int, default=fp.DEFAULT_NGRAM)
    parser.add_argument("--bands", type=int, default=fp.DEFAULT_BANDS)


def run(args: argparse.Namespace) -> dict:
    from pipeline.evaluation.clusters import read_feed

    if args.repeat < 1:
        raise ConfigError(f"--repeat must be at least 1, got {args.repeat}")
    articles = read_feed(args.input)
    if args.limit:
        articles = articles[: args.limit]
    if not articles:
        raise ConfigError(f"no articles in {args.input}")
    ours = fp.Fingerprinter(num_perm=args.num_perm, ngram=args.ngram, bands=args.bands)

    started = time.perf_counter()
    words = [fp.tokens(a["body"]) for a in articles]
    tokenize_s = time.perf_counter() - started
    shingles = [_shingles(w, args.ngram) for w in words]
    figures = [fp._figure_hashes(fp.figures(w)) for w in words]
    n = len(articles)

    def ours_signatures():
        return [ours.signature_of_hashes(ours.shingle_hashes(w)) for w in words]

    def ours_stream():
        index = fp.NearDupIndex(ours)
        for i, w in enumerate(words):
            hashes = ours.shingle_hashes(w)
            index.add(str(i), i, fp.Fingerprint(ours.signature_of_hashes(hashes), int(hashes.size), figures[i]))

    theirs = _Datasketch(args.num_perm, args.bands)

    def theirs_signatures():
        return [theirs.minhash(s) for s in shingles]

    def theirs_stream():
        theirs.stream(shingles, figures, ours)

    timings = {
        "ours_signature": _best(ours_signatures, args.repeat),
        "datasketch_signature": _best(theirs_signatures, args.repeat),
        "ours_stream": _best(ours_stream, args.repeat),
        "datasketch_stream": _best(theirs_stream, args.repeat),
    }
    per_second = {k: round(n / v, 1) for k, v in timings.items()}
    return {
        "articles": n,
        "params": {"num_perm": args.num_perm, "ngram": args.ngram, "bands": args.bands, "rows": ours.rows},
        "tokenize_docs_per_s": round(n / tokenize_s, 1),
        "docs_per_s": per_second,
        "speedup": {
            "signature": round(timings["datasketch_signature"] / timings["ours_signature"], 2),
            "signature_and_index": round(timings["datasketch_stream"] / timings["ours_stream"], 2),
        },
        "jaccard_mae_on_candidates": _quality(ours, theirs, words, shingles),
    }


def _shingles(words: list[str], n: int) -> list[bytes]:
    if len(words) < n:
        return [" ".join(words).encode("utf-8")] if words else []
    return list({" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)})


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


class _Datasketch:
    """datasketch MinHash + MinHashLSH with our band layout, confirming candidates like we do."""

    def __init__(self, num_perm: int, bands: int):
        from datasketch import MinHash

        self.num_perm, self.bands = num_perm, bands
        self._template = MinHash(num_perm=num_perm)  # permutations drawn once, like ours

    def minhash(self, shingles: list[bytes]):
        from datasketch import MinHash

        m = MinHash(num_perm=self.num_perm, permutations=self._template.permutations, scheme=self._template.scheme)
        m.update_batch(shingles)
        return m

    def stream(self, shingles: list[list[bytes]], figures: list, confirm: fp.Fingerprinter) -> None:
        from datasketch import MinHashLSH

        lsh = MinHashLSH(num_perm=self.num_perm, params=(self.bands, self.num_perm // self.bands))
        kept = {}
        for i, s in enumerate(shingles):
            m = self.minhash(s)
            if m.is_empty():
                continue
            sig = np.asarray(m.hashvalues, dtype=np.uint32)
            mine = fp.Fingerprint(sig, len(s), figures[i])
            for key in lsh.query(m):
                confirm.compare(mine, kept[key])
            kept[i] = mine
            lsh.insert(i, m)


def _quality(ours: fp.Fingerprinter, theirs: _Datasketch, words, shingles, pairs: int = 400) -> dict:
    """Mean absolute error of both Jaccard estimates against the exact Jaccard, on candidate pairs of the feed."""
    sets = [set(s) for s in shingles]
    ours_sigs = [ours.signature_of_hashes(ours.shingle_hashes(w)) for w in words]
    theirs_sigs = [theirs.minhash(s) for s in shingles]
    # Candidates from our own LSH (to get similar pairs without an all-pairs pass).
    buckets: dict[int, list[int]] = {}
    found: set[tuple[int, int]] = set()
    for i, sig in enumerate(ours_sigs):
        for key in ours.band_keys(sig).tolist():
            for j in buckets.setdefault(key, []):
                found.add((j, i))
            buckets[key].append(i)
    ranked = sorted((len(sets[a] & sets[b]) / len(sets[a] | sets[b]), a, b) for a, b in found if sets[a] and sets[b])
    # Evenly spread over the similarity range of the candidates, not only the identical pairs.
    scored = [ranked[int(k * len(ranked) / pairs)] for k in range(min(pairs, len(ranked)))]
    if not scored:
        return {"pairs": 0}
    ours_err = [abs(fp.estimate_jaccard(ours_sigs[a], ours_sigs[b]) - j) for j, a, b in scored]
    theirs_err = [abs(theirs_sigs[a].jaccard(theirs_sigs[b]) - j) for j, a, b in scored]
    return {"pairs": len(scored), "mean_exact_jaccard": round(float(np.mean([j for j, _, _ in scored])), 3),
            "ours": round(float(np.mean(ours_err)), 4), "datasketch": round(float(np.mean(theirs_err)), 4)}

