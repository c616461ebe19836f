"""CRF lexicons: Wikidata person names (arabic-name-romanizer's index) and the training-corpus lexicon."""
from __future__ import annotations

import json

import pytest

from pipeline.errors import ResourceMissingError
from pipeline.nlp.entities import names as names_mod
from pipeline.nlp.entities.conll import Sentence
from pipeline.nlp.entities.crf import TrainLexicon, analysis_from_tokens, lexicon_path, token_features
from pipeline.nlp.entities.crf_train import train
from pipeline.nlp.entities.names import PersonNames, count_bucket
from pipeline.nlp.entities.rules import RuleTagger


@pytest.fixture(scope="module")
def person_names() -> PersonNames:
    return PersonNames.load()


@pytest.mark.parametrize(
    ("word", "given", "surname"),
    [
        ("محمد", True, None),      # the commonest given name
        ("إبراهيم", True, None),   # hamza normalized: matching form ابراهيم
        ("الأسد", None, True),     # a surname with its article
        ("بوتين", None, True),     # a foreign surname in Arabic script
        ("گھمن", False, False),    # Urdu spellings are dropped
        ("والصادرات", False, False),  # a common word with a proclitic is no name
    ],
)
def test_person_names_in_matching_form(person_names, word, given, surname):
    from pipeline.nlp.normalize import normalize_word

    form = normalize_word(word)
    if given is not None:
        assert (person_names.given.get(form, 0) > 0) is given
    if surname is not None:
        assert (person_names.surname.get(form, 0) > 0) is surname


def test_person_names_counts_rank_common_names_first(person_names):
    from pipeline.nlp.normalize import normalize_word

    assert person_names.given[normalize_word("محمد")] > person_names.given.get(normalize_word("سيرغي"), 0)
    assert count_bucket(0) == "0" and count_bucket(1) == "1" and count_bucket(10_000) == "4"


def test_person_names_cache_is_written_and_read_back(monkeypatch, tmp_path):
    monkeypatch.setenv("WIREPIPE_CACHE", str(tmp_path))
    PersonNames.load.cache_clear()
    try:
        first = PersonNames.load()
        cached = json.loads((tmp_path / "person-names.json").read_text(encoding="utf-8"))
        assert cached["given"] == first.given and len(first.surname) > 10_000
        PersonNames.load.cache_clear()
        assert PersonNames.load() == first
    finally:
        PersonNames.load.cache_clear()


def test_person_names_missing_package_says_what_to_install(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    PersonNames.load.cache_clear()
    try:
        with pytest.raises(ResourceMissingError, match="arabic-name-romanizer"):
            names_mod.PersonNames.load()
    finally:
        PersonNames.load.cache_clear()


_SENTENCES = [
    Sentence("قال سيرغي لافروف في موسكو".split(), ["O", "B-PERSON", "I-PERSON", "O", "B-LOCATION"]),
    Sentence("زار لافروف جامعة الدول العربية".split(), ["O", "B-PERSON", "B-ORGANIZATION", "I-ORGANIZATION",
                                                      "I-ORGANIZATION"]),
    Sentence("في موسكو قال".split(), ["O", "B-LOCATION", "O"]),
]


def test_train_lexicon_counts_tags_and_phrases():
    lex = TrainLexicon.build(_SENTENCES)
    assert lex.tags["لافروف"] == {"I-PERSON": 1, "B-PERSON": 1}
    assert lex.tags["قال"] == {"O": 2}
    assert lex.phrases[("سيرغي", "لافروف")] == "PERSON"
    assert lex.phrases[("جامعه", "الدول", "العربيه")] == "ORGANIZATION"  # matching forms (ة → ه)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # longest phrase wins; a proclitic on the first word (وجامعة) still matches
        ("ان وجامعة الدول العربية ولافروف", ["O", "B-ORGANIZATION", "I-ORGANIZATION", "I-ORGANIZATION", "B-PERSON"]),
        ("سيرغي لافروف", ["B-PERSON", "I-PERSON"]),
        ("جامعة الدول", ["O", "O"]),  # a phrase prefix is not a phrase
    ],
)
def test_train_lexicon_phrase_tags(text, expected):
    lex = TrainLexicon.build(_SENTENCES)
    assert lex.phrase_tags(analysis_from_tokens(text.split())) == expected


def test_train_lexicon_word_features_use_clitic_stems():
    lex = TrainLexicon.build(_SENTENCES)
    a = analysis_from_tokens(["للافروف", "قال", "بيروت"])
    # the whole word was never seen; its reading without ل was, always inside a person
    assert set(lex.word_features(a, 0)) == {"lse=hi", "ls=I-PERSON", "ls=B-PERSON"}
    assert lex.word_features(a, 1) == ["lte=0"]
    assert lex.word_features(a, 2) == []  # never seen


def test_train_writes_the_lexicon_next_to_the_model_and_features_use_it(tmp_path):
    model = tmp_path / "m.crfsuite"
    figures = train(_SENTENCES * 4, model, RuleTagger(), {"max_iterations": 5}, folds=3)
    assert figures["lexicon"] == str(lexicon_path(model)) and lexicon_path(model).is_file()
    lex = TrainLexicon.read(lexicon_path(model))
    assert lex.phrases == TrainLexicon.build(_SENTENCES).phrases
    feats = token_features(analysis_from_tokens("زار لافروف موسكو وبوتين".split()), RuleTagger(), lex,
                           PersonNames.load())
    assert "lp=B-PERSON" in feats[1] and "lp=B-LOCATION" in feats[2]
    assert "ns=0" in feats[1] and "ns=0" not in feats[3]  # بوتين (after و) is a Wikidata surname


def test_model_without_its_lexicon_is_reported(tmp_path):
    from pipeline.nlp.entities.crf import CrfTagger

    model = tmp_path / "m.crfsuite"
    train(_SENTENCES * 2, model, RuleTagger(), {"max_iterations": 3}, folds=2)
    lexicon_path(model).unlink()
    with pytest.raises(ResourceMissingError, match="retrain"):
        CrfTagger.load(str(model), RuleTagger())


@pytest.mark.parametrize(
    ("text", "persons"),
    [
        # no title, no speech verb, no hand-kept given name: only Wikidata knows these people
        ("أصدر يوسف القرضاوي فتوى جديدة", ["يوسف القرضاوي"]),
        ("التقى الرئيس محمود عباس وعلي لاريجاني في طهران", ["محمود عباس", "علي لاريجاني"]),  # و dropped
        ("ورفض بشار الأسد المبادرة", ["بشار الأسد"]),
        ("ارتفعت أسعار النفط في الأسواق", []),
    ],
)
def test_rules_find_full_names_known_to_wikidata(text, persons):
    from pipeline.nlp.entities import EntityExtractor

    ents = EntityExtractor.load(None, "rules").extract(None, text)
    assert [e["text"] for e in ents if e["type"] == "PERSON"] == persons
    assert all(text[e["start"]:e["end"]] == e["text"] for e in ents)


def test_full_name_index_needs_two_words(person_names):
    from pipeline.nlp.entities.names import full_name_index

    assert all(len(name) >= 2 for name in person_names.full_names)
    index = full_name_index()
    assert index.lookup("يوسف القرضاوي") == ("PERSON", "يوسف القرضاوي")
    assert index.lookup("القرضاوي") is None


def test_train_lexicon_breaks_type_ties_by_text_order():
    # هاجر as often a person as a place: the first in the text wins, whatever the hash seed.
    sents = [Sentence("قالت هاجر إنها زارت هاجر وعمان".split(),
                      ["O", "B-PERSON", "O", "O", "B-LOCATION", "B-LOCATION"]),
             Sentence("زار عمان".split(), ["O", "B-ORGANIZATION"])]
    phrases = TrainLexicon.build(sents).phrases
    assert phrases[("هاجر",)] == "PERSON" and phrases[("وعمان",)] == "LOCATION"
    assert phrases[("عمان",)] == "ORGANIZATION"
