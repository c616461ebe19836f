"""Matching forms: what must hash alike and what must not."""
from __future__ import annotations

import pytest

from pipeline.nlp.normalize import content_hash, normalize, normalize_word


@pytest.mark.parametrize("text,expected", [
    ("أبهــا", "ابها"),                      # tatweel, hamza on alef
    ("إِلى الرِّياضِ", "الي الرياض"),          # diacritics, alef below, alef maksura
    ("مدينة", "مدينه"),                      # teh marbuta
    ("آمال ٱلقدس", "امال القدس"),            # madda, wasla
    ("ﻻ", "لا"),                             # presentation form
    ("\u200fدمشق\u200e", "دمشق"),             # bidi marks
    ("Reuters  وكالة\n\nأنباء", "reuters وكاله انباء"),
])
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_word_keeps_spaces():
    assert normalize_word("في  الرياض") == "في  الرياض"


@pytest.mark.parametrize("a,b", [
    ("قال الوزير إن الاجتماع مهم", "قَالَ الوَزِيرُ إنّ الاجتمــاع مهم"),
    ("إلى الرياض", "الى   الرياض"),
    ("وزارة الخارجية", "وزارة الخارجيه"),
])
def test_hash_ignores_spelling_variants(a, b):
    assert content_hash(a) == content_hash(b)


@pytest.mark.parametrize("a,b", [
    ("ارتفع الذهب إلى 1095 دولارا", "ارتفع الذهب إلى 1096 دولارا"),
    ("قال الوزير", "قال الرئيس"),
])
def test_hash_tells_different_texts_apart(a, b):
    assert content_hash(a) != content_hash(b)
