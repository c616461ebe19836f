"""The word lexicon: letters of a word are not proclitics (وكالة), verbs and particles are no part of a name."""
from __future__ import annotations

import pytest

from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.rules import Analysis
from pipeline.nlp.entities.words import WordLexicon


@pytest.fixture(scope="module")
def crf() -> EntityExtractor:
    return EntityExtractor.load(backend="crf")  # the packaged model


@pytest.fixture(scope="module")
def rules() -> EntityExtractor:
    return EntityExtractor.load(backend="rules")


def _mentions(ner: EntityExtractor, text: str) -> list[tuple[str, str]]:
    return [(e["type"], e["text"]) for e in ner.extract(None, text)]


@pytest.mark.parametrize("word, stems", [
    ("وكالة", ["وكاله"]),            # a word: not و + ك + آلة
    ("وزير", ["وزير"]),
    ("كلية", ["كليه"]),
    ("كاليفورنيا", ["كاليفورنيا"]),  # a place: not ك + اليفورنيا
    ("كريم", ["كريم"]),              # a given name: not ك + ريم
    ("كورونا", ["كورونا"]),          # ك before a name no list holds as a word
    ("فالنسيا", ["فالنسيا"]),        # ف before an ال-word no list knows
    ("والعراق", ["والعراق", "العراق"]),
    ("لروسيا", ["لروسيا", "روسيا"]),
    ("وجدة", ["وجده", "جده"]),        # and Jeddah: a name behind و as well known as the word
    ("كمنظمة", ["كمنظمه", "منظمه"]),
    ("فالسعودية", ["فالسعوديه", "السعوديه"]),
])
def test_proclitic_readings_keep_the_letters_of_known_words(word, stems):
    assert [r.stem for r in Analysis(word).readings[0]] == stems


@pytest.mark.parametrize("text, expected", [
    ("ذكرت وكالة أنباء الإمارات أن الرئيس وصل إلى دبي.", ("ORGANIZATION", "وكالة أنباء الإمارات")),
    ("اندلعت حرائق غابات في ولاية كاليفورنيا الأمريكية أمس.", ("LOCATION", "كاليفورنيا")),
    ("وقالت وكالة فرانس برس إن الانفجار وقع في فيينا.", ("LOCATION", "فيينا")),
    ("قال الأمين العام للأمم المتحدة بان كي مون إن الوضع خطير.", ("PERSON", "بان كي مون")),
])
def test_model_spans_start_at_the_word_not_inside_it(crf, text, expected):
    found = _mentions(crf, text)
    assert expected in found
    assert not any(t.startswith(("الة ", "رانس", "ان ")) for _, t in found)


@pytest.mark.parametrize("backend, text, expected, absent", [
    ("crf", "روى ناصر الجهمي أن الحادث وقع أمس.", ("PERSON", "ناصر الجهمي"), "روى"),
    ("crf", "وإذا تأخر الرد فإن المالكي سيعلن موقفه اليوم.", ("PERSON", "المالكي"), "إن"),
    ("rules", "وصل الأمير إلى الرياض فيما جاء وزير الخارجية عادل الجبير من جدة.",
     ("PERSON", "عادل الجبير"), "فيما"),
    ("rules", "ويعاني المرضى من فيروس كورونا في المنطقة الشرقية.", ("LOCATION", "المنطقة الشرقية"), "ورونا"),
    ("rules", "وكان محمد فيما يخص القضية قد أكد ذلك.", ("PERSON", "محمد"), "فيما"),
])
def test_no_mention_starts_or_ends_with_a_verb_or_particle(crf, rules, backend, text, expected, absent):
    found = _mentions(crf if backend == "crf" else rules, text)
    assert expected in found
    assert not any(absent in t.split() for _, t in found)


@pytest.mark.parametrize("text, expected", [
    ("شارك الفنان عادل إمام في المهرجان.", ("PERSON", "عادل إمام")),       # إمام, not أمام
    ("وأضاف أن المسجد يحمل اسم علي بن أبي طالب.", ("PERSON", "علي بن أبي طالب")),  # طالب, not the verb
    ("وذكرت شبكة سي إن إن أن الرئيس غادر.", ("ORGANIZATION", "سي إن إن")),   # a listed name ending in إن
])
def test_names_spelled_like_particles_or_verbs_are_kept(crf, text, expected):
    assert expected in _mentions(crf, text)


def test_edge_words_read_the_hamza_as_written():
    words = WordLexicon.load()
    a = Analysis("فإن فان على علي وقال روى")
    assert [words.is_edge_token(a, i) for i in range(len(a))] == [True, False, True, False, True, True]


def test_words_file_lists_only_known_kinds():
    words = WordLexicon.load()
    assert words.tier("وكاله") == 2 and words.tier("القاهره") == 1 and words.tier("قزحيه") == 0
    assert words.is_function_form("ان") and not words.is_function_form("وكاله")


def test_a_rule_span_that_starts_with_a_verb_or_particle_is_dropped_whole(rules):
    # The speech rule read فيما as a name; يخص after it is no name either.
    assert _mentions(rules, "وقال المدير فيما يخص المشروع إن العمل مستمر.") == []
