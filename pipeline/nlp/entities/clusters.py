"""Word clusters and word morphology learned from raw news text, as CRF features that reach names
no gold set holds.

``wirepipe train-ner --raw FILE`` trains word2vec (gensim, skip-gram) on the matching forms of the
words of unlabeled articles and groups the vectors with k-means at several granularities; a word
then carries one cluster id per granularity. An unseen footballer's name lands in the cluster of the
footballers the model saw, so the CRF can generalise from them. The same text gives a small
morphological lexicon (:func:`inflection_classes`): how often a word also occurs with the article or
a pronoun suffix (مدينة → مدينتها, المدينة; قال → قاله). Common nouns and verbs inflect; names
of people and foreign places almost never do. Training needs the ``train`` extra
(gensim, which brings numpy and scipy); tagging only reads the small word → ids table written here.
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import os
import time
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from pipeline.errors import ConfigError, ResourceMissingError
from pipeline.nlp.tokenize import Reading, tokenize, word_forms

__all__ = ["WordClusters", "raw_sentences", "learn_clusters", "CLUSTER_SIZES", "W2V_PARAMS"]

log = logging.getLogger(__name__)

#: Granularities of the k-means clusterings (coarse classes for the neighbours, fine ones for the token).
CLUSTER_SIZES = (64, 256, 1024)
#: word2vec settings: skip-gram over ±5 words, words seen at least 5 times, fixed seed, one worker
#: (with several workers gensim's result depends on thread scheduling).
W2V_PARAMS = {"vector_size": 100, "window": 5, "min_count": 5, "sg": 1, "negative": 5, "epochs": 3,
              "sample": 1e-4, "seed": 12, "workers": 1}
_VERSION = 2


def raw_paragraphs(path: str | os.PathLike, exclude_ids: Iterable[str] = (),
                   max_articles: int | None = None) -> Iterator[str]:
    """The headlines and paragraphs of a SaudiNewsNet-style JSON-lines file (``.jsonl`` or ``.jsonl.gz``),
    in order; articles whose id is in ``exclude_ids`` are skipped, lines that are not JSON objects too."""
    path = Path(path)
    if not path.is_file():
        raise ResourceMissingError(f"raw text {path} not found")
    excluded = frozenset(exclude_ids)
    opener = gzip.open if path.suffix == ".gz" else open
    articles = 0
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict) or rec.get("id") in excluded:
                continue
            articles += 1
            if max_articles is not None and articles > max_articles:
                return
            yield rec.get("title") or ""
            yield from (rec.get("content") or "").split("\n")


def raw_sentences(path: str | os.PathLike, exclude_ids: Iterable[str] = (),
                  max_articles: int | None = None) -> list[list[str]]:
    """:func:`raw_paragraphs` as lists of matching forms, one per headline and per paragraph of two words
    or more."""
    out: list[list[str]] = []
    for text in raw_paragraphs(path, exclude_ids, max_articles):
        words = [word_forms(t.text)[0] for t in tokenize(text)]
        if len(words) > 1:
            out.append(words)
    return out


def learn_clusters(sentences: Sequence[Sequence[str]], sizes: Sequence[int] = CLUSTER_SIZES,
                   params: dict | None = None) -> tuple["WordClusters", dict]:
    """Train word2vec on ``sentences`` and cluster its vectors with k-means at each size in ``sizes``;
    return the clusters and figures (seconds, vocabulary)."""
    try:
        import numpy as np
        from gensim.models import Word2Vec
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ResourceMissingError("learning word clusters needs gensim: pip install 'wirepipe[train]'") from exc
    if not sizes or any(not isinstance(k, int) or k < 2 for k in sizes):
        raise ConfigError(f"cluster sizes must be integers >= 2; got {sizes!r}")
    p = {**W2V_PARAMS, **(params or {})}
    t0 = time.perf_counter()
    model = Word2Vec(sentences=sentences, **p)
    t1 = time.perf_counter()
    words = list(model.wv.index_to_key)
    infl = inflection_classes(sentences, words)
    vectors = model.wv.vectors.astype("float64")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    ids = []
    rng = np.random.default_rng(p["seed"])
    for k in sizes:
        ids.append(_kmeans(vectors, k, rng))
    t2 = time.perf_counter()
    table = {w: (*(int(col[i]) for col in ids), infl[w]) for i, w in enumerate(words)}
    figures = {"w2v_seconds": round(t1 - t0, 1), "kmeans_seconds": round(t2 - t1, 1),
               "vocabulary": len(words), "sentences": len(sentences),
               "tokens": sum(len(s) for s in sentences), "w2v_params": p, "cluster_sizes": list(sizes)}
    return WordClusters(table, tuple(sizes)), figures


def _kmeans(x, k: int, rng, iterations: int = 20):
    """Lloyd's k-means on unit vectors from ``k`` seeded random points; distances by one matrix
    product per iteration (scipy's ``kmeans2`` took minutes at k=1024 on 60,000 words)."""
    import numpy as np

    if k > len(x):
        raise ConfigError(f"{k} clusters asked of {len(x)} words: give more raw text or smaller sizes")
    centres = x[rng.choice(len(x), size=k, replace=False)].copy()
    labels = np.zeros(len(x), dtype=np.int64)
    for _ in range(iterations):
        labels = np.argmax(x @ centres.T - 0.5 * (centres * centres).sum(axis=1), axis=1)
        sums = np.stack([np.bincount(labels, weights=x[:, j], minlength=k) for j in range(x.shape[1])], axis=1)
        counts = np.bincount(labels, minlength=k)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    return labels


_SUFFIXES = ("ه", "ها", "هم", "هما", "هن", "نا", "كم", "ي")


def inflection_classes(sentences: Iterable[Sequence[str]], words: Iterable[str]) -> dict[str, int]:
    """For each word, how often its forms with the article or a pronoun suffix occur beside it:
    0 never, 1 under 2%, 2 under 15%, 3 more (counts over ``sentences``; matching forms, ة as ه)."""
    from collections import Counter

    counts: Counter = Counter()
    for sent in sentences:
        counts.update(sent)
    out = {}
    for w in words:
        base = w[2:] if w.startswith("ال") and len(w) > 3 else w
        stem = base[:-1] + "ت" if base.endswith("ه") else base
        other = sum(counts.get(stem + x, 0) for x in _SUFFIXES)
        other += counts.get("ال" + base, 0) if base is w else counts.get(base, 0)
        share = other / (other + counts.get(w, 0) or 1)
        out[w] = 0 if other == 0 else 1 if share < 0.02 else 2 if share < 0.15 else 3
    return out


class WordClusters:
    """Word (matching form) → one cluster id per granularity and its inflection class (last)."""

    def __init__(self, table: dict[str, tuple[int, ...]], sizes: tuple[int, ...]):
        if any(len(v) != len(sizes) + 1 for v in table.values()):
            raise ConfigError("every word needs one cluster id per granularity and its inflection class")
        self.table = table
        self.sizes = tuple(sizes)

    def save(self, path: str | os.PathLike) -> None:
        """Write the table as gzipped JSON (a few hundred kB for 50,000 words)."""
        data = {"version": _VERSION, "sizes": list(self.sizes),
                "words": {w: list(v) for w, v in sorted(self.table.items())}}
        # mtime=0: the same table gives the same bytes (a retrained model shows no spurious diff)
        with gzip.GzipFile(path, "wb", mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def read(cls, path: str | os.PathLike) -> "WordClusters":
        """Read a table written by :meth:`save`; raise ResourceMissingError when absent or stale."""
        return _read(os.fspath(path))

    def common_words(self, min_class: int = 3) -> frozenset[str]:
        """Words of inflection class ``min_class`` or more, for the rules' name guard: nouns and verbs.
        Words that begin with ال are left out: their class mixes the article with names that begin
        with those letters (ألونسو, whose bare ونسو the counts took for the word without its article)."""
        return frozenset(w for w, v in self.table.items() if v[-1] >= min_class and not w.startswith("ال"))

    def lookup(self, norm: str, readings: tuple[Reading, ...]) -> tuple[int, ...] | None:
        """The ids of the word, else of its first proclitic-free reading found (بالرياض → الرياض)."""
        ids = self.table.get(norm)
        if ids is None:
            for r in readings[1:]:
                ids = self.table.get(r.stem)
                if ids is not None:
                    break
        return ids


@lru_cache(maxsize=4)
def _read(path: str) -> WordClusters:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ResourceMissingError(f"word clusters {path} missing or unreadable; retrain with `wirepipe train-ner`") from exc
    if data.get("version") != _VERSION:
        raise ResourceMissingError(f"word clusters {path} are from another version; retrain the model")
    return WordClusters({w: tuple(v) for w, v in data["words"].items()}, tuple(data["sizes"]))


def iter_cluster_features(ids: tuple[int, ...] | None, sizes: tuple[int, ...], prefix: str,
                          inflection: bool = True) -> Iterator[str]:
    """Feature strings of one token's cluster ids (``k256=17``) and inflection class (``inf=2``), or
    ``k=none`` for a word the raw text did not have often enough."""
    if ids is None:
        yield prefix + "k=none"
        return
    for k, c in zip(sizes, ids):
        yield f"{prefix}k{k}={c}"
    if inflection:
        yield f"{prefix}inf={ids[-1]}"
