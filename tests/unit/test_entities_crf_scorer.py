"""The compiled tagger (StateScorer + the numba kernels) gives crfsuite's labels: same model, same features."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.nlp.entities import EntityExtractor
from pipeline.nlp.entities.crf import model_info, viterbi
from pipeline.nlp.entities.document import doc_counts, doc_features, doc_keys
from pipeline.nlp.entities.extractor import packaged_model
from pipeline.nlp.entities.rules import Analysis

pytestmark = pytest.mark.skipif(packaged_model() is None, reason="this install ships no CRF model")

SENTENCES = [
    "قال وزير الخارجية الروسي سيرغي لافروف إن موسكو مستعدة للحوار مع واشنطن",
    "استقبل خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز آل سعود في قصر اليمامة بالرياض أمس رئيس وزراء باكستان",
    "أعلنت وزارة الصحة السعودية تسجيل حالات جديدة بفيروس كورونا في جدة والطائف",
    "وأكد المتحدث باسم الأمم المتحدة ستيفان دوجاريك أن المنظمة تتابع الوضع في اليمن عن كثب",
    "فاز فريق الهلال على النصر بهدفين مقابل هدف في الدوري السعودي للمحترفين",
    "الرياض",
    "«الصحة»: لا إصابات جديدة",
    "",
]


@pytest.fixture(scope="module")
def tagger():
    return EntityExtractor.load(backend="crf").tagger


def _crfsuite_labels(tagger, a, cands):
    """crfsuite's tags of the feature strings; for a model with document features, of the strings
    plus the document features of its first pass (the text is its own document)."""
    if not len(a):
        return []
    features = tagger._features(a, cands)
    if not tagger.doc:
        return tagger._tagger.tag(features)
    # The first pass: each token's best label by its state scores (equal to crfsuite's: below).
    first = [tagger._scorer.labels[j] for j in tagger._scorer.scores(a, cands).argmax(axis=1)]
    keys = doc_keys(a)
    extra = doc_features(keys, first, doc_counts([keys], [first]))
    return tagger._tagger.tag([f + d for f, d in zip(features, extra)])


@pytest.mark.parametrize("text", SENTENCES)
def test_labels_equal_crfsuite(tagger, text):
    a = Analysis(text)
    cands = tagger.rules.candidates(a)
    assert tagger.tag_bio(a, cands) == _crfsuite_labels(tagger, a, cands)


def _path_score(state, trans, path):
    return sum(state[t, y] for t, y in enumerate(path)) + sum(trans[a, b] for a, b in zip(path, path[1:]))


@pytest.mark.parametrize("text", SENTENCES[:5])
def test_state_scores_equal_crfsuite(tagger, text):
    # crfsuite's probability of a label path changed at one position gives, at every position, the
    # differences of the state scores between labels: they must be ours.
    a = Analysis(text)
    cands = tagger.rules.candidates(a)
    crf = tagger._tagger
    crf.set(tagger._features(a, cands))
    scorer = tagger._scorer
    state = scorer.scores(a, cands)
    labels = scorer.labels
    best = [labels.index(y) for y in crf.tag()]
    base = crf.probability([labels[y] for y in best])
    for t in range(len(best)):
        for y in range(len(labels)):
            other = best[:t] + [y] + best[t + 1:]
            theirs = np.log(crf.probability([labels[k] for k in other]) / base)
            ours = _path_score(state, scorer._trans, other) - _path_score(state, scorer._trans, best)
            assert ours == pytest.approx(theirs, abs=1e-4)  # crfsuite exponentiates: not to the last bit


def test_a_whole_article_twice_equals_crfsuite(tagger):
    # The second pass reads the word, tag and phrase caches the first one filled.
    text = " ".join(SENTENCES)
    for _ in range(2):
        a = Analysis(text)
        cands = tagger.rules.candidates(a)
        assert tagger.tag_bio(a, cands) == _crfsuite_labels(tagger, a, cands)


@pytest.mark.parametrize("state,trans,path", [
    ([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]], [0, 1, 0]),
    ([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], [[0.0, -5.0], [-5.0, 0.0]], [0, 0, 0]),   # transitions win
    ([[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]], [0, 0]),                    # ties: the first label
    ([[0.0, 2.0]], [[0.0, 0.0], [0.0, 0.0]], [1]),
])
def test_viterbi(state, trans, path):
    assert viterbi(np.array(state), np.array(trans)) == path


def _crf1dc_viterbi(state, trans):
    """crfsuite's ``crf1dc_viterbi`` (crf1d_context.c) line by line, as the reference."""
    n, size = len(state), len(state[0])
    cur, back = list(state[0]), []
    for t in range(1, n):
        prev, cur, row = cur, [0.0] * size, [0] * size
        for j in range(size):
            max_score = -float("inf")
            for i in range(size):
                score = prev[i] + trans[i][j]
                if max_score < score:
                    max_score, row[j] = score, i
            cur[j] = max_score + state[t][j]
        back.append(row)
    labels = [0] * n
    max_score = -float("inf")
    for i in range(size):
        if max_score < cur[i]:
            max_score, labels[n - 1] = cur[i], i
    for t in range(n - 1, 0, -1):
        labels[t - 1] = back[t - 1][labels[t]]
    return labels


@pytest.mark.parametrize("size", [1, 2, 3, 7])
@pytest.mark.parametrize("values", [(-1.0, 0.0, 0.5, 1.0), (0.1, 0.2, 0.3, -0.7)])
def test_viterbi_equals_crfsuites_loop(size, values):
    # Few distinct scores: many exact ties (and sums that round alike), where the first best must win.
    rng = np.random.default_rng(size)
    for n in (1, 2, 3, 10, 60):
        for _ in range(40):
            state = rng.choice(values, size=(n, size))
            trans = rng.choice(values, size=(size, size))
            assert viterbi(state, trans) == _crf1dc_viterbi(state.tolist(), trans.tolist())


def test_compiled_sums_add_the_rows_in_crfsuites_order():
    # The same floats as adding one weight row after the other in numpy: order matters for rounding.
    from pipeline.nlp.entities.kernels import add_rows

    rng = np.random.default_rng(5)
    weights = rng.normal(scale=1e3, size=(50, 7)) * rng.choice([1e-8, 1.0, 1e8], size=(50, 7))
    ids = rng.integers(0, 50, size=(30, 12))
    columns = np.array([0, 3, 4, 11, 7])
    start = rng.normal(size=(30, 7))
    expected = start.copy()
    for c in columns:
        expected = expected + weights[ids[:, c]]
    state = start.copy()
    add_rows(state, weights, ids, columns)
    assert state.tobytes() == expected.tobytes()


def test_the_models_dump_parses_as_pycrfsuite_parses_it(tagger):
    """model_info reads the dump a section at a time; the weights, labels and their order are crfsuite's."""
    ours, theirs = model_info(tagger._tagger), tagger._tagger.info()
    for part in ("header", "labels", "attributes", "transitions", "state_features"):
        assert list(getattr(ours, part).items()) == list(getattr(theirs, part).items()), part
