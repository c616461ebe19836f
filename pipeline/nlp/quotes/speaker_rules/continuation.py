"""A cue that names no subject: the previous speaker goes on, or the other party after بدوره / من جانبه,
the person a pronoun title (سموه، معاليه) refers to, the subject of the sentence's first verb or of the
paragraph's lead, or the nearest organization or person that agrees with the verb."""
from __future__ import annotations

from bisect import bisect_left
from typing import Optional

from pipeline.nlp.normalize import fold as _fold
from pipeline.nlp.quotes._base import (
    _CLAUSE_OPENERS,
    _CueHit,
    _HONORIFICS,
    _NP_STOP,
    _PREPOSITIONS,
    _PRONOUN_HONORIFICS,
    _Speaker,
    _TURN_AFTER_RE,
    _TURN_BEFORE_RE,
)


class _Continuation:
    """The speaker of a cue that names none (a mixin of ``_Article``)."""

    def _turn_taking(self, cue: _CueHit) -> bool:
        """True when بدوره / من جانبه / من جهته stands right before or after the verb."""
        before = self.f[max(0, cue.start - 14):cue.start]
        after = self.f[cue.end:cue.end + 14]
        return bool(_TURN_BEFORE_RE.search(before) or _TURN_AFTER_RE.match(after))

    def _other_party(self, cue: _CueHit) -> Optional[_Speaker]:
        """The person (else organization) named last before the cue who is not the previous speaker."""
        last = _fold(self.last.name) if self.last is not None else None
        oa = self.fld.orig(cue.start)
        for etype in ("PERSON", "ORGANIZATION"):
            for e in reversed(self.ents[:bisect_left(self.ent_starts, oa)]):
                if e[3] == etype and e[1] <= oa and _fold(e[4]) != last and not self._eponym(e):
                    sp = self._from_entity(e)
                    if _fold(sp.name) != last:
                        return sp
        # no entity list: a full name in the sentence before (والتقى الجبير نظيره سيرغي لافروف.)
        end = self._prev_boundary(cue.start)
        start = self._prev_boundary(end) + 1 if end > 0 else 0
        toks = self._tokens(start, max(start, end), stop=False) if end > 0 else []
        for _, run in reversed(list(self._runs(toks))):
            if len(run) >= 2 and not self._is_place(run):
                sp = self._span_speaker(run)
                if _fold(sp.name) != last:
                    return sp
        return None

    def _agreeing_entity(self, cue: _CueHit) -> Optional[_Speaker]:
        """Last resort for a bare verb with no speaker so far (سجلت وزارة الصحة … ¶ وأكدت أن): the
        nearest organization or person named before it whose gender agrees with the verb — a feminine
        verb (أكدت، تقول، مؤكدة) with an organization whose head is feminine (وزارة، هيئة، شركة)."""
        form = self.f[cue.form_start:cue.end]
        feminine = form.endswith("ت") or form.endswith("ه") if cue.participle else (
            form.endswith("ت") or form.startswith("ت"))
        oa = self.fld.orig(cue.start)
        for e in reversed(self.ents[:bisect_left(self.ent_starts, oa)]):
            if e[1] > oa:
                continue
            head = _fold(e[4]).split()[0] if e[4] and e[4].split() else ""
            if e[3] == "ORGANIZATION" and head.endswith("ه") == feminine:
                return self._from_entity(e)
            if e[3] == "PERSON" and not feminine:
                return self._from_entity(e)
        return None

    def _nearest_titled(self, pos: int, pronoun: str = "") -> Optional[_Speaker]:
        """The last name written after a title (المهندس زيدان بن محمد، الأمير فهد بن سلطان) in the
        sentence before ``pos`` or the one before it: whom سموه / معاليه / سعادته refer to."""
        b = self._prev_boundary(pos)
        while b > 0 and self.f[b - 1] in " \t\n.!?؟":
            b -= 1  # "جميعا.\nوقال سموه": past the full stop and the line break, into the sentence before
        start = max(self._prev_boundary(b) + 1 if b > 0 else 0, pos - 600)
        toks = self._tokens(start, pos, stop=False)
        # سموه is a prince (الأمير، سمو), not the king named after him (الملك سلمان): take the titles
        # that go with the pronoun when there are any
        fitting = _PRONOUN_HONORIFICS.get(pronoun)
        if fitting and any(t[2] in fitting for t in toks[:-1]):
            honorifics = fitting
        else:
            honorifics = _HONORIFICS
        for i in range(len(toks) - 2, -1, -1):
            if toks[i][2] in honorifics and not self._org_honorific(toks, i):
                run = self._name_run(toks, i + 1)
                if len(run) >= 2:
                    e = self._entity_in(run[0][0], run[-1][1])
                    if e and e[3] == "PERSON" and e[1] >= self.fld.orig_end(run[-1][1]):
                        return self._from_entity(e)
                    sp = self._span_speaker(run)  # the whole name, even when the tagger cut it short
                    if e and e[3] == "PERSON":
                        sp.entity_index = e[2]
                    return sp
        return None

    def _sentence_subject(self, pos: int) -> Optional[_Speaker]:
        """The subject after the first verb of the sentence (رفضت القنصلية …، مؤكدة أن)."""
        start = self._prev_boundary(pos) + 1
        toks = self._tokens(start, pos, stop=False, cap=8)
        # skip a clause opener before the verb: من جانبه، فقد أبدى …
        if len(toks) > 2 and toks[0][2] == "من" and toks[1][2] in _CLAUSE_OPENERS:
            toks = toks[2:]
        while toks and toks[0][2] in _CLAUSE_OPENERS and toks[0][2] not in ("كان", "كانت", "وكان", "وكانت"):
            toks = toks[1:]
        if toks and toks[0][2] in ("فقد", "لقد"):
            toks = toks[1:]
        if len(toks) < 2 or toks[0][2] in _PREPOSITIONS or toks[0][2] in _NP_STOP:
            return None  # وفي المؤتمر أكد …: no subject to take
        a = toks[1][0]
        sub = self._np_tokens(a, pos)
        sp = self._np_speaker(sub[:14]) if sub else None
        if sp is not None and (sp.group or len(sp.name.split()) >= 2 and any(t[2] in _HONORIFICS for t in sub[:12])):
            return sp  # رفع صاحب السمو الملكي الأمير فهد بن سلطان …: the name after the title
        e = self._entity_in(a, sub[-1][1], last=True) if sub else None
        if e and e[3] == "PERSON":
            return self._from_entity(e)
        # only a confident reading: an organization, a quoted name, a full name or a name after a
        # definite descriptor (أبدى المحترف الغاني مونتاري سعادته)
        if sp is not None and (len(sp.name.split()) >= 2 or sp.mention and sub[0][2].startswith("ال")
                               and _fold(sp.mention).split()[0] != sub[0][2]):
            return sp
        return None

    def _lead_subject(self, pos: int) -> Optional[_Speaker]:
        """The subject of the paragraph's first sentence, for a verb with no subject and no earlier
        speaker (هدد الجيش الكوري الجنوبي … ¶ وأشار في بيان إلى أن …): news leads name the actor."""
        para = self.f.rfind("\n", 0, pos) + 1
        first = self._prev_boundary(pos)
        if first < para:
            # the cue is in the paragraph's first sentence: try the previous paragraph's lead
            prev_para = self.f.rfind("\n", 0, max(0, para - 1)) + 1
            if para == 0:
                return None
            para = prev_para
        k = bisect_left(self.bounds, para)
        end = self.bounds[k] if k < len(self.bounds) else len(self.f)
        if end <= para:
            return None
        return self._sentence_subject(end)

    def _last_before(self, pos: int, cues: list[_CueHit]) -> Optional[_Speaker]:
        for c in reversed(cues):
            if c.end <= pos and c.speaker is not None:
                return c.speaker
        return self.names[-1] if self.names else None
