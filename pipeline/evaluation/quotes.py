"""``wirepipe eval quotes --gold FILE [--corpus JSONL]``: span precision/recall/F1, kind and speaker accuracy.

The gold file holds, one JSON object a line, ``{"id", "quotes": [{"kind", "start", "end", "speaker"}]}``
with offsets into the article's ``content`` field; the texts come from the corpus files (their license
keeps them out of the repository), by default both SaudiNewsNet files (ids are unique across them). A predicted span matches a gold span when they overlap by at least
half of the longer one; each gold span matches at most one prediction. Kind and speaker accuracy are
counted over matched pairs; speakers are compared by :func:`speaker_key` (normalized, without
quote marks, brackets or spaces).
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Iterable, Optional

from pipeline.errors import ConfigError, InputError
from pipeline.evaluation.corpus import DEFAULT_CORPORA, load_articles
from pipeline.nlp.normalize import normalize

NAME = "quotes"
HELP = "quote spans, kinds and speakers against a gold JSONL of article ids and offsets"
DEFAULT_CORPUS = DEFAULT_CORPORA[0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", required=True, nargs="+",
                        help="gold JSONL: {id, quotes: [{kind, start, end, speaker}]}; several files are scored as one "
                             "pooled set")
    parser.add_argument("--corpus", action="append", default=None,
                        help="JSONL or JSONL.GZ with the articles (id, title, content), repeatable; default: both "
                             "SaudiNewsNet files")
    parser.add_argument("--entities", choices=("auto", "none"), default="auto",
                        help="link speakers to pipeline.nlp.entities output (auto: when importable)")
    parser.add_argument("--errors", action="store_true", help="also list mismatches (ids, offsets, kinds)")
    parser.add_argument("--against", nargs="+", default=None, metavar="OTHER",
                        help="score another annotator's labels of the same articles (gold JSONL) instead of the "
                             "extractor: their agreement with --gold, on the articles both labelled")


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when spans ``a`` and ``b`` overlap by at least half of the longer one."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter >= 0.5 * max(a[1] - a[0], b[1] - b[0])


_NAME_MARKS = re.compile(r"[«»“”„‟″\"‘’()\[\]]")


def speaker_key(name: str) -> str:
    """The form in which speaker names are compared: :func:`pipeline.nlp.normalize.normalize` (no
    diacritics or tatweel; أ إ آ → ا, ى → ي, ة → ه), without quote marks or brackets (صحيفة "بيلد" is
    صحيفة بيلد) and without the spaces between the words (عبد الله is عبدالله). Nothing else: a shorter,
    longer or other name never matches."""
    return _NAME_MARKS.sub("", normalize(name)).replace(" ", "")


def same_speaker(pred: Optional[str], gold: Optional[str]) -> bool:
    """Speakers agree in :func:`speaker_key`; a null gold speaker needs a null prediction."""
    if not gold:
        return not pred
    return bool(pred) and speaker_key(pred) == speaker_key(gold)


def match(pred: list[dict], gold: list[dict]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of predicted and gold spans, largest overlap (same kind first)."""
    cands = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            a, b = (p["start"], p["end"]), (g["start"], g["end"])
            if overlaps(a, b):
                inter = min(a[1], b[1]) - max(a[0], b[0])
                cands.append((p["kind"] == g["kind"], inter, i, j))
    cands.sort(reverse=True)
    used_p, used_g, pairs = set(), set(), []
    for _, _, i, j in cands:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return pairs


def score(items: Iterable[tuple[str, list[dict], list[dict]]], errors: bool = False) -> dict:
    """Scores over (id, predicted quotes, gold quotes) triples; predicted speakers are dicts or None."""
    n_pred = n_gold = n_match = kind_ok = spk_ok = 0
    by_kind: dict[str, dict[str, int]] = {}
    mistakes = []
    for aid, pred, gold in items:
        n_pred += len(pred)
        n_gold += len(gold)
        pairs = match(pred, gold)
        n_match += len(pairs)
        for q in gold:
            by_kind.setdefault(q["kind"], {"gold": 0, "matched": 0, "kind_ok": 0})["gold"] += 1
        for i, j in pairs:
            p, g = pred[i], gold[j]
            psp = (p.get("speaker") or {}).get("name") if isinstance(p.get("speaker"), dict) else p.get("speaker")
            k_ok = p["kind"] == g["kind"]
            s_ok = same_speaker(psp, g.get("speaker"))
            kind_ok += k_ok
            spk_ok += s_ok
            by_kind[g["kind"]]["matched"] += 1
            by_kind[g["kind"]]["kind_ok"] += k_ok
            if errors and not (k_ok and s_ok):
                mistakes.append({"id": aid, "gold": [g["kind"], g["start"], g["end"], g.get("speaker")],
                                 "pred": [p["kind"], p["start"], p["end"], psp]})
        if errors:
            got_p = {i for i, _ in pairs}
            got_g = {j for _, j in pairs}
            for i, p in enumerate(pred):
                if i not in got_p:
                    mistakes.append({"id": aid, "spurious": [p["kind"], p["start"], p["end"]]})
            for j, g in enumerate(gold):
                if j not in got_g:
                    mistakes.append({"id": aid, "missed": [g["kind"], g["start"], g["end"], g.get("speaker")]})
    precision = n_match / n_pred if n_pred else 0.0
    recall = n_match / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "span": {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)},
        "kind_accuracy": round(kind_ok / n_match, 4) if n_match else None,
        "speaker_accuracy": round(spk_ok / n_match, 4) if n_match else None,
        "counts": {"predicted": n_pred, "gold": n_gold, "matched": n_match, "kind_correct": kind_ok,
                   "speaker_correct": spk_ok},
        "by_gold_kind": by_kind,
    }
    if errors:
        out["errors"] = mistakes
    return out


def load_gold(path: str | Path) -> list[dict]:
    """Read the gold JSONL, checking each record's fields."""
    rows = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read gold file {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            for q in row["quotes"]:
                if q["kind"] not in ("DIRECT", "PARTIAL", "INDIRECT") or not 0 <= q["start"] < q["end"]:
                    raise ValueError(f"bad quote {q}")
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError("gold", f"{path}:{n}: expected {{id, quotes: [{{kind, start, end, speaker}}]}}: {exc}") \
                from exc
        rows.append(row)
    return rows


def _entity_extractor(mode: str):
    if mode == "none":
        return None
    try:
        from pipeline.nlp.entities import EntityExtractor
    except ImportError:
        return None
    return EntityExtractor.load()


def agreement(gold: list[dict], other: list[dict], errors: bool = False) -> dict:
    """Score a second annotator's labels (``other``) against ``gold`` on the articles both labelled, as
    :func:`score` scores the extractor: how far two people agree sets the ceiling of any figure here."""
    theirs = {row["id"]: row["quotes"] for row in other}
    items = [(g["id"], theirs[g["id"]], g["quotes"]) for g in gold if g["id"] in theirs]  # (speakers as strings)
    if not items:
        raise InputError("gold", "the two label files have no article in common")
    out = score(items, errors=errors)
    out["articles"] = len(items)
    return out


def run(args: argparse.Namespace) -> dict:
    """Run the extractor on the gold articles and score it (or score another annotator, ``--against``)."""
    from pipeline.nlp.quotes import QuoteExtractor

    paths = [args.gold] if isinstance(args.gold, (str, Path)) else args.gold
    gold = [row for path in paths for row in load_gold(path)]
    if getattr(args, "against", None):
        return agreement(gold, [row for path in args.against for row in load_gold(path)],
                         getattr(args, "errors", False))
    arts = load_articles(getattr(args, "corpus", None) or DEFAULT_CORPORA, {g["id"] for g in gold})
    ner = _entity_extractor(getattr(args, "entities", "auto"))
    qx = QuoteExtractor()
    items = []
    for g in gold:
        art = arts[g["id"]]
        ents = ner.extract(art.get("title"), art["content"]) if ner else []
        pred = [q for q in qx.extract(art.get("title"), art["content"], ents) if q["field"] == "BODY"]
        for q in g["quotes"]:
            if art["content"][q["start"]:q["end"]].strip() == "":
                raise InputError("gold", f"{g['id']}: empty gold span {q}")
        items.append((g["id"], pred, g["quotes"]))
    out = score(items, errors=getattr(args, "errors", False))
    out["articles"] = len(gold)
    out["entities"] = "pipeline.nlp.entities" if ner else "none"
    out["unbalanced_marks"] = qx.stats["unbalanced_marks"]
    return out
