"""Quotations in Arabic news: direct quotes in marks, partial quotes inside reported speech, and
indirect speech (a speech verb with an أن/إن clause), each with its speaker.

The extractor works on a *folded* copy of each field (see :func:`pipeline.nlp.normalize.fold`): letter variants
are replaced one for one and diacritics dropped, with an index back to the original, so every offset
it reports indexes the original text. It runs precompiled regular expressions over the whole field and
only looks at words near a cue, which keeps it above 2,000 articles a second on one core.

Kinds (docs/ARCHITECTURE.md): DIRECT — an utterance in marks (or after "قال:" with no marks) with a
speech cue before or after it; PARTIAL — a quoted fragment inside an INDIRECT clause (reported as well
as the clause); INDIRECT — a speech verb, participle or frame with an أن/إن/بأن/إلى أن clause, the span
starting after the complementizer and its pronoun and ending at the end of the sentence or before the
next speech cue. Quoted names and scare quotes (after تنظيم، حملة، ما يسمى …, or short with no cue)
are not quotes.

Speakers come from the entities the entity extractor found (the entity's canonical form, its index),
consumed defensively (a PERSON span on an organization head or an institution's eponym is ignored, a
name the tagger cut short is completed); besides, the subject noun phrase is read with general rules:
VSO after the verb, skipping a quoted or media addressee (وأبلغ "الوطن" مصدر …، لوكالة …) and a
leading prepositional or time phrase (وأكد في تصريح أمس وزير …); titles and descriptors before the
name (المحترف الغاني مونتاري، م. حسام …), the genitive after an indefinite office (مدير صحة جازان)
never read as a name; SVO before the verb (كان X قد قال), the topic of أما … فـ, the source of نقل … عن
and of a clause-initial frame (وفقاً لـ X، فإن …); verbal nouns heading a report (اعتراف X بأن).
Organizations keep their head, genitives and agreeing adjectives and drop descriptions (وكالة أنباء
الأناضول | الحكومية التركية، منظمة الصحة العالمية | التابعة للأمم المتحدة). An office named without a
name is the person who holds it in the article (same titles, or named by the next وأضاف). A verb with no
subject continues the previous speaker — but only one that introduced speech: a speech verb inside a
reported clause (تشير، وفق وصفه) names nobody; a participle goes with the speech verb of its sentence;
بدوره / من جانبه switch to the other party. When no speaker can be told, ``speaker`` is None.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from functools import cached_property
from typing import Optional, Union

from pipeline.errors import ConfigError
from pipeline.nlp.analysis import ArticleAnalysis
from pipeline.nlp.normalize import fold as _fold, fold_word
from pipeline.nlp.quotes.lexicon import COMPLEMENTIZER_BLOCKERS, IMPERSONAL
from pipeline.nlp.quotes.speakers import Candidate, candidates, FieldView, QuoteView, SpeakerModel
from pipeline.nlp.quotes._base import (
    _COMP_RE,
    _complementizers,
    _CONTINUATION_WORDS,
    _CueHit,
    _Field,
    _MAX_LISTED_WORDS,
    _MIN_DIRECT_WORDS,
    _MIN_PARTIAL_WORDS,
    _QUOTE_CHARS,
    _Quote,
    _RELATIVES,
    _SPEAKER_TYPES,
    _Speaker,
    _key,
)
from pipeline.nlp.quotes.cues import _Cues
from pipeline.nlp.quotes.marks import _Marks
from pipeline.nlp.quotes.speaker_rules import _SpeakerRules, _plausible

__all__ = ["QuoteExtractor"]


class QuoteExtractor:
    """Find DIRECT, PARTIAL and INDIRECT quotations and their speakers in a headline and a body.

    ``max_quote_chars`` bounds the search for a closing mark (an unclosed mark never yields a runaway
    span); ``max_cue_gap`` is how many words may separate a speech verb from its أن/إن clause.
    ``stats`` counts articles, quotes by kind and unbalanced marks over the extractor's lifetime.
    """

    def __init__(self, max_quote_chars: int = 3000, max_cue_gap: int = 22,
                 speaker_model: Union[SpeakerModel, str, None] = "packaged"):
        if not isinstance(max_quote_chars, int) or max_quote_chars < 20:
            raise ConfigError(f"max_quote_chars must be an int >= 20, got {max_quote_chars!r}")
        if not isinstance(max_cue_gap, int) or not 1 <= max_cue_gap <= 60:
            raise ConfigError(f"max_cue_gap must be an int between 1 and 60, got {max_cue_gap!r}")
        if speaker_model == "packaged":
            speaker_model = SpeakerModel.load()
        elif speaker_model is not None and not isinstance(speaker_model, SpeakerModel):
            raise ConfigError("speaker_model must be a SpeakerModel, 'packaged' or None (the rules' reading), "
                              f"got {speaker_model!r}")
        self.max_quote_chars = max_quote_chars
        self.max_cue_gap = max_cue_gap
        self.speaker_model: Optional[SpeakerModel] = speaker_model
        self.stats: Counter = Counter()

    # --- public API -------------------------------------------------------------------------------
    def extract(self, headline: Optional[str], body: str, entities: Optional[list[dict]] = None,
                analysis: Optional[ArticleAnalysis] = None) -> list[dict]:
        """Return the article's quotes as Avro ``Quote`` dicts sorted by (field, start); ``analysis``: the
        article's analysis when the caller has one (of this headline and body)."""
        return [rec for rec, _ in self._extract(headline, body, entities, keep_candidates=False, analysis=analysis)]

    def extract_candidates(self, headline: Optional[str], body: str, entities: Optional[list[dict]] = None,
                           follow_model: bool = False) -> list[tuple[dict, list[Candidate]]]:
        """Each quote with its speaker candidates and their features (for training the speaker model);
        the quotes' speakers are the rules' reading, whatever the model. With ``follow_model`` the previous
        speaker (a candidate of the next quote) is the model's choice, as when extracting; else the rules'."""
        return self._extract(headline, body, entities, keep_candidates=True, follow_model=follow_model)

    def _extract(self, headline, body, entities, keep_candidates: bool,
                 follow_model: bool = False,
                 analysis: Optional[ArticleAnalysis] = None) -> list[tuple[dict, list[Candidate]]]:
        if not isinstance(body, str):
            raise ConfigError(f"body must be a str, got {type(body).__name__}")
        if analysis is None:
            analysis = ArticleAnalysis(headline, body)
        entities = entities or []
        self.stats["articles"] += 1
        out: list[tuple[dict, list[Candidate]]] = []
        names: list[_Speaker] = []  # speakers named so far, for the fullest form of a surname
        usable = [(i, e) for i, e in enumerate(entities) if e.get("type") in _SPEAKER_TYPES and _plausible(e)]
        # (canonical, index) of every field, the fullest names first (stable: first mentions first among equals)
        all_ents = sorted(((e.get("canonical") or e.get("text") or "", i) for i, e in usable),
                          key=lambda ce: -len(ce[0].split()))
        persons = {c for c, i in all_ents if entities[i].get("type") == "PERSON" and " " in c}
        model = None if keep_candidates and not follow_model else self.speaker_model
        counts: Optional[Counter] = None
        previous: Optional[str] = None
        for field, text in (("HEADLINE", headline), ("BODY", body)):
            if not text:
                continue
            ents = [(e["start"], e["end"], i, e.get("type"), e.get("canonical") or e.get("text"))
                    for i, e in usable if e.get("field", "BODY") == field]
            ents.sort()
            places = [(e["start"], e["end"]) for e in entities
                      if e.get("field", "BODY") == field and e.get("type") == "LOCATION"]
            art = _Article(self, analysis.folded(field), ents, all_ents, names, headline, body, places, persons)
            quotes = art.run()
            fv = None
            if (model is not None or keep_candidates) and quotes:
                if counts is None:
                    counts = Counter(fold_word(c) for c, _ in all_ents)
                fv = _field_view(art, quotes, entities)
            for q in quotes:
                sp = q.speaker.as_record(q.implicit) if q.speaker else None
                cands: list[Candidate] = []
                if fv is not None:
                    cands = candidates(fv, _quote_view(art, q), previous, [n.name for n in names], counts)
                    if model is not None:
                        chosen = model.choose(cands).as_record()
                        if keep_candidates:  # the record keeps the rules' reading; the model names the previous
                            previous = chosen["name"] if chosen else previous
                        else:
                            sp = chosen
                    elif sp is not None:
                        sp = dict(sp)
                if sp is not None and not (keep_candidates and model is not None):
                    previous = sp["name"]
                out.append(({"kind": q.kind, "text": text[q.start:q.end], "field": field, "start": q.start,
                             "end": q.end, "verb": q.verb, "speaker": sp}, cands))
                self.stats[q.kind] += 1
        out.sort(key=lambda d: (d[0]["field"] != "HEADLINE", d[0]["start"], d[0]["end"]))
        return out


def _field_view(art: "_Article", quotes: list[_Quote], entities: list[dict]) -> FieldView:
    """The plain values the speaker features read, in the field's original offsets."""
    fld = art.fld
    roles = {e[2]: entities[e[2]].get("role") or "" for e in art.ents if entities[e[2]].get("role")}
    if not fld.shifted:  # no diacritics: folded offsets are the original ones
        bounds, cue_starts = art.bounds, [c.start for c in art.cues]
    else:
        bounds, cue_starts = [fld.orig(b) for b in art.bounds], [fld.orig(c.start) for c in art.cues]
    return FieldView(fld.text, bounds, cue_starts, [(q.start, q.end) for q in quotes], art.ents, roles,
                     list(art.places))


def _quote_view(art: "_Article", q: _Quote) -> QuoteView:
    fld, cue, sp = art.fld, q.cue, q.speaker
    qv = QuoteView(q.kind, q.start, q.end)
    if cue is not None:
        qv.cue_start, qv.cue_end = fld.orig(cue.start), fld.orig_end(cue.end)
        qv.cue_participle, qv.cue_proclitic = cue.participle, bool(cue.proclitic)
    if sp is not None:
        qv.rule_name, qv.rule_mention, qv.rule_entity = sp.name, None if q.implicit else sp.mention, sp.entity_index
        qv.rule_group, qv.rule_role, qv.rule_implicit = sp.group, sp.role, q.implicit
    return qv


class _Article(_Marks, _Cues, _SpeakerRules):
    """The work on one field: a short-lived object so that the extractor itself stays stateless."""

    def __init__(self, qx: QuoteExtractor, fld: _Field, ents, all_ents, names: list[_Speaker],
                 headline: Optional[str], body: str, places=(), persons=frozenset()):
        self.qx = qx
        self.persons = persons  # canonical names of the article's persons, two words or more
        self.fld = fld
        self.f = fld.f
        self.ents = ents
        self.ent_starts = [e[0] for e in ents]
        self.all_ents = all_ents
        self.names = names
        self.places = places
        self._full_orig = (headline or "") + "\n" + body

    @cached_property
    def full_text(self) -> str:
        """Headline and body, folded: where the fuller forms of names are looked up (only when needed)."""
        return _fold(self._full_orig)

    def run(self) -> list[_Quote]:
        f = self.f
        self.last: Optional[_Speaker] = self.names[-1] if self.names else None
        self.last_pos = -1
        self.prev_cue: Optional[_CueHit] = None
        pairs = self._pairs()
        self.bounds = self._boundaries(pairs)
        self.pairs = pairs
        self.pair_opens = [p.open for p in pairs]
        self.pairs_by_close = sorted(pairs, key=lambda p: p.close)
        self.pair_closes = [p.close for p in self.pairs_by_close]
        comps = _complementizers(f)
        cues = self._cues(comps)
        self.cues = cues
        comp_starts = [m.start() for m in comps]
        cue_starts = [c.start for c in cues]
        self.cue_starts = cue_starts
        self.comp_starts = comp_starts
        openers = {p.open: p for p in pairs}
        long_opens = [p.open for p in pairs if len(f[p.open:p.close].split()) >= 4]
        for c in cues:
            nb = self._next_boundary(c.end)
            kp = bisect_left(self.pair_opens, c.end)
            nxt_open = self.pair_opens[kp] if kp < len(self.pair_opens) else len(f)
            k = bisect_left(comp_starts, c.end)
            nxt_comp = comp_starts[k] if k < len(comp_starts) else len(f)
            colon = f.find(":", c.end, nb)
            if nxt_open < nb and f[c.end:nxt_open].strip() in ("", "ل", "لـ"):
                # وأبلغ "الوطن" مصدر مطلع أن: a quoted addressee between the verb and its subject
                p = openers.get(nxt_open)
                if p is not None and len(f[p.open + 1:p.close].split()) <= 3:
                    rest = f[p.close + 1:p.close + 12].lstrip(" \t")
                    if rest[:1].isalpha() and not _COMP_RE.match(rest) or rest[:1] == ":" or c.clause >= 0:
                        # (وبحسب "رويترز"، فقد …: the frame's noun phrase is the quoted name)
                        # (وقال "متعب": موعد …: the quoted subject's name, then the colon of the utterance)
                        kp = bisect_left(self.pair_opens, p.close)
                        nxt_open = self.pair_opens[kp] if kp < len(self.pair_opens) else len(f)
            limit = min(nb, nxt_open, nxt_comp, colon if colon >= 0 else len(f))
            if colon >= 0 and limit == colon:
                c.colon = colon
            # the wider region may pass quoted names (بمقاطعة “سانت لويس” ، ستيف ستينجر) but not a quote
            kl = bisect_left(long_opens, c.end)
            long_open = long_opens[kl] if kl < len(long_opens) else len(f)
            region_limit = min(nb, nxt_comp, long_open, colon if colon >= 0 else len(f))
            c.governs = self._governs(c, nb, nxt_comp, nxt_open, colon)
            if c.clause >= 0:  # وبحسب الصحيفة، ألقى …: the noun phrase ends where the clause begins
                limit, region_limit, c.governs = min(limit, c.np_end), min(region_limit, c.np_end), True
            self._resolve(c, limit, region_limit)

        quotes: list[_Quote] = []
        # INDIRECT: a complementizer governed by the nearest speech cue before it in the same sentence.
        covered_until = -1
        for m in comps:
            if m.start() < covered_until:
                continue
            if self._inside_marks(m.start()):
                continue  # part of a direct quote
            prev, prev_start = self._prev_token(m.start())
            if _key(prev) in COMPLEMENTIZER_BLOCKERS and not (_key(prev) == "عن" and self._about_cue(m.start(), cues)):
                continue  # بعد أن، إلا أن …; but كشف عن أن، أعلن عن أن report
            if m.start() and f[m.start() - 1] in _QUOTE_CHARS:
                continue  # «إن …: the opening of a direct quote
            k = bisect_left(cue_starts, m.start()) - 1
            if k < 0:
                continue
            cue = cues[k]
            if cue.end > m.start() or cue.clause >= 0:
                continue  # (a frame with a clause of its own governs no complementizer after it)
            if self._prev_boundary(m.start()) >= cue.end:
                continue
            gap_words = f[cue.end:m.start()].split()
            gap = len(gap_words)
            if gap > self.qx.max_cue_gap or cue.participle and gap > 6:
                continue
            if gap > 8 and any(_key(w) in _RELATIVES or w == "ما" for w in gap_words) \
                    and not gap_words[-1].endswith(("،", ",")) \
                    and self.fld.text[self.fld.orig(m.start(2)):][:1] != "إ":
                continue  # the أن belongs to a relative clause (الذي فعل ما هو مفروض أن يفعله)
            kc = bisect_left(comp_starts, m.start()) - 1
            if kc >= 0 and comp_starts[kc] > cue.end:
                continue  # another clause already belongs to that cue
            form = f[cue.form_start:cue.end]
            if gap == 0 and (form in IMPERSONAL or form == "ذكر" and not cue.proclitic and self._clause_start(cue.start)):
                continue  # impersonal "يُعتقد أن" (it is believed that), "ذُكر أن" opening a clause (but وذكر أن:
                # "and he mentioned that", a speaker continued)
            start = m.end()
            while start < len(f) and f[start] in " \t\u00a0:":
                start += 1
            end = self._clause_end(start, cues)
            if end - start < 3:
                continue
            covered_until = end
            verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
            quotes.append(_Quote("INDIRECT", start, end, verb, cue.speaker, not cue.explicit, cue))

        # INDIRECT: the clause of a frame that opens a sentence with no complementizer (وبحسب البيان، ستتوقف …).
        for c in cues:
            if c.clause < 0 or any(q.start <= c.clause < q.end for q in quotes) or self._inside_marks(c.clause):
                continue
            end = self._clause_end(c.clause, cues)
            if len(f[c.clause:end].split()) >= 3:
                verb = self.fld.text[self.fld.orig(c.form_start):self.fld.orig_end(c.end)]
                quotes.append(_Quote("INDIRECT", c.clause, end, verb, c.speaker, not c.explicit, c))
        quotes.sort(key=lambda q: q.start)

        # DIRECT and PARTIAL: quote pairs not nested inside another pair.
        outer = [p for p in pairs if p.depth == 0 or not any(q.open < p.open and p.close < q.close for q in pairs)]
        indirect = [q for q in quotes]
        for p in outer:
            s, e = p.open + 1, p.close
            while s < e and f[s] in " \t\u00a0":
                s += 1  # " مع ذلك …": the utterance, not the space after the mark
            while e > s and f[e - 1] in " \t\u00a0":
                e -= 1
            inner = f[s:e]
            nwords = len(inner.split())
            if nwords == 0 or self._quoted_name(p, s, nwords) or nwords <= _MAX_LISTED_WORDS and self._listed(p, pairs):
                continue
            host = next((q for q in indirect if q.start <= p.open < q.end), None)
            if host is not None:
                covers = host.start >= p.open - 1 and not f[p.close + 1:host.end].strip(" .،,\"”»")
                if covers and nwords >= _MIN_DIRECT_WORDS:
                    host.kind, host.start, host.end = "DIRECT", s, e
                elif nwords >= _MIN_PARTIAL_WORDS:
                    quotes.append(_Quote("PARTIAL", s, e, host.verb, host.speaker, host.implicit, host.cue))
                continue
            rest = f[p.close + 1:p.close + 8].lstrip(" \t\u00a0،,")
            if rest.startswith(":") or _COMP_RE.match(rest):
                continue  # أعلنت "الشركة السعودية …" أن: the subject's name, not an utterance
            cue = self._cue_before(p.open, cues, comps)
            if cue is not None and (nwords >= _MIN_DIRECT_WORDS or self._colon_before(p.open)):
                verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
                quotes.append(_Quote("DIRECT", s, e, verb, cue.speaker, not cue.explicit, cue))
                continue
            sp = self._label_before(p.open) if nwords >= _MIN_DIRECT_WORDS else None
            if sp is not None:
                quotes.append(_Quote("DIRECT", s, e, None, sp, False))
                continue
            cue = self._cue_after(p.close, cues)
            if cue is not None and nwords >= _MIN_DIRECT_WORDS:
                verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
                quotes.append(_Quote("DIRECT", s, e, verb, cue.speaker, not cue.explicit, cue))
                continue
            line_start = f.rfind("\n", 0, p.open) + 1
            if nwords >= _CONTINUATION_WORDS and not f[line_start:p.open].strip(" -–—\t"):
                quotes.append(_Quote("DIRECT", s, e, None, self._last_before(p.open, cues), True))
        # وقال: ندين … — an utterance after a colon with no marks: a direct quote up to the sentence end.
        for c in cues:
            if c.colon < 0 or any(q.start <= c.colon + 2 < q.end or c.colon < q.start < c.colon + 4 for q in quotes):
                continue
            s = c.colon + 1
            while s < len(f) and f[s] in " \t\u00a0":
                s += 1
            if s >= len(f) or f[s] in _QUOTE_CHARS or _COMP_RE.match(f, s):
                continue
            e = self._utterance_end(s, cues)
            if len(f[s:e].split()) >= _MIN_DIRECT_WORDS:
                verb = self.fld.text[self.fld.orig(c.form_start):self.fld.orig_end(c.end)]
                quotes.append(_Quote("DIRECT", s, e, verb, c.speaker, not c.explicit, c))
        colon_spans = [(q.start, q.end) for q in quotes if q.kind == "DIRECT" and q.verb is not None
                       and not any(p.open + 1 == q.start for p in pairs)]
        if colon_spans:
            # وأضاف: … كل هذا أكد أن …: reported speech inside an unmarked utterance belongs to it
            quotes = [q for q in quotes if q.kind != "INDIRECT" or not any(a <= q.start < b for a, b in colon_spans)]
        # An opening mark that never closes, right after an attribution: up to the end of its clause.
        for j in self.unclosed:
            if any(q.start <= j < q.end for q in quotes):
                continue
            cue = self._cue_before(j, cues, comps)
            if cue is None or not self._colon_before(j) and cue.end < j - 40:
                continue
            s = j + 1
            e = self._clause_end(s, cues)
            if len(f[s:e].split()) >= _MIN_DIRECT_WORDS:
                verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
                quotes.append(_Quote("DIRECT", s, e, verb, cue.speaker, not cue.explicit, cue))
        for q in quotes:
            q.start, q.end = self.fld.orig(q.start), self.fld.orig_end(q.end)
        quotes.sort(key=lambda q: (q.start, q.end))
        return quotes
