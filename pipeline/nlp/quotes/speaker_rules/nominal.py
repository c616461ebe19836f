"""Nominal descriptions: the speaker a subject noun phrase names — a name after a title, an organization
and its genitives, an unnamed source (مصدر مطلع على التحقيقات، ثلاثة مصادر مطلعة), a kinship noun and its
genitive, the issuer of a report, a name in quote marks after its head noun, or an unnamed office."""
from __future__ import annotations

from bisect import bisect_left
from typing import Optional

from pipeline.nlp.normalize import fold as _fold
from pipeline.nlp.quotes.lexicon import NAME_HEADS, is_role
from pipeline.nlp.quotes._base import (
    _COMP_RE,
    _HONORIFICS,
    _NP_STOP,
    _OCCUPATIONS,
    _ORG_HEADS,
    _PLACE_HEADS,
    _PREPOSITIONS,
    _QUANTIFIERS,
    _RELATIVES,
    _REPORTS,
    _ROLES,
    _SOURCE_PP_RE,
    _SOURCES,
    _Speaker,
    _TIME_WORDS,
    _deproclitic,
    _org_extent,
)


class _NounPhrase:
    """The speaker a noun phrase names (a mixin of ``_Article``)."""

    def _np_speaker(self, toks, region=None) -> Optional[_Speaker]:
        """Fallback speaker from subject tokens: a name after a title, an organization, or a name."""
        keys = [t[2] for t in toks]
        while keys and keys[0] in ("ما", "تسمي", "يسمي"):
            toks, keys = toks[1:], keys[1:]
        if toks:
            heads = [i for i, k in enumerate(keys) if k in _HONORIFICS and i + 1 < len(keys)
                     and not self._org_honorific(toks, i)]
            if heads:
                run = self._name_run(toks, heads[-1] + 1)
                if run and not (len(run) == 1 and run[0][2].startswith("ال")):
                    return self._span_speaker(run)
            if len(toks) == 1 and (keys[0] in NAME_HEADS or _deproclitic(keys[0]) in NAME_HEADS):
                quoted = self._quoted_after(toks[0][1])
                if quoted:
                    return quoted  # صحيفة «ماركا»
            if _deproclitic(keys[0]) in _REPORTS and region:
                issuer = self._report_issuer(region)
                if issuer is not None:
                    return issuer
            if len(toks) >= 2 and self._kin_construct(toks[0]) and keys[1] not in _NP_STOP \
                    and not self.f[toks[0][1]:toks[1][0]].strip():
                # وأكد والد جوليان إيمانه …، والدة الطفل: the relation and its genitive name the unnamed
                # speaker; what follows is the verb's object, unless it is the speaker's own name
                # (ابنة الفقيد سارة الأحمد)
                if len(toks) > 2 and not self.f[toks[1][1]:toks[2][0]].strip():
                    e = self._entity_in(toks[2][0], toks[-1][1])
                    if e is not None and e[3] == "PERSON" and e[0] == self.fld.orig(toks[2][0]):
                        return self._from_entity(e)
                return self._span_speaker(toks[:2], org=True)
            if len(keys) >= 2 and keys[0] in _QUANTIFIERS and (
                    keys[1] in _ORG_HEADS or _deproclitic(keys[1]) in _ORG_HEADS):
                # ثلاثة مصادر مطلعة: the quantifier belongs to the unnamed source
                end = 1 + _org_extent(keys[1:], [self.f[t[1]:t[1] + 1] in ("،", ",") for t in toks[1:]],
                                      self._next_key(toks[-1][1]))
                return self._span_speaker(toks[:end], org=True)
            first = _deproclitic(keys[0])
            if keys[0] in _ORG_HEADS or first in _ORG_HEADS or ("ال" + first) in _ORG_HEADS:
                # head, then a genitive, then words that agree with it in definiteness
                end = _org_extent(keys, [self.f[t[1]:t[1] + 1] in ("،", ",") for t in toks],
                                  self._next_key(toks[-1][1]) if toks else "")
                if first in _SOURCES and 1 <= end <= 3:
                    m = _SOURCE_PP_RE.match(self.f, toks[end - 1][1])
                    if m:
                        # مصدر مطلع على التحقيقات، مصدر في المقاومة الشعبية: an unnamed source is named by
                        # its whole phrase (time words after it are not part of it)
                        words = m.group(2).split()
                        while words and (words[-1] in _TIME_WORDS or words[-1] in _NP_STOP):
                            words.pop()
                        if words:
                            b = m.start(2) + len(" ".join(words))
                            return self._span_speaker(toks[:end] + [(m.start(2), b, words[-1])], org=True)
                return self._span_speaker(toks[:end], org=True)
            runs = list(self._runs(toks))
            for i, run in runs:
                if len(run) >= 2:
                    return self._span_speaker(run)
            if runs and runs[0][0] == 0:
                return self._span_speaker(runs[0][1])  # وقال لافروف
            if runs and all(k.startswith(("ال", "لل")) or k in _HONORIFICS for k in keys[:runs[0][0]]) \
                    and not self._headed_pp(runs[0][1][0][2]):
                # a definite descriptor in apposition before the name: المحترف الغاني مونتاري
                return self._span_speaker(runs[0][1])
            if keys[0].startswith("ال") and keys[0] not in _ROLES and keys[0] not in _HONORIFICS \
                    and keys[0] not in NAME_HEADS:
                n = 1
                while n < min(len(toks), 3) and toks[n][2].startswith("ال") and toks[n][2].startswith("الم"):
                    n += 1  # الرجل المتقاعد: a definite noun and its participle adjectives
                return self._span_speaker(toks[:n], org=n > 1)  # a surname alone: بين الجعفري
        if region:
            # the name after a prepositional complement: المشرف العام على المنتخب … صالح أبو نخاع
            rkeys = [t[2] for t in region]
            heads = [i for i, k in enumerate(rkeys) if k in _HONORIFICS and i + 1 < len(rkeys)
                     and not self._org_honorific(region, i)]
            for h in heads:
                run = self._name_run(region, h + 1)
                if run and not (len(run) == 1 and run[0][2].startswith("ال")):
                    return self._span_speaker(run)
            rel = next((i for i, t in enumerate(region) if t[2] in _RELATIVES), None)
            if rel is not None:
                region = region[:rel]  # الطبيب البيطري الذي قام بمعالجة …: the relative clause names nobody
            if toks and any(k in _ROLES or k in _HONORIFICS for k in keys) \
                    and not any(len(r) >= 2 for _, r in self._runs(toks)):
                # the name right before the clause (المشرف العام على المنتخب … صالح أبو نخاع أن …), not the
                # object of a preposition (وقال وزير الصحة في بداية اللقاء إن: بداية اللقاء is when, not who)
                for i, run in self._runs(region):
                    after = [t[2] for t in region[i + len(run):]]
                    before = region[i - 1][2] if i and not self.f[region[i - 1][1]:run[0][0]].strip() else ""
                    if len(run) >= 2 and (all(k in _NP_STOP for k in after[:2]) and len(after) <= 2
                                          or after and after[0] in _NP_STOP and not after[0].startswith("ال")) \
                            and _deproclitic(before) not in _PLACE_HEADS and before not in _PREPOSITIONS \
                            and not any(_deproclitic(t[2]) in _PLACE_HEADS for t in run) \
                            and any(len(t[2]) >= 3 for t in run) and not self._is_place(run):
                        return self._span_speaker(run)
                if is_role(keys[0]):
                    # an unnamed source: مسؤول أمني، المتحدث الرسمي للشرطة
                    if keys[0].startswith("ال"):
                        coref = self._role_coreference(toks)
                        if coref is not None:
                            return coref
                    sp = self._span_speaker(toks[:5], org=True)
                    sp.role = True
                    return sp
            if toks and len(keys) <= 3 and all(k in _ROLES or k in _HONORIFICS or k.startswith("ال") for k in keys):
                coref = self._role_coreference(toks)
                if coref is None and keys[0] in _OCCUPATIONS:
                    coref = self._span_speaker(toks[:3], org=True)  # الطبيب البيطري: an unnamed source
                    coref.role = True
                return coref
        return None

    def _report_issuer(self, region) -> Optional[_Speaker]:
        """تقرير صادر عن المجموعة، تقرير لوزارة …، تقرير QNB: the body that issued a report speaks."""
        keys = [t[2] for t in region]
        i = 1
        while i < len(keys) and keys[i] in ("صادر", "الصادر", "صادره", "الصادره", "عن", "من"):
            i += 1
        if i >= len(region):
            return None
        if i == 1 and not (keys[1][:1] == "ل" and not keys[1].startswith("لل") or keys[1].isascii()):
            return None  # دراسة طبية أمريكية: no issuer named, the report itself speaks
        rest = region[i:i + 5]
        k0 = rest[0][2]
        if k0.startswith("ل") and not k0.startswith("لل") and len(k0) > 3:
            # لوزارة الخدمة المدنية: drop the preposition
            s0 = rest[0][0] + 1
            rest = [(s0, rest[0][1], k0[1:])] + rest[1:]
        if k0.isascii():
            for sp in reversed(self.names):
                if k0 in _fold(sp.name).split():
                    return _Speaker(sp.name, k0, sp.entity_index, True)
        return self._np_speaker(rest)

    def _quoted_after(self, pos: int, before_clause: bool = False) -> Optional[_Speaker]:
        """The name in quote marks right after ``pos`` (صحيفة «ماركا»), as the speaker; with
        ``before_clause`` only when a colon or a complementizer follows it (وقالت "شينخوا": إن …)."""
        f = self.f
        j = pos
        while j < len(f) and f[j] in " \t":
            j += 1
        k = bisect_left(self.pair_opens, j)
        if k < len(self.pairs) and self.pairs[k].open == j:
            p = self.pairs[k]
            inner = f[p.open + 1:p.close]
            if before_clause:
                rest = f[p.close + 1:p.close + 8].lstrip()
                if not (rest.startswith(":") or _COMP_RE.match(rest)):
                    return None
            if 0 < len(inner.split()) <= 4:
                text = self.fld.text[self.fld.orig(p.open + 1):self.fld.orig_end(p.close)].strip()
                return _Speaker(text, text, None, group=True)
        return None
