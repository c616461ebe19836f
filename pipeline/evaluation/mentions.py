"""``wirepipe eval mentions``: entity mention P/R/F1 on real articles against character-offset gold.

Gold files (``tests/gold/entities_blind.jsonl``) hold, per article, its id and ``[start, end, type]``
offsets into its ``content``; the text is read from the corpus file, never from the repository.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from pipeline.evaluation.corpus import DEFAULT_CORPORA, load_articles
from pipeline.errors import ConfigError
from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.extractor import BACKENDS
from pipeline.nlp.tokenize import PROCLITICS

NAME = "mentions"
HELP = "entity mentions in real articles against offset gold (tests/gold/entities_blind.jsonl)"
TYPES = ("PERSON", "ORGANIZATION", "LOCATION")
_CLITIC_LETTERS = frozenset("".join(PROCLITICS))


def add_arguments(parser) -> None:
    parser.add_argument("--gold", required=True, help="JSON lines of {id, mentions: [[start, end, type], ...]}")
    parser.add_argument("--articles", nargs="+", default=[str(p) for p in DEFAULT_CORPORA], metavar="CORPUS",
                        help="JSON-lines corpora holding the articles (default: both SaudiNewsNet files)")
    parser.add_argument("--model", default=None, help="CRF model (default: the packaged model)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="extractor backend (default auto)")


def same_mention(text: str, gold: tuple[int, int, str], pred: tuple[int, int, str]) -> bool:
    """Same type and end, and starts that differ by proclitic letters only (بالرياض vs الرياض)."""
    if gold[2] != pred[2] or gold[1] != pred[1]:
        return False
    lo, hi = sorted((gold[0], pred[0]))
    return hi - lo <= 2 and all(c in _CLITIC_LETTERS for c in text[lo:hi])


def score_mentions(texts: list[str], gold: list[list[tuple]], pred: list[list[tuple]]) -> dict:
    """Exact mentions (up to a proclitic) per type and micro; ``overlap`` counts any overlap of the same type."""
    tp, fp, fn = Counter(), Counter(), Counter()
    loose_tp = loose_pred = 0
    for text, g, p in zip(texts, gold, pred):
        matched: set[int] = set()
        for m in p:
            hit = next((k for k, x in enumerate(g) if k not in matched and same_mention(text, x, m)), None)
            if hit is None:
                fp[m[2]] += 1
            else:
                matched.add(hit)
                tp[m[2]] += 1
            loose_pred += any(x[2] == m[2] and x[0] < m[1] and m[0] < x[1] for x in g)
        for k, x in enumerate(g):
            if k not in matched:
                fn[x[2]] += 1
        loose_tp += sum(any(x[2] == m[2] and x[0] < m[1] and m[0] < x[1] for m in p) for x in g)

    def prf(t: int, f_p: int, f_n: int) -> dict:
        prec = t / (t + f_p) if t + f_p else 0.0
        rec = t / (t + f_n) if t + f_n else 0.0
        return {"precision": round(prec, 4), "recall": round(rec, 4),
                "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
                "gold": t + f_n, "predicted": t + f_p, "correct": t}

    out = {t: prf(tp[t], fp[t], fn[t]) for t in TYPES}
    out["micro"] = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    n_gold = sum(len(g) for g in gold)
    n_pred = sum(len(p) for p in pred)
    lp = loose_pred / n_pred if n_pred else 0.0
    lr = loose_tp / n_gold if n_gold else 0.0
    out["overlap"] = {"precision": round(lp, 4), "recall": round(lr, 4),
                      "f1": round(2 * lp * lr / (lp + lr), 4) if lp + lr else 0.0}
    return out


def read_gold(path: str | Path) -> dict[str, list[tuple[int, int, str]]]:
    """Read a gold file into id → sorted mentions; reject unknown types and bad offsets."""
    out = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        mentions = []
        for start, end, kind in rec["mentions"]:
            if kind not in TYPES or not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                raise ConfigError(f"{path}:{n}: bad mention {[start, end, kind]!r}")
            mentions.append((start, end, kind))
        out[rec["id"]] = sorted(mentions)
    return out


def run(args) -> dict:
    gold = read_gold(args.gold)
    articles = load_articles(args.articles, set(gold))
    ner = EntityExtractor.load(args.model, args.backend)
    texts, golds, preds = [], [], []
    for aid, mentions in gold.items():
        rec = articles[aid]
        content = rec.get("content") or ""
        ents = ner.extract(rec.get("title"), content)
        texts.append(content)
        golds.append(mentions)
        preds.append([(e["start"], e["end"], e["type"]) for e in ents if e["field"] == "BODY"])
    return {"gold": str(args.gold), "articles": len(gold), "backend": ner.backend, "model": args.model,
            "note": "a mention counts when type and end match and the starts differ by proclitic letters only",
            "scores": score_mentions(texts, golds, preds)}
