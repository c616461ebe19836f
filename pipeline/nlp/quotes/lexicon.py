"""The quote extractor's one lexicon, loaded once from ``pipeline/resources/quotes/lexicon.json``.

The JSON holds, per named list, the words as written (with hamza, for reading) and a line on what
the list is for; here every word is folded with :func:`pipeline.nlp.normalize.fold_word` (alef
variants → ا, ى → ي, ة → ه, no diacritics), the spelling of the folded text the extractor matches on.
Speech verbs are listed by lemma and conjugated here (third person only: first-person forms inside
an article are the writer's own voice or sit inside a quotation already).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Iterable, NamedTuple

from pipeline.errors import ConfigError
from pipeline.nlp.normalize import DIACRITICS, fold, fold_word

__all__ = ["Cue", "CUE_FORMS", "AMBIGUOUS", "VERBS", "FRAMES", "NAME_HEADS", "NOUN_CUES",
           "COMPLEMENTIZER_BLOCKERS", "DIACRITICS", "fold", "fold_word", "trie_pattern", "deproclitic", "words",
           "is_role", "is_cue_form"]

_RESOURCE = "resources/quotes/lexicon.json"


def _load() -> dict:
    try:
        return json.loads(resources.files("pipeline").joinpath(_RESOURCE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the quote lexicon {_RESOURCE} is missing or broken: {exc}") from exc


_LEX = _load()


def words(name: str) -> frozenset[str]:
    """The folded words of the lexicon list ``name``."""
    try:
        return frozenset(fold_word(w) for w in _LEX[name]["words"])
    except KeyError as exc:
        raise ConfigError(f"the quote lexicon has no word list {name!r}") from exc


class Cue(NamedTuple):
    """A lexicon entry: the lemma reported as ``verb`` and whether the form is a participle."""

    lemma: str
    participle: bool


def _regular_forms(past: str, imperfect: str, participle: str) -> tuple[list[str], list[str]]:
    verbs = [past, past + "ت", past + "وا", past + "ا", past + "تا"]
    if imperfect:
        verbs += ["ي" + imperfect, "ت" + imperfect, "ي" + imperfect + "ون", "ي" + imperfect + "ان"]
    parts = [participle + "ا", participle + "ة", participle + "ين", participle + "ان"] if participle else []
    return verbs, parts


def _build() -> tuple[dict[str, Cue], frozenset[str]]:
    forms: dict[str, Cue] = {}
    ambiguous: set[str] = set()
    ambiguous_lemmas = set(_LEX["AMBIGUOUS_LEMMAS"]["entries"])
    entries: list[tuple[str, list[str], list[str]]] = []
    for lemma, (past, imperfect, participle) in _LEX["REGULAR"]["entries"].items():
        entries.append((lemma, *_regular_forms(past, imperfect, participle)))
    for lemma, (verbs, parts) in _LEX["IRREGULAR"]["entries"].items():
        # "أكد+مصدر": verbal nouns (تأكيده، قوله) that report the lemma governing them
        entries.append((lemma.split("+")[0], verbs, parts))
    for lemma, nouns in _LEX["NOUN_HEADED"]["entries"].items():
        entries.append((lemma, nouns, []))
    for lemma, verbs, parts in entries:
        for form, is_part in [(v, False) for v in verbs] + [(p, True) for p in parts]:
            key = fold_word(form)
            forms.setdefault(key, Cue(lemma, is_part))
            if lemma in ambiguous_lemmas and not is_part:
                ambiguous.add(key)
    for form in _LEX["EXCLUDED"]["entries"]:
        forms.pop(fold_word(form), None)
    return forms, frozenset(ambiguous)


#: Folded surface form → lexicon entry.
CUE_FORMS: dict[str, Cue]
#: Folded forms that count only at the start of a clause.
AMBIGUOUS: frozenset[str]
CUE_FORMS, AMBIGUOUS = _build()
VERBS: tuple[str, ...] = tuple(sorted({c.lemma for c in CUE_FORMS.values()}))
#: Folded verbal nouns that head a report (اعتراف، إعلان): cues only before their genitive subject.
NOUN_CUES: frozenset[str] = frozenset(fold_word(n) for nouns in _LEX["NOUN_HEADED"]["entries"].values() for n in nouns)
#: Attribution frames: the speaker is the noun phrase after them.
FRAMES: tuple[str, ...] = tuple(fold_word(f) for f in _LEX["FRAMES"]["words"])
NAME_HEADS = words("NAME_HEADS")
WORK_HEADS = words("WORK_HEADS")
COMPLEMENTIZER_BLOCKERS = words("COMPLEMENTIZER_BLOCKERS")

# Word classes of the speaker rules and of the well-formedness check (folded).
NP_STOP = words("NP_STOP")
CLAUSE_OPENERS = words("CLAUSE_OPENERS")
PREPOSITIONS = words("PREPOSITIONS")
CONNECTORS = words("CONNECTORS")
HONORIFICS = words("HONORIFICS")
OCCUPATIONS = words("OCCUPATIONS")
ROLES = words("ROLES")
ORG_HEADS = words("ORG_HEADS")
EPONYM_TITLES = words("EPONYM_TITLES")
INSTITUTIONS = words("INSTITUTIONS")
KIN = words("KIN")
KIN_HEADS = words("KIN_HEADS")
NAME_GLUE = words("NAME_GLUE")
PLACE_HEADS = words("PLACE_HEADS")
REPORTS = words("REPORTS")
REPORT_ISSUERS = words("REPORT_ISSUERS")
IMPERSONAL = words("IMPERSONAL")
NAME_PREFIXES = words("NAME_PREFIXES")
THEOPHORIC = words("THEOPHORIC")
SPOKESMEN = words("SPOKESMEN")
MEDIA = words("MEDIA")
NOT_CONSTRUCT = words("NOT_CONSTRUCT")
PRONOUN_TITLES = words("PRONOUN_TITLES")
OWNERS = words("OWNERS")
QUANTIFIERS = words("QUANTIFIERS")
PRONOUNS = words("PRONOUNS")
TIME_WORDS = words("TIME_WORDS")
OWN_WORDS = words("OWN_WORDS")
SOURCES = words("SOURCES")
AFFILIATION = words("AFFILIATION")
PARTICIPLE_PREPS = words("PARTICIPLE_PREPS")
WEEKDAYS = words("WEEKDAYS")
RELATIVES = words("RELATIVES")
DESCRIPTION_HEADS = words("DESCRIPTION_HEADS")
INDEFINITE_PRONOUNS = words("INDEFINITE_PRONOUNS")
DEPUTY_TITLES = words("DEPUTY_TITLES")
PREP_PRONOUNS = words("PREP_PRONOUNS")
#: Words that never stand inside a speaker's name: the subject phrase's stop words and clause openers.
FUNCTION_WORDS = (NP_STOP | CLAUSE_OPENERS | PREPOSITIONS | CONNECTORS | RELATIVES | PRONOUNS | TIME_WORDS
                  | WEEKDAYS | PREP_PRONOUNS | words("FUNCTION_EXTRA")) - QUANTIFIERS
#: Function words written with ى (على، لدى): spelled with ي they are names (علي).
FUNCTION_WORDS_ALEF_MAKSURA = frozenset(
    fold_word(w) for name in ("NP_STOP", "PREPOSITIONS", "FUNCTION_EXTRA", "PARTICIPLE_PREPS", "AFFILIATION_PREPS")
    for w in _LEX[name]["words"] if w.endswith("ى"))
#: Words that are also family names (الخميس، الجمعة): a weekday inside a name run is allowed.
NAME_WORDS = WEEKDAYS
AFFILIATION_PREPS = words("AFFILIATION_PREPS")
PRONOUN_WORDS = PRONOUNS | PRONOUN_TITLES | INDEFINITE_PRONOUNS
#: Punctuation stripped from the ends of a token.
STRIP = "«»“”„‟″\"‘’.,،:;؛!?؟()[]{}-–—_'…"


@lru_cache(maxsize=1 << 16)  # pure, and asked of the same words throughout an article
def deproclitic(word: str) -> str:
    """Drop و ف ب ل ك and the article from a folded word, for head-word lookups."""
    if len(word) > 3 and word[0] in "وف":
        word = word[1:]
    if len(word) > 3 and word[0] in "بلك":
        word = word[1:]
    if len(word) > 3 and word.startswith("ال"):
        word = word[2:]
    elif len(word) > 3 and word.startswith("ل") and word[1:2] == "ل":
        word = word[2:]
    return word


def trie_pattern(items: Iterable[str]) -> str:
    """Return a regex alternation of ``items`` factored as a trie (one branch per first letter), so that
    matching costs one character test per position instead of one per word."""
    trie: dict = {}
    for word in items:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if end else body

    return emit(trie)


def is_role(key: str) -> bool:
    """Does the folded word ``key`` name an office, with or without its proclitics or article (وزير، السفير،
    لوزير)?"""
    return key in ROLES or deproclitic(key) in ROLES or "ال" + key in ROLES


def is_cue_form(key: str) -> bool:
    """Is the folded word ``key`` a speech cue, alone or behind و/ف (قال، وتابع، فأوضح)?"""
    return key in CUE_FORMS or key[:1] in "وف" and key[1:] in CUE_FORMS
