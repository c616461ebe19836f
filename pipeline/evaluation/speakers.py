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
from pipeline.evaluation.quotes import DEFAULT_CORPORA, load_articles, load_gold, match, same_speaker
from pipeline.nlp.quotes.speakers import Candidate, SpeakerModel

GOLD_DIR = gold_dir()
#: The labelled sets used for training, in this order, when present. The vault is never among them.
TRAINING_SETS = ("dev", "test", "holdout", "final", *(f"blind{i}" for i in range(2, 11)), "train_a", "train_b", "train_c")
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


def collect(paths: Iterable[Path], corpora: Sequence[Path] = DEFAULT_CORPORA, entities: bool = True) -> list[QuoteGroup]:
    """Run the extractors over the gold articles of ``paths`` and return the matched quotes' groups."""
    from pipeline.nlp.quotes import QuoteExtractor

    golds = [(Path(p).name.removeprefix("quotes_").removesuffix(".jsonl"), load_gold(p)) for p in paths]
    ids = {row["id"] for _, rows in golds for row in rows}
    arts = load_articles(list(corpora), ids) if ids else {}
    ner = None
    if entities:
        from pipeline.nlp.entities import EntityExtractor

        ner = EntityExtractor.load()
    qx = QuoteExtractor(speaker_model=None)
    groups: list[QuoteGroup] = []
    for name, rows in golds:
        for row in rows:
            art = arts[row["id"]]
            ents = ner.extract(art.get("title"), art["content"]) if ner else []
            found = [(rec, cands) for rec, cands in qx.extract_candidates(art.get("title"), art["content"], ents)
                     if rec["field"] == "BODY"]
            pred = [rec for rec, _ in found]
            for i, j in match(pred, row["quotes"]):
                rec, cands = found[i]
                rule = (rec["speaker"] or {}).get("name")
                groups.append(QuoteGroup(row["id"], name, row["quotes"][j].get("speaker"), rule, cands))
    return groups


def _fit(groups: Sequence[QuoteGroup], c: float):
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise ConfigError("training the speaker model needs scikit-learn: pip install 'wirepipe[train]'") from exc
    feats, ys = [], []
    for g in groups:
        labels = g.labels()
        if not any(labels):
            continue  # the gold speaker is not among the candidates: nothing to learn from the choice
        for cand, y in zip(g.candidates, labels):
            feats.append(cand.features)
            ys.append(int(y))
    if len(set(ys)) < 2:
        raise ConfigError("the training quotes need both right and wrong candidates")
    vec = DictVectorizer()
    x = vec.fit_transform(feats)
    clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    clf.fit(x, ys)
    weights = {name: float(w) for name, w in zip(vec.get_feature_names_out(), clf.coef_[0]) if abs(w) > 1e-6}
    return SpeakerModel(weights, float(clf.intercept_[0]))


def train(groups: Sequence[QuoteGroup], c: float = 1.0, meta: Optional[dict] = None) -> SpeakerModel:
    """A speaker model fitted on ``groups``."""
    model = _fit(groups, c)
    model.meta = dict(meta or {}, quotes=len(groups), regularization_c=c)
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


def cross_validate(groups: Sequence[QuoteGroup], folds: int = 5, c: float = 1.0) -> dict:
    """Grouped k-fold by article: per fold and overall, the model's and the rules' speaker accuracy."""
    try:
        from sklearn.model_selection import GroupKFold
    except ImportError as exc:
        raise ConfigError("cross-validation needs scikit-learn: pip install 'wirepipe[train]'") from exc
    articles = [g.article for g in groups]
    if len(set(articles)) < folds:
        raise ConfigError(f"{len(set(articles))} articles cannot make {folds} folds")
    rows = []
    model_ok = rules_ok = 0
    for k, (tr, te) in enumerate(GroupKFold(n_splits=folds).split(groups, groups=articles)):
        train_g = [groups[i] for i in tr]
        test_g = [groups[i] for i in te]
        model = _fit(train_g, c)
        m, r = accuracy(test_g, model), accuracy(test_g, None)
        model_ok += round(m * len(test_g))
        rules_ok += round(r * len(test_g))
        rows.append({"fold": k, "articles": len({g.article for g in test_g}), "quotes": len(test_g),
                     "model": round(m, 4), "rules": round(r, 4)})
    return {"folds": rows, "quotes": len(groups), "articles": len(set(articles)),
            "model": round(model_ok / len(groups), 4), "rules": round(rules_ok / len(groups), 4),
            "oracle": round(sum(any(g.labels()) for g in groups) / len(groups), 4)}


def run_training(sets: Sequence[str] = TRAINING_SETS, out: Path = PACKAGED_MODEL, folds: int = 5, c: float = 1.0,
                 corpora: Sequence[Path] = DEFAULT_CORPORA, gold_dir: Path = GOLD_DIR) -> dict:
    """Collect the labelled quotes of ``sets``, cross-validate, fit on all of them and write ``out``."""
    if not isinstance(folds, int) or folds < 2:
        raise ConfigError(f"folds must be an int >= 2, got {folds!r}")
    if not c > 0:
        raise ConfigError(f"the regularization C must be positive, got {c!r}")
    paths = training_files(sets, gold_dir)
    if not paths:
        raise ConfigError(f"none of the gold sets {list(sets)} is in {gold_dir}")
    groups = collect(paths, corpora)
    cv = cross_validate(groups, folds, c)
    per_set = {}
    for p in paths:
        name = p.name.removeprefix("quotes_").removesuffix(".jsonl")
        gs = [g for g in groups if g.gold_set == name]
        per_set[name] = {"quotes": len(gs), "rules": round(accuracy(gs, None), 4) if gs else None}
    model = train(groups, c, meta={"sets": [p.name for p in paths], "cross_validation": cv})
    model.save(out)
    return {"model": str(out), "features": len(model.weights), "sets": per_set, "cross_validation": cv}
