"""Training data, cross-validation and training of the speaker model (``wirepipe train-speakers``).

Every labelled quote set in ``tests/gold`` (ids and offsets; the texts come from SaudiNewsNet) is run
through the entity and quote extractors; each predicted quote that matches a gold quote (the rule of
:func:`pipeline.evaluation.quotes.match`) gives one *group*: its candidates (features) and which of
them is the gold speaker. A logistic regression (scikit-learn, the optional ``train`` extra) learns
to score candidates; the candidate with the best score is the speaker. Cross-validation is grouped by
article (never one article in both the training and the test folds) and reports, per fold, the
model's speaker accuracy beside the rules' reading over the same quotes. The trained weights are
written as JSON (``pipeline/resources/speakers/model.json`` by default) for the pure-Python scorer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Sequence

from pipeline.locations import gold_dir
from pipeline.errors import ConfigError
from pipeline.evaluation.corpus import DEFAULT_CORPORA, load_articles
from pipeline.evaluation.quotes import load_gold, match, same_speaker
from pipeline.nlp.quotes.speakers import Candidate, SpeakerModel

GOLD_DIR = gold_dir()
#: The labelled sets used for training, in this order, when present. The vault is never among them.
TRAINING_SETS = ("dev", "test", "holdout", "final", *(f"blind{i}" for i in range(2, 11)), "train_a", "train_b", "train_c",
                 "train_d", "train_e", "train_f", "train_g", "train_h")
#: Sets labelled blind, before any rule or feature was tuned on them: the closest to unseen news (the vault
#: is labelled the same way). Their quotes weigh ``blind_weight`` times the others' in training.
BLIND_SETS = ("train_a", "train_b", "train_c", "train_d", "train_e", "train_f", "train_g", "train_h")
DEFAULT_BLIND_WEIGHT = 4.0
_INNER_FOLDS = 5  # folds by article that name the training articles' previous speakers
PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "resources" / "speakers" / "model.json"


@dataclass
class QuoteGroup:
    """One matched quote: its article, its gold speaker, the rules' reading and the candidates."""

    article: str
    gold_set: str
    gold: Optional[str]
    rule: Optional[str]
    candidates: list[Candidate]

    def labels(self) -> list[bool]:
        return [same_speaker(c.name, self.gold) for c in self.candidates]


def training_files(names: Sequence[str] = TRAINING_SETS, gold_dir: Path = GOLD_DIR) -> list[Path]:
    """The gold files of ``names`` that exist (the later sets may be absent)."""
    if any("vault" in n for n in names):
        raise ConfigError("the vault is measured once at the end, never trained on")
    return [p for p in (gold_dir / f"quotes_{n}.jsonl" for n in names) if p.exists()]


@dataclass
class Corpus:
    """The gold articles of the training sets with their texts and entity lists, read and tagged once."""

    items: list[tuple[str, dict, dict, list]]  # (set name, gold row, article, entities)

    def groups(self, follow: Optional[dict[str, SpeakerModel]] = None) -> list[QuoteGroup]:
        """The matched quotes' groups; with ``follow`` (a model by article id) the previous speaker of each
        quote is that model's choice (as when extracting), else the rules' reading. The groups come in the
        same order either way."""
        from pipeline.nlp.quotes import QuoteExtractor

        rules = QuoteExtractor(speaker_model=None)
        extractors: dict[int, QuoteExtractor] = {}
        out: list[QuoteGroup] = []
        for name, row, art, ents in self.items:
            model = (follow or {}).get(row["id"])
            qx = rules if model is None else extractors.setdefault(id(model), QuoteExtractor(speaker_model=model))
            found = [(rec, cands) for rec, cands in qx.extract_candidates(art.get("title"), art["content"], ents,
                                                                          follow_model=model is not None)
                     if rec["field"] == "BODY"]
            pred = [rec for rec, _ in found]
            for i, j in match(pred, row["quotes"]):
                rec, cands = found[i]
                rule = (rec["speaker"] or {}).get("name")
                out.append(QuoteGroup(row["id"], name, row["quotes"][j].get("speaker"), rule, cands))
        return out


def read_corpus(paths: Iterable[Path], corpora: Sequence[Path] = DEFAULT_CORPORA, entities: bool = True) -> Corpus:
    """The gold articles of ``paths`` with their texts (from ``corpora``) and, with ``entities``, their entities."""
    golds = [(Path(p).name.removeprefix("quotes_").removesuffix(".jsonl"), load_gold(p)) for p in paths]
    ids = {row["id"] for _, rows in golds for row in rows}
    arts = load_articles(list(corpora), ids) if ids else {}
    ner = None
    if entities:
        from pipeline.nlp.entities import EntityExtractor

        ner = EntityExtractor.load()
    items = []
    for name, rows in golds:
        for row in rows:
            art = arts[row["id"]]
            items.append((name, row, art, ner.extract(art.get("title"), art["content"]) if ner else []))
    return Corpus(items)


def collect(paths: Iterable[Path], corpora: Sequence[Path] = DEFAULT_CORPORA, entities: bool = True) -> list[QuoteGroup]:
    """Run the extractors over the gold articles of ``paths`` and return the matched quotes' groups."""
    return read_corpus(paths, corpora, entities).groups()


def _fit(groups: Sequence[QuoteGroup], c: float, blind_weight: float = DEFAULT_BLIND_WEIGHT):
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise ConfigError("training the speaker model needs scikit-learn: pip install 'wirepipe[train]'") from exc
    feats, ys, ws = [], [], []
    for g in groups:
        labels = g.labels()
        if not any(labels):
            continue  # the gold speaker is not among the candidates: nothing to learn from the choice
        w = blind_weight if g.gold_set in BLIND_SETS else 1.0
        for cand, y in zip(g.candidates, labels):
            feats.append(cand.features)
            ys.append(int(y))
            ws.append(w)
    if len(set(ys)) < 2:
        raise ConfigError("the training quotes need both right and wrong candidates")
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, ys, sample_weight=ws)
    weights = {name: float(w) for name, w in zip(vec.get_feature_names_out(), clf.coef_[0]) if abs(w) > 1e-6}
    return SpeakerModel(weights, float(clf.intercept_[0]))


def _fit_following(groups: Sequence[QuoteGroup], idx: Sequence[int], c: float, blind_weight: float,
                   corpus: Optional[Corpus]) -> tuple[SpeakerModel, list[QuoteGroup]]:
    """A model fitted on the quotes ``idx`` of ``groups``. With a ``corpus``, fitted twice: first models
    (whose previous speakers are the rules') name the previous speakers, as the model does when extracting,
    and the model is fitted again on those groups, which are returned (else ``groups`` themselves)."""
    model = _fit([groups[i] for i in idx], c, blind_weight)
    if corpus is None:
        return model, list(groups)
    # each training article's previous speakers come from a model fitted without it (as they will on
    # unseen news); the other articles' from the model fitted on all of ``idx``
    from sklearn.model_selection import GroupKFold

    follow = {g.article: model for g in groups}
    articles = [groups[i].article for i in idx]
    for tr, te in GroupKFold(n_splits=min(_INNER_FOLDS, len(set(articles)))).split(idx, groups=articles):
        inner = _fit([groups[idx[i]] for i in tr], c, blind_weight)
        follow.update((articles[i], inner) for i in te)
    again = corpus.groups(follow=follow)
    if len(again) != len(groups):
        raise ConfigError("the quotes matched differ between two passes over the same articles")
    return _fit([again[i] for i in idx], c, blind_weight), again


def train(groups: Sequence[QuoteGroup], c: float = 1.0, meta: Optional[dict] = None,
          blind_weight: float = DEFAULT_BLIND_WEIGHT) -> SpeakerModel:
    """A speaker model fitted on ``groups``."""
    model = _fit(groups, c, blind_weight)
    model.meta = dict(meta or {}, quotes=len(groups), regularization_c=c, blind_weight=blind_weight)
    return model


def accuracy(groups: Sequence[QuoteGroup], model: Optional[SpeakerModel]) -> float:
    """Speaker accuracy over ``groups``: the model's choice, or the rules' reading when ``model`` is None."""
    if not groups:
        return math.nan
    ok = 0
    for g in groups:
        name = g.rule if model is None else model.choose(g.candidates).name
        ok += same_speaker(name, g.gold)
    return ok / len(groups)


def _recall(groups: Sequence[QuoteGroup]) -> float:
    return round(sum(any(g.labels()) for g in groups) / len(groups), 4) if groups else math.nan


def cross_validate(groups: Sequence[QuoteGroup], folds: int = 5, c: float = 1.0,
                   blind_weight: float = DEFAULT_BLIND_WEIGHT, corpus: Optional[Corpus] = None) -> dict:
    """Grouped k-fold by article: per fold and overall, the model's and the rules' speaker accuracy and the
    candidate recall (``oracle``: the gold speaker is among the candidates); the same over each blind set's
    quotes inside the folds; and each blind set left out whole (trained on all the others). With the
    ``corpus`` of ``groups``, each fold's model is fitted in two passes (:func:`_fit_following`): the test
    articles' previous speakers are then named by a model that never saw them."""
    try:
        from sklearn.model_selection import GroupKFold
    except ImportError as exc:
        raise ConfigError("cross-validation needs scikit-learn: pip install 'wirepipe[train]'") from exc
    articles = [g.article for g in groups]
    if len(set(articles)) < folds:
        raise ConfigError(f"{len(set(articles))} articles cannot make {folds} folds")
    rows = []
    chosen: list[Optional[str]] = [None] * len(groups)
    used = list(groups)  # each quote as its fold's model saw it
    for k, (tr, te) in enumerate(GroupKFold(n_splits=folds).split(groups, groups=articles)):
        model, fold_groups = _fit_following(groups, tr, c, blind_weight, corpus)
        test_g = [fold_groups[i] for i in te]
        for i in te:
            used[i] = fold_groups[i]
            chosen[i] = model.choose(fold_groups[i].candidates).name
        rows.append({"fold": k, "articles": len({g.article for g in test_g}), "quotes": len(test_g),
                     "model": round(accuracy(test_g, model), 4), "rules": round(accuracy(test_g, None), 4)})

    def summary(idx: list[int]) -> dict:
        sel = [used[i] for i in idx]
        return {"quotes": len(sel), "model": round(sum(same_speaker(chosen[i], used[i].gold) for i in idx) / len(idx), 4),
                "rules": round(accuracy(sel, None), 4), "oracle": _recall(sel)}

    out = {"folds": rows, "articles": len(set(articles)), **summary(list(range(len(groups))))}
    blind = {}
    for name in BLIND_SETS:
        idx = [i for i, g in enumerate(groups) if g.gold_set == name]
        rest = [i for i, g in enumerate(groups) if g.gold_set != name]
        if not idx or not rest:
            continue
        model, again = _fit_following(groups, rest, c, blind_weight, corpus)
        blind[name] = dict(summary(idx), left_out=round(accuracy([again[i] for i in idx], model), 4))
    if blind:
        idx = [i for i, g in enumerate(groups) if g.gold_set in BLIND_SETS]
        out["blind_sets"] = dict(blind, all=summary(idx))
    return out


def run_training(sets: Sequence[str] = TRAINING_SETS, out: Path = PACKAGED_MODEL, folds: int = 5, c: float = 1.0,
                 corpora: Sequence[Path] = DEFAULT_CORPORA, gold_dir: Path = GOLD_DIR,
                 blind_weight: float = DEFAULT_BLIND_WEIGHT) -> dict:
    """Collect the labelled quotes of ``sets``, cross-validate, fit on all of them and write ``out``."""
    if not isinstance(folds, int) or folds < 2:
        raise ConfigError(f"folds must be an int >= 2, got {folds!r}")
    if not c > 0:
        raise ConfigError(f"the regularization C must be positive, got {c!r}")
    if not blind_weight > 0:
        raise ConfigError(f"the blind sets' weight must be positive, got {blind_weight!r}")
    paths = training_files(sets, gold_dir)
    if not paths:
        raise ConfigError(f"none of the gold sets {list(sets)} is in {gold_dir}")
    corpus = read_corpus(paths, corpora)
    groups = corpus.groups()
    cv = cross_validate(groups, folds, c, blind_weight, corpus)
    per_set = {}
    for p in paths:
        name = p.name.removeprefix("quotes_").removesuffix(".jsonl")
        gs = [g for g in groups if g.gold_set == name]
        per_set[name] = {"quotes": len(gs), "rules": round(accuracy(gs, None), 4) if gs else None}
    model, _ = _fit_following(groups, range(len(groups)), c, blind_weight, corpus)
    model.meta = {"sets": [p.name for p in paths], "cross_validation": cv, "quotes": len(groups),
                  "regularization_c": c, "blind_weight": blind_weight, "passes": 2}
    model.save(out)
    return {"model": str(out), "features": len(model.weights), "sets": per_set, "cross_validation": cv}
