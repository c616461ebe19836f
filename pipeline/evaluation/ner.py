"""``wirepipe eval ner``: exact-span precision/recall/F1 per type and micro, conlleval-style, as JSON."""
from __future__ import annotations

import time
from collections import Counter

from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.conll import FORMATS, NEWSFANE_TYPES, Sentence, read_conll, spans_from_bio
from pipeline.nlp.entities.extractor import BACKENDS
from pipeline.nlp.normalize import normalize

NAME = "ner"
HELP = "entity extraction against a BIO corpus (ANERcorp, NewsFANEGold): per-type and micro P/R/F1"
TYPES = ("PERSON", "ORGANIZATION", "LOCATION")


def add_arguments(parser) -> None:
    parser.add_argument("--conll", required=True, help="gold corpus file")
    parser.add_argument("--format", choices=FORMATS, default="anercorp", help="corpus format (default anercorp)")
    parser.add_argument("--model", default=None, help="CRF model from `wirepipe train-ner` (default: the model shipped in the package; "
                             "--backend rules for the rules alone)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto", help="extractor backend (default auto)")
    parser.add_argument("--skip", type=int, default=0,
                        help="leave out the first N sentences (dev: `--skip 3367` on the train split, with a "
                             "model trained by `train-ner --limit 3367`)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N sentences only (after --skip)")
    parser.add_argument("--doc-window", type=int, default=None, metavar="N",
                        help="the N sentences on each side of a sentence are text of its document, read by a model "
                             "with document features (the corpus marks no documents; default: the window the "
                             "model was trained with, else 0)")
    parser.add_argument("--exclude-conll", default=None, metavar="PATH",
                        help="skip sentences whose text occurs in this ANERcorp-format file (NewsFANEGold "
                             "repeats about half of ANERcorp's train split: pass it when the model was trained there)")


def predicted_spans(ner: EntityExtractor, sentence: Sentence, context: list[Sentence] = ()) -> set[tuple[str, int, int]]:
    """Run the extractor on a gold sentence and return its spans as gold token ranges; ``context``:
    the sentences around it, as more text of its document.

    The sentence is rebuilt as text (tokens joined by spaces) and our own spans, which leave
    proclitics out, are mapped to the gold tokens that contain their first and last characters.
    """
    # here, not at the top: the CLI imports this module to register `eval ner`, and the CRF module brings numba
    from pipeline.nlp.entities.crf import analysis_from_tokens

    a = analysis_from_tokens(sentence.tokens)
    owner = [0] * (len(a.text) + 1)
    for k, tok in enumerate(a.tokens):
        for c in range(tok.start, tok.end + 1):
            owner[c] = k
    spans = set()
    for ent in ner.extract(None, a.text, context=[" ".join(s.tokens) for s in context]):
        spans.add((ent["type"], owner[ent["start"]], owner[max(ent["end"] - 1, ent["start"])] + 1))
    return spans


def score(gold: list[set], pred: list[set]) -> dict:
    """Exact-match P/R/F1 per type and micro-averaged over :data:`TYPES`."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        for span in p:
            (tp if span in g else fp)[span[0]] += 1
        for span in g - p:
            fn[span[0]] += 1

    def prf(t: int, f_p: int, f_n: int) -> dict:
        p = t / (t + f_p) if t + f_p else 0.0
        r = t / (t + f_n) if t + f_n else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
                "gold": t + f_n, "predicted": t + f_p, "correct": t}

    out = {t: prf(tp[t], fp[t], fn[t]) for t in TYPES}
    out["micro"] = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return out


def _text_key(tokens: list[str]) -> str:
    # Spaces and clitic segmentation differ between the corpora: compare letters only.
    return normalize("".join(tokens)).replace(" ", "")


def without_overlap(sentences: list[Sentence], other: list[Sentence]) -> list[Sentence]:
    """Drop the sentences whose text appears inside ``other`` (another corpus of the same stories)."""
    haystack = "\n".join(_text_key(s.tokens) for s in other)
    return [s for s in sentences if _text_key(s.tokens) not in haystack]


def run(args) -> dict:
    sentences = read_conll(args.conll, args.format)
    excluded = 0
    if getattr(args, "exclude_conll", None):
        kept = without_overlap(sentences, read_conll(args.exclude_conll, "anercorp"))
        excluded = len(sentences) - len(kept)
        sentences = kept
    sentences = sentences[getattr(args, "skip", 0) or 0:]
    if args.limit:
        sentences = sentences[: args.limit]
    ner = EntityExtractor.load(args.model, args.backend)
    t0 = time.perf_counter()
    w = getattr(args, "doc_window", None)
    if w is None:
        w = getattr(ner.tagger, "doc_window", None) or 0
    pred = [predicted_spans(ner, s, sentences[max(0, j - w):j] + sentences[j + 1:j + 1 + w]) if w else
            predicted_spans(ner, s) for j, s in enumerate(sentences)]
    elapsed = time.perf_counter() - t0
    gold = [spans_from_bio(s.tags) for s in sentences]
    note = ("exact token spans; ANERcorp MISC is mapped to O (we output PERSON, ORGANIZATION, LOCATION only)"
            if args.format == "anercorp" else
            "exact token spans; NewsFANE fine classes mapped to coarse types as listed, all others to O; "
            "its text is normalized and clitic-segmented, so this is an out-of-domain check")
    result = {
        "corpus": str(args.conll), "format": args.format, "backend": ner.backend, "model": args.model,
        "sentences": len(sentences), "tokens": sum(len(s.tokens) for s in sentences),
        "excluded_overlapping_sentences": excluded, "doc_window": w,
        "seconds": round(elapsed, 2), "note": note, "scores": score(gold, pred),
    }
    if args.format == "newsfane":
        result["mapping"] = NEWSFANE_TYPES
    return result
