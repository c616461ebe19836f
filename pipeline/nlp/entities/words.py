"""Which words are known, and which are verbs or particles: the proclitic policy and the edge guard.

Two decisions read the same lexicon (``pipeline/resources/entities/words.tsv`` beside the curated
lists, the gazetteer and the person names):

- :meth:`WordLexicon.readings`: a proclitic is dropped from a word only when the word is not known
  at all or what remains is better known. وكالة is a word, not و + ك + الة (آلة); كاليفورنيا is a
  place, not ك + اليفورنيا; والعراق is و + العراق.
- :meth:`WordLexicon.is_edge_token`: a verb or a particle (روى, قال, فيما, وقال) never starts or
  ends a mention: :func:`pipeline.nlp.entities.extractor.trim_edge_words` takes it off the spans of
  the rules and the taggers.

No lexicon on PyPI fits: arramooz and qalsadi (which the entity issue suggested) are GPL, and the
project is Apache-2.0, so the list is kept here, small, from the words of news copy.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from camel_tools.utils.dediac import dediac_ar

from pipeline.errors import ResourceMissingError
from pipeline.nlp.entities.gazetteer import Lexicon, _resource_lines, light_form
from pipeline.nlp.normalize import normalize_word
from pipeline.nlp.tokenize import Reading

if TYPE_CHECKING:
    from pipeline.nlp.entities.rules import Analysis

__all__ = ["WordLexicon", "KINDS"]

KINDS = ("noun", "verb", "particle")
# How well a form is known: a listed word (ours and the curated entity lists), a name of the
# gazetteer or Wikidata (noisier: وعلي is a Wikidata "surname"), or nothing.
_WORD, _NAME, _UNKNOWN = 2, 1, 0
_CONJ = ("و", "ف")
#: The accusative's doubled fatha: names take no tanween (قائلاً، تكريماً، حالياً are no part of one).
TANWEEN = "\u064b"
#: Wikidata must use a word as a name this often before it counts as a known name.
_MIN_NAME_COUNT = 2
#: A name Wikidata uses this often is a name first, even when a verb or a particle is spelled alike
#: (طالب 93, إمام 22, هنا 39; روى as Roy only 5).
_FREQUENT_NAME_COUNT = 20


@dataclass(frozen=True)
class WordLexicon:
    """Matching forms by how well they are known, and the light forms of verbs and particles."""

    words: frozenset[str]      # matching forms of listed words (this file and the curated lists)
    names: frozenset[str]      # matching forms of place, organization and person names
    function: frozenset[str]   # light forms of verbs and particles (روى, not the name روي)
    function_raw: frozenset[str]  # the same as written (hamzas kept: إن, not the name ان)
    function_norms: frozenset[str]  # and their matching forms, for proclitic readings' stems
    # Light forms of the curated given names and matching forms of the names Wikidata uses often:
    # never taken for a verb or a particle (بان كي مون, عادل إمام, أبو طالب).
    given_names: frozenset[str]
    # Light forms of the verbs learned from raw news text (:mod:`pipeline.nlp.entities.verbs`): no name
    # holds one (:meth:`in_no_name`); the mention edges keep to the curated list.
    verbs: frozenset[str] = frozenset()

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "WordLexicon":
        """Read ``words.tsv`` and gather the known names (gazetteer, Wikidata), once per process."""
        from pipeline.nlp.entities.gazetteer import Gazetteer
        from pipeline.nlp.entities.names import PersonNames

        rows = list(_resource_lines("words.tsv"))
        bad = [row for row in rows if len(row) != 2 or row[1] not in KINDS]
        if bad:
            raise ResourceMissingError(f"words.tsv: each line is a word, a tab and one of {', '.join(KINDS)}; got {bad[0]}")
        lex = Lexicon.load()
        words = {normalize_word(w) for w, _ in rows}
        words |= lex.org_heads | lex.title_modifiers | lex.speech_verbs | lex.first_names | set(lex.nationalities)
        words |= {k[0] for k in lex.titles} | {normalize_word(w) for w in lex.stopwords}
        people = PersonNames.load()
        names = {w for w in people.given.keys() | people.surname.keys()
                 if people.given.get(w, 0) + people.surname.get(w, 0) >= _MIN_NAME_COUNT}
        names |= Gazetteer.load().first_words()
        function = {w for w, kind in rows if kind != "noun"}
        function |= {row[0] for row in _resource_lines("speech_verbs.txt")}
        given = {light_form(row[0]) for row in _resource_lines("first_names.txt")}
        given |= {w for w in people.given.keys() | people.surname.keys()
                  if people.given.get(w, 0) + people.surname.get(w, 0) >= _FREQUENT_NAME_COUNT}
        verbs = frozenset(light_form(row[0]) for row in _resource_lines("verbs.tsv"))
        return cls(frozenset(words), frozenset(names), frozenset(light_form(w) for w in function),
                   frozenset(_plain(w) for w in function), frozenset(normalize_word(w) for w in function),
                   frozenset(given), verbs)

    def tier(self, norm: str) -> int:
        """2 for a listed word, 1 for a known name, 0 for an unknown form."""
        return _WORD if norm in self.words else _NAME if norm in self.names else _UNKNOWN

    def readings(self, norm: str, readings: tuple[Reading, ...]) -> tuple[Reading, ...]:
        """The proclitic readings of a word that may be used: when the word is known, only those
        whose stem is better known (لروسيا, وعلي) or as well known behind و (وجدة: and Jeddah, not
        Oujda); ك only before a listed word or a known ال-word (كمنظمة, كالقاعدة; كورونا, كريج and
        كواليس are words and names), ف only before a known ال-word (فالسعودية; فالنسيا)."""
        if len(readings) < 2:
            return readings
        whole = self.tier(norm)
        kept = [readings[0]]
        for r in readings[1:]:
            stem = self.tier(r.stem)
            if whole != _UNKNOWN and not (stem > whole or (stem == whole == _NAME and r.prefix == 1
                                                           and norm[0] == "و")):
                continue
            clitic = norm[:r.prefix]
            if r.stem.startswith("ال") and clitic[-1:] in ("ف", "ك") and stem == _UNKNOWN:
                continue
            if clitic[-1:] == "ك" and not r.stem.startswith("ال") and stem != _WORD:
                continue
            kept.append(r)
        return tuple(kept)

    def is_function_form(self, norm: str) -> bool:
        """Is a matching form (a proclitic reading's stem) a verb or a particle (ان of فإن)?"""
        return norm in self.function_norms

    def in_no_name(self, a: "Analysis", i: int, learned: bool = True) -> bool:
        """Is token ``i`` a word that no name contains: a verb or a particle (:meth:`is_edge_token`),
        a verb learned from raw text (``verbs.tsv``), or a word with tanween, an adverb or an accusative
        (حالياً، مشتركًا، قائلاً)? The speakers' guard; mention edges are :meth:`is_edge_token`'s. Without
        ``learned``, the learned verbs are left aside (a name in quote marks: وكالة «سبق»)."""
        return TANWEEN in a.tokens[i].text or self.is_edge_token(a, i) or learned and self.is_learned_verb(a, i)

    def is_learned_verb(self, a: "Analysis", i: int) -> bool:
        """Is token ``i`` a verb learned from raw text, alone or behind و/ف (يجتمع، وعرضت)? Not a given
        name or a known name (يزيد، سبق the newspaper stay names)."""
        light, rest = a.lights[i]
        tier = self.tier(a.norms[i])
        if light in self.given_names or tier == _NAME:
            return False
        return light in self.verbs or rest != light and rest in self.verbs and tier == _UNKNOWN

    def is_edge_token(self, a: "Analysis", i: int) -> bool:
        """Is token ``i`` a verb or a particle, alone or behind و/ف (روى, فيما, وقال, فإن)? Not when
        it is a given name or a frequent name (the light form keeps ى: the preposition على is not
        the name علي, though their matching forms are the same)."""
        light, rest = a.lights[i]
        norm = a.norms[i]
        if light in self.given_names or (norm in self.given_names and not light.endswith("ى")):
            return False
        if light in self.function:
            return True
        # A hamza as written decides (فإن is ف + إن; فان is Van): the light form has lost it.
        raw = _plain(a.tokens[i].text)
        if raw[:1] in _CONJ and raw[1:] in self.function_raw:
            return True
        # وقال: the rest of an unknown word only (a known name stays whole).
        return rest != light and rest in self.function and self.tier(norm) == _UNKNOWN


def _plain(text: str) -> str:
    """A token without diacritics or tatweel, its hamzas kept."""
    return dediac_ar(text.replace("\u0640", ""))
