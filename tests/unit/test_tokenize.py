"""Tokens with offsets (camel-tools semantics) and proclitic readings for matching."""
from __future__ import annotations

import pytest
from camel_tools.tokenizers.word import simple_word_tokenize
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp.tokenize import Reading, original_offset, proclitic_splits, tokenize, word_forms

TEXTS = [
    "طالب وزير الخارجية الروسي سيرغي لافروف الولايات المتحدة",
    "تصرفات “التحالف” الذي تقوده.. في سورية",
    "وقال لافروف: «سجلنا بعض الأمور»، وأضاف (2017م) أن 3.5% فقط",
    "  مسافات\tو\nأسطر   جديدة  ",
    "Reuters, AFP: hello-world!!!",
    "وَقَالَ الرَّئِيسُ بـــوتين",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_tokens_match_camel_tools_and_index_the_original(text):
    tokens = tokenize(text)
    assert [t.text for t in tokens] == simple_word_tokenize(text)
    for tok in tokens:
        assert text[tok.start:tok.end] == tok.text


# Arabic letters, diacritics, Latin, digits, punctuation and spaces (no emoji: camel-tools groups
# emoji sequences, which wire copy does not carry).
_ALPHABET = st.sampled_from(list("ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةى") + list("َُِّْـ") + list("abcXYZ019")
                            + list(".,،؛:!?«»“”\"'()-/%") + [" ", "\n", "\t"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_tokenize_property(text):
    tokens = tokenize(text)
    assert [t.text for t in tokens] == simple_word_tokenize(text)
    assert all(text[t.start:t.end] == t.text for t in tokens)


@pytest.mark.parametrize(
    ("word", "reading"),
    [
        ("للافروف", Reading(1, "لافروف")),       # ل + name
        ("وواشنطن", Reading(1, "واشنطن")),       # و + name that itself starts with و
        ("بالعراق", Reading(1, "العراق")),       # ب + article kept on the stem
        ("وبالعراق", Reading(2, "العراق")),      # و + ب
        ("لروسيا", Reading(1, "روسيا")),
        ("فموسكو", Reading(1, "موسكو")),
        ("كالجيش", Reading(1, "الجيش")),
        ("للمدينة", Reading(1, "المدينه", True)),  # ل + ال written لل: article restored
        ("وللأمم", Reading(2, "الامم", True)),
    ],
)
def test_proclitic_readings(word, reading):
    norm, readings = word_forms(word)
    assert readings[0] == Reading(0, norm)  # the whole word is always the first reading
    assert reading in readings


@pytest.mark.parametrize("word", ["بل", "ول", "لي", "وب"])
def test_no_stem_shorter_than_two_letters(word):
    assert all(len(r.stem) >= 2 for r in proclitic_splits(word))
    assert proclitic_splits(word) == (Reading(0, word),)


@pytest.mark.parametrize(
    ("text", "prefix", "expected"),
    [
        ("وواشنطن", 1, 1),
        ("وَواشنطن", 1, 2),      # the fatha on و is part of the proclitic in the original
        ("لِلافروف", 1, 2),
        ("بـالعراق", 1, 2),      # tatweel after the preposition
        ("موسكو", 0, 0),
    ],
)
def test_original_offset_skips_marks_dropped_by_normalization(text, prefix, expected):
    assert original_offset(text, prefix) == expected
