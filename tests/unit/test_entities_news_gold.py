"""Training beside ANERcorp on articles labelled with character offsets (the news convention)."""
from __future__ import annotations

import argparse
import json

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.nlp.entities.conll import read_conll, sentences_from_offsets
from pipeline.nlp.entities.crf_train import with_documents

_TEXT = "قال الأمير محمد بن سلمان في الرياض. وزار وزارة الصحة بجدة!"


def _span(text: str, words: str, start_at: int = 0) -> tuple[int, int]:
    i = text.index(words, start_at)
    return i, i + len(words)


def _gold(text: str = _TEXT) -> list[tuple[int, int, str]]:
    return [(*_span(text, "محمد بن سلمان"), "PERSON"), (*_span(text, "الرياض"), "LOCATION"),
            (*_span(text, "وزارة الصحة"), "ORGANIZATION"), (*_span(text, "جدة"), "LOCATION")]


def test_offsets_become_bio_sentences_with_the_proclitic_on_its_word():
    first, second = sentences_from_offsets(_TEXT, _gold())
    assert list(zip(first.tokens, first.tags)) == [
        ("قال", "O"), ("الأمير", "O"), ("محمد", "B-PERSON"), ("بن", "I-PERSON"), ("سلمان", "I-PERSON"),
        ("في", "O"), ("الرياض", "B-LOCATION"), (".", "O")]
    # The gold span of بجدة leaves the proclitic out; the token keeps it, as in ANERcorp.
    assert list(zip(second.tokens, second.tags))[1:4] == [
        ("وزارة", "B-ORGANIZATION"), ("الصحة", "I-ORGANIZATION"), ("بجدة", "B-LOCATION")]


def test_a_full_stop_inside_a_mention_does_not_end_the_sentence():
    text = "وصل د. أحمد إلى جدة"
    sentences = sentences_from_offsets(text, [(*_span(text, "د. أحمد"), "PERSON")])
    assert len(sentences) == 1 and sentences[0].tags[1:4] == ["B-PERSON", "I-PERSON", "I-PERSON"]


@pytest.mark.parametrize(
    ("mentions", "message"),
    [
        ([(0, 3, "MISC")], "mention type"),
        ([(11, 24, "PERSON"), (15, 18, "PERSON")], "overlapping"),
        ([(3, 4, "PERSON")], "covers no token"),
        ([(11, 13, "PERSON"), (13, 15, "PERSON")], "share the token"),
    ],
)
def test_bad_offset_gold_is_refused_with_what_was_wrong(mentions, message):
    with pytest.raises(ConfigError, match=message):
        sentences_from_offsets(_TEXT, mentions)


def test_documents_and_their_copies_share_a_lexicon_fold():
    corpus = [f"s{i}" for i in range(10)]
    docs = [["a1", "a2"], ["b1"], ["c1", "c2", "c3"]]
    sentences, fold_of = with_documents(corpus, docs, weight=2, folds=5)
    assert sentences == corpus + ["a1", "a2", "b1", "c1", "c2", "c3"] * 2
    assert fold_of == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4] + [0, 0, 1, 2, 2, 2] * 2
    with pytest.raises(ConfigError, match="weight"):
        with_documents(corpus, docs, weight=0)


def test_train_ner_trains_on_offset_gold_beside_the_corpus(tmp_path, capsys):
    from pipeline.commands import train_ner

    corpus = tmp_path / "tiny.txt"
    corpus.write_text("قال O\nمحمد B-PERS\nفي O\nالرياض B-LOC\n\nزار O\nسلمان B-PERS\nجدة B-LOC\n\n", encoding="utf-8")
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"id": "x-1", "content": _TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x-1", "mentions": [list(m) for m in _gold()]}) + "\n", encoding="utf-8")
    model = tmp_path / "m.crfsuite"
    args = argparse.Namespace(conll=str(corpus), out=str(model), format="anercorp", limit=None, max_iterations=5,
                              raw="none", news_gold=[str(gold)], news_articles=[str(articles)], news_weight=3)
    train_ner.run(args)
    figures = json.loads(capsys.readouterr().out)
    assert figures["news_gold"] == {"files": [str(gold)], "articles": 1, "weight": 3, "sentences": 2}
    assert figures["sentences"] == len(read_conll(corpus)) + 2 * 3 and model.is_file()

    gold.write_text(json.dumps({"id": "x-2", "mentions": [[0, 3, "PERSON"]]}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="not in"):  # the shared reader of evaluation.corpus says which ids
        train_ner.run(args)


def _ids(path) -> list[str]:
    from pipeline.evaluation.corpus import gold_ids

    return gold_ids([path])


def test_the_news_training_articles_are_in_no_evaluation_set():
    from tests.conftest import REPO_ROOT

    gold = REPO_ROOT / "tests" / "gold"
    train = _ids(gold / "entities_train.jsonl")
    assert len(train) == len(set(train)) == 848
    for path in gold.glob("*.jsonl"):
        if path.name != "entities_train.jsonl":
            assert not set(train) & set(_ids(path)), path.name


@pytest.mark.corpus
def test_no_news_training_article_is_a_republication_of_a_blind_article(shared_data):
    """Wire copy is republished: a training article that is another paper's copy of a blind or vault
    article would put the blind text into training. The pipeline's own near-duplicate decision finds none,
    and no pair shares a third of its shingles."""
    from pipeline.evaluation.corpus import load_articles
    from pipeline.nlp.fingerprint import Fingerprinter
    from tests.conftest import REPO_ROOT

    gold = REPO_ROOT / "tests" / "gold"
    blind = _ids(gold / "entities_blind.jsonl") + _ids(gold / "entities_vault2.jsonl")
    train = _ids(gold / "entities_train.jsonl")
    corpora = [shared_data / "saudinewsnet" / name for name in
               ("saudinewsnet_2015-08-10_11.jsonl", "saudinewsnet_2015-07-21_to_08-09.jsonl.gz")]
    texts = load_articles(corpora, set(blind) | set(train))
    fp = Fingerprinter()
    prints = {aid: fp.fingerprint(texts[aid]["content"]) for aid in blind + train}
    assert all(fp.compare(prints[b], prints[b]).is_duplicate for b in blind)  # the decision sees a copy
    worst = 0.0
    for b in blind:
        for t in train:
            match = fp.compare(prints[b], prints[t])
            assert not match.is_duplicate, (b, t)
            worst = max(worst, match.containment)
    assert worst < 1 / 3
