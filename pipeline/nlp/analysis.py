"""One analysis per article: the forms of its text that the extractors read, each made once.

Enrich builds an :class:`ArticleAnalysis` of each article and hands it to the entity extractor (the
tokens, matching forms and proclitic readings of each field), the quote extractor (each field folded,
with an offset map back to the original) and the fingerprint (the body's matching form). Each part is
made on first use, so an extractor that is switched off costs nothing.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Optional

from pipeline.nlp.normalize import DIACRITICS, fold, normalize_word

__all__ = ["ArticleAnalysis", "FoldedText"]

_DIACRITIC_RE = re.compile("[" + DIACRITICS + "]")
_DIACRITIC_RUN_RE = re.compile("[" + DIACRITICS + "]+")


class FoldedText:
    """A text folded one letter for one (:func:`~pipeline.nlp.normalize.fold`) without diacritics or
    tatweel (``f``), and the index of each of its characters in the original (``index``; None when
    nothing was dropped and offsets are the same)."""

    __slots__ = ("text", "f", "index")

    def __init__(self, text: str):
        self.text = text
        folded = fold(text)
        if _DIACRITIC_RE.search(folded):
            # Drop diacritics for matching and remember where each kept character came from.
            keep: list[int] = []
            prev = 0
            for m in _DIACRITIC_RUN_RE.finditer(folded):
                keep.extend(range(prev, m.start()))
                prev = m.end()
            keep.extend(range(prev, len(folded)))
            self.index: Optional[list[int]] = keep
            folded = _DIACRITIC_RUN_RE.sub("", folded)
        else:
            self.index = None
        self.f = folded

    def orig(self, i: int) -> int:
        """Map a start offset in the folded copy back to the original text."""
        if self.index is None:
            return i
        return self.index[i] if i < len(self.index) else len(self.text)

    def orig_end(self, j: int) -> int:
        """Map an end offset in the folded copy back to the original text."""
        if self.index is None:
            return j
        if j <= 0:
            return 0
        k = self.index[j - 1] + 1
        while k < len(self.text) and self.text[k] in DIACRITICS:
            k += 1  # keep the tatweel or harakat of the last letter
        return k


class ArticleAnalysis:
    """The headline and body of one article and the forms the extractors read, made once each."""

    def __init__(self, headline: Optional[str], body: str):
        self.headline = headline
        self.body = body
        self._tokens: dict[str, object] = {}
        self._folded: dict[str, FoldedText] = {}

    def text(self, field: str) -> Optional[str]:
        """The text of ``HEADLINE`` or ``BODY``."""
        return self.headline if field == "HEADLINE" else self.body

    def tokens(self, field: str):
        """The entity :class:`~pipeline.nlp.entities.rules.Analysis` of a field (tokens with offsets,
        matching forms, proclitic readings)."""
        a = self._tokens.get(field)
        if a is None:
            from pipeline.nlp.entities.rules import Analysis

            a = self._tokens[field] = Analysis(self.text(field) or "")
        return a

    def folded(self, field: str) -> FoldedText:
        """A field folded for the quote patterns, with its offset map."""
        f = self._folded.get(field)
        if f is None:
            f = self._folded[field] = FoldedText(self.text(field) or "")
        return f

    @cached_property
    def matching_body(self) -> str:
        """The matching form of the body (:func:`~pipeline.nlp.normalize.normalize_word`): the fingerprint's input."""
        return normalize_word(self.body)
