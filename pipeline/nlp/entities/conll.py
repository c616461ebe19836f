"""Readers for BIO-tagged NER corpora (ANERcorp CoNLL style, NewsFANEGold) mapped to our three types."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.errors import ConfigError, InputError

__all__ = ["Sentence", "read_conll", "spans_from_bio", "FORMATS", "ANERCORP_TYPES", "NEWSFANE_TYPES"]

FORMATS = ("anercorp", "newsfane")
#: ANERcorp tag types → ours. MISC is dropped (mapped to O): we output only three types.
ANERCORP_TYPES = {"PERS": "PERSON", "PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}
#: NewsFANEGold fine classes → ours (the README's mapping, extended to the other person/place/body
#: classes). Everything else (GPE-Cluster, Building-Grounds, Book, Movie, Software …) is O.
NEWSFANE_TYPES = {
    **{k: "PERSON" for k in ("Politician", "Athlete", "Artist", "Other_PER", "Religious_PER", "Scientist",
                             "Businessperson", "Lawyer", "Engineer", "Police_PER")},
    **{k: "LOCATION" for k in ("Nation", "Population-Center", "State-or-Province", "Continent", "Water-Body",
                               "County-or-District", "Land-Region-Natural")},
    **{k: "ORGANIZATION" for k in ("Government", "Non-Governmental", "Commercial", "Media", "Educational",
                                   "Sports", "Police", "Religious_ORG", "Medical-Science", "Entertainment")},
}
_STRIP = "\ufeff\u200e\u200f"


@dataclass
class Sentence:
    """A gold sentence: its tokens and their BIO tags over our types (``O``, ``B-PERSON`` …)."""

    tokens: list[str]
    tags: list[str]


def _map_tag(tag: str, types: dict[str, str]) -> str:
    if tag == "O" or "-" not in tag:
        return "O"
    bio, _, kind = tag.partition("-")
    mapped = types.get(kind)
    if mapped is None or bio not in ("B", "I"):
        return "O"
    return f"{bio}-{mapped}"


def read_conll(path: str | Path, fmt: str = "anercorp") -> list[Sentence]:
    """Read a corpus file: ``anercorp`` (``word TAG``, blank line between sentences) or ``newsfane``
    (``word<TAB>TAG``, a lone TAB between sentences, BOM, CRLF and LRM marks)."""
    if fmt not in FORMATS:
        raise ConfigError(f"corpus format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("unreadable", f"cannot read {path}: {exc}") from exc
    types = ANERCORP_TYPES if fmt == "anercorp" else NEWSFANE_TYPES
    return list(_sentences(text, types))


def _sentences(text: str, types: dict[str, str]) -> Iterator[Sentence]:
    tokens: list[str] = []
    tags: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            if tokens:
                yield Sentence(tokens, tags)
                tokens, tags = [], []
            continue
        word, _, tag = line.rstrip().rpartition("\t" if "\t" in line else " ")
        word = "".join(ch for ch in word if ch not in _STRIP).strip().replace(" ", "")
        if not word:  # ANERcorp has a few empty words; they carry no entity
            continue
        tokens.append(word)
        tags.append(_map_tag(tag.strip(), types))
    if tokens:
        yield Sentence(tokens, tags)


def spans_from_bio(tags: list[str]) -> set[tuple[str, int, int]]:
    """Return ``(type, start, end)`` token spans, conlleval-style (an I- after O or another type starts a span)."""
    spans: set[tuple[str, int, int]] = set()
    kind: str | None = None
    start = 0
    last = -2
    # The tags other than "O" only (most of a text): an "O" ends a span, so a gap before a tag does too.
    for i in [i for i, tag in enumerate(tags) if tag != "O"]:
        bio, _, t = tags[i].partition("-")
        if kind is not None and (i != last + 1 or bio != "I" or t != kind):
            spans.add((kind, start, last + 1))
            kind = None
        if bio == "B" or (bio == "I" and kind is None):
            kind, start = t, i
        last = i
    if kind is not None:
        spans.add((kind, start, last + 1))
    return spans
