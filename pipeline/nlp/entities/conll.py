"""Readers for BIO-tagged NER corpora (ANERcorp CoNLL style, NewsFANEGold) mapped to our three types."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.errors import ConfigError, InputError

__all__ = ["Sentence", "read_conll", "spans_from_bio", "sentences_from_offsets", "FORMATS", "ANERCORP_TYPES", "NEWSFANE_TYPES"]

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


#: Tokens that end a sentence when gold offsets are cut into training sentences.
SENTENCE_ENDS = frozenset(".!?؟")


def sentences_from_offsets(text: str, mentions: list[tuple[int, int, str]]) -> list[Sentence]:
    """Cut a text with ``(start, end, type)`` character-offset gold into tokenized BIO sentences
    (``tokenize``'s tokens, a sentence ending at ``. ! ? ؟``), as ANERcorp gives them: a token is in a
    mention when it overlaps it, so a proclitic outside the span (بالرياض → الرياض) stays on its word.

    Raises :class:`ConfigError` on overlapping mentions, a type that is not ours, or a mention that
    covers no token.
    """
    from pipeline.nlp.tokenize import tokenize

    tokens = tokenize(text)
    tags = ["O"] * len(tokens)
    last_end = -1
    for start, end, kind in sorted(mentions):
        if kind not in ANERCORP_TYPES.values():
            raise ConfigError(f"mention type must be one of PERSON, ORGANIZATION, LOCATION; got {kind!r}")
        if start < last_end:
            raise ConfigError(f"overlapping gold mentions at offset {start}")
        last_end = end
        inside = [i for i, t in enumerate(tokens) if t.start < end and start < t.end]
        if not inside:
            raise ConfigError(f"gold mention [{start}, {end}) covers no token")
        for i in inside:
            if tags[i] != "O":
                raise ConfigError(f"two gold mentions share the token {tokens[i].text!r} at offset {tokens[i].start}")
            tags[i] = ("B-" if i == inside[0] else "I-") + kind
    out: list[Sentence] = []
    begin = 0
    for i, tok in enumerate(tokens):
        ends = tok.text in SENTENCE_ENDS and not tags[i].startswith("I-") and (i + 1 == len(tokens) or not tags[i + 1].startswith("I-"))
        if ends or i + 1 == len(tokens):
            out.append(Sentence([t.text for t in tokens[begin:i + 1]], tags[begin:i + 1]))
            begin = i + 1
    return out


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
