"""The entity extractor the Enrich stage calls: one object per process, ``extract(headline, body)``."""
from __future__ import annotations

import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from pipeline.errors import ConfigError
from pipeline.nlp.analysis import ArticleAnalysis
from pipeline.nlp.entities.gazetteer import Gazetteer, Lexicon
from pipeline.nlp.entities.linking import Mention, assign_canonicals, link_persons, mention_from_candidate
from pipeline.nlp.entities.rules import Analysis, Candidate, RuleTagger, resolve
from pipeline.nlp.entities.words import WordLexicon

__all__ = ["EntityExtractor", "BACKENDS", "packaged_model", "trim_edge_words"]

BACKENDS = ("auto", "rules", "crf", "camel")
_FIELDS = (("HEADLINE", 0), ("BODY", 1))


class EntityExtractor:
    """Finds PERSON, ORGANIZATION and LOCATION mentions with roles and canonical names.

    Build it with :meth:`load` (heavy resources are read once and cached); ``extract`` is pure.
    """

    def __init__(self, rules: RuleTagger, tagger=None, backend: str = "rules"):
        """Use :meth:`load`; ``tagger`` is a statistical tagger (CRF or CAMeL) or None for rules only."""
        self.rules = rules
        self.tagger = tagger
        self.backend = backend
        self._stopwords = frozenset(rules.lex.stopwords)

    @classmethod
    def load(cls, model_path: str | None = None, backend: str = "auto") -> "EntityExtractor":
        """Return an extractor: ``rules`` (gazetteers and rules), ``crf`` (``model_path``, else the
        model shipped in the package), ``camel`` (camel-tools' pretrained NER, if its data is
        installed) or ``auto`` (``crf`` when a model is given or shipped, else rules). Cached per
        (model_path, backend)."""
        if backend not in BACKENDS:
            raise ConfigError(f"entity backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
        if model_path is not None and not isinstance(model_path, (str, os.PathLike)):
            raise ConfigError(f"model_path must be a path string or None; got {type(model_path).__name__}")
        if backend in ("crf", "auto") and model_path is None:
            model_path = packaged_model()
            if model_path is None and backend == "crf":
                raise ConfigError("backend 'crf' needs model_path: this install ships no model "
                                  "(train one with `wirepipe train-ner`)")
        if backend == "auto":
            backend = "crf" if model_path else "rules"
        return _load_cached(None if model_path is None else os.fspath(model_path), backend)

    def extract(self, headline: str | None, body: str, analysis: ArticleAnalysis | None = None,
                context: Sequence[str] = ()) -> list[dict]:
        """Return the Avro ``Entity`` records of an article, sorted by (field, start); ``analysis``: the
        article's analysis when the caller has one (of this headline and body); ``context``: more text
        of the same document, read by a model with document features (the sentences around one of a
        corpus that marks no documents)."""
        if analysis is None:
            analysis = ArticleAnalysis(headline, body)
        parts = [(field, analysis.tokens(field)) for field, text in (("HEADLINE", headline), ("BODY", body)) if text]
        kept_all = self._candidates_of([a for _, a in parts], [Analysis(t) for t in context])
        fields: list[tuple[str, Analysis, list[Mention]]] = []
        for (field, a), kept in zip(parts, kept_all):
            fields.append((field, a, [mention_from_candidate(a, c, field) for c in kept]))
        link_persons(fields, self._stopwords)
        mentions = [m for _, _, ms in fields for m in ms]
        assign_canonicals(mentions)
        records = [m.as_record() for m in mentions]
        records.sort(key=lambda r: (r["field"], r["start"]))
        return records

    def tag_tokens(self, a: Analysis) -> list[Candidate]:
        """Return the resolved candidates of one analysed field (used by the evaluation on CoNLL text)."""
        return self._candidates(a)

    def _candidates(self, a: Analysis) -> list[Candidate]:
        return self._candidates_of([a])[0]

    def _candidates_of(self, parts: list[Analysis], context: Sequence[Analysis] = ()) -> list[list[Candidate]]:
        # The parts of one document together: a CRF with document features reads them all.
        rule_cands = [self.rules.candidates(a) for a in parts]
        if self.tagger is None:
            return [self._finish(a, resolve(c)) for a, c in zip(parts, rule_cands)]
        if hasattr(self.tagger, "tag_fields"):
            model = self.tagger.tag_fields(parts, rule_cands, context)
        else:
            model = [self.tagger.tag(a, c) for a, c in zip(parts, rule_cands)]
        return [self._finish(a, combine(m, c)) for a, m, c in zip(parts, model, rule_cands)]

    def _finish(self, a: Analysis, cands: list[Candidate]) -> list[Candidate]:
        """The same last steps for the rules' and the model's spans: regional bodies, edge words, the
        divine name."""
        return without_divine_name(trim_edge_words(a, regional_bodies(a, cands, self.rules), self.rules))


def combine(model: list[Candidate], rule_cands: list[Candidate]) -> list[Candidate]:
    """Model spans, with the role of a title rule whose name starts where a model person does, plus
    the rules' national bodies (الجيش السوري, الحكومة العراقية) where the model found nothing.

    Other rule spans are not added: on the held-out last 15% of ANERcorp's train split they lowered
    micro-F1 from 0.71 to 0.66-0.68 (the model already sees the rules as features); measured again
    with the lexicon features, adding any one rule's spans where the model found nothing (title,
    firstname, fullname, speech, gazetteer, orghead, nationality, coordination) left it equal or
    lower (gazetteer −1.0 point, title −0.7, speech −0.35, fullname −0.04). The national
    bodies cost about one point there (ANERcorp leaves them untagged) but are part of our contract.
    """
    roles: dict[int, Candidate] = {}
    for c in rule_cands:
        if c.role is not None and (c.start not in roles or c.rule == "title"):
            roles[c.start] = c  # a title (نظيره العراقي) beats a bare nationality (العراقي)
    out: list[Candidate] = []
    taken: set[int] = set()
    for c in model:
        rule = roles.get(c.start)
        if c.type == "PERSON" and rule is not None:
            c = Candidate(c.start, c.end, c.type, c.method, c.reading, c.key, rule.role, c.rule)
        out.append(c)
        taken.update(range(c.start, c.end))
    for c in resolve(rule_cands):
        if c.rule == "orgnational" and not taken.intersection(range(c.start, c.end)):
            out.append(c)
    out.sort(key=lambda c: c.start)
    return out


def regional_bodies(a: Analysis, cands: list[Candidate], rules: RuleTagger) -> list[Candidate]:
    """A place found right after a regional head and its unit (the lexicon's ``regional_heads`` and
    ``regional_units``) becomes that body, an organization whose
    name ends with the place (أمانة منطقة | تبوك → أمانة منطقة تبوك): news names the body, and the place
    inside it is no mention of its own. The place is the tagger's or the gazetteer's, whichever is
    longer (مكة → مكة المكرمة); a head without a recognised place is left as it was."""
    lex = rules.lex
    out: list[Candidate] = []
    for c in cands:
        h = c.start - 2
        if c.type != "LOCATION" or h < 0 or a.norms[c.start - 1] not in lex.regional_units:
            out.append(c)
            continue
        head = next((r for r in a.readings[h] if r.stem in lex.regional_heads), None)
        if head is None:
            out.append(c)
            continue
        hit = rules.gazetteer_at(a, c.start)
        end = max(c.end, hit.end) if hit is not None and hit.type == "LOCATION" else c.end
        if out and out[-1].end > h:
            out.append(c)  # the head is inside another mention already
            continue
        out.append(Candidate(h, end, "ORGANIZATION", "rule", head, rule="orgregion"))
    kept: list[Candidate] = []
    for c in out:  # a later candidate inside a body's extended place (المكرمة) goes
        if kept and kept[-1].rule == "orgregion" and c.start < kept[-1].end:
            continue
        kept.append(c)
    return kept


def without_divine_name(cands: list[Candidate]) -> list[Candidate]:
    """The candidates without الله standing alone (بالله، والله، قال الله تعالى): God is no person,
    organization or place of the news (ANERcorp tags it MISC 48 times and PERS 3). Inside a name it stays
    (عبد الله, حزب الله, رام الله: more than one token)."""
    return [c for c in cands if not (c.end - c.start == 1 and c.reading.stem == "الله")]


def trim_edge_words(a: Analysis, cands: list[Candidate], rules: RuleTagger) -> list[Candidate]:
    """Take verbs and particles (:meth:`WordLexicon.is_edge_token`) off both ends of each span, and
    drop a span that nothing is left of: a tagger that learned "word before a name" takes the verb
    along (روى ناصر الجهمي), and a name never starts or ends with one. A rule's span that starts with
    one is dropped whole: its first word was the evidence (on the two-day SaudiNewsNet file the rest
    was a name in none of them: فيما يخص, قام بزيارة, رحب بالرئيس)."""
    words = WordLexicon.load()

    def edge(i: int) -> bool:
        return words.is_edge_token(a, i)

    out = []
    for c in cands:
        start, end = c.start, c.end
        if not (edge(start) or edge(end - 1)):
            out.append(c)
            continue
        # A listed name keeps its words (سي إن إن, في تي جي): the list knows it ends with إن.
        hit = rules.gazetteer_at(a, start) or rules.persons.match_at(a.norms, a.readings, start)
        listed = hit.end if hit is not None and hit.end <= end else start
        while start < end and start >= listed and edge(start):
            start += 1
        if start > c.start and c.method == "rule":
            continue  # the rule took a verb for a name (فيما يخص, قام بزيارة): what follows is no name either
        while end > max(start, listed) and edge(end - 1):
            end -= 1
        if start == end:
            continue
        if (start, end) != (c.start, c.end):
            reading = c.reading if start == c.start else rules.name_reading(a, start)
            c = replace(c, start=start, end=end, reading=reading)
        out.append(c)
    return out


def packaged_model() -> str | None:
    """The path of the CRF model shipped in ``pipeline/resources/models/ner`` (its README says how it
    was trained and under which license), or None when this install has none."""
    # A file path, not importlib.resources: crfsuite opens models by name (wheels install unzipped).
    path = Path(__file__).resolve().parents[2] / "resources" / "models" / "ner" / "ner.crfsuite"
    return str(path) if path.is_file() else None


@lru_cache(maxsize=4)
def _load_cached(model_path: str | None, backend: str) -> EntityExtractor:
    # The rules' name guard: with a model, the words it was trained with (its rule features were made
    # with them; the shipped model has none, the guard lowered its dev F1); the rules alone take the
    # common words of the shipped cluster table (dev F1 of the rules 0.599 -> 0.602).
    from pipeline.nlp.entities.crf import clusters_path, rule_guard_words

    common: frozenset[str] = frozenset()
    if backend == "crf":
        common = rule_guard_words(model_path)
    elif backend == "rules" and packaged_model() is not None and clusters_path(packaged_model()).is_file():
        from pipeline.nlp.entities.clusters import WordClusters

        common = WordClusters.read(clusters_path(packaged_model())).common_words()
    rules = RuleTagger(Gazetteer.load(), Lexicon.load(), common_words=common)
    tagger = None
    if backend == "crf":
        from pipeline.nlp.entities.crf import CrfTagger

        tagger = CrfTagger.load(model_path, rules)
    elif backend == "camel":
        from pipeline.nlp.entities.camel import CamelTagger

        tagger = CamelTagger.load()
    return EntityExtractor(rules, tagger, backend)
