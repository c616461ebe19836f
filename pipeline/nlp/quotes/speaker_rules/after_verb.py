"""The subject after the speech verb (VSO), where the rules start: a source after نقل … عن, a name or a
title right after the verb or after a prepositional or time phrase, an attribution frame; failing those,
the subject before the verb or the previous speaker (:meth:`_AfterVerb._resolve`)."""
from __future__ import annotations

from dataclasses import replace

from pipeline.nlp.quotes.lexicon import CUE_FORMS, PREP_PRONOUNS
from pipeline.nlp.quotes._base import (
    _CONTINUATION_LEMMAS,
    _CueHit,
    _FRAME_RE,
    _HONORIFICS,
    _MARK_RE,
    _NP_STOP,
    _ORG_HEADS,
    _PREPOSITIONS,
    _PRONOUN_TITLES,
    _RELATIVES,
    _ROLES,
    _TIME_WORDS,
    _WORD_RE,
)


class _AfterVerb:
    """The cue's subject after the verb, and the order the readings are tried in (a mixin of ``_Article``)."""

    def _resolve(self, cue: _CueHit, limit: int, region_limit: int) -> None:
        """Find the cue's subject: after the verb (VSO), before it (SVO), or the previous speaker."""
        f = self.f
        prev = self.prev_cue
        if cue.governs:
            self.prev_cue = cue
        if cue.participle:
            if prev is not None and prev.speaker is not None and prev.governs \
                    and prev.start > self._prev_boundary(cue.start):
                # وأكد أن …، مشيرا إلى أن: the participle goes with the speech verb of its sentence
                cue.speaker = self.last = prev.speaker
                return
            if self.last is not None and self.last_pos <= self._prev_boundary(cue.start):
                # وكذبت الصحف الإسبانية …، مؤكدة أنه: the participle belongs to its own sentence's verb
                own = self._sentence_subject(cue.start)
                if own is not None:
                    cue.speaker = self.last = own
                    return
            cue.speaker = self.last if self.last is not None else (
                self._sentence_subject(cue.start) or self._lead_subject(cue.start) or self._agreeing_entity(cue))
            self.last = cue.speaker
            return
        if cue.source >= 0 and cue.source < limit:
            # نقلت الصحيفة عن مصدر مسؤول أن …: the source speaks
            stoks = self._np_tokens(cue.source, limit)
            lam = cue.frame and stoks and stoks[0][2][:1] == "ل" and f[cue.source - 1:cue.source] == "ل"
            if lam:
                stoks = [(stoks[0][0], stoks[0][1], "ا" + stoks[0][2])] + stoks[1:]  # وفقا لـ|لمتحدث → المتحدث
            e = self._entity_in(stoks[0][0], stoks[-1][1]) if stoks else None
            sp = self._from_entity(e) if e else (
                self._np_speaker(stoks, self._tokens(cue.source, limit, stop=False, cap=25)) if stoks else None)
            if lam and sp is not None and not e and sp.name.startswith("ل") and not sp.name.startswith("ال"):
                sp = replace(sp, name="ا" + sp.name)  # طبقا للموقع الشهير: the name is الموقع الشهير, not لموقع …
            if sp is not None:
                cue.speaker, cue.explicit = sp, True
                self.last, self.last_pos = sp, cue.start
                self.names.append(sp)
                return
        toks = self._np_tokens(cue.end, limit)
        if toks and toks[0][2] in PREP_PRONOUNS:
            toks = self._np_tokens(toks[0][1], limit)  # وأكد لنا مدير المستشفى: the object first, then the subject
        elif not toks and ((nxt_key := self._next_key(cue.end)) in PREP_PRONOUNS or nxt_key in ("ذلك", "هذا", "ذاك")):
            # …، أوضح ذلك مدير عام شؤون الموظفين مشهور المطرفي، وقال عنه المدرب: the object first, then the subject
            nxt = _WORD_RE.search(f, cue.end)
            toks = self._np_tokens(nxt.end(), limit) if nxt else []
        if toks and toks[0][2] in _PRONOUN_TITLES:
            pronoun = toks[0][2]
            toks = []  # وعبر سموه عن …، مبينا أن: "His Highness" refers back, like a bare verb
            own = self._nearest_titled(cue.start, pronoun)  # وتطرق المهندس زيدان …، كما أشار سعادته
            if own is not None:
                cue.speaker, cue.explicit = own, True
                self.last, self.last_pos = own, cue.start
                return
        elif not toks and not cue.participle:
            toks = self._subject_after_pp(cue.end, limit)
        sp = None
        region: list = []
        if toks:
            # a name right after the verb (قال فينسن لابرون رئيس …), else the last person of the phrase:
            # a title comes before the name (مدير العلاقات … محمد علي سليمان)
            e = self._entity_in(toks[0][0], toks[0][1])
            if not e or e[3] != "PERSON":
                e = self._entity_in(toks[0][0], toks[-1][1], last=True)
            lead = next(iter(self._runs(toks[:6])), None) if e else None  # (read against the entity only)
            if e and lead and all(t[2] in _HONORIFICS for t in toks[:lead[0]]) and len(lead[1]) >= 2:
                ls, le = self.fld.orig(lead[1][0][0]), self.fld.orig_end(lead[1][-1][1])
                if not (ls < e[1] and e[0] < le):
                    # a full name right after the verb that the entity list missed (قال فينسن لابرون رئيس …)
                    e = None
                    sp = self._span_speaker(lead[1])
                elif e[3] == "PERSON" and ls <= e[0] and e[1] <= le and e[1] - e[0] < le - ls \
                        and len(e[4].split()) < len(lead[1]) and _may_go_on(e[4]):
                    # the entity list cut the name short (محمد for محمد الخميس): keep the link, take the name
                    sp = self._span_speaker(lead[1])
                    sp.entity_index = e[2]
                    e = None
            if e and e[3] != "PERSON" and any(t[2] in _ROLES or t[2] in _HONORIFICS for t in toks
                                              if self.fld.orig(t[0]) < e[0]):
                # a title before an organization (وكيل الرئاسة العامة … الشيخ عثمان): the person holds it
                region = self._tokens(cue.end, region_limit, stop=False, cap=25)
                pe = self._entity_in(region[0][0], region[-1][1]) if region else None
                if pe and pe[3] == "PERSON":
                    e = pe
                else:
                    alt = self._np_speaker(toks, region)
                    if alt is not None and alt.name != self.fld.text[e[0]:e[1]]:
                        sp = alt
            if e and sp is None:
                sp = self._from_entity(e)
        region_end = toks[-1][1] if toks else cue.end
        fm = _FRAME_RE.search(f, cue.end, min(limit, region_end + 40))
        if fm and fm.start() <= region_end + 2:
            # attribution frame inside the subject region: نقلا عن مصدر أمني
            ftoks = self._np_tokens(fm.end(), limit)
            e = self._entity_in(ftoks[0][0], ftoks[-1][1]) if ftoks else None
            sp2 = self._from_entity(e) if e else self._np_speaker(ftoks)
            if sp2:
                sp = sp2
        if sp is None and not toks:
            # وقالت "شينخوا": إن …; a frame's own clause follows its noun phrase: وبحسب "رويترز"، فقد …
            sp = self._quoted_after(cue.end, before_clause=cue.clause < 0)
        if sp is None:
            region = region or self._tokens(cue.end, region_limit, stop=False, cap=25)
            sp = self._np_speaker(toks, region)
        if sp is None and cue.proclitic == "ف":
            sp = self._topic_subject(cue)  # أما أعمام أفراح عبده وعدنان فقالا: …
        via_svo = False
        if sp is None and not cue.proclitic:
            sp = self._svo(cue)
            via_svo = sp is not None
        if sp is not None and sp.role:
            sp = self._title_coreference(sp) or sp
        elif sp is not None and not sp.group and toks:
            sp.title = tuple(t[2] for t in (region or toks)[:14])  # stemmed only when needed
            last = self.last
            if last is not None and last.role and prev is not None and prev.speaker is last and cue.governs \
                    and CUE_FORMS[f[cue.form_start:cue.end]].lemma in _CONTINUATION_LEMMAS:
                # قال رئيس هيئة الأركان … ¶ وأضاف اللواء محمد المقدشي: the office holder is now named
                last.name, last.entity_index, last.role, last.group = sp.name, sp.entity_index, False, False
        if sp is not None and not cue.governs and not via_svo and not cue.proclitic \
                and not self._clause_start(cue.start) and not self._in_reported(cue, prev):
            # خورخي دا سيلفا مدرب النصر أكد قدرة ناديه …: a named person before the verb is its subject
            # (the words after it are the object), and the next bare وقال is his
            svo = self._svo(cue)
            if svo is not None and (self._is_person(svo) or svo.entity_index is None and not svo.group
                                    and not svo.role and len(svo.name.split()) >= 2):
                sp, via_svo = svo, True
        if sp is not None and not cue.governs and (
                self._in_reported(cue, prev) or not via_svo and not (cue.proclitic or self._clause_start(cue.start))):
            # الأرقام تشير لمشاركة … inside a reported clause, يعتبر مشروعا: not a new speaker
            cue.speaker, cue.explicit = sp, True
        elif sp is not None:
            cue.speaker, cue.explicit = sp, True
            self.last = sp
            self.last_pos = cue.start
            self.names.append(sp)
        elif self._turn_taking(cue):
            # وأكد بدوره أن …: "in his turn" — someone other than the previous speaker, the person named
            # last before the verb; nobody when that cannot be told
            cue.speaker = self._other_party(cue)
            if cue.speaker is not None:
                self.last = cue.speaker
        else:
            own = None
            if cue.proclitic and cue.start > self._prev_boundary(cue.start) + 12:
                # ووزارة الداخلية إذ تعلن ذلك … وتحذر … بأن: a coordinated verb shares its sentence's subject
                own = self._sentence_topic(cue.start)
            cue.speaker = own or (self.last if self.last is not None else (
                self._sentence_subject(cue.start) or self._lead_subject(cue.start) or self._agreeing_entity(cue)))
            self.last = cue.speaker

    def _subject_after_pp(self, start: int, limit: int) -> list:
        """VSO with a prepositional or time phrase before the subject (وأكد في تصريح للصحفيين أمس وزير
        الصحة توفيق الربيعة أن …): the subject starts at the first office, title or organization head
        within eight words that is not itself the object of a preposition."""
        region = self._tokens(start, limit, stop=False, cap=9)
        if not region or not (region[0][2] in _PREPOSITIONS or region[0][2] in _NP_STOP):
            return []
        for j in range(1, len(region)):
            k = region[j][2]
            if _MARK_RE.search(self.f[region[j - 1][1]:region[j][0]]) or k in _RELATIVES:
                return []  # a quotation or a relative clause (الاجتماع الذي عقده بمقر إدارة …)
            if k in _ROLES or k in _HONORIFICS or k in _ORG_HEADS:
                pk = region[j - 1][2]
                if pk in _NP_STOP and pk not in _TIME_WORDS:
                    return []  # في رسالة إلى وزير الخارجية: the addressee, not the subject
                if not pk.startswith(("ال", "لل", "بال")) and pk not in _TIME_WORDS \
                        and not self.f[region[j - 1][1]:region[j][0]].strip():
                    return []  # بمقر إدارة …: the genitive of a noun in the phrase, not a new subject
                return self._np_tokens(region[j][0], limit)
        return []


def _may_go_on(name: str) -> bool:
    """Can the entity list have cut this person's name short (محمد for محمد الخميس)? Not a name of three
    words or more, nor one that ends in a family name with the article (محمد بن نايف | اعتزاز السعودية،
    عادل الجبير | حرص المملكة): the words after it are the cue's object."""
    words = name.split()
    return len(words) <= 2 and not (len(words) == 2 and words[-1].startswith("ال"))
