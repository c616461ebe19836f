"""A linear-chain CRF (python-crfsuite) over lexical, clitic, gazetteer and rule features.

Features per token: its matching form, clitic-stripped stems, the proclitic, prefixes and suffixes,
shape, gazetteer hits (BIO of the longest match), cue lists (titles, nationality adjectives,
organization heads, given names, speech verbs, stop words), the rules' own spans, and the same cues
for the two words on each side; how often Wikidata uses the word as a given name or a surname
(:mod:`pipeline.nlp.entities.names`); and a lexicon learned from the training corpus itself
(:class:`TrainLexicon`: the tags a word had there, and the entity phrases it listed); word clusters
and inflection classes learned from raw text (:mod:`pipeline.nlp.entities.clusters`). Train with
``wirepipe train-ner`` (:mod:`pipeline.nlp.entities.crf_train`); the default model ships in ``pipeline/resources/models/ner``. The training
lexicon, the cluster table and the feature switches are written next to the model
(``MODEL.lex.json``, ``MODEL.clusters.json.gz``, ``MODEL.meta.json``).
"""
from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
from collections import Counter, defaultdict
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple, Sequence

import numpy as np

from pipeline.errors import ConfigError, ResourceMissingError
from pipeline.nlp.entities.clusters import WordClusters, iter_cluster_features
from pipeline.nlp.entities.kernels import add_neighbours, add_rows, viterbi_path
from pipeline.nlp.entities.document import TYPES as _TYPES, doc_counts, doc_features, doc_keys
from pipeline.nlp.entities.names import PersonNames, count_bucket
from pipeline.nlp.entities.rules import Analysis, Candidate, RuleTagger, resolve
from pipeline.nlp.tokenize import Reading, Token

__all__ = ["CrfTagger", "TrainLexicon", "token_features", "analysis_from_tokens", "TRAIN_PARAMS",
           "LEXICON_FOLDS", "lexicon_path", "clusters_path", "FeatureBuilder", "StateScorer"]

log = logging.getLogger(__name__)

#: L-BFGS with elastic-net regularisation (chosen on the last 15% of the train split); 150
#: iterations train ANERcorp in about a minute on one core.
TRAIN_PARAMS = {"c1": 0.1, "c2": 0.05, "max_iterations": 150, "feature.possible_transitions": True}


#: The training lexicon of each training sentence is built from the other folds (contiguous
#: slices, so a story's names are not in its own lexicon): the model then learns how far a word
#: seen in training data can be trusted on unseen text, instead of copying the gold tag.
LEXICON_FOLDS = 5
_LEXICON_VERSION = 1


def lexicon_path(model_path: str | os.PathLike) -> Path:
    """Where the training lexicon of a model file lives (``MODEL.lex.json``)."""
    return Path(os.fspath(model_path) + ".lex.json")


def clusters_path(model_path: str | os.PathLike) -> Path:
    """Where the word clusters of a model file live (``MODEL.clusters.json.gz``; absent: none used)."""
    return Path(os.fspath(model_path) + ".clusters.json.gz")


def _meta_path(model_path: str | os.PathLike) -> Path:
    return Path(os.fspath(model_path) + ".meta.json")


class TrainLexicon:
    """Words and entity phrases of a tagged corpus: per word the counts of its BIO tags, and per
    phrase (matching forms) its most frequent entity type."""

    def __init__(self, tags: dict[str, dict[str, int]], phrases: dict[tuple[str, ...], str]):
        self.tags = tags
        self.phrases = phrases
        first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in phrases:
            first[phrase[0]].append(phrase)
        self._word_cache: dict[str, list[str]] = {}
        # Per first word: the lengths of its phrases, longest first, and its phrases by their other words.
        self._rests: dict[str, tuple[list[int], dict[tuple[str, ...], tuple[str, ...]]]] = {
            word: (sorted({len(p) for p in options}, reverse=True), {p[1:]: p for p in options})
            for word, options in first.items()}
        self._starts: dict[str, tuple] = {}  # matching form -> the _rests of its readings that have some

    @classmethod
    def build(cls, sentences) -> "TrainLexicon":
        """Count the tags and entity phrases of gold sentences (``conll.Sentence``)."""
        from pipeline.nlp.entities.conll import spans_from_bio

        tags: dict[str, Counter] = defaultdict(Counter)
        phrases: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for sent in sentences:
            a = analysis_from_tokens(sent.tokens)
            for norm, tag in zip(a.norms, sent.tags):
                tags[norm][tag] += 1
            # In text order: a phrase seen as often with two types keeps the first one, whatever the
            # hash seed (spans_from_bio returns a set, and Counter breaks ties by insertion order).
            for kind, start, end in sorted(spans_from_bio(sent.tags), key=lambda s: s[1]):
                phrases[tuple(a.norms[start:end])][kind] += 1
        return cls({w: dict(c) for w, c in tags.items()},
                   {p: c.most_common(1)[0][0] for p, c in phrases.items()})

    def save(self, path: str | os.PathLike) -> None:
        """Write the lexicon as JSON (it holds corpus words: keep it next to the model, uncommitted)."""
        data = {"version": _LEXICON_VERSION, "tags": self.tags,
                "phrases": [[list(p), t] for p, t in self.phrases.items()]}
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, path: str | os.PathLike) -> "TrainLexicon":
        """Read a lexicon written by :meth:`save`; raise ResourceMissingError when absent or stale."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ResourceMissingError(
                f"training lexicon {path} missing or unreadable; retrain the model with `wirepipe train-ner`") from exc
        if data.get("version") != _LEXICON_VERSION:
            raise ResourceMissingError(f"training lexicon {path} is from another version; retrain the model")
        return cls(data["tags"], {tuple(p): t for p, t in data["phrases"]})

    def word_features(self, a: Analysis, i: int) -> list[str]:
        """How the first seen reading of token ``i`` was tagged: entity share bucket and frequent tags."""
        norm = a.norms[i]
        cached = self._word_cache.get(norm)  # readings depend on the matching form only
        if cached is None:
            cached = self._word_features(a.readings[i])
            if len(self._word_cache) < 500_000:
                self._word_cache[norm] = cached
        return cached

    def _word_features(self, readings: tuple[Reading, ...]) -> list[str]:
        for j, r in enumerate(readings):
            if j and r.restored:
                continue
            counts = self.tags.get(r.stem)
            if not counts:
                continue
            total = sum(counts.values())
            share = (total - counts.get("O", 0)) / total
            pre = "lt" if j == 0 else "ls"
            out = [f"{pre}e=" + ("hi" if share >= 0.6 else "mid" if share >= 0.2 else "lo" if share > 0 else "0")]
            out.extend(f"{pre}={tag}" for tag, v in counts.items() if tag != "O" and v / total >= 0.2)
            return out
        return []

    def phrase_tags(self, a: Analysis) -> list[str]:
        """BIO of the longest known entity phrase at each position (first token by any reading)."""
        n = len(a)
        out = ["O"] * n
        norms = a.norms
        options = list(map(self._starts.get, norms))
        if None in options:
            options = [self._options(a, i) if o is None else o for i, o in enumerate(options)]
        end = 0
        for i in [i for i, o in enumerate(options) if o]:  # most words start no phrase
            if i < end:
                continue  # inside the phrase before
            best: tuple[int, str] | None = None
            for sizes, rests in options[i]:  # per reading: its longest phrase there
                for size in sizes:
                    if best is not None and size <= best[0]:
                        break
                    if i + size <= n:
                        p = rests.get(tuple(norms[i + 1:i + size]))
                        if p is not None:
                            best = (size, self.phrases[p])
                            break
            if best is None:
                continue
            size, kind = best
            out[i] = "B-" + kind
            for k in range(i + 1, i + size):
                out[k] = "I-" + kind
            end = i + size
        return out

    def _options(self, a: Analysis, i: int) -> tuple[tuple[tuple[str, ...], ...], ...]:
        # Readings depend on the matching form only: cached by it.
        rests = self._rests
        options = tuple(rests[r.stem] for r in a.readings[i] if r.stem in rests)
        if len(self._starts) < 500_000:
            self._starts[a.norms[i]] = options
        return options


def _name_cue(readings: tuple[Reading, ...], names: PersonNames) -> str:
    """The given-name and surname count buckets of a word's first reading found in the lists."""
    for r in readings:
        if r.restored:
            continue
        g, s = names.given.get(r.stem, 0), names.surname.get(r.stem, 0)
        if g or s:
            return count_bucket(g) + count_bucket(s)
    return "00"


def analysis_from_tokens(words: Sequence[str]) -> Analysis:
    """Build an :class:`Analysis` of pre-tokenized words joined by single spaces (CoNLL sentences)."""
    tokens: list[Token] = []
    pos = 0
    for w in words:
        tokens.append(Token(w, pos, pos + len(w)))
        pos += len(w) + 1
    return Analysis(" ".join(words), tokens)


@lru_cache(maxsize=100_000)
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


def token_features(a: Analysis, rules: RuleTagger, lexicon: TrainLexicon | None = None,
                   names: PersonNames | None = None, clusters: WordClusters | None = None,
                   rule_cands: list[Candidate] | None = None) -> list[list[str]]:
    """Return the crfsuite feature strings of every token of an analysed sentence.

    ``lexicon`` (the training lexicon), ``names`` (the person-name lists) and ``clusters`` (word
    clusters from raw text) add their features when given; a model must be used with the same ones
    it was trained with. A one-off :class:`FeatureBuilder`; reuse one to keep its per-word cache.
    """
    return FeatureBuilder(rules, lexicon, names, clusters)(a, rule_cands)


#: Optional feature groups (``wirepipe train-ner --features``): ``affix``, the first and last 1-4 letters
#: of the proclitic-free reading without its article; ``shape``, cues of transliterated foreign names.
#: Both lowered dev F1 (docs/NER-FINDINGS.md): off by default.
EXTRA_FEATURES = ("affix", "shape")
_LONG_VOWELS = frozenset("اوي")
#: Letters of Persian or European names that native Arabic words do not use (ڤ پ گ چ ژ ک).
_FOREIGN_LETTERS = frozenset("ڤپگچژک")


def _bare(stem: str) -> str:
    return stem[2:] if stem.startswith("ال") and len(stem) > 4 else stem


@lru_cache(maxsize=200_000)
def affix_features(stem: str) -> tuple[str, ...]:
    """Prefixes and suffixes of 1 to 4 letters of a proclitic-free reading, without its article."""
    bare = _bare(stem)
    n = len(bare)
    return (*(f"ap{k}=" + bare[:k] for k in range(1, 5) if k < n),
            *(f"as{k}=" + bare[-k:] for k in range(1, 5) if k < n))


@lru_cache(maxsize=200_000)
def foreign_shape_features(stem: str) -> tuple[str, ...]:
    """Cues of a transliterated name: letters rare in Arabic words, how many long vowels and where,
    a final ي/و/ا, the length."""
    bare = _bare(stem)
    if not bare or not bare.isalpha():
        return ()
    pattern = "".join("v" if c in _LONG_VOWELS else "c" for c in bare)
    vowels = pattern.count("v")
    out = ["fv=%d" % min(vowels, 4), "fe=" + (bare[-1] if bare[-1] in _LONG_VOWELS else "c"),
           "fvv=%d" % ("vv" in pattern), "fl=%d" % min(len(bare), 10), "fp=" + pattern[-4:]]
    if any(c in _FOREIGN_LETTERS for c in bare):
        out.append("frare")
    return tuple(out)


class _Word(NamedTuple):
    """What the features need of one token text, computed once per distinct text."""

    own: tuple[str, ...]   # the token's context-free features
    norm: str
    cues: frozenset[str] | None  # cue names, when a title may start here (``title`` depends on the next words)
    cue: str               # the cue string without ``title``
    near: tuple[tuple[str, ...], ...]  # the features it gives its neighbours at -2, -1, +1, +2
    left: str              # ``w-1|w=`` pair prefix when it is the left word of a pair
    right: str             # ``|`` + norm, the right word of a pair
    tagged: str            # its layout ``tagged`` where no gazetteer entry, rule or title marks it


def _tagged(cue: str, gaz: str, rule: str) -> str:
    """What a neighbour sees of a position: its cue, gazetteer and rule tags (layout's ``tagged``)."""
    return f"{cue}\x00{gaz}\x00{rule}"


_OFFSETS = (-2, -1, 1, 2)
_PAD = tuple((f"w{d}=<pad>",) for d in _OFFSETS)
_OFFSET_ARRAY = np.array(_OFFSETS, dtype=np.intp)


_cue = attrgetter("cue")
_plain_tagged = attrgetter("tagged")


class _Layout(NamedTuple):
    """One sentence as the features see it: its cached words and per-position tags."""

    words: list[_Word]
    cues: list[str]
    gaz: list[str]
    rule: list[str]
    role: list[str]
    tagged: list[str]  # cue, gazetteer and rule tag of each position: all a neighbour sees of it
    phrase: list[str] | None  # BIO of the training lexicon's phrases


class FeatureBuilder:
    """Builds the CRF features of analysed sentences; word-level parts are cached per token text
    (news vocabulary repeats: most tokens of an article were seen in earlier ones).

    ``context`` adds the coarse cluster ids of the words beside a token (a city name after فريق or
    before الإيطالي is a club; it lowered F1 on the dev split, so it is off by default); ``inflection`` the
    word's inflection class from the raw text (a word that takes ال or a pronoun suffix is rarely a name).
    """

    _MAX_CACHE = 300_000

    def __init__(self, rules: RuleTagger, lexicon: TrainLexicon | None = None,
                 names: PersonNames | None = None, clusters: WordClusters | None = None,
                 context: bool = False, inflection: bool = True, known: frozenset[str] | None = None,
                 extra: frozenset[str] = frozenset()):
        """``extra``: optional feature groups of :data:`EXTRA_FEATURES` (recorded in ``MODEL.meta.json``).
        ``known``: when tagging, the attributes the model has weights for; the others change
        nothing, and leaving them out saves crfsuite most of its string lookups."""
        self.rules = rules
        self.lexicon = lexicon
        self.names = names
        self.clusters = clusters
        self.context = context and clusters is not None
        self.inflection = inflection
        unknown = set(extra) - set(EXTRA_FEATURES)
        if unknown:
            raise ConfigError(f"unknown feature groups {sorted(unknown)}; known: {', '.join(EXTRA_FEATURES)}")
        self.extra = frozenset(extra)
        self._known = known
        self._words: dict[str, _Word] = {}

    def __call__(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> list[list[str]]:
        """The crfsuite feature strings of each token, in a fixed order: the word's own, then per
        offset (-2, -1, +1, +2) the neighbour's word and position features (or a pad), then the
        token's position features (:class:`StateScorer` sums the same weights in the same order)."""
        lay = self.layout(a, rule_cands)
        words, n = lay.words, len(lay.words)
        seen: dict[tuple[int, str], tuple[str, ...]] = {}
        feats: list[list[str]] = []
        for i in range(n):
            f = list(words[i].own)
            for j, d in enumerate(_OFFSETS):
                k = i + d
                if 0 <= k < n:
                    f += words[k].near[j]
                    key = (d, lay.tagged[k])
                    ctx = seen.get(key)
                    if ctx is None:
                        ctx = seen[key] = self.neighbour_features(lay, d, k)
                    f += ctx
                else:
                    f += _PAD[j]
            f += self.position_features(lay, i)
            feats.append(f)
        return feats

    def layout(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> _Layout:
        """The cached words of a sentence and its per-position tags (gazetteer, rules, roles, cues, phrases)."""
        rules = self.rules
        n = len(a)
        words = list(map(self._words.get, a.texts))
        if None in words:
            words = [self._word(a, i) if w is None else w for i, w in enumerate(words)]
        cands = rules.candidates(a) if rule_cands is None else rule_cands
        # Gazetteer BIO: the longest entry at each position, left to right (the rules found them all).
        gaz = ["O"] * n
        hits: dict[int, Candidate] = {}
        for c in cands:
            if c.rule == "gazetteer" and (c.start not in hits or c.end > hits[c.start].end):
                hits[c.start] = c
        marked: set[int] = set()  # the positions whose tags are not their word's cue, "O" and "O"
        end = 0
        for i in sorted(hits):
            if i < end:
                continue  # inside the entry before
            hit = hits[i]
            gaz[i] = "B-" + hit.type
            for k in range(i + 1, hit.end):
                gaz[k] = "I-" + hit.type
            marked.update(range(i, hit.end))
            end = hit.end
        rule = ["O"] * n
        role = ["role=0"] * n
        for cand in resolve(cands):
            rule[cand.start] = f"B-{cand.type}-{cand.rule}"
            for k in range(cand.start + 1, cand.end):
                rule[k] = f"I-{cand.type}"
            marked.update(range(cand.start, cand.end))
            if cand.role is not None:
                for k in range(cand.role[0], cand.role[1]):
                    role[k] = "role=1"
        cues = list(map(_cue, words))
        for i in [i for i, w in enumerate(words) if w.cues is not None]:
            w = words[i]
            if rules.title_at(a, i) is not None:
                cues[i] = "|".join(sorted(w.cues | {"title"}))
                marked.add(i)
        # Per position, what a neighbour at each offset sees of it: cue, gazetteer and rule tags.
        tagged = list(map(_plain_tagged, words))
        for i in marked:
            tagged[i] = _tagged(cues[i], gaz[i], rule[i])
        phrase = self.lexicon.phrase_tags(a) if self.lexicon is not None else None
        return _Layout(words, cues, gaz, rule, role, tagged, phrase)

    def neighbour_features(self, lay: _Layout, d: int, k: int) -> tuple[str, ...]:
        """What the token at ``k - d`` sees of its neighbour ``k``: its cue, gazetteer and rule tags
        (a function of ``d`` and ``lay.tagged[k]`` only)."""
        ctx = (f"c{d}=" + lay.cues[k], f"g{d}=" + lay.gaz[k], f"r{d}=" + lay.rule[k])
        if self._known is not None:
            ctx = tuple(x for x in ctx if x in self._known)
        return ctx

    def position_features(self, lay: _Layout, i: int) -> list[str]:
        """The features of position ``i`` that depend on its neighbours' text or tags: its tags, the
        word pairs it is part of, and the training lexicon's phrase tags around it, in that order."""
        return self.tag_features(lay, i) + self.pair_features(lay, i) + self.phrase_features(lay, i)

    def tag_features(self, lay: _Layout, i: int) -> list[str]:
        """Gazetteer, rule, role and cue tags of position ``i`` (a function of ``lay.tagged[i]`` and
        ``lay.role[i]`` only)."""
        return self._filter(["g=" + lay.gaz[i], "r=" + lay.rule[i], lay.role[i], "c=" + lay.cues[i]])

    def pair_features(self, lay: _Layout, i: int) -> list[str]:
        """The word pairs with the previous and the next word."""
        words = lay.words
        pairs = []
        if i > 0:
            pairs.append(words[i - 1].left + words[i].norm)
        if i + 1 < len(words):
            pairs.append("w|w+1=" + words[i].norm + words[i + 1].right)
        return self._filter(pairs)

    def phrase_features(self, lay: _Layout, i: int) -> list[str]:
        """The training lexicon's phrase tags at ``i - 1``, ``i`` and ``i + 1`` (a function of those three)."""
        phrase = lay.phrase
        if phrase is None:
            return []
        out = ["lp=" + phrase[i]]
        if i > 0:
            out.append("lp-1=" + phrase[i - 1])
        if i + 1 < len(phrase):
            out.append("lp1=" + phrase[i + 1])
        return self._filter(out)

    def _filter(self, strings: list[str]) -> list[str]:
        # With ``known``, the strings the model has no weight for are dropped (word-level parts were
        # filtered once, when the word was cached).
        known = self._known
        return strings if known is None else [x for x in strings if x in known]

    def _word(self, a: Analysis, i: int) -> _Word:
        text = a.tokens[i].text
        w = self._words.get(text)
        if w is None:
            w = self._make_word(a, i)
            if len(self._words) < self._MAX_CACHE:
                self._words[text] = w
        return w

    def _make_word(self, a: Analysis, i: int) -> _Word:
        # Everything here depends on the token text only (its matching form, readings and light forms).
        rules = self.rules
        lex = rules.lex
        norm = a.norms[i]
        readings = a.readings[i]
        c = set()
        if norm in lex.title_modifiers:
            c.add("tmod")
        if norm in lex.nationalities:
            c.add("nat")
        if norm in lex.org_modifiers:
            c.add("omod")
        for r in readings:
            if r.stem in lex.org_heads:
                c.add("orghead")
            if r.stem in lex.first_names:
                c.add("fname")
            if r.stem in lex.speech_verbs:
                c.add("speech")
        if rules._is_stop(a, i):
            c.add("stop")
        cues = frozenset(c)
        # Only words that can start a title need the title check at each position.
        title_possible = any(r.stem in rules._title_first for r in readings)
        cue = "|".join(sorted(cues)) or "-"
        stem = readings[-1].stem if len(readings) > 1 else norm
        own = [
            "b", "w=" + norm, "s=" + stem,
            "p3=" + norm[:3], "p2=" + norm[:2], "p1=" + norm[:1],
            "x3=" + norm[-3:], "x2=" + norm[-2:], "x1=" + norm[-1:],
            "sx2=" + stem[-2:], "sh=" + _shape(a.tokens[i].text),
            "al=%d" % norm.startswith("ال"), "len=%d" % min(len(norm), 8),
        ]
        for r in readings[1:3]:
            own.append("st=" + r.stem)
            own.append("pre=" + norm[:r.prefix])
        if "affix" in self.extra:
            own += affix_features(stem)
        if "shape" in self.extra:
            own += foreign_shape_features(stem)
        name = None
        if self.names is not None:
            name = _name_cue(readings, self.names)
            own += ("ng=" + name[0], "ns=" + name[1], "ngs=" + name)
        if self.lexicon is not None:
            own += self.lexicon.word_features(a, i)
        coarse = "none"
        if self.clusters is not None:
            ids = self.clusters.lookup(norm, readings)
            own += iter_cluster_features(ids, self.clusters.sizes, "", self.inflection)
            if ids is not None:
                coarse = str(ids[0])
        near = []
        for d in _OFFSETS:
            g = [f"w{d}=" + norm]
            if d in (-1, 1):
                g += (f"s{d}=" + stem, f"x{d}=" + norm[-2:])
                if self.context:
                    g.append(f"kc{d}=" + coarse)
                if name is not None:
                    g.append(("ngs-1=" if d == -1 else "ngs1=") + name)
            near.append(tuple(g))
        if self._known is not None:
            own = [x for x in own if x in self._known]
            near = [tuple(x for x in g if x in self._known) for g in near]
        return _Word(tuple(own), norm, cues if title_possible else None, cue, tuple(near),
                     "w-1|w=" + norm + "|", "|" + norm, _tagged(cue, "O", "O"))


class StateScorer:
    """crfsuite's tagging done in numpy from the model's own weights: the same state scores summed in
    the same order (so the same floats), and the same Viterbi with the same tie-breaking.

    crfsuite adds, per token, the weight of each of its feature strings to the label scores, in the
    order of the strings. Here the sum of a word's own features (the first in that order, and the
    same wherever the word stands) is kept per word; the rest are looked up as weight rows and added
    column by column over the whole sentence. Building ~40 strings per token and crfsuite's lookup of
    each were two thirds of the entity extractor's time. The sums and the Viterbi run compiled
    (:mod:`pipeline.nlp.entities.kernels`).
    """

    _MAX_WORDS = 300_000
    _MAX_PAIRS = 200_000  # word-pair triples kept (about 40 MB when full; then cleared)
    _NEAR = 5  # at most so many of a neighbour's own features per offset (see FeatureBuilder._make_word)
    _CTX = 3  # cue, gazetteer and rule tag of a neighbour
    _POSITION = 4 + 2 + 3  # tags, word pairs, phrase tags (FeatureBuilder.position_features)

    def __init__(self, tagger, features: FeatureBuilder, info=None):
        """``info``: ``tagger.info()`` when the caller has it already (it parses the whole model)."""
        info = info if info is not None else model_info(tagger)
        self.labels: list[str] = list(tagger.labels())
        index = {label: j for j, label in enumerate(self.labels)}
        size = len(self.labels)
        # Row 0 is all zeros: padding, and strings the model has no weight for (adding 0.0 changes no sum).
        self._attr: dict[str, int] = {}
        for attr, _ in info.state_features:
            self._attr.setdefault(attr, len(self._attr) + 1)
        self._w = np.zeros((len(self._attr) + 1, size))
        for (attr, label), weight in info.state_features.items():
            self._w[self._attr[attr], index[label]] = weight
        self._trans = np.zeros((size, size))
        for (prev, label), weight in info.transitions.items():
            self._trans[index[prev], index[label]] = weight
        self._features = features
        self._pad = np.array([self._ids(p, self._NEAR) for p in _PAD], dtype=np.intp)
        # The words that can come first and second in a word-pair feature the model knows ("w-1|w=A|B",
        # "w|w+1=A|B"): every split at a "|" (a word may contain one), so the sets hold them all and a few
        # more. A pair of words whose first is not in the first set or whose second is not in the second
        # makes a string the model has no weight for.
        splits = [[(rest[:k], rest[k + 1:]) for attr in self._attr if attr.startswith(prefix)
                   for rest in (attr[len(prefix):],) for k in range(len(rest)) if rest[k] == "|"]
                  for prefix in ("w-1|w=", "w|w+1=")]
        self._pair_words: tuple[frozenset[str], ...] = tuple(
            frozenset(pair[side] for pair in pairs) for pairs in splits for side in (0, 1))
        self._reset()
        # Compile (or load from numba's cache) now, where the models load: not in the first article, and
        # once before a replay forks its chunk processes.
        one, none = np.zeros((1, size)), np.zeros(1, dtype=np.intp)
        add_neighbours(one, self._w, self._near, self._ctx, none, none, self._pad, _OFFSET_ARRAY)
        add_rows(one, self._w, np.zeros((1, 1), dtype=np.intp), none)
        viterbi_path(np.zeros((2, size)), self._trans)

    def _reset(self) -> None:
        size = len(self.labels)
        self._rows: dict[str, int] = {}  # token text -> row of the word tables
        self._own = np.zeros((1024, size))  # the sum of the word's own features
        self._near = np.zeros((1024, len(_OFFSETS), self._NEAR), dtype=np.intp)  # what neighbours see of it
        # can be the first word, the second word of a known pair w-1|w; the first, the second of one w|w+1
        self._pairs = np.zeros((1024, 4), dtype=bool)
        self._codes: dict[str, int] = {}  # a position's tags (FeatureBuilder layout's ``tagged``) -> code
        self._ctx = np.zeros((64, len(_OFFSETS), self._CTX), dtype=np.intp)  # what neighbours see of the tags
        self._tags = np.zeros((64, 2, 4), dtype=np.intp)  # the position's own tag features, without/with role
        self._phrase: dict[tuple, list[int]] = {}
        # (row before or -1, row, row after or -1) -> the ids of the word-pair features at that position
        self._pair_ids: dict[tuple[int, int, int], tuple[int, ...]] = {}

    def _ids(self, strings, width: int) -> list[int]:
        ids = [self._attr.get(x, 0) for x in strings]
        if len(ids) > width:
            raise ValueError(f"{len(ids)} features where at most {width} were expected")
        return ids + [0] * (width - len(ids))

    def _row(self, text: str, w: _Word) -> int:
        row = self._rows.get(text)
        if row is None:
            row = self._rows[text] = len(self._rows)
            if row >= len(self._own):
                self._own, self._near, self._pairs = (np.concatenate([t, np.zeros_like(t)])
                                                      for t in (self._own, self._near, self._pairs))
            # cumsum adds one row after the other (np.sum would pair them): crfsuite's partial sums.
            own = self._w[[0, *(self._attr.get(x, 0) for x in w.own)]]
            self._own[row] = own.cumsum(axis=0)[-1]
            self._near[row] = [self._ids(g, self._NEAR) for g in w.near]
            self._pairs[row] = [w.norm in words for words in self._pair_words]
        return row

    def _code(self, lay: _Layout, k: int) -> int:
        code = self._codes.get(lay.tagged[k])
        if code is None:
            code = self._codes[lay.tagged[k]] = len(self._codes)
            if code >= len(self._ctx):
                self._ctx, self._tags = (np.concatenate([t, np.zeros_like(t)]) for t in (self._ctx, self._tags))
            features = self._features
            self._ctx[code] = [self._ids(features.neighbour_features(lay, d, k), self._CTX) for d in _OFFSETS]
            role = lay.role[k]
            for r, value in enumerate(("role=0", "role=1")):
                lay.role[k] = value
                self._tags[code, r] = self._ids(features.tag_features(lay, k), 4)
            lay.role[k] = role
        return code

    def scores(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> np.ndarray:
        """The state score of each label at each token (shape tokens x labels), as crfsuite computes it."""
        if len(self._rows) > self._MAX_WORDS:
            self._reset()
        features = self._features
        lay = features.layout(a, rule_cands)
        n = len(lay.words)
        tokens, words = a.tokens, lay.words
        # Plain dict lookups first (most words and tags were seen before), then the misses.
        rows = list(map(self._rows.get, a.texts))
        if None in rows:
            rows = [self._row(tokens[i].text, words[i]) if r is None else r for i, r in enumerate(rows)]
        codes = list(map(self._codes.get, lay.tagged))
        if None in codes:
            codes = [self._code(lay, k) if c is None else c for k, c in enumerate(codes)]
        rows, codes = np.array(rows, dtype=np.intp), np.array(codes, dtype=np.intp)
        # FeatureBuilder.position_features, in its order: tags, word pairs, phrase tags.
        ids = np.zeros((n, self._POSITION), dtype=np.intp)
        role = np.zeros(n, dtype=np.intp)
        if "role=1" in lay.role:
            role[[i for i, r in enumerate(lay.role) if r == "role=1"]] = 1
        ids[:, :4] = self._tags[codes, role]
        pairs = self._pairs[rows]
        # Word pairs: strings only where both words can be in some pair the model knows.
        left = np.flatnonzero(pairs[:-1, 0] & pairs[1:, 1]) + 1
        right = np.flatnonzero(pairs[:-1, 2] & pairs[1:, 3])
        at = sorted({*left.tolist(), *right.tolist()})
        if at:
            # the pairs' strings depend on the three words only: looked up by their rows once per triple
            rl = rows.tolist()
            last = n - 1
            cache = self._pair_ids
            found = []
            for i in at:
                key = (rl[i - 1] if i else -1, rl[i], rl[i + 1] if i < last else -1)
                pid = cache.get(key)
                if pid is None:
                    if len(cache) >= self._MAX_PAIRS:
                        cache.clear()  # bounded, like the word tables
                    pid = cache[key] = tuple(self._ids(features.pair_features(lay, i), 2))
                found.append(pid)
            ids[at, 4:6] = found
        phrase = lay.phrase
        if phrase is not None and n:
            # Phrase tags: one value for "O" on both sides and itself; the rest looked up by their three tags.
            inner = self._phrase_ids(lay, ("O", "O", "O"), None)
            ids[:, 6:] = inner
            inside = [i for i, tag in enumerate(phrase) if tag != "O"]
            special = {0, n - 1, *inside, *(i - 1 for i in inside), *(i + 1 for i in inside)}
            at = [i for i in special if 0 <= i < n]
            keys = [(phrase[i - 1] if i > 0 else None, phrase[i], phrase[i + 1] if i + 1 < n else None) for i in at]
            ids[at, 6:] = [self._phrase_ids(lay, key, i) for key, i in zip(keys, at)]
        # Each token's sums in crfsuite's order: its own features (summed per word), what it sees of each
        # neighbour (offset by offset; where there is none, the pad string), then its position features. A
        # column of row 0 only adds +0.0, which changes no sum (a sum that starts at +0.0 is never -0.0):
        # such columns are skipped.
        state = self._own[rows]
        add_neighbours(state, self._w, self._near, self._ctx, rows, codes, self._pad, _OFFSET_ARRAY)
        add_rows(state, self._w, ids, np.flatnonzero(ids.any(axis=0)))
        return state

    def _phrase_ids(self, lay: _Layout, key: tuple, i: int | None) -> list[int]:
        ids = self._phrase.get(key)
        if ids is None:
            if i is None:  # an inner position with "O" around: any such position of a 3-token view
                lay = lay._replace(phrase=["O", "O", "O"])
                i = 1
            ids = self._phrase[key] = self._ids(self._features.phrase_features(lay, i), 3)
        return ids

    def tag(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> list[str]:
        """The Viterbi labels of a sentence: crfsuite's ``Tagger.tag`` on the features' strings."""
        if not len(a):
            return []
        return [self.labels[j] for j in self.best(self.scores(a, rule_cands))]

    def best(self, state: np.ndarray) -> list[int]:
        """The Viterbi label indexes of state scores."""
        return viterbi(state, self._trans) if len(state) else []

    def first_pass(self, state: np.ndarray) -> list[str]:
        """Each token's best label by its state scores alone (no Viterbi): what a document model's
        first pass needs, the type of each word, at a fraction of a Viterbi's cost."""
        labels = self.labels
        return [labels[j] for j in state.argmax(axis=1).tolist()]

    def second_pass(self, state: np.ndarray, features: Sequence[Sequence[str]]) -> list[int]:
        """The Viterbi labels once each token's document ``features`` (:func:`doc_features`) are added
        to its state scores, after its other features as crfsuite adds them."""
        attr, w = self._attr, self._w
        n = len(features)
        width = max((len(f) for f in features), default=0)
        ids = np.zeros((n, width), dtype=np.intp)
        for i, strings in enumerate(features):
            for j, x in enumerate(strings):
                ids[i, j] = attr.get(x, 0)
        state = state.copy()
        add_rows(state, w, ids, np.arange(width))  # column by column: each token's sums in crfsuite's order
        return viterbi(state, self._trans)


def viterbi(state: np.ndarray, trans: np.ndarray) -> list[int]:
    """The best label path given state scores (tokens x labels) and transition scores (from x to), with
    crfsuite's arithmetic and tie-breaking (the first best predecessor, the first best last label)."""
    if not len(state):
        return []
    return viterbi_path(np.ascontiguousarray(state, dtype=np.float64), np.ascontiguousarray(trans, dtype=np.float64)).tolist()


class CrfTagger:
    """Tags analysed text with a trained CRF model and returns candidate spans (method ``crf``)."""

    def __init__(self, tagger, rules: RuleTagger, lexicon: TrainLexicon | None = None,
                 names: PersonNames | None = None, clusters: WordClusters | None = None,
                 context: bool = True, inflection: bool = True, extra: frozenset[str] = frozenset(),
                 doc_window: int | None = None):
        """``doc_window``: the model was trained with document features, with that many sentences on
        each side as a sentence's document (None: without); it then tags in two passes."""
        self._tagger = tagger
        self.rules = rules
        self.lexicon = lexicon
        self.names = names
        info = model_info(tagger) if tagger is not None else None  # crfsuite dumps the model, parsed once
        known = frozenset(attr for attr, _ in info.state_features) if info is not None else None
        self._features = FeatureBuilder(rules, lexicon, names, clusters, context, inflection, known, frozenset(extra))
        self._scorer = StateScorer(tagger, self._features, info) if tagger is not None else None
        self.doc_window = doc_window
        self.doc = doc_window is not None
        # A crfsuite Tagger holds the sequence being tagged: Beam may call one cached extractor
        # from several threads of a worker.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_path: str, rules: RuleTagger) -> "CrfTagger":
        """Open a model written by :func:`train` and its lexicon; raise ResourceMissingError if either
        is not there."""
        tagger, lexicon, clusters, meta = _open_model(os.fspath(model_path))
        return cls(tagger, rules, lexicon, PersonNames.load(), clusters, meta.get("context", False),
                   meta.get("inflection", False), frozenset(meta.get("extra", ())),
                   meta.get("doc_window"))

    def tag_bio(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> list[str]:
        """Return a BIO tag per token (``rule_cands``: the rules' candidates, if already computed); the
        analysis is its own document."""
        return self.tag_document([a], None if rule_cands is None else [rule_cands])[0]

    def tag_document(self, parts: Sequence[Analysis], rule_cands: Sequence[list[Candidate]] | None = None,
                     context: Sequence[Analysis] = ()) -> list[list[str]]:
        """BIO tags of each part of one document (an article's headline and body). A model with
        document features tags twice: the first pass's types of each word in all parts and in
        ``context`` (more text of the document, not tagged here) become features of the second.
        The first pass takes each token's best label by its state scores (:meth:`StateScorer.first_pass`)."""
        if rule_cands is None:
            rule_cands = [self.rules.candidates(a) for a in parts]
        # The feature caches are not thread-safe for writes of the same key either: tag under the lock.
        with self._lock:
            scorer = self._scorer
            labels = scorer.labels
            states = [scorer.scores(a, c) if len(a) else None for a, c in zip(parts, rule_cands)]
            if not self.doc:
                return [[labels[j] for j in scorer.best(s)] if s is not None else [] for s in states]
            # A document model: first pass by state scores alone (dev F1 0.7489 against 0.7506 with a
            # first Viterbi, for 8% of the entity speed instead of 24%), then a Viterbi with d= features.
            first = [scorer.first_pass(s) if s is not None else [] for s in states]
            keys = [doc_keys(a) for a in parts]
            more = [a for a in context if len(a)]
            counts = doc_counts(keys + [doc_keys(a) for a in more],
                                first + [scorer.first_pass(scorer.scores(a)) for a in more])
            return [[labels[j] for j in scorer.second_pass(s, doc_features(k, t, counts))] if s is not None else []
                    for s, k, t in zip(states, keys, first)]

    def tag(self, a: Analysis, rule_cands: list[Candidate] | None = None) -> list[Candidate]:
        """Return the model's spans; the first token's proclitic is dropped when its stem is a known name."""
        return self.tag_fields([a], None if rule_cands is None else [rule_cands])[0]

    def tag_fields(self, parts: Sequence[Analysis], rule_cands: Sequence[list[Candidate]] | None = None,
                   context: Sequence[Analysis] = ()) -> list[list[Candidate]]:
        """:meth:`tag` of each part of one document (see :meth:`tag_document`)."""
        from pipeline.nlp.entities.conll import spans_from_bio

        out = []
        for a, tags in zip(parts, self.tag_document(parts, rule_cands, context)):
            cands = []
            for kind, start, end in sorted(spans_from_bio(tags), key=lambda s: s[1]):
                if kind in _TYPES:
                    cands.append(Candidate(start, end, kind, "crf", self.rules.name_reading(a, start), rule="crf"))
            out.append(cands)
        return out


class ModelInfo(NamedTuple):
    """What ``pycrfsuite.Tagger.info()`` returns (its ``ParsedDump``), in the dump's order."""

    header: dict
    labels: dict  # name -> internal id (a string of digits)
    attributes: dict
    transitions: dict  # (from label, to label) -> weight
    state_features: dict  # (attribute, label) -> weight


_DUMP_SECTION = re.compile(r"^(FILEHEADER|LABELS|ATTRIBUTES|TRANSITIONS|STATE_FEATURES) = \{\n(.*?)^\}", re.M | re.S)
_DUMP_NAMED = {"FILEHEADER": re.compile(r"^[ \t]*(\w+): (.*)", re.M), "LABELS": re.compile(r"^[ \t]*(\d+): (.*)", re.M)}
_DUMP_WEIGHT = re.compile(r"^[ \t]*\(\d+\) (.+) --> (.+): ([+-]?\d+\.\d+)", re.M)


def model_info(tagger) -> ModelInfo:
    """``tagger.info()``, parsed a section at a time (pycrfsuite matches each of the dump's lines in Python, a
    regex and a method call each: 0.7 of the 1.5 CPU-s that loading the default model took, on every replay)."""
    fd, name = tempfile.mkstemp()
    os.close(fd)
    try:
        tagger.dump(name)
        with open(name, "rb") as fh:
            text = fh.read().decode("utf-8").replace("\r\n", "\n")
    finally:
        os.unlink(name)
    sections = {kind: body for kind, body in _DUMP_SECTION.findall(text)}
    header = dict(_DUMP_NAMED["FILEHEADER"].findall(sections.get("FILEHEADER", "")))
    labels = {label: number for number, label in _DUMP_NAMED["LABELS"].findall(sections.get("LABELS", ""))}
    attributes = {attr: number for number, attr in _DUMP_NAMED["LABELS"].findall(sections.get("ATTRIBUTES", ""))}
    transitions = {(a, b): float(w) for a, b, w in _DUMP_WEIGHT.findall(sections.get("TRANSITIONS", ""))}
    state_features = {(a, b): float(w) for a, b, w in _DUMP_WEIGHT.findall(sections.get("STATE_FEATURES", ""))}
    return ModelInfo(header, labels, attributes, transitions, state_features)


def rule_guard_words(model_path: str | os.PathLike) -> frozenset[str]:
    """The common words the rules' name guard used when the model was trained (none for older models)."""
    path = os.fspath(model_path)
    if not os.path.isfile(path):
        return frozenset()  # the caller reports the missing model itself
    _, _, clusters, meta = _open_model(path)
    if clusters is None or not meta.get("rule_guard"):
        return frozenset()
    return clusters.common_words()


@lru_cache(maxsize=4)
def _open_model(path: str):
    import pycrfsuite

    if not os.path.isfile(path):
        raise ResourceMissingError(f"NER model {path} not found; train one with `wirepipe train-ner --conll TRAIN --out {path}`")
    lexicon = TrainLexicon.read(lexicon_path(path))
    cpath = clusters_path(path)
    clusters = WordClusters.read(cpath) if cpath.exists() else None
    try:
        meta = json.loads(_meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}  # models trained before clusters existed
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger, lexicon, clusters, meta
