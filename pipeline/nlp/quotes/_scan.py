"""Finding a few characters or a pattern's matches in a long text without the regex engine's scan of every
character: a class of characters ([،,]) or a pattern that opens with a lookbehind is tested at each position
of the text, several times slower than ``str.find`` looks for one character. Here ``str.find`` finds the
places, and a pattern is matched only where its matches can start."""
from __future__ import annotations

import re
from typing import Iterable, Iterator, Optional


def char_offsets(text: str, chars: str, start: int = 0, end: Optional[int] = None) -> list[int]:
    """The offsets of each of ``chars`` in ``text[start:end]``, in order (one ``str.find`` scan a character)."""
    end = len(text) if end is None else end
    out = []
    for ch in chars:
        i = text.find(ch, start, end)
        while i >= 0:
            out.append(i)
            i = text.find(ch, i + 1, end)
    out.sort()
    return out


def starts_around(text: str, literal: str, before: int) -> Iterator[int]:
    """The offsets from ``before`` characters before each occurrence of ``literal`` in ``text`` to the
    occurrence itself, in order and once each: where a match that holds ``literal`` that near its start can start."""
    nxt = 0  # the first offset not given yet
    i = text.find(literal)
    while i >= 0:
        yield from range(max(nxt, i - before), i + 1)
        nxt = max(nxt, i + 1)
        i = text.find(literal, i + 1)


def finditer_at(pattern: re.Pattern, text: str, starts: Iterable[int]) -> Iterator[re.Match]:
    """The matches of ``pattern.finditer(text)``, for a pattern whose matches are not empty and can only
    start at ``starts`` (in order): tried only there."""
    resume = 0  # where finditer would search next: after the last match
    for start in starts:
        if start >= resume:
            m = pattern.match(text, start)
            if m is not None:
                yield m
                resume = m.end()
