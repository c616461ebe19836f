"""CoNLL readers, conlleval-style scoring, and the CRF training path end to end."""
from __future__ import annotations

import argparse

import pytest

from pipeline.errors import ConfigError
from pipeline.evaluation import ner as ner_eval
from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.conll import read_conll, spans_from_bio
from pipeline.nlp.entities.crf_train import train
from pipeline.nlp.entities.rules import RuleTagger


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["B-PERSON", "I-PERSON", "O", "B-LOCATION"], {("PERSON", 0, 2), ("LOCATION", 3, 4)}),
        (["I-PERSON", "I-PERSON", "O"], {("PERSON", 0, 2)}),            # I- after O opens a span
        (["B-PERSON", "I-LOCATION"], {("PERSON", 0, 1), ("LOCATION", 1, 2)}),
        (["B-PERSON", "B-PERSON"], {("PERSON", 0, 1), ("PERSON", 1, 2)}),
        (["O", "O"], set()),
    ],
)
def test_spans_from_bio(tags, spans):
    assert spans_from_bio(tags) == spans


def test_read_anercorp_maps_misc_to_o(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("أعلن O\nاتحاد B-ORG\nصناعة I-ORG\nالسيارات I-ORG\n\nفي O\nألمانيا B-LOC\nاليورو B-MISC\n",
                    encoding="utf-8")
    first, second = read_conll(path, "anercorp")
    assert first.tags == ["O", "B-ORGANIZATION", "I-ORGANIZATION", "I-ORGANIZATION"]
    assert second.tokens == ["في", "ألمانيا", "اليورو"] and second.tags == ["O", "B-LOCATION", "O"]


def test_read_newsfane_handles_bom_crlf_lrm_and_fine_labels(tmp_path):
    path = tmp_path / "n.txt"
    rows = ["\ufeff\u200eو\tO", "\u200eقال\tO", "\u200eبرند\tB-Other_PER", "\u200eجوتشولك\tI-Other_PER",
            "\t", "\u200eفرانكفورت\tB-Population-Center", "\u200eالكتاب\tB-Book"]
    path.write_bytes("\r\n".join(rows).encode("utf-8"))
    first, second = read_conll(path, "newsfane")
    assert first.tokens == ["و", "قال", "برند", "جوتشولك"]
    assert first.tags == ["O", "O", "B-PERSON", "I-PERSON"]
    assert second.tags == ["B-LOCATION", "O"]


def test_read_conll_rejects_unknown_format(tmp_path):
    with pytest.raises(ConfigError):
        read_conll(tmp_path / "x.txt", "iob2")


def test_score_is_exact_span_micro_average():
    gold = [{("PERSON", 0, 2), ("LOCATION", 3, 4)}]
    pred = [{("PERSON", 0, 1), ("LOCATION", 3, 4)}]  # a partial person span is wrong
    scores = ner_eval.score(gold, pred)
    assert scores["LOCATION"]["f1"] == 1.0
    assert scores["PERSON"]["precision"] == 0.0
    assert scores["micro"]["precision"] == 0.5 and scores["micro"]["recall"] == 0.5


@pytest.mark.corpus
def test_crf_trains_on_an_anercorp_slice_and_tags(shared_data, tmp_path):
    sentences = read_conll(shared_data / "anercorp" / "ANERCorp_CamelStyle_train.txt")[:300]
    model = tmp_path / "slice.crfsuite"
    figures = train(sentences, model, RuleTagger(), {"max_iterations": 40})
    assert model.is_file() and figures["sentences"] == 300

    ner = EntityExtractor.load(str(model))
    assert ner.backend == "crf"
    text = "وقال وزير الخارجية الروسي سيرغي لافروف في موسكو إن روسيا تدعم سورية"
    ents = ner.extract(None, text)
    assert any(e["method"] == "crf" for e in ents)
    assert all(text[e["start"]:e["end"]] == e["text"] for e in ents)
    lafrov = [e for e in ents if e["type"] == "PERSON" and "لافروف" in e["text"]]
    assert lafrov and lafrov[0]["role"] == "وزير الخارجية الروسي"  # rules still give the role

    args = argparse.Namespace(conll=str(shared_data / "anercorp" / "ANERCorp_CamelStyle_test.txt"),
                              format="anercorp", model=str(model), backend="auto", limit=150)
    result = ner_eval.run(args)
    assert result["sentences"] == 150 and "MISC" in result["note"]
    assert result["scores"]["micro"]["f1"] > 0.4  # a 300-sentence model is weak but far from random


_TINY = (
    "وقال O\nوزير O\nالخارجية O\nالروسي O\nسيرغي B-PERS\nلافروف I-PERS\nفي O\nموسكو B-LOC\n. O\n\n"
    "وأكدت O\nجامعة B-ORG\nالدول I-ORG\nالعربية I-ORG\nدعمها O\nلسورية B-LOC\n. O\n"
)


def test_eval_command_scores_rules_on_a_small_corpus(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(_TINY, encoding="utf-8")
    args = argparse.Namespace(conll=str(path), format="anercorp", model=None, backend="rules", limit=None,
                              exclude_conll=None)
    result = ner_eval.run(args)
    assert result["backend"] == "rules" and result["sentences"] == 2
    # لسورية is gold B-LOC on the whole token; our span drops the ل and still maps to that token.
    assert result["scores"]["micro"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "gold": 4,
                                         "predicted": 4, "correct": 4}


def test_train_ner_and_bench_commands_run(tmp_path, capsys):
    from pipeline.benchmarks import entities as bench
    from pipeline.commands import train_ner

    corpus = tmp_path / "tiny.txt"
    corpus.write_text((_TINY + "\n") * 3, encoding="utf-8")
    model = tmp_path / "m.crfsuite"
    train_ner.run(argparse.Namespace(conll=str(corpus), out=str(model), format="anercorp", limit=None,
                                     max_iterations=5))
    assert model.is_file() and '"sentences": 6' in capsys.readouterr().out

    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"id": "1", "title": "لافروف في موسكو", "content": "قال وزير الخارجية الروسي سيرغي لافروف"}\n'
                     '{"id": "2", "title": "فارغ", "content": ""}\n', encoding="utf-8")
    figures = bench.run(argparse.Namespace(input=str(jsonl), limit=None, model=None, backend="rules", repeat=1))
    assert figures["articles"] == 1 and figures["entities"] >= 2 and figures["articles_per_s"] > 0


@pytest.mark.corpus
def test_train_ner_learns_clusters_from_raw_text_once_and_tags_with_them(shared_data, tmp_path, capsys):
    import json

    from pipeline.commands import train_ner
    from pipeline.nlp.entities.crf import clusters_path

    raw = tmp_path / "raw.jsonl"
    with (shared_data / "saudinewsnet" / "saudinewsnet_2015-08-10_11.jsonl").open(encoding="utf-8") as fh:
        raw.write_text("".join(next(fh) for _ in range(300)), encoding="utf-8")
    corpus = tmp_path / "tiny.txt"
    corpus.write_text((_TINY + "\n") * 3, encoding="utf-8")
    model = tmp_path / "m.crfsuite"
    args = argparse.Namespace(conll=str(corpus), out=str(model), format="anercorp", limit=None, max_iterations=5,
                              raw=str(raw), raw_limit=None, exclude_ids=None, cache=str(tmp_path / "cache"),
                              context=False, no_inflection=False, rule_guard=False)
    train_ner.run(args)
    first = json.loads(capsys.readouterr().out)
    assert first["cluster_figures"]["vocabulary"] > 1024 and clusters_path(model).is_file()
    train_ner.run(args)
    assert json.loads(capsys.readouterr().out)["cluster_figures"]["from_cache"] is True
    ner = EntityExtractor.load(str(model))
    assert ner.tagger._features.clusters is not None
    assert all(e["text"] for e in ner.extract(None, "قال وزير الخارجية الروسي سيرغي لافروف في موسكو"))


def test_doc_features_count_a_word_elsewhere_in_the_document_only():
    from pipeline.nlp.entities.crf import analysis_from_tokens
    from pipeline.nlp.entities.document import doc_counts, doc_features, doc_keys

    first = analysis_from_tokens("قال برند جوتشولك في فرانكفورت".split())
    second = analysis_from_tokens("وأضاف جوتشولك إن بفرانكفورت مدينة".split())
    keys = [doc_keys(first), doc_keys(second)]
    assert keys[1][3] == "فرانكفورت" and keys[0][3] is None  # the proclitic-free word; short words none
    tags = [["O", "B-PERSON", "I-PERSON", "O", "B-LOCATION"], ["O", "O", "O", "O", "O"]]
    counts = doc_counts(keys, tags)
    # The second part missed جوتشولك and فرانكفورت: the first part tagged them.
    assert doc_features(keys[1], tags[1], counts) == [[], ["d=PERSON"], [], ["d=LOCATION"], []]
    # A word's own tag is not evidence: جوتشولك and فرانكفورت were untagged elsewhere; قال, برند occur once.
    assert doc_features(keys[0], tags[0], counts) == [[], [], ["d=O"], [], ["d=O"]]


def test_a_model_with_document_features_reads_the_rest_of_the_document(tmp_path):
    from pipeline.nlp.entities.crf import CrfTagger
    from pipeline.nlp.entities.rules import Analysis

    corpus = tmp_path / "tiny.txt"
    corpus.write_text((_TINY + "\n") * 5, encoding="utf-8")
    model = tmp_path / "doc.crfsuite"
    figures = train(read_conll(corpus), model, RuleTagger(), {"max_iterations": 20, "c1": 0.0}, doc_window=2)
    assert figures["doc_window"] == 2 and not list(tmp_path.glob("*.fold*"))  # fold models removed
    tagger = CrfTagger.load(str(model), RuleTagger())
    assert tagger.doc and any(attr.startswith("d=") for attr, _ in tagger._tagger.info().state_features)
    parts = [Analysis("وقال وزير الخارجية الروسي سيرغي لافروف في موسكو"), Analysis("لافروف في موسكو")]
    tags = tagger.tag_document(parts)
    assert [len(t) for t in tags] == [len(p) for p in parts]
    # The second pass is crfsuite's tagging of the features plus the document features of the first,
    # which takes each token's best label by its state scores (crfsuite's, tests/unit/test_entities_crf_scorer.py).
    labels = tagger._scorer.labels
    first = [[labels[j] for j in tagger._scorer.scores(a).argmax(axis=1)] for a in parts]
    from pipeline.nlp.entities.document import doc_counts, doc_features, doc_keys

    counts = doc_counts([doc_keys(a) for a in parts], first)
    expected = [tagger._tagger.tag([f + d for f, d in zip(tagger._features(a), doc_features(doc_keys(a), t, counts))])
                for a, t in zip(parts, first)]
    assert tags == expected
    # Context: more of the document, counted in the first pass but not tagged.
    more = [Analysis("وزار لافروف موسكو")]
    ctx_first = [[labels[j] for j in tagger._scorer.scores(a).argmax(axis=1)] for a in more]
    counts = doc_counts([doc_keys(a) for a in parts + more], first + ctx_first)
    expected = [tagger._tagger.tag([f + d for f, d in zip(tagger._features(a), doc_features(doc_keys(a), t, counts))])
                for a, t in zip(parts, first)]
    assert tagger.tag_document(parts, context=more) == expected
    assert tagger.tag_document(parts[1:], context=more) == tagger.tag_document(parts[1:], context=list(more))
    with pytest.raises(ConfigError):
        train(read_conll(corpus), tmp_path / "bad.crfsuite", RuleTagger(), doc_window=-1)
