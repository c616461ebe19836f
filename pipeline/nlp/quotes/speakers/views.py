"""What the candidate features read: one quote with its cue and the rules' reading (:class:`QuoteView`),
one field with its sentence ends, cues, quotes and mentions (:class:`FieldView`), and one possible speaker
with its features (:class:`Candidate`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Optional

from pipeline.nlp.quotes import lexicon as lx
from pipeline.nlp.normalize import fold_word
from pipeline.nlp.quotes.speakers.names import (_fold_name, _name_head, _surname_key, _trim_words, extend_name,
                                                person_extent, quoted_heads)
from pipeline.nlp.quotes.speakers.wellformed import _head, _well_formed_text


@dataclass
class QuoteView:
    """One extracted quote in original offsets, with the cue that introduces it and the rules' reading."""

    kind: str
    start: int
    end: int
    cue_start: int = -1          # the speech cue (verb, participle or frame), -1 without one
    cue_end: int = -1
    cue_participle: bool = False
    cue_proclitic: bool = False  # وقال / فقال: a verb joined to what precedes it
    rule_name: Optional[str] = None
    rule_mention: Optional[str] = None
    rule_entity: Optional[int] = None
    rule_group: bool = False
    rule_role: bool = False
    rule_implicit: bool = False


def _first_spellings(names: Iterable[str]) -> dict[str, str]:
    """``names`` by their folded form, each form with its first spelling in the order given (text order):
    إبراهيم الحسين before ابراهيم الحسين, the same on every run whatever the hash seed."""
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(fold_word(name), name)
    return out


@dataclass
class FieldView:
    """What the features read in one field: its text, sentence ends, cues, quotes and mentions."""

    text: str
    bounds: list[int]                      # sentence-end offsets, sorted
    cue_starts: list[int]                  # every speech cue of the field, sorted
    quote_spans: list[tuple[int, int]]     # every quote of the field
    mentions: list[tuple[int, int, int, str, str]]  # (start, end, entity index, type, canonical), sorted
    roles: dict[int, str] = field(default_factory=dict)  # entity index → the title the extractor read
    places: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of the field's places

    @cached_property
    def seat_spans(self) -> list[tuple[int, int]]:
        """(start, end) of the places and organizations, sorted: what an organization may belong to."""
        return sorted(self.places + [(s, e) for s, e, _, t, _ in self.mentions if t == "ORGANIZATION"])

    @cached_property
    def mention_starts(self) -> list[int]:
        """The start offsets of the mentions, sorted (for bisection)."""
        return [m[0] for m in self.mentions]

    @cached_property
    def headed_forms(self) -> dict[str, str]:
        """Organization names with their head noun written before them, by folded bare name."""
        return _headed_forms(self)

    @cached_property
    def _person_keys(self) -> frozenset[str]:
        return frozenset(fold_word(m[4]) for m in self.mentions if m[3] == "PERSON")

    def as_written(self, name: str) -> str:
        """A candidate speaker's ``name`` with the head noun the field writes before it (الإندبندنت → صحيفة
        الإندبندنت, :func:`headed_form`): the labelling rules name a body as fully as the article does, and
        the candidates (:func:`~pipeline.nlp.quotes.speakers.features.candidates`) are named so before they
        are merged and scored. Not for a person's name (tagged so, or ending in one: رئيس الوفد عبدالله
        الحواس), and only when the longer form is well formed."""
        key = fold_word(name)
        if key in self._person_keys or any(key.endswith(" " + k) for k in self._person_keys):
            return name
        full = headed_form(self.text, name)
        return full if full is not None and _well_formed_text(full) else name

    @cached_property
    def quoted(self) -> list[tuple[int, int, str, str]]:
        """The names in quote marks after a head noun (:func:`quoted_heads`)."""
        return quoted_heads(self.text)

    @cached_property
    def person_starts(self) -> frozenset[int]:
        """The start offsets of the PERSON mentions."""
        return frozenset(m[0] for m in self.mentions if m[3] == "PERSON")

    @cached_property
    def person_extents(self) -> dict[int, str]:
        """By start offset, the PERSON mentions that the text names further than the tagger's span
        (:func:`person_extent`: the given or family name left outside it), in their fuller form."""
        out = {}
        for s, e, _, etype, _ in self.mentions:
            if etype == "PERSON":
                fuller = person_extent(self.text, s, e)
                if fuller != self.text[s:e]:
                    out[s] = fuller
        return out

    @cached_property
    def persons_by_last(self) -> dict[str, tuple[str, ...]]:
        """The field's person names of two words or more, by their folded last word without ال, in text
        order: where a surname said alone (القطان، الخبراني) finds the full name the article gave."""
        out: dict[str, dict[str, None]] = {}
        for s, e, _, etype, canonical in self.mentions:
            if etype == "PERSON":
                if canonical == self.text[s:e]:
                    canonical = self.person_extents.get(s, canonical)  # بداية ضاحي خلفان: the given name left out
                canonical = " ".join(_trim_words(canonical.split()))  # باراك أوباما لإفريقيا → باراك أوباما
                if len(canonical.split()) >= 2 and _well_formed_text(canonical):
                    out.setdefault(_surname_key(canonical.split()[-1]), {})[canonical] = None
        return {k: tuple(v) for k, v in out.items()}

    def full_person(self, name: str) -> Optional[str]:
        """The one longer person name of the field that ends with ``name``'s last word and holds its other
        words (القطان → أحمد القطان، محمد رحيم → محمد رحيم امين); None when there is none or several."""
        if not self.mentions or not self.persons_by_last:
            return None
        words = name.split()
        if not 1 <= len(words) <= 2:
            return None
        keys = [_fold_name(w) for w in words]
        found = _first_spellings(f for f in self.persons_by_last.get(_surname_key(words[-1]), ())
                                 if len(f.split()) > len(words) and set(keys[:-1]) <= set(fold_word(f).split()))
        if not found and len(words) == 2:  # محمد رحيم → محمد رحيم امين: the article's name goes on
            found = _first_spellings(f for fs in self.persons_by_last.values() for f in fs
                                     if fold_word(f).split()[:2] == keys and len(f.split()) > 2)
            if not found:
                found = _first_spellings(f for f in self.extended_persons if fold_word(f).split()[:2] == keys)
        return next(iter(found.values())) if len(found) == 1 else None

    @cached_property
    def extended_persons(self) -> tuple[str, ...]:
        """The two-word person mentions the tagger cut before a name that is also an office word, in full
        where the text shows it (:func:`extend_name`: محمد رحيم | امين حاكم … → محمد رحيم امين): the full
        form of the same name said elsewhere without the office after it."""
        out: dict[str, None] = {}  # in text order
        for s, e, _, etype, canonical in self.mentions:
            if etype == "PERSON" and canonical == self.text[s:e] and len(canonical.split()) == 2:
                longer = extend_name(self.text, s, e)
                last = longer.split()[-1]
                if longer != canonical and fold_word(last) in lx.ROLES and _well_formed_text(longer):
                    out[longer] = None  # only an office word that is a name (:func:`_given_office_name`)
        return tuple(out)

    @cached_property
    def mention_keys(self) -> frozenset[str]:
        """Folded texts and canonical forms of the mentions: names that are well formed as they are."""
        return frozenset(fold_word(x) for s, e, _, _, c in self.mentions for x in (c, self.text[s:e]))


@dataclass
class Candidate:
    """One possible speaker: its name, the mention it comes from, and its features."""

    name: Optional[str]
    mention: Optional[str]
    entity_index: Optional[int]
    features: dict[str, float] = field(default_factory=dict)

    @property
    def entity_type(self) -> Optional[str]:
        """The entity type of the mention behind the candidate (its ``type=`` feature), None for others."""
        return next((k[5:] for k in self.features if k.startswith("type=")), None)

    def as_record(self) -> Optional[dict]:
        """The speaker as the output record has it; None for nobody."""
        if self.name is None:
            return None
        return {"name": self.name, "mention": self.mention, "entity_index": self.entity_index}


def _headed_forms(fv: FieldView) -> dict[str, str]:
    """Organization names written somewhere after their indefinite head noun (صحيفة بيلد، شركة فورد,
    صحيفة "بيلد"): that fuller form, by the folded bare name."""
    out: dict[str, str] = {}
    for _, _, full, bare in fv.quoted:
        out.setdefault(fold_word(bare), full)
    for canonical in dict.fromkeys(c for _, _, _, etype, c in fv.mentions if etype == "ORGANIZATION" and c.strip()):
        key = fold_word(canonical)
        if key not in out:
            full = headed_form(fv.text, canonical)
            if full is not None:
                out[key] = full
    return out


def headed_form(text: str, name: str) -> Optional[str]:
    """``name`` with the indefinite head noun written before it somewhere in ``text`` (wherever the name is
    written, tagged or not: اقترب نادي الوحدة … وأكد الوحدة → نادي الوحدة); None when it has a head
    already or is nowhere written after one."""
    if not name.strip() or _head(fold_word(name.split()[0])):
        return None
    at = text.find(name)
    while at >= 0:
        end = at + len(name)
        if at and text[at - 1] == " " and (end == len(text) or not text[end].isalpha()):
            j = text.rfind(" ", 0, at - 1)
            prev = text[j + 1:at - 1]
            if prev and prev == prev.strip(lx.STRIP):
                head = _name_head(prev)
                if head is not None:
                    return head + " " + name
        at = text.find(name, end)
    return None
