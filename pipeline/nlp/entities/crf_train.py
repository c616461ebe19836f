"""Training the CRF of :mod:`pipeline.nlp.entities.crf` (``wirepipe train-ner``): features with a
held-out training lexicon per fold, optional document features from cross-validated first passes, and
the files tagging needs beside the model (lexicon, cluster table, feature switches)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.nlp.entities.clusters import WordClusters
from pipeline.nlp.entities.crf import (
    LEXICON_FOLDS,
    TRAIN_PARAMS,
    FeatureBuilder,
    TrainLexicon,
    _meta_path,
    _open_model,
    analysis_from_tokens,
    clusters_path,
    lexicon_path,
)
from pipeline.nlp.entities.document import doc_keys, window_doc_features
from pipeline.nlp.entities.names import PersonNames
from pipeline.nlp.entities.rules import RuleTagger

__all__ = ["consecutive_folds", "train", "with_documents"]


def _fit(features, tags, params: dict, out: str | os.PathLike) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for x, y in zip(features, tags):
        trainer.append(x, y)
    trainer.set_params(params)
    trainer.train(str(out))


def _first_pass_tags(features, tags, bounds: list[int], params: dict, out: Path) -> list[list[str]]:
    """The tags of each sentence by a model trained on the other folds (without document features)."""
    import pycrfsuite

    first: list[list[str]] = []
    for f in range(len(bounds) - 1):
        lo, hi = bounds[f], bounds[f + 1]
        path = out.with_name(out.name + f".fold{f}")
        try:
            _fit(features[:lo] + features[hi:], tags[:lo] + tags[hi:], params, path)
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            first += [tagger.tag(x) for x in features[lo:hi]]
            tagger.close()
        finally:
            path.unlink(missing_ok=True)
    return first


def consecutive_folds(n: int, folds: int = LEXICON_FOLDS) -> list[int]:
    """The lexicon fold of each of ``n`` sentences when the folds are ``folds`` runs of consecutive ones."""
    return [f for f in range(folds) for _ in range(n * f // folds, n * (f + 1) // folds)]


def with_documents(sentences: list, documents: list[list], weight: int = 1,
                   folds: int = LEXICON_FOLDS) -> tuple[list, list[int]]:
    """``sentences`` (in ``folds`` runs of consecutive sentences, as :func:`train` folds them) and then
    ``documents`` (each a list of sentences) ``weight`` times over, with the lexicon fold of each: a
    document's sentences and all their copies share one fold (documents go round the folds in turn),
    so no sentence's lexicon features see its own tags. Returns ``(sentences, fold_of)`` for :func:`train`.
    """
    if not isinstance(weight, int) or weight < 1:
        raise ConfigError(f"weight must be an integer >= 1; got {weight!r}")
    fold_of = consecutive_folds(len(sentences), folds)
    extra, extra_folds = [], []
    for k, doc in enumerate(documents):
        extra += doc
        extra_folds += [k % folds] * len(doc)
    return list(sentences) + extra * weight, fold_of + extra_folds * weight


def train(sentences, out: str | os.PathLike, rules: RuleTagger, params: dict | None = None,
          folds: int = LEXICON_FOLDS, clusters: WordClusters | None = None, context: bool = False,
          inflection: bool = True, extra: frozenset[str] = frozenset(), doc_window: int | None = None,
          fold_of: list[int] | None = None) -> dict:
    """Train a CRF on gold sentences (``conll.Sentence``) and write it to ``out`` with its training
    lexicon (:func:`lexicon_path`) and, when given, its word clusters (:func:`clusters_path`);
    return figures.

    Each sentence's lexicon features come from a lexicon of the other ``folds - 1`` folds; the
    lexicon saved for tagging is built from all sentences. ``context`` and ``inflection`` are the
    :class:`FeatureBuilder` switches (recorded in ``MODEL.meta.json``).

    ``doc_window``: add document features (:func:`doc_features`), with the ``doc_window`` sentences
    on each side of a sentence as its document. Their first-pass tags come from models trained on the
    other lexicon folds (cross-validation), so the model learns how far a first pass can be trusted.

    ``fold_of``: the lexicon fold of each sentence (default: ``folds`` runs of consecutive sentences).
    Copies of a sentence (a set counted more than once) must share a fold, or the lexicon of the other
    folds would hold the sentence's own tags. Document features need the default folds.
    """
    out = Path(out)
    if out.suffix == "":
        raise ConfigError(f"--out must be a model file name such as ner.crfsuite; got {out}")
    if not isinstance(folds, int) or folds < 2:
        raise ConfigError(f"lexicon folds must be an integer >= 2; got {folds!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    names = PersonNames.load()
    if doc_window is not None and (not isinstance(doc_window, int) or doc_window < 0):
        raise ConfigError(f"doc_window must be an integer >= 0; got {doc_window!r}")
    t0 = time.perf_counter()
    n = len(sentences)
    n_tokens = sum(len(sent.tokens) for sent in sentences)
    bounds = [n * f // folds for f in range(folds + 1)]
    default_folds = consecutive_folds(n, folds)
    if fold_of is None:
        fold_of = default_folds
    elif doc_window is not None and list(fold_of) != default_folds:
        raise ConfigError("document features need the default lexicon folds")
    if len(fold_of) != n or any(not 0 <= f < folds for f in fold_of):
        raise ConfigError(f"fold_of must give each of the {n} sentences a fold in 0..{folds - 1}")
    features: list[list[list[str]]] = [[] for _ in range(n)]
    analyses = [analysis_from_tokens(sent.tokens) for sent in sentences]
    for f in range(folds):
        held_out = TrainLexicon.build([s for s, g in zip(sentences, fold_of) if g != f])
        build = FeatureBuilder(rules, held_out, names, clusters, context, inflection, extra=extra)
        for i in (i for i, g in enumerate(fold_of) if g == f):
            features[i] = build(analyses[i])
    all_params = {**TRAIN_PARAMS, **(params or {})}
    tags = [sent.tags for sent in sentences]
    if doc_window is not None:
        first = _first_pass_tags(features, tags, bounds, all_params, out)
        docs = window_doc_features([doc_keys(a) for a in analyses], first, doc_window)
        features = [[f + d for f, d in zip(fs, ds)] for fs, ds in zip(features, docs)]
    t1 = time.perf_counter()
    _fit(features, tags, all_params, out)
    TrainLexicon.build(sentences).save(lexicon_path(out))
    cpath = clusters_path(out)
    if clusters is not None:
        clusters.save(cpath)
    elif cpath.exists():
        cpath.unlink()  # a stale table from an earlier run would change the features at tagging time
    meta = {"doc_window": doc_window, "context": bool(context and clusters is not None), "inflection": bool(inflection and clusters is not None),
            "rule_guard": bool(rules.common_words) and clusters is not None
            and rules.common_words == clusters.common_words(), "extra": sorted(extra)}
    _meta_path(out).write_text(json.dumps(meta), encoding="utf-8")
    _open_model.cache_clear()
    t2 = time.perf_counter()
    return {
        "model": str(out), "lexicon": str(lexicon_path(out)), "sentences": len(sentences), "tokens": n_tokens,
        "features_seconds": round(t1 - t0, 1), "train_seconds": round(t2 - t1, 1),
        "params": {**TRAIN_PARAMS, **(params or {})}, "lexicon_folds": folds,
        "clusters": str(cpath) if clusters is not None else None, **meta,
    }
