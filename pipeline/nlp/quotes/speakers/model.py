"""The learned speaker model: a linear scorer over sparse candidate features whose weights ship as JSON
in ``pipeline/resources/speakers/model.json`` (trained by ``wirepipe train-speakers``); scoring is a sparse
dot product in pure Python, so the runtime needs no scikit-learn."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from itertools import repeat
from operator import mul
from pathlib import Path
from typing import Callable, Optional

from pipeline.errors import ConfigError
from pipeline.nlp.normalize import fold_word
from pipeline.nlp.quotes.speakers.views import Candidate

MODEL_RESOURCE = "resources/speakers/model.json"


class SpeakerModel:
    """A linear scorer over sparse candidate features; ``choose`` returns the best candidate."""

    def __init__(self, weights: dict[str, float], bias: float = 0.0, meta: Optional[dict] = None):
        if not isinstance(weights, dict) or not all(isinstance(v, (int, float)) for v in weights.values()):
            raise ConfigError("speaker model weights must be a mapping of feature names to numbers")
        self.weights = {str(k): float(v) for k, v in weights.items()}
        self.bias = float(bias)
        self.meta = meta or {}

    def score(self, c: Candidate) -> float:
        """The bias plus the weighted sum of the candidate's features (unknown features weigh 0)."""
        f = c.features
        return self.bias + sum(map(mul, map(self.weights.get, f, repeat(0.0)), f.values()))

    def choose(self, cands: list[Candidate]) -> Candidate:
        """The candidate with the highest score (the first of equals), or the person who holds the office
        it names (:func:`office_holder`), in the fullest form the candidates name it (:func:`fullest_form`)."""
        best = max(cands, key=self.score)
        return fullest_form(office_holder(best, cands, self.score), cands)

    def to_json(self) -> dict:
        """The model as the JSON object :meth:`from_json` reads."""
        return {"format": "wirepipe-speaker-model/1", "bias": self.bias, "weights": self.weights, "meta": self.meta}

    def save(self, path: str | Path) -> None:
        """Write the model as JSON to ``path``, creating its folder."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict) -> "SpeakerModel":
        """The model of a JSON object written by :meth:`to_json` (:class:`ConfigError` when its format is another)."""
        if not isinstance(data, dict) or data.get("format") != "wirepipe-speaker-model/1":
            raise ConfigError("not a wirepipe speaker model (expected format wirepipe-speaker-model/1)")
        return cls(data["weights"], data.get("bias", 0.0), data.get("meta"))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SpeakerModel":
        """The model at ``path``, else the one shipped in the package."""
        if path is None:
            return _packaged()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read speaker model {path}: {exc}") from exc
        return cls.from_json(data)


@lru_cache(maxsize=1)
def _packaged() -> SpeakerModel:
    ref = resources.files("pipeline").joinpath(MODEL_RESOURCE)
    try:
        data = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the packaged speaker model {MODEL_RESOURCE} is missing or broken: {exc}; "
                          "rebuild it with `wirepipe train-speakers`") from exc
    return SpeakerModel.from_json(data)


#: A person beside the office the rules read: in the same sentence (وأكد السفير المصري أسامة شلتوت) or
#: closing the subject's phrase (وأوضح المنسق الإعلامي في اللجنة … خالد بن محمد بووشل، أن).
_HOLDER_KEYS = ("holds_rule_office&same_sentence&role", "subject_run&office&role")


def office_holder(chosen: Candidate, cands: list[Candidate], score: Callable[[Candidate], float]) -> Candidate:
    """The best-scoring person named as the holder of the office the rules read, when ``chosen`` is no
    person: the labelling rules resolve an office to the holder the sentence names (السفير المصري → أسامة
    شلتوت; the eight blind sets left out whole: 4 more right speakers, none fewer). Else ``chosen``."""
    if chosen.entity_type == "PERSON":
        return chosen
    holders = [c for c in cands if any(k in c.features for k in _HOLDER_KEYS) and c.entity_type == "PERSON"]
    return max(holders, key=score) if holders else chosen


def fullest_form(chosen: Candidate, cands: list[Candidate]) -> Candidate:
    """The longest entity mention among ``cands`` that begins with ``chosen``'s words and adds one or two,
    of its type when it has one (وزارة الداخلية → وزارة الداخلية التونسية): the speaker is named as fully
    as the article names it; ``chosen`` itself when none does, or when it is a person (محمد لباد is not
    زينب محمد لباد)."""
    etype = chosen.entity_type
    if chosen.name is None or etype == "PERSON":
        return chosen
    words = fold_word(chosen.name).split()
    n = len(words)
    best = chosen
    for c in cands:
        if c.name is None or "entity" not in c.features or len(c.name) <= len(best.name) \
                or etype is not None and c.entity_type != etype:
            continue
        other = fold_word(c.name).split()
        if n < len(other) <= n + 2 and other[:n] == words:
            best = c
    return best
