"""Document features of the CRF: the types a word was given elsewhere in its document by a first pass.

A surname alone late in a story (جوتشولك) is a person because the story named him in full earlier. The
tagger tags an article once, counts each word's types (:func:`doc_counts`), and tags again with each
token's :func:`doc_features` added; training takes its first passes from models of the other folds. In
the pipeline the document is the article; in ANERcorp, which marks no articles, the sentences around one
(:func:`window_doc_features`). Off in the shipped model (``wirepipe train-ner --doc-window`` adds them).
"""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from pipeline.nlp.entities.rules import Analysis

__all__ = ["TYPES", "doc_keys", "doc_counts", "doc_features", "window_doc_features"]

#: The entity types the CRF tags.
TYPES = ("PERSON", "ORGANIZATION", "LOCATION")


@lru_cache(maxsize=200_000)
def _doc_key(stem: str) -> str | None:
    return stem if len(stem) >= 3 and stem.isalpha() else None


def doc_keys(a: Analysis) -> list[str | None]:
    """The word of each token that document features compare: its proclitic-free reading (بالرياض →
    الرياض), or None for short words, numbers and punctuation."""
    return [_doc_key(readings[-1].stem) for readings in a.readings]


#: A BIO tag's slot in the per-word counts of :func:`doc_counts` (PERSON, ORGANIZATION, LOCATION, O).
_SLOT = defaultdict(lambda: 3, {f"{bio}-{kind}": j for j, kind in enumerate(TYPES) for bio in "BI"})
_DOC_FEATURES = tuple("d=" + kind for kind in TYPES)
_NO_FEATURES: list[str] = []


def doc_counts(keys: Sequence[Sequence[str | None]], tags: Sequence[Sequence[str]]) -> dict[str, list[int]]:
    """How often each word of a document (:func:`doc_keys` of its parts) was tagged PERSON,
    ORGANIZATION, LOCATION and O (untagged) by a first pass (``tags``: BIO per token of each part)."""
    counts: dict[str, list[int]] = {}
    slot = _SLOT
    for ks, ts in zip(keys, tags):
        for k, t in zip(ks, ts):
            if k is not None:
                c = counts.get(k)
                if c is None:
                    c = counts[k] = [0, 0, 0, 0]
                c[slot[t]] += 1
    return counts


def doc_features(keys: Sequence[str | None], tags: Sequence[str], counts: dict[str, list[int]]) -> list[list[str]]:
    """Document features of one part: per token, the types (``d=PERSON``…) its word had elsewhere in the
    document by the first pass, or ``d=O`` when it occurred elsewhere untagged only. ``counts`` (of
    :func:`doc_counts`) include this part, whose own ``tags`` are taken off token by token."""
    out: list[list[str]] = []
    slot = _SLOT
    for k, t in zip(keys, tags):
        c = counts.get(k) if k is not None else None
        if c is None:
            out.append(_NO_FEATURES)
            continue
        own = slot[t]
        seen = [_DOC_FEATURES[j] for j in range(3) if c[j] - (j == own) > 0]
        out.append(seen if seen else ["d=O"] if c[3] - (own == 3) > 0 else _NO_FEATURES)
    return out


def window_doc_features(keys: list[list[str | None]], tags: list[list[str]], window: int) -> list[list[list[str]]]:
    """Document features of each sentence of a corpus without document marks: its document is the
    ``window`` sentences on each side and itself."""
    out = []
    for j in range(len(keys)):
        lo, hi = max(0, j - window), min(len(keys), j + window + 1)
        out.append(doc_features(keys[j], tags[j], doc_counts(keys[lo:hi], tags[lo:hi])))
    return out
