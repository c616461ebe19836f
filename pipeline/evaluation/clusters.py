"""``wirepipe eval dedup --pairs FILE.tsv --input FEED``: precision and recall of republication clustering.

The pairs file has the columns ``id_a, id_b, label`` with label SAME (one article republishes the
other, or both republish the same wire copy: new headline, dateline, trimmed or added paragraphs,
light rewording), UPDATE (same story id, changed content) or DIFFERENT (another story, including
templated reports of another day or other figures, roundups that merely quote the other story, and
independent write-ups of one event that share no copy). ``tests/gold/dedup_pairs.tsv`` holds 133
SaudiNewsNet pairs labelled by reading both articles (ids only; the corpus is not in the repository).

A pair is *clustered* when both articles carry the same ``cluster_id`` or one is ``duplicate_of`` the
other (exact repeats in the duplicates output count through their ``duplicate_of``). Precision is the
share of clustered labelled pairs that are SAME; recall the share of SAME pairs that are clustered.

Two modes: ``replay`` runs the feed through the whole pipeline (:func:`pipeline.jobs.run_replay`)
and reads the Avro outputs; ``direct`` applies :class:`~pipeline.nlp.fingerprint.NearDupIndex` to the
parsed feed in ``(published_at, id)`` order, with no Beam (fast, for tuning the fingerprint).
"""
from __future__ import annotations

import argparse
import csv
import glob
import os
import tempfile
from typing import Iterable, Mapping, Optional

from pipeline.errors import ConfigError, InputError
from pipeline.nlp import fingerprint as fp

NAME = "dedup"
HELP = "precision/recall of near-duplicate clustering on labelled pairs (SAME|UPDATE|DIFFERENT)"
LABELS = ("SAME", "UPDATE", "DIFFERENT")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", required=True, help="TSV with columns id_a, id_b, label")
    parser.add_argument("--input", required=True, nargs="+", metavar="FEED", help="feed file(s) holding the articles")
    parser.add_argument("--mode", choices=("replay", "direct"), default="replay",
                        help="replay: the whole pipeline; direct: the fingerprint index alone (default replay)")
    parser.add_argument("--out", help="replay output directory (default: a temporary directory)")
    parser.add_argument("--threshold", type=float, default=fp.DEFAULT_THRESHOLD, help="estimated Jaccard bar")
    parser.add_argument("--containment", type=float, default=fp.DEFAULT_CONTAINMENT,
                        help="estimated containment bar (direct mode)")
    parser.add_argument("--figure-agreement", type=float, default=fp.DEFAULT_FIGURE_AGREEMENT,
                        help="share of figures that must agree (direct mode)")
    parser.add_argument("--num-perm", type=int, default=fp.DEFAULT_NUM_PERM, help="permutations (direct mode)")
    parser.add_argument("--ngram", type=int, default=fp.DEFAULT_NGRAM, help="shingle size in words (direct mode)")
    parser.add_argument("--bands", type=int, default=fp.DEFAULT_BANDS, help="LSH bands (direct mode)")
    parser.add_argument("--show-errors", action="store_true", help="list the misclassified pairs")


def run(args: argparse.Namespace) -> dict:
    pairs = read_pairs(args.pairs)
    if args.mode == "direct":
        fingerprinter = fp.Fingerprinter(
            num_perm=args.num_perm, ngram=args.ngram, bands=args.bands, threshold=args.threshold,
            containment=args.containment, figure_agreement=args.figure_agreement,
        )
        outcome = cluster_direct(read_feed(args.input), fingerprinter)
        params = {"num_perm": args.num_perm, "ngram": args.ngram, "bands": args.bands, "threshold": args.threshold,
                  "containment": args.containment, "figure_agreement": args.figure_agreement}
    else:
        outcome = cluster_replay(args.input, args.out, args.threshold)
        params = {"threshold": args.threshold}
    result = score(pairs, outcome, show_errors=args.show_errors)
    return {"mode": args.mode, "pairs_file": args.pairs, "params": params, **result}


def read_pairs(path: str) -> list[tuple[str, str, str]]:
    """Read ``id_a, id_b, label`` rows (a header row is skipped); raise InputError on a bad row."""
    rows = []
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle, delimiter="\t"), 1):
                if not row or row[0].startswith("#") or (number == 1 and row[0] == "id_a"):
                    continue
                if len(row) < 3 or row[2].strip() not in LABELS:
                    raise InputError("bad_pair", f"{path}:{number}: expected id_a, id_b, {'|'.join(LABELS)}; got {row!r}")
                rows.append((row[0].strip(), row[1].strip(), row[2].strip()))
    except OSError as exc:
        raise ConfigError(f"cannot read pairs file {path}: {exc}") from exc
    return rows


def read_feed(paths: Iterable[str]) -> list[dict]:
    """Parse the articles of the feed files as the pipeline does (records it rejects are skipped)."""
    from pipeline.io.archive import expand_paths, iter_raw_records
    from pipeline.parse import parse_record

    articles = []
    for raw in iter_raw_records(expand_paths(list(paths))):
        try:
            articles.append(parse_record(raw))
        except InputError:
            continue
    return articles


class Outcome(dict):
    """Article id → ``(status, cluster_id, duplicate_of)`` as produced by a run."""


def cluster_direct(articles: list[dict], fingerprinter: fp.Fingerprinter) -> Outcome:
    """Decide every article with a :class:`NearDupIndex`, in ``(published_at, id)`` order."""
    from pipeline import dedup

    index = fp.NearDupIndex(fingerprinter)
    outcome = Outcome()
    for article in sorted(articles, key=dedup.order_key):
        decision = index.add(article["id"], dedup.event_ms(article), fingerprinter.fingerprint(article["body"]))
        outcome[article["id"]] = (decision.status, decision.cluster_id, decision.duplicate_of)
    return outcome


def cluster_replay(paths: list[str], out_dir: Optional[str], threshold: float, shards: Optional[int] = None) -> Outcome:
    """Replay the feed through the pipeline and read back each article's dedup outcome (``shards``: the
    near-duplicate state keys; None: the runner's default)."""
    from pipeline.jobs import run_replay
    from pipeline.io.avro import read_avro
    from pipeline.options import JobConfig

    out_dir = out_dir or tempfile.mkdtemp(prefix="wirepipe-eval-dedup-")
    run_replay(paths, JobConfig(out_dir=out_dir, near_dup_threshold=threshold, ner_backend="none",
                                near_dup_shards=shards))
    outcome = Outcome()
    for path in sorted(glob.glob(os.path.join(out_dir, "articles-*.avro"))):
        for record in read_avro(path):
            dedup = record.get("dedup") or {}
            outcome[record["id"]] = (dedup.get("status"), dedup.get("cluster_id"), dedup.get("duplicate_of"))
    exact = {}
    for path in sorted(glob.glob(os.path.join(out_dir, "duplicates-*.avro"))):
        for record in read_avro(path):
            exact[record["id"]] = record["duplicate_of"]
    for article_id, of in exact.items():
        cluster = outcome.get(of, (None, of, None))[1]
        outcome.setdefault(article_id, ("EXACT", cluster, of))
    return outcome


def clustered(outcome: Mapping[str, tuple], a: str, b: str) -> bool:
    """True when ``a`` and ``b`` share a cluster id or one is the duplicate of the other."""
    if a not in outcome or b not in outcome:
        return False
    _, cluster_a, of_a = outcome[a]
    _, cluster_b, of_b = outcome[b]
    return (cluster_a is not None and cluster_a == cluster_b) or of_a == b or of_b == a


def score(pairs: list[tuple[str, str, str]], outcome: Mapping[str, tuple], show_errors: bool = False) -> dict:
    """Return precision/recall of SAME pairs, and how UPDATE pairs were treated."""
    counts = {label: {"pairs": 0, "clustered": 0} for label in LABELS}
    missing = []
    errors = []
    update_status: dict[str, int] = {}
    for a, b, label in pairs:
        if a not in outcome or b not in outcome:
            missing.append([a, b])
            continue
        together = clustered(outcome, a, b)
        counts[label]["pairs"] += 1
        counts[label]["clustered"] += int(together)
        if label == "UPDATE":
            later = max(a, b, key=lambda x: (outcome[x][0] != "UNIQUE", x))
            update_status[outcome[later][0]] = update_status.get(outcome[later][0], 0) + 1
        if (label == "SAME") != together and label != "UPDATE":
            errors.append({"id_a": a, "id_b": b, "label": label, "clustered": together})
    true_pos = counts["SAME"]["clustered"]
    false_pos = counts["DIFFERENT"]["clustered"]
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else None
    recall = true_pos / counts["SAME"]["pairs"] if counts["SAME"]["pairs"] else None
    result = {
        "precision": _round(precision), "recall": _round(recall),
        "same": counts["SAME"], "different": counts["DIFFERENT"],
        "update": {**counts["UPDATE"], "status_of_later": update_status},
        "missing_articles": missing,
        "articles": len(outcome),
        "near_duplicates": sum(1 for status, _, _ in outcome.values() if status == "NEAR_DUPLICATE"),
    }
    if show_errors:
        result["errors"] = errors
    return result


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)
