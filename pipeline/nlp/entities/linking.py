"""Within-document linking: surnames and clitic-attached mentions get the full name as canonical.

``لافروف`` and ``للافروف`` after (or before) ``سيرغي لافروف`` become PERSON mentions with canonical
``سيرغي لافروف``; spellings of one place or body (سورية, سوريا) share the longest form in the article.
"""
from __future__ import annotations

import bisect
import itertools
import operator
from dataclasses import dataclass

from pipeline.nlp.entities.rules import Analysis, Candidate
from pipeline.nlp.normalize import normalize
from pipeline.nlp.tokenize import Reading, original_offset

__all__ = ["Mention", "mention_from_candidate", "link_persons", "assign_canonicals"]

# Surnames this short or this common are too ambiguous to link on their own.
_MIN_SURNAME = 3


@dataclass
class Mention:
    """An entity mention with offsets into its field and what linking needs."""

    field: str
    type: str
    start: int
    end: int
    text: str
    clean: str  # the mention as a name: text, or with the article restored after لل
    method: str
    key: str | None
    stems: tuple[str, ...]  # matching forms of its words (first word without proclitic)
    role: str | None = None
    canonical: str | None = None
    token_start: int = 0
    token_end: int = 0

    def as_record(self) -> dict:
        """Return the Avro ``Entity`` record of this mention."""
        return {
            "type": self.type, "text": self.text, "canonical": self.canonical or self.clean,
            "role": self.role, "field": self.field, "start": self.start, "end": self.end,
            "method": self.method,
        }


def _start_char(a: Analysis, tok: int, reading: Reading) -> tuple[int, str | None]:
    """Start offset of a span whose first token has ``reading``; plus the restored first word if any."""
    token = a.tokens[tok]
    if reading.restored:
        # للمدينة: the stem المدينة is not in the text; report لمدينة? No: keep the ل+ال token whole
        # minus any conjunction, and give the clean form with the article back.
        drop = original_offset(token.text, reading.prefix - 1)
        restored = "ال" + token.text[original_offset(token.text, reading.prefix + 1):]
        return token.start + drop, restored
    return token.start + original_offset(token.text, reading.prefix), None


def mention_from_candidate(a: Analysis, cand: Candidate, field: str) -> Mention:
    """Turn a token-level candidate into a mention with character offsets and its role text."""
    start, restored = _start_char(a, cand.start, cand.reading)
    end = a.tokens[cand.end - 1].end
    text = a.text[start:end]
    clean = text if restored is None else restored + a.text[a.tokens[cand.start].end:end]
    role = None
    if cand.role is not None:
        r_start, r_end, r_reading = cand.role
        rs, r_restored = _start_char(a, r_start, r_reading)
        role_text = a.text[rs:a.tokens[r_end - 1].end]
        role = role_text if r_restored is None else r_restored + a.text[a.tokens[r_start].end:a.tokens[r_end - 1].end]
    stems = (cand.reading.stem, *a.norms[cand.start + 1:cand.end])
    return Mention(field, cand.type, start, end, text, clean, cand.method, cand.key, stems, role,
                   token_start=cand.start, token_end=cand.end)


def link_persons(fields: list[tuple[str, Analysis, list[Mention]]], stopwords: frozenset[str]) -> None:
    """Add PERSON mentions of known full names and surnames found in uncovered tokens (in place)."""
    full: dict[tuple[str, ...], str] = {}
    for _, _, mentions in fields:
        for m in mentions:
            if m.type == "PERSON" and len(m.stems) >= 2 and m.method != "link":
                full.setdefault(m.stems, m.clean)
    if not full:
        return
    by_first: dict[str, list[tuple[str, ...]]] = {}
    surnames: set[str] = set()
    for stems in full:
        by_first.setdefault(stems[0], []).append(stems)
        last = stems[-1]
        if len(last) >= _MIN_SURNAME:
            surnames.add(last)
    targets = surnames.union(by_first)
    for field, a, mentions in fields:
        hits = _candidate_tokens(a, targets)
        if not hits:
            continue
        covered = {k for m in mentions for k in range(m.token_start, m.token_end)}
        added: list[Candidate] = []
        next_free = 0
        for i in hits:
            if i < next_free or i in covered or a.lights[i][0] in stopwords or a.lights[i][1] in stopwords:
                continue
            found = None
            for reading in a.readings[i]:
                for stems in sorted(by_first.get(reading.stem, ()), key=len, reverse=True):
                    n = len(stems)
                    if tuple(a.norms[i + 1:i + n]) == stems[1:] and not covered.intersection(range(i, i + n)):
                        found = Candidate(i, i + n, "PERSON", "link", reading, rule="link")
                        break
                if found is None and reading.stem in surnames and not reading.restored:
                    found = Candidate(i, i + 1, "PERSON", "link", reading, rule="link")
                if found is not None:
                    break
            if found is not None:
                added.append(found)
                next_free = found.end
        if added:
            mentions.extend(mention_from_candidate(a, c, field) for c in added)
            mentions.sort(key=lambda m: m.start)


def _candidate_tokens(a: Analysis, targets: set[str]) -> list[int]:
    """Indexes of tokens that may read as one of ``targets`` (checked against real readings later).

    A pre-filter: ``str.find`` over the space-joined matching forms instead of a Python loop over
    every token's readings. A token qualifies when a target ends it behind at most three proclitic
    letters; for a target with the article, لل + the rest (للجعفري) qualifies too.
    """
    joined = " ".join(a.norms)
    starts: list[int] | None = None
    found: set[int] = set()
    for target in targets:
        for needle in ((target, target[1:]) if target.startswith("ال") else (target,)):
            pos = joined.find(needle)
            while pos != -1:
                end = pos + len(needle)
                if end == len(joined) or joined[end] == " ":
                    if starts is None:
                        # Each form and its space: no Python step per token.
                        widths = map(operator.add, map(len, a.norms[:-1]), itertools.repeat(1))
                        starts = list(itertools.accumulate(widths, initial=0))
                    i = bisect.bisect_right(starts, pos) - 1
                    if pos - starts[i] <= 3:
                        found.add(i)
                pos = joined.find(needle, pos + 1)
    return sorted(found)


def assign_canonicals(mentions: list[Mention]) -> None:
    """Set ``canonical``: the fullest name of a person, the longest spelling of a place or body."""
    persons = [m for m in mentions if m.type == "PERSON"]
    fulls = sorted({m.stems: m.clean for m in persons if len(m.stems) >= 2}.items(), key=lambda kv: -len(kv[0]))
    for m in persons:
        best = m.clean
        for stems, clean in fulls:
            if len(stems) <= len(m.stems):
                break
            # A surname, or a shorter form of the same name (محمد بن سلمان ⊂ محمد بن سلمان بن عبد العزيز).
            if stems[-1] == m.stems[-1] and set(m.stems) <= set(stems):
                best = clean
                break
        m.canonical = best
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.type != "PERSON":
            groups.setdefault(m.key or f"{m.type}:{normalize(m.clean)}", []).append(m)
    for group in groups.values():
        longest = max(group, key=lambda m: len(m.clean)).clean
        for m in group:
            m.canonical = longest
