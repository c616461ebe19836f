"""The subject before the speech verb: the noun phrase between the clause start and the verb (SVO), the
topic of أما … فـ, a sentence that opens with its subject, and a short name and a colon before a quote."""
from __future__ import annotations

from typing import Optional

from pipeline.nlp.quotes.lexicon import CUE_FORMS
from pipeline.nlp.quotes._base import (
    _AMMA_RE,
    _CLAUSE_OPENERS,
    _CONNECTORS,
    _CueHit,
    _HONORIFICS,
    _NAME_GLUE,
    _NP_STOP,
    _ORG_HEADS,
    _PREPOSITIONS,
    _PRONOUNS,
    _RELATIVES,
    _ROLES,
    _Speaker,
    _deproclitic,
    _key,
)


class _BeforeVerb:
    """The cue's subject before the verb (a mixin of ``_Article``)."""

    def _svo(self, cue: _CueHit) -> Optional[_Speaker]:
        """Preverbal subject: the noun phrase between the clause start and the verb."""
        f = self.f
        start = max(self._prev_boundary(cue.start) + 1, cue.start - 200)
        end = cue.start
        tok, ts = self._prev_token(end)
        k = _key(tok)
        if k in _RELATIVES or k[:1] == "و" and k[1:] in _RELATIVES:
            end = ts  # بردوان التي تقول، الجاسر، والذي قال: the antecedent before the relative pronoun
            while end > start and f[end - 1] in " ،,":
                end -= 1
        for sep in ("،", ",", ":"):
            k = f.rfind(sep, start, end)
            if k >= 0:
                start = k + 1
        toks = self._tokens(start, end, stop=False)
        if toks and toks[-1][2] in ("قد", "لقد"):
            toks = toks[:-1]  # وكان المقدشي قد قال: the subject sits between كان and قد
        for i in range(len(toks) - 1, -1, -1):
            if toks[i][2] in _CLAUSE_OPENERS or toks[i][2] in _CONNECTORS or toks[i][2] in ("ما", "مما"):
                toks = toks[i + 1:]
                break
        if not toks or toks[0][2] in _PREPOSITIONS or toks[-1][2] in _PRONOUNS:
            return None  # فهو يقول إنه …: a pronoun refers back (the previous speaker goes on)
        e = self._entity_in(toks[-10:][0][0], toks[-1][1], last=True)
        if e:
            return self._from_entity(e)
        if len(toks) <= 4:
            sp = self._np_speaker(toks)
            if sp:
                return sp
        # the name just before the verb: آنا ماريا بردوان التي تقول
        while toks and toks[-1][2] in _NP_STOP:
            toks = toks[:-1]  # بلقيس نفسها، التي
        if len(toks) >= 3 and toks[-2][2] in _ROLES and toks[-1][2].startswith("ال"):
            toks = toks[:-2]  # خورخي دا سيلفا مدرب النصر أكد: the office after the name
        run: list = []
        for t in reversed(toks[-6:]):
            if len(run) >= 3 and not any(x[2] in _NAME_GLUE for x in run):
                break  # three words of a name, unless a patronymic goes on (صالح بن حسن الضعيان)
            if self._name_like(t[2]) or (t[2].startswith("ال") and not run) or t[2] in _NAME_GLUE:
                run.insert(0, t)
            else:
                break
        while run and run[0][2].startswith("ال"):
            run = run[1:]
        return self._span_speaker(run) if run else None

    def _topic_subject(self, cue: _CueHit) -> Optional[_Speaker]:
        """The topic of أما … فـ: the noun phrase between أما and the verb is its subject."""
        start = max(self._prev_boundary(cue.start) + 1, cue.start - 160)
        m = None
        for m in _AMMA_RE.finditer(self.f, start, cue.start):
            pass
        if m is None:
            return None
        toks = self._tokens(m.end(), cue.start, stop=False)
        if not toks or len(toks) > 8:
            return None
        e = self._entity_in(toks[0][0], toks[-1][1], last=True)
        if e:
            return self._from_entity(e)
        runs = list(self._runs(toks))
        if runs and runs[-1][0] + len(runs[-1][1]) == len(toks):
            return self._span_speaker(runs[-1][1])  # أعمام أفراح عبده وعدنان: the names after the description
        return self._np_speaker(toks)

    def _sentence_topic(self, pos: int) -> Optional[_Speaker]:
        """A sentence that opens with its subject (ووزارة الداخلية إذ تعلن …): an organization or a titled
        name in first place."""
        start = self._prev_boundary(pos) + 1
        toks = self._tokens(start, pos, stop=False, cap=7)
        if len(toks) < 3:
            return None
        s0, e0, k0 = toks[0]
        if k0[:1] == "و" and len(k0) > 3:
            toks = [(s0 + 1, e0, k0[1:])] + toks[1:]
            k0 = k0[1:]
        if k0 in _ORG_HEADS or _deproclitic(k0) in _ORG_HEADS or k0 in _HONORIFICS:
            sp = self._np_speaker(toks[:6])
            if sp is not None and (sp.group or len(sp.name.split()) >= 2):
                return sp
        return None

    def _label_before(self, pos: int) -> Optional[_Speaker]:
        """«الجبير: «…»» — a short name and a colon at the start of a line or sentence introduce a quote."""
        f = self.f
        j = pos - 1
        while j >= 0 and f[j] in " \t\u00a0":
            j -= 1
        if j < 0 or f[j] != ":":
            return None
        start = max(self._prev_boundary(j), f.rfind("\n", 0, j)) + 1
        toks = self._tokens(start, j, stop=False, cap=6)
        if not 1 <= len(toks) <= 4 or any(t[2] in CUE_FORMS for t in toks):
            return None
        e = self._entity_in(toks[0][0], toks[-1][1], last=True)
        if e:
            return self._from_entity(e)
        sp = self._np_speaker(toks)
        if sp is None and len(toks) == 1 and toks[0][2].startswith("ال") and toks[0][2] not in _ROLES:
            sp = self._span_speaker(toks)  # الجبير: «…»
        return sp
