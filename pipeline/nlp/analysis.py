"""One analysis per article: the forms of its text that the extractors read, each made once.

Enrich builds an :class:`ArticleAnalysis` of each article and hands it to the entity extractor (the
tokens, matching forms and proclitic readings of each field), the quote extractor (each field folded,
with an offset map back to the original) and the fingerprint (the body's matching form). Each part is
made on first use, so an extractor that is switched off costs nothing.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import cached_property
from typing import Optional

from pipeline.nlp.normalize import DIACRITICS, fold, normalize_word

__all__ = ["ArticleAnalysis", "FoldedText"]

_DIACRITIC_RE = re.compile("[" + DIACRITICS + "]")
# A run of them, written [d][d]* rather than [d]+: a pattern that opens with a class lets the regex engine
# scan for the class in C before it tries a match; one that opens with a repeat is tried at every
# character (the same runs, found in 40% of the time on the two-day file)
_DIACRITIC_RUN_RE = re.compile("[" + DIACRITICS + "][" + DIACRITICS + "]*")


class FoldedText:
    """A text folded one letter for one (:func:`~pipeline.nlp.normalize.fold`) without diacritics or
    tatweel (``f``), with its offsets mapped to the original (:meth:`orig`, :meth:`orig_end`) and back
    (:meth:`folded`); the same offsets when nothing was dropped (:attr:`shifted` False)."""

    __slots__ = ("text", "f", "_at", "_starts", "_dropped")

    def __init__(self, text: str):
        self.text = text
        folded = fold(text)
        if _DIACRITIC_RE.search(folded):
            # Drop diacritics for matching and remember, for each run dropped, where it started in the
            # original, where it was in the folded copy, and how many characters were dropped up to its
            # end: offsets map both ways by bisection (``fold`` keeps one letter for one).
            # (the text between the runs is kept in the same pass: one scan instead of a second one by sub)
            at: list[int] = []
            starts: list[int] = []
            dropped: list[int] = []
            kept: list[str] = []
            n = 0
            prev = 0
            for m in _DIACRITIC_RUN_RE.finditer(folded):
                s, e = m.span()
                starts.append(s)
                at.append(s - n)
                n += e - s
                dropped.append(n)
                kept.append(folded[prev:s])
                prev = e
            kept.append(folded[prev:])
            self._at: Optional[list[int]] = at
            self._starts = starts
            self._dropped = dropped
            folded = "".join(kept)
        else:
            self._at = None
        self.f = folded

    @property
    def shifted(self) -> bool:
        """True when characters were dropped, so that folded offsets differ from the original ones."""
        return self._at is not None

    def folded(self, i: int) -> int:
        """Map an original offset to the folded copy: the first folded character at or after it (the
        one after a dropped run when ``i`` falls inside it; ``len(f)`` past the end)."""
        n = len(self.f)
        if self._at is None:
            return min(max(i, 0), n)
        k = bisect_right(self._starts, i)
        if not k:
            return min(max(i, 0), n)
        return min(max(self._at[k - 1], i - self._dropped[k - 1]), n)

    def orig(self, i: int) -> int:
        """Map a start offset in the folded copy back to the original text."""
        if self._at is None:
            return i
        if i >= len(self.f):
            return len(self.text)
        k = bisect_right(self._at, i)
        return i + self._dropped[k - 1] if k else i

    def orig_end(self, j: int) -> int:
        """Map an end offset in the folded copy back to the original text."""
        if self._at is None:
            return j
        if j <= 0:
            return 0
        k = self.orig(j - 1) + 1
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
