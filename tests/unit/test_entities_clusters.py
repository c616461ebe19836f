"""Word clusters and inflection classes from raw text, the cached feature builder, mention scoring,
the shipped default model and the blind mention gold."""
from __future__ import annotations

import gzip
import json

import pytest

from pipeline.errors import ConfigError, ResourceMissingError
from pipeline.evaluation import mentions as mention_eval
from pipeline.evaluation.corpus import load_articles
from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.clusters import WordClusters, inflection_classes, iter_cluster_features, raw_sentences
from pipeline.nlp.entities.conll import read_conll
from pipeline.nlp.entities.crf import FeatureBuilder, analysis_from_tokens, clusters_path
from pipeline.nlp.entities.extractor import packaged_model
from pipeline.nlp.entities.names import PersonNames
from pipeline.nlp.entities.rules import RuleTagger
from pipeline.nlp.tokenize import word_forms


@pytest.fixture(scope="module")
def rules() -> RuleTagger:
    return RuleTagger()


# ----------------------------------------------------------------------------- inflection classes
_RAW = [
    "زار الوفد مدينة جدة وتجول في المدينة وأسواقها".split(),
    "قال المدير إن المدينة تستقبل زوارها وإن مدينتها القديمة جميلة".split(),
    "وقال موراليس إن موراليس سعيد في جدة".split(),
    "المدينه مدينته مدينتهم مدينة".split(),
]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("موراليس", 0),  # a footballer's name never takes the article or a pronoun
        ("جده", 0),      # nor does a city's
        ("مدينه", 3),    # مدينتها, مدينته, مدينتهم and المدينة beside مدينة
        ("المدينه", 3),  # the article form counts its bare and suffixed forms
    ],
)
def test_inflection_classes_tell_common_nouns_from_names(word, expected):
    sentences = [[word_forms(w)[0] for w in s] for s in _RAW]
    assert inflection_classes(sentences, [word])[word] == expected


def test_word_clusters_round_trip_and_look_up_clitic_stems(tmp_path):
    table = {"الرياض": (3, 17, 40, 0), "قال": (1, 2, 5, 3)}
    clusters = WordClusters(table, (64, 256, 1024))
    path = tmp_path / "c.json.gz"
    clusters.save(path)
    back = WordClusters.read(path)
    assert back.table == table and back.sizes == (64, 256, 1024)
    norm, readings = word_forms("بالرياض")
    assert back.lookup(norm, readings) == (3, 17, 40, 0)  # found through its reading without بـ
    assert list(iter_cluster_features(back.lookup(norm, readings), back.sizes, "")) == [
        "k64=3", "k256=17", "k1024=40", "inf=0"]
    assert list(iter_cluster_features(None, back.sizes, "")) == ["k=none"]


def test_word_clusters_reject_bad_tables_and_files(tmp_path):
    with pytest.raises(ConfigError):
        WordClusters({"قال": (1, 2)}, (64, 256, 1024))
    stale = tmp_path / "old.json.gz"
    with gzip.open(stale, "wt", encoding="utf-8") as fh:
        json.dump({"version": 1, "sizes": [64], "words": {}}, fh)
    with pytest.raises(ResourceMissingError, match="another version"):
        WordClusters.read(stale)
    with pytest.raises(ResourceMissingError):
        WordClusters.read(tmp_path / "absent.json.gz")


def test_raw_sentences_skip_excluded_ids_and_split_paragraphs(tmp_path):
    path = tmp_path / "raw.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "a", "title": "أمطار في جدة", "content": "قال المدير\nوأضاف أن الأمطار غزيرة"}) + "\n")
        fh.write(json.dumps({"id": "b", "title": "سرّي", "content": "نص محجوب عن التدريب"}) + "\n")
        fh.write("not json\n")
    sentences = raw_sentences(path, exclude_ids=["b"])
    assert sentences == [["امطار", "في", "جده"], ["قال", "المدير"], ["واضاف", "ان", "الامطار", "غزيره"]]


# ----------------------------------------------------------------------------- cached features
@pytest.mark.corpus
def test_feature_builder_cache_gives_the_features_of_a_fresh_builder(shared_data, rules):
    """Word-level parts are cached per token text; the features must not depend on what came before."""
    sentences = read_conll(shared_data / "anercorp" / "ANERCorp_CamelStyle_test.txt")[:60]
    clusters = WordClusters({"موسكو": (1, 2, 3, 0), "الرئيس": (4, 5, 6, 3)}, (64, 256, 1024))
    names = PersonNames.load()
    shared = FeatureBuilder(rules, None, names, clusters, context=True)
    for sent in sentences * 2:
        a = analysis_from_tokens(sent.tokens)
        assert shared(a) == FeatureBuilder(rules, None, names, clusters, context=True)(a)


def test_context_features_carry_the_neighbours_clusters(rules):
    clusters = WordClusters({"فريق": (7, 70, 700, 3), "تورينو": (2, 20, 200, 0), "الايطالي": (9, 90, 900, 1)},
                            (64, 256, 1024))
    a = analysis_from_tokens("مع فريق تورينو الإيطالي".split())
    with_context = FeatureBuilder(rules, clusters=clusters, context=True)(a)[2]
    assert {"k64=2", "k256=20", "k1024=200", "inf=0", "kc-1=7", "kc1=9"} <= set(with_context)
    without = FeatureBuilder(rules, clusters=clusters, inflection=False)(a)[2]
    assert "k64=2" in without and not any(f.startswith(("kc", "inf=")) for f in without)


# ----------------------------------------------------------------------------- mention scoring
@pytest.mark.parametrize(
    ("text", "gold", "pred", "same"),
    [
        ("وصل إلى الرياض", (8, 14, "LOCATION"), (8, 14, "LOCATION"), True),
        ("وصل بالرياض", (6, 11, "LOCATION"), (4, 11, "LOCATION"), True),     # بـ + ا: proclitic letters
        ("وصل بالرياض", (6, 11, "LOCATION"), (6, 11, "ORGANIZATION"), False),  # wrong type
        ("نادي الاتحاد", (0, 12, "ORGANIZATION"), (5, 12, "ORGANIZATION"), False),  # a word left out
        ("سيرغي لافروف", (0, 12, "PERSON"), (0, 5, "PERSON"), False),
    ],
)
def test_same_mention_forgives_proclitics_only(text, gold, pred, same):
    assert mention_eval.same_mention(text, gold, pred) is same


def test_score_mentions_counts_each_gold_once():
    text = "زار لافروف موسكو"
    gold = [[(4, 10, "PERSON"), (11, 16, "LOCATION")]]
    pred = [[(4, 10, "PERSON"), (4, 10, "PERSON"), (11, 16, "ORGANIZATION")]]
    scores = mention_eval.score_mentions([text], gold, pred)
    assert scores["micro"]["correct"] == 1 and scores["micro"]["predicted"] == 3 and scores["micro"]["gold"] == 2
    assert scores["overlap"]["recall"] == 0.5


def test_read_gold_rejects_unknown_types(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text('{"id": "x", "mentions": [[0, 4, "MISC"]]}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad mention"):
        mention_eval.read_gold(path)


@pytest.mark.corpus
@pytest.mark.parametrize("name,corpus", [
    ("entities_blind.jsonl", "saudinewsnet_2015-07-21_to_08-09.jsonl.gz"),
    ("entities_vault.jsonl", "saudinewsnet_2015-08-10_11.jsonl"),
    ("entities_vault2.jsonl", "saudinewsnet_2015-08-10_11.jsonl"),
])
def test_blind_gold_offsets_fall_on_words_of_the_articles(shared_data, name, corpus):
    from tests.conftest import REPO_ROOT

    gold = mention_eval.read_gold(REPO_ROOT / "tests" / "gold" / name)
    articles = load_articles(shared_data / "saudinewsnet" / corpus, set(gold))
    assert len(gold) >= 15 and sum(map(len, gold.values())) >= 150
    for aid, mentions in gold.items():
        text = articles[aid]["content"]
        for (s, e, _), nxt in zip(mentions, mentions[1:] + [(len(text) + 1, 0, "")]):
            assert e <= nxt[0], (aid, s, e)  # flat, no overlaps
            span = text[s:e]
            assert span == span.strip() and span[0].isalpha() and not text[e:e + 1].isalpha()


@pytest.mark.corpus
def test_learn_clusters_on_real_news_is_seeded_and_covers_the_vocabulary(shared_data):
    from pipeline.nlp.entities.clusters import learn_clusters

    sentences = raw_sentences(shared_data / "saudinewsnet" / "saudinewsnet_2015-08-10_11.jsonl", max_articles=150)
    params = {"epochs": 1, "min_count": 3}
    first, figures = learn_clusters(sentences, sizes=(8, 32), params=params)
    again, _ = learn_clusters(sentences, sizes=(8, 32), params=params)
    assert first.table == again.table  # one worker and a fixed seed: reproducible
    assert figures["vocabulary"] == len(first.table) > 500
    assert {v[0] for v in first.table.values()} <= set(range(8)) and len({v[1] for v in first.table.values()}) > 8
    assert first.table["قال"][-1] >= 1  # قاله/قالها occur in the news
    with pytest.raises(ConfigError):
        learn_clusters(sentences, sizes=(1,))


# ----------------------------------------------------------------------------- the rules' guard
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ورفع أنصار المدرب كارلوس شعارات تطالب برحيله", "كارلوس"),  # a plural noun after the name
        ("أكد الوزير خالد مشاركة المملكة", "خالد"),                 # a verbal noun
        ("ونقل عن السفير جون تصريحات", "جون"),
    ],
)
def test_rules_guard_keeps_inflected_common_words_out_of_names(text, name):
    from pipeline.nlp.entities.gazetteer import Gazetteer, Lexicon
    from pipeline.nlp.entities.rules import Analysis, resolve

    # The classes of these words in the table learned from SaudiNewsNet (inflection class 3).
    common = frozenset({"شعارات", "مشاركه", "تصريحات"})
    a = Analysis(text)

    def persons(tagger):
        return [text[a.tokens[c.start].start:a.tokens[c.end - 1].end]
                for c in resolve(tagger.candidates(a)) if c.type == "PERSON"]

    gaz, lex = Gazetteer.load(), Lexicon.load()
    assert persons(RuleTagger(gaz, lex)) != [name]  # without the guard the name runs on
    assert persons(RuleTagger(gaz, lex, common_words=common)) == [name]


# ----------------------------------------------------------------------------- the shipped model
def test_the_packaged_model_is_the_default_and_rules_stay_available():
    model = packaged_model()
    assert model is not None, "pipeline/resources/models/ner/ner.crfsuite is missing"
    assert clusters_path(model).is_file()
    default = EntityExtractor.load()
    assert default.backend == "crf" and EntityExtractor.load(backend="crf") is default
    rules = EntityExtractor.load(backend="rules")
    assert rules.tagger is None and "تصريحات" in rules.rules.common_words  # the rules' guard, from the shipped table
    assert default.rules.common_words == frozenset()  # the shipped model was trained without it
    text = "وقع نادي الاتحاد مع الأرجنتيني ماكسي موراليز قادماً من نادي أتلانتا الإيطالي"
    ents = default.extract(None, text)
    assert all(text[e["start"]:e["end"]] == e["text"] for e in ents)
    assert any(e["method"] == "crf" for e in ents)


def test_the_packaged_model_states_its_license():
    from pathlib import Path

    readme = (Path(packaged_model()).parent / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme and "ANERcorp" in readme and "SaudiNewsNet" in readme


@pytest.mark.corpus
def test_tagging_without_the_attributes_the_model_lacks_changes_no_tag(shared_data):
    from pipeline.nlp.entities.rules import Analysis

    tagger = EntityExtractor.load().tagger
    fb = tagger._features
    everything = FeatureBuilder(fb.rules, fb.lexicon, fb.names, fb.clusters, fb.context, fb.inflection)
    bodies = [json.loads(line)["content"] for line in
              (shared_data / "saudinewsnet" / "saudinewsnet_2015-08-10_11.jsonl").open(encoding="utf-8")][:40]
    for body in filter(None, bodies):
        a = Analysis(body)
        cands = fb.rules.candidates(a)
        filtered, full = fb(a, cands), everything(a, cands)
        assert sum(map(len, filtered)) < sum(map(len, full))
        assert tagger._tagger.tag(filtered) == tagger._tagger.tag(full)


# ----------------------------------------------------------------------------- optional feature groups
@pytest.mark.parametrize(
    ("word", "present", "absent"),
    [
        ("بالرياض", {"ap2=ري", "as3=ياض"}, {"ap1=ب", "ap1=ا"}),  # the proclitic and the article are left out
        ("ڤيينا", {"frare", "fe=ا", "fv=3", "fvv=1"}, set()),       # a letter Arabic words do not use
        ("موراليس", {"fe=c", "fp=vcvc", "fl=7"}, {"frare"}),
    ],
)
def test_affix_and_shape_groups_describe_the_proclitic_free_word(rules, word, present, absent):
    a = analysis_from_tokens([word])
    feats = set(FeatureBuilder(rules, extra=frozenset({"affix", "shape"}))(a)[0])
    assert present <= feats and not absent & feats
    assert not any(f.startswith(("ap", "as", "fv", "fe=")) for f in FeatureBuilder(rules)(a)[0])
    with pytest.raises(ConfigError):
        FeatureBuilder(rules, extra=frozenset({"affixes"}))
