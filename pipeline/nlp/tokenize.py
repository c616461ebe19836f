"""Word tokens with offsets into the original text, and Arabic proclitic handling for matching.

Tokens follow camel-tools' ``simple_word_tokenize``: white space separates words and every Unicode
punctuation or symbol character is a token of its own. Unlike that function we keep the offsets, so
a span found on tokens indexes the original, unmodified text.

Matching works on the camel-tools matching form (:func:`pipeline.nlp.normalize.normalize_word`) and
on that form with its proclitics removed (و ف ب ل ك ال لل): ``للافروف`` matches ``لافروف`` and
``وواشنطن`` matches ``واشنطن``, while the reported span starts after the proclitic.
"""
from __future__ import annotations

from functools import lru_cache, partial
from itertools import accumulate
from typing import NamedTuple

import regex

from pipeline.nlp.normalize import normalize_word

__all__ = [
    "Token",
    "Reading",
    "tokenize",
    "word_forms",
    "proclitic_splits",
    "original_offset",
    "PROCLITICS",
]

# A run of characters that are neither space nor punctuation/symbol, or one punctuation/symbol char;
# captured, so that ``split`` returns the text between tokens and the tokens in turn.
_TOKEN_RE = regex.compile(r"([^\s\p{P}\p{S}]+|[\p{P}\p{S}])")

#: The proclitics stripped for matching, in their matching form.
PROCLITICS = ("و", "ف", "ب", "ل", "ك", "ال", "لل")
_CONJ = ("و", "ف")
_PREP = ("ب", "ك", "ل")
_MIN_STEM = 2


class Token(NamedTuple):
    """A token: its original text and its ``[start, end)`` code-point offsets in the source string."""

    text: str
    start: int
    end: int


class Reading(NamedTuple):
    """One proclitic reading of a word: ``prefix`` letters of its matching form dropped, leaving ``stem``.

    ``restored`` is True when ل + ال was written لل and the stem got its article back
    (للمدينة → المدينة): the original text then has no span equal to the stem.
    """

    prefix: int
    stem: str
    restored: bool = False


_new_token = partial(tuple.__new__, Token)  # a third faster than Token(...)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` like ``simple_word_tokenize`` and keep each token's offsets into ``text``."""
    # split, not finditer: no match object per token, and the offsets are the running sums of the
    # pieces' lengths (gap, token, gap, token, ..., gap); 2.5 times faster on long bodies.
    parts = _TOKEN_RE.split(text)
    ends = list(accumulate(map(len, parts)))
    return list(map(_new_token, zip(parts[1::2], ends[0::2], ends[1::2])))


def _splits(word: str):
    """Yield the proclitic readings of a matching-form word, the whole word first, then shorter prefixes."""
    seen = {word}
    yield Reading(0, word)
    out: list[Reading] = []
    conj_options = [""] + [c for c in _CONJ if word.startswith(c)]
    for conj in conj_options:
        rest = word[len(conj):]
        prep_options = [""] + [p for p in _PREP if rest.startswith(p)]
        for prep in prep_options:
            stem = rest[len(prep):]
            prefix = len(conj) + len(prep)
            if prefix and len(stem) >= _MIN_STEM and stem not in seen:
                seen.add(stem)
                out.append(Reading(prefix, stem))
            # ل + ال is written لل: the stem keeps its article (للمدينة -> المدينة).
            if prep == "ل" and stem.startswith("ل") and len(stem) > _MIN_STEM:
                restored = "ا" + stem
                if restored not in seen:
                    seen.add(restored)
                    out.append(Reading(prefix, restored, True))
    out.sort(key=lambda item: item[0])
    yield from out


def proclitic_splits(word: str) -> tuple[Reading, ...]:
    """Return the readings of a matching-form word, the whole word first.

    ``للافروف`` gives ``(0, 'للافروف'), (1, 'لافروف'), (1, 'الافروف', restored)``; ``وبالعراق`` gives
    ``(2, 'العراق')`` among others. Stems shorter than two letters are never produced. The article ال
    is kept on the stem (العراق, not عراق): Arabic place names carry it; it is only restored after ل.
    """
    return tuple(_splits(word))


@lru_cache(maxsize=200_000)
def word_forms(text: str) -> tuple[str, tuple[Reading, ...]]:
    """Return a token's matching form and its proclitic readings (cached: words repeat a lot)."""
    norm = normalize_word(text)
    return norm, tuple(_splits(norm))


@lru_cache(maxsize=50_000)
def _norm_char_positions(text: str) -> tuple[int, ...]:
    """For each character of the matching form of ``text``, the original index it came from."""
    positions: list[int] = []
    for i, ch in enumerate(text):
        positions.extend([i] * len(normalize_word(ch)))
    return tuple(positions)


def original_offset(text: str, norm_prefix: int) -> int:
    """Map a prefix length in the matching form of ``text`` back to an index into ``text`` itself.

    Used to drop a proclitic from a reported span: diacritics and tatweel vanish from the matching
    form, so the prefix length there is not always the prefix length in the original.
    """
    if norm_prefix <= 0:
        return 0
    positions = _norm_char_positions(text)
    if norm_prefix >= len(positions):
        return len(text)
    return positions[norm_prefix]
