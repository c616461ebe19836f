"""Verbs learned from raw news text: what follows قد/لم/لن/سوف, and the speaker guard that reads them."""
from __future__ import annotations

import argparse

import pytest

from pipeline.errors import ConfigError
from pipeline.nlp.entities.verbs import learn_verbs
from pipeline.nlp.quotes.speakers import well_formed

_PARAGRAPHS = [
    "وقد بدأت الحكومة خطة جديدة ولم يتم تنفيذها بعد",
    "وقد بدأت الوزارة حملة ولن يكون هناك تأخير",
    "قد بدأت اللجنة أعمالها ولم يتم الإعلان عن النتائج",
    "لم يتم حتى الآن ولن يكون ذلك سهلا وسوف يكون القرار قريبا",
    "لم الشمل هدف ولم الشمل غاية ولم الشمل أمنية",       # لمّ الشمل: a phrase, not لم + a verb
    "قد عمل كثيرا " + "عمل " * 400,                      # عمل is a noun first (1 use in 400 after قد)
    "قد يزيد العدد وقد يزيد السعر وقد يزيد الطلب",          # a verb that is also a given name
]


def test_words_after_the_verb_particles_are_verbs():
    verbs = learn_verbs(_PARAGRAPHS, min_count=3, not_verbs=["يزيد"])
    assert {"بدات", "يتم", "يكون"} <= set(verbs)  # light forms: no hamza on the alef (بدأت)
    assert verbs["بدات"] == (3, 3) and verbs["يتم"][0] == 3
    # the future of an imperfect verb, never seen after a particle itself
    assert verbs["سيتم"] == (0, 0) and "سيكون" in verbs
    assert "الشمل" not in verbs          # an ال word counts after قد only
    assert "عمل" not in verbs            # too small a share of its uses
    assert "يزيد" not in verbs and "سيزيد" not in verbs  # a given name is never a verb
    assert list(verbs) == sorted(verbs)  # the same file on every run


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="min_count"):
        learn_verbs(_PARAGRAPHS, min_count=0)
    with pytest.raises(ConfigError, match="min_share"):
        learn_verbs(_PARAGRAPHS, min_share=1.5)


@pytest.mark.parametrize(("name", "expected"), [
    ("يجتمع بكبار", False),         # learned: an imperfect verb and a prepositional phrase
    ("شنت أنقرة", False),            # learned: a perfect verb and its subject
    ("وشنت أنقرة", False),           # the same behind و
    ("يزيد الراشد", True),           # a given name that is also a verb stays a name
    ("هشام الحاج", True),
])
def test_no_speaker_name_holds_a_learned_verb(name, expected):
    assert well_formed(name) is expected


def test_an_entity_mention_that_is_also_a_verb_stays_a_speaker():
    # سبق, the newspaper, is also a verb (قد سبق): as the article's mention it is well formed
    assert well_formed("سبق", ["سبق"]) and not well_formed("سبق")


@pytest.mark.corpus
def test_train_verbs_rebuilds_the_shipped_list(shared_data, tmp_path, capsys):
    from pipeline.commands import train_verbs

    out = tmp_path / "verbs.tsv"
    args = argparse.Namespace(raw=str(shared_data / "saudinewsnet" / "saudinewsnet_2015-07-21_to_08-09.jsonl.gz"),
                              out=str(out), min_count=3, min_share=0.01)
    train_verbs.run(args)
    # a new gold set leaves its articles out too: rebuild the shipped list with `wirepipe train-verbs`
    assert out.read_text(encoding="utf-8") == train_verbs.PACKAGED_VERBS.read_text(encoding="utf-8"), \
        "the shipped verbs.tsv is stale: run wirepipe train-verbs"
