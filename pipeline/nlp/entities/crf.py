"""A linear-chain CRF (python-crfsuite) over lexical, clitic, gazetteer and rule features.

Features per token: its matching form, clitic-stripped stems, the proclitic, prefixes and suffixes,
shape, gazetteer hits (BIO of the longest match), cue lists (titles, nationality adjectives,
organization heads, given names, speech verbs, stop words), the rules' own spans, and the same cues
for the two words on each side. Train with ``wirepipe train-ner``; models are not committed.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from pipeline.errors import ConfigError, ResourceMissingError
from pipeline.nlp.entities.rules import Analysis, Candidate, RuleTagger, resolve
from pipeline.nlp.tokenize import Reading, Token

__all__ = ["CrfTagger", "token_features", "train", "analysis_from_tokens", "TRAIN_PARAMS"]

log = logging.getLogger(__name__)

#: L-BFGS with elastic-net regularisation (chosen on the last 15% of the train split); 150
#: iterations train ANERcorp in about a minute on one core.
TRAIN_PARAMS = {"c1": 0.1, "c2": 0.05, "max_iterations": 150, "feature.possible_transitions": True}
_TYPES = ("PERSON", "ORGANIZATION", "LOCATION")


def analysis_from_tokens(words: Sequence[str]) -> Analysis:
    """Build an :class:`Analysis` of pre-tokenized words joined by single spaces (CoNLL sentences)."""
    tokens: list[Token] = []
    pos = 0
    for w in words:
        tokens.append(Token(w, pos, pos + len(w)))
        pos += len(w) + 1
    return Analysis(" ".join(words), tokens)


def _shape(text: str) -> str:
    if text.isdigit():
        return "digit"
    if any("a" <= c.lower() <= "z" for c in text):
        return "latin"
    if not any(c.isalnum() for c in text):
        return "punct"
    if any(c.isdigit() for c in text):
        return "alnum"
    return "word"


def token_features(a: Analysis, rules: RuleTagger) -> list[list[str]]:
    """Return the crfsuite feature strings of every token of an analysed sentence."""
    lex = rules.lex
    n = len(a)
    gaz = ["O"] * n
    i = 0
    while i < n:
        hit = rules.gazetteer_at(a, i) if a.is_word[i] else None
        if hit is None:
            i += 1
            continue
        gaz[i] = "B-" + hit.type
        for k in range(i + 1, hit.end):
            gaz[k] = "I-" + hit.type
        i = hit.end
    rule = ["O"] * n
    role = [False] * n
    for cand in resolve(rules.candidates(a)):
        rule[cand.start] = f"B-{cand.type}-{cand.rule}"
        for k in range(cand.start + 1, cand.end):
            rule[k] = f"I-{cand.type}"
        if cand.role is not None:
            for k in range(cand.role[0], cand.role[1]):
                role[k] = True
    cues: list[str] = []
    stems: list[str] = []
    for i in range(n):
        norm = a.norms[i]
        c = []
        if rules.title_at(a, i) is not None:
            c.append("title")
        if norm in lex.title_modifiers:
            c.append("tmod")
        if norm in lex.nationalities:
            c.append("nat")
        if norm in lex.org_modifiers:
            c.append("omod")
        readings = a.readings[i]
        for r in readings:
            if r.stem in lex.org_heads:
                c.append("orghead")
            if r.stem in lex.first_names:
                c.append("fname")
            if r.stem in lex.speech_verbs:
                c.append("speech")
        if rules._is_stop(a, i):
            c.append("stop")
        cues.append("|".join(sorted(set(c))) or "-")
        stems.append(readings[-1].stem if len(readings) > 1 else norm)
    feats: list[list[str]] = []
    for i in range(n):
        norm = a.norms[i]
        readings = a.readings[i]
        f = [
            "b",
            "w=" + norm,
            "s=" + stems[i],
            "p3=" + norm[:3], "p2=" + norm[:2], "p1=" + norm[:1],
            "x3=" + norm[-3:], "x2=" + norm[-2:], "x1=" + norm[-1:],
            "sx2=" + stems[i][-2:],
            "sh=" + _shape(a.tokens[i].text),
            "al=%d" % norm.startswith("ال"),
            "len=%d" % min(len(norm), 8),
            "g=" + gaz[i],
            "r=" + rule[i],
            "role=%d" % role[i],
            "c=" + cues[i],
        ]
        for r in readings[1:3]:
            f.append("st=" + r.stem)
            f.append("pre=" + norm[:r.prefix])
        for d in (-2, -1, 1, 2):
            k = i + d
            if 0 <= k < n:
                f.append(f"w{d}=" + a.norms[k])
                f.append(f"c{d}=" + cues[k])
                f.append(f"g{d}=" + gaz[k])
                f.append(f"r{d}=" + rule[k])
                if abs(d) == 1:
                    f.append(f"s{d}=" + stems[k])
                    f.append(f"x{d}=" + a.norms[k][-2:])
            else:
                f.append(f"w{d}=<pad>")
        if i > 0:
            f.append("w-1|w=" + a.norms[i - 1] + "|" + norm)
        if i + 1 < n:
            f.append("w|w+1=" + norm + "|" + a.norms[i + 1])
        feats.append(f)
    return feats


def train(sentences, out: str | os.PathLike, rules: RuleTagger, params: dict | None = None) -> dict:
    """Train a CRF on gold sentences (``conll.Sentence``) and write it to ``out``; return figures."""
    import pycrfsuite

    out = Path(out)
    if out.suffix == "":
        raise ConfigError(f"--out must be a model file name such as ner.crfsuite; got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer = pycrfsuite.Trainer(verbose=False)
    t0 = time.perf_counter()
    n_tokens = 0
    for sent in sentences:
        a = analysis_from_tokens(sent.tokens)
        trainer.append(token_features(a, rules), sent.tags)
        n_tokens += len(sent.tokens)
    t1 = time.perf_counter()
    trainer.set_params({**TRAIN_PARAMS, **(params or {})})
    trainer.train(str(out))
    t2 = time.perf_counter()
    return {
        "model": str(out), "sentences": len(sentences), "tokens": n_tokens,
        "features_seconds": round(t1 - t0, 1), "train_seconds": round(t2 - t1, 1),
        "params": {**TRAIN_PARAMS, **(params or {})},
    }


class CrfTagger:
    """Tags analysed text with a trained CRF model and returns candidate spans (method ``crf``)."""

    def __init__(self, tagger, rules: RuleTagger):
        self._tagger = tagger
        self.rules = rules
        # A crfsuite Tagger holds the sequence being tagged: Beam may call one cached extractor
        # from several threads of a worker.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_path: str, rules: RuleTagger) -> "CrfTagger":
        """Open a model written by :func:`train`; raise ResourceMissingError if it is not there."""
        return cls(_open_model(os.fspath(model_path)), rules)

    def tag_bio(self, a: Analysis) -> list[str]:
        """Return a BIO tag per token."""
        if not len(a):
            return []
        features = token_features(a, self.rules)
        with self._lock:
            return self._tagger.tag(features)

    def tag(self, a: Analysis) -> list[Candidate]:
        """Return the model's spans; the first token's proclitic is dropped when its stem is a known name."""
        from pipeline.nlp.entities.conll import spans_from_bio

        out = []
        for kind, start, end in sorted(spans_from_bio(self.tag_bio(a)), key=lambda s: s[1]):
            if kind not in _TYPES:
                continue
            out.append(Candidate(start, end, kind, "crf", self._reading(a, start), rule="crf"))
        return out

    def _reading(self, a: Analysis, i: int) -> Reading:
        readings = a.readings[i]
        rules = self.rules
        for r in readings[1:]:
            if r.restored:
                continue
            # و/ب/ل + article (والرئاسة, بالعراق) is always a proclitic; otherwise only when the
            # stem is itself a known name (وواشنطن, لروسيا), so وليد keeps its و.
            if r.stem.startswith("ال") or r.stem in rules._gaz_first or r.stem in rules.lex.first_names:
                return r
        return readings[0]


@lru_cache(maxsize=4)
def _open_model(path: str):
    import pycrfsuite

    if not os.path.isfile(path):
        raise ResourceMissingError(f"NER model {path} not found; train one with `wirepipe train-ner --conll TRAIN --out {path}`")
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger
