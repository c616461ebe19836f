"""Names linked to their fullest form: an entity or a mention with the fullest form of the name in the
article (a surname to the full name, a definite head to its organization), and an office without a name
to the person the article names with it."""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Optional

from pipeline.nlp.normalize import fold as _fold
from pipeline.nlp.quotes.lexicon import CUE_FORMS
from pipeline.nlp.quotes._scan import finditer_at, starts_around
from pipeline.nlp.quotes._base import (
    _AFFILIATION,
    _HONORIFICS,
    _NAME_GLUE,
    _NAME_PREFIXES,
    _NP_STOP,
    _QUANTIFIERS,
    _RELATIVES,
    _ROLES,
    _Speaker,
    _STRIP,
    _THEOPHORIC,
    _WORD_RE,
    _key,
    _org_extent,
    _stem,
    _stems,
    _word_occurrences,
)


@lru_cache(maxsize=1 << 14)
def _folded_words(name: str) -> tuple[str, ...]:
    """The folded words of a speaker's name (the names said so far are compared again at every cue)."""
    return tuple(_fold(name).split())


class _Linking:
    """The fullest form of a speaker's name in the article (a mixin of ``_Article``)."""

    def _from_entity(self, e) -> _Speaker:
        s, en, idx, etype, canonical = e
        if etype == "PERSON":
            words = canonical.split()
            while len(words) > 2 and _fold(words[0]) in _HONORIFICS:
                words = words[1:]  # دكتور حسام عبد الغفار: the tagger kept the title
            canonical = " ".join(words)
            fs = self.fld.folded(s)
            t1, s1 = self._prev_token(fs)
            if _key(t1) in ("بن", "بنت") and t1 == _key(t1):
                t2, s2 = self._prev_token(s1)
                if t2 == _key(t2) and self._name_like(t2):
                    # حسن الضعيان for صالح بن حسن الضعيان: the tagger began after the patronymic
                    s = self.fld.orig(s2)
                    canonical = self.fld.text[s:self.fld.orig(fs)] + canonical
                    e = (s, en, idx, etype, canonical)
        if etype == "PERSON" and _fold(canonical).split()[:1] in (["بن"], ["بنت"], ["ابن"]):
            # بن صالح for جمعان بن صالح: the tagger dropped the given name before the patronymic
            fs = self.fld.folded(s)
            tok, ts = self._prev_token(fs)
            if tok == _key(tok) and self._name_like(_key(tok)):
                s = self.fld.orig(ts)
                canonical = self.fld.text[s:self.fld.orig(fs)] + canonical
                e = (s, en, idx, etype, canonical)
        mention = self.fld.text[s:en]
        # An entity cut short (مؤسسة الكنانة for مؤسسة الكنانة الإعلامية, خالد for خالد الغانم): when the
        # fallback reading of the same place gives a longer name containing it, that is the fuller form.
        a = self.fld.folded(s)
        toks = self._np_tokens(a, min(len(self.f), a + 160))
        if toks:
            alt = self._np_speaker(toks)
            if alt is not None:
                ck, ak = _fold(canonical).split(), _fold(alt.name).split()
                for i in range(len(ak) - len(ck) + 1):
                    if len(ak) > len(ck) and ak[i:i + len(ck)] == ck and not _AFFILIATION.intersection(ak) and (
                            alt.group or all(w.startswith(("ال", "لل")) for w in ak[:i] + ak[i + len(ck):])
                            or etype == "PERSON" and i == 0 and len(ak) <= 6 and " بن " in " " + " ".join(ck) + " "
                            and not (len(toks) > len(ak) and toks[len(ak)][2].startswith("ال"))):
                        # (محمد بن نايف اعتزاز | السعودية: a noun with its genitive after the name is no family name)
                        # علي بن موسى → علي بن موسى زعلة: a patronymic the tagger stopped before the family name
                        return _Speaker(alt.name, alt.mention, idx, alt.group)
        if etype == "PERSON" and len(canonical.split()) == 1:
            canonical = self._fullest(canonical)  # the entity list kept only the surname
            if len(canonical.split()) == 1:
                canonical = self._from_given_name(canonical)  # المصورة نجلاء → نجلاء الخليفة
        return _Speaker(canonical, mention, idx)

    def _inside_longer_name(self, start: int, mk: str) -> bool:
        """Does the occurrence of ``mk`` at ``start`` go on, with the next word, inside an entity's name?"""
        if not self._folded_ents:
            return False  # no entity names to go on inside (the article's entity list is empty)
        nxt = _WORD_RE.search(self.full_text, start + len(mk))
        if nxt is None or self.full_text[start + len(mk):nxt.start()] != " ":
            return False
        pair = f"{mk} {nxt.group().strip(_STRIP)}"
        return any(pair in folded for folded in self._folded_ents)

    @cached_property
    def _folded_ents(self) -> list[str]:
        return [_fold(canonical) for canonical, _ in self.all_ents]

    def _link_name(self, mention: str, org: bool = False) -> _Speaker:
        """Speaker for a fallback mention, with the fullest form of the name found in the article."""
        mk = _fold(mention).split()
        # the fullest of the entities it names (all_ents is longest first: مجلس الوزراء البحريني in the
        # headline over مجلس الوزراء)
        for (canonical, idx), folded in zip(self.all_ents, self._folded_ents):
            ck = folded.split()
            # a surname names the person (الجعفري → إبراهيم الجعفري); an office or an organization is
            # not the tail of a longer entity (صحة جازان is not «عدم استلام صحة جازان»)
            if ck and (ck[-len(mk):] == mk if not org else ck[:len(mk)] == mk
                       or len(mk) == 1 and mk[0].startswith("ال") and ck[0] == mk[0][2:] and len(ck) > 1
                       and 0 <= self.full_text.find(" ".join(ck)) < self.full_text.find(mk[0])):
                # الهيئة → هيئة الإعجاز العلمي في القرآن والسنة (the organization's first mention)
                if org and len(ck) > len(mk):
                    # the tagger's span may run on (جامعة الملك خالد ممثلة): keep the organization's name
                    n = max(len(mk), _org_extent(ck, [False] * len(ck)))
                    if n < len(ck) and ck[n] not in _NP_STOP and not ck[n].startswith(("ال", "لل", "و")):
                        canonical = " ".join(canonical.split()[:n])
                return _Speaker(canonical, mention, idx)
        best = mention
        mt = tuple(mk)
        for sp in self.names:
            sk = _folded_words(sp.name)
            if len(sk) <= len(best.split()):
                continue
            if sk[-len(mt):] == mt and not org:
                best = sp.name
            elif org and (sk[:len(mt)] == mt or len(mk) == 1 and mk[0].startswith("ال") and (
                    mk[0][2:] == sk[0] or sp.group and len(sk) <= 4 and sk[0] in _QUANTIFIERS and mk[0][2:] in sk)):
                # وقالت الوكالة → الوكالة العربية السورية للأنباء; أضافت المصادر → ثلاثة مصادر مطلعة
                best = sp.name
        if org and best == mention and len(mk) == 1 and mk[0].startswith("ال"):
            best = self._fullest_org(mention)
        if not org and len(mk) <= 2:
            longer = self._fullest(mention)
            if len(longer.split()) > len(best.split()):
                best = longer
        if not org and len(best.split()) == 1:
            best = self._from_given_name(best)  # المصورة نجلاء → نجلاء الخليفة
        return _Speaker(best, mention, None)

    def _from_given_name(self, name: str) -> str:
        """The one longer person name of the article that starts with the given name ``name``."""
        key = _fold(name)
        longer = {c for c in self.persons if _fold(c).split()[0] == key}
        return longer.pop() if len(longer) == 1 else name

    def _fullest(self, mention: str) -> str:
        """The longest name in the article that ends with ``mention`` after a title or an adjective."""
        mk = _fold(mention)
        best_start, best_len = -1, len(mention.split())
        for start in _word_occurrences(self.full_text, mk):
            if self._inside_longer_name(start, mk):
                continue  # فهد in ماجد فهد السبيعي is the father's name there, not where a name ends
            run = 0
            pos = start
            starts = []
            while run < 5:
                tok, tstart = self._prev_token_in(self.full_text, pos)
                k = _key(tok)
                if not k or tok != k or not self._name_like(k) and not (k in _NAME_GLUE or k in _THEOPHORIC):
                    break
                if k[0] in "وف" and len(k) > 3:
                    pb, _ = self._prev_token_in(self.full_text, tstart)
                    if not pb or pb != _key(pb):
                        break  # وفسر مراقبون: a conjunction and a verb open the clause, not a name
                run += 1
                pos = tstart
                starts.append((tstart, k))
            if not run:
                continue
            before, _ = self._prev_token_in(self.full_text, pos)
            kb = _key(before)
            titled = kb in _ROLES or kb in _HONORIFICS or kb.startswith("ال") and kb not in _NP_STOP \
                or kb in CUE_FORMS or kb[:1] in ("و", "ف") and kb[1:] in CUE_FORMS  # وقال دانيل بوش
            if len(mk.split()) == 1 and mk.startswith("ال") and not any(k in _NAME_GLUE for _, k in starts):
                # a one-word definite mention (الجبير, but also الورقة): only a run after a title is a
                # name (وزير الخارجية عادل الجبير); a verb before it (حازت الورقة) is not
                ok = kb in _ROLES or kb in _HONORIFICS
                if not ok and kb.startswith("ال") and before == kb:
                    kbb = _key(self._prev_token_in(self.full_text, pos - len(before) - 1)[0])
                    ok = kbb in _ROLES or kbb in _HONORIFICS
            else:
                ok = not before or before != kb or titled
                if ok and not titled and run >= 2 and starts[-1][1] not in _NAME_GLUE \
                        and not any(k in _NAME_GLUE for _, k in starts):
                    # أصدر دافيدي زيكانيلا …: at the start of a sentence the first word is the verb of a
                    # VSO sentence, not a name
                    run -= 1
                    pos = starts[run - 1][0]
            # محافظة ينبع محمد بن عبدالله العقيبي: a name starts at عبد/أبو, or one word before بن/آل
            cut = -1
            for i, (_, k) in enumerate(starts):
                if k in _NAME_PREFIXES:
                    cut = max(cut, i)
                elif k in _NAME_GLUE and i + 1 < len(starts):
                    cut = max(cut, i + 1)
            if cut >= 0 and (cut + 1 < run or not ok):
                run = cut + 1
                pos = starts[cut][0]
                ok = True
            if ok and run + len(mention.split()) > best_len:
                best_start, best_len = pos, run + len(mention.split())
        if best_start < 0:
            return mention
        end = best_start
        for _ in range(best_len):
            m = _WORD_RE.search(self._full_orig, end)
            end = m.end()
        return self._full_orig[best_start:end].strip(_STRIP)

    def _fullest_org(self, mention: str) -> str:
        """A definite organization named by its head alone (المركز): its longest form in the article,
        the head with the adjectives and genitives that follow it (المركز الإعلامي للمقاومة)."""
        stem = _fold(mention)[2:]
        best = mention
        # the first mention with the indefinite head and a name (شركة بيشة الزراعية … الشركة)
        pat = re.compile(r"(?<![\w])[وبل]?" + re.escape(stem) + r"((?:[ \t]+[^\s.،,:؛«»“”\"]+){1,5})")
        # (a pattern that opens with a lookbehind: tried only just before the head's occurrences)
        for m in finditer_at(pat, self.full_text, starts_around(self.full_text, stem, 1)):
            words = m.group(1).split()
            if not words or words[0].startswith(("ال", "لل")) or words[0] in _NP_STOP or not self._name_like(words[0]):
                continue
            n = _org_extent([stem] + words, [False] * (len(words) + 1)) - 1
            if n >= 1:
                a = m.start(1)
                tail = self._full_orig[a:a + len(m.group(1))].split()[:n]
                head = self._full_orig[m.start(1) - len(stem):m.start(1)]
                return (head + " " + " ".join(tail)).strip()
        # followed by nisba adjectives (الإعلامي، المصرية) or a genitive with لل (للمقاومة)
        pat = re.compile(r"(?<![\w])(?:ال|لل|بال|وال)" + re.escape(stem)
                         + r"((?:[ \t]+(?:ال\w+(?:ي|يه)|لل\w+)(?!\w)){1,3})")
        for m in finditer_at(pat, self.full_text, starts_around(self.full_text, stem, 3)):
            words = m.group(1).split()
            cut = next((i for i, w in enumerate(words) if w in _NP_STOP or w in _ROLES or w in _RELATIVES), len(words))
            if cut and cut + 1 > len(best.split()):
                a = m.start(1)
                tail = self._full_orig[a:a + len(m.group(1))].split()[:cut]
                best = mention + " " + " ".join(tail)
        return best

    def _span_speaker(self, toks, org: bool = False) -> _Speaker:
        a, b = toks[0][0], toks[-1][1]
        mention = self.fld.text[self.fld.orig(a):self.fld.orig_end(b)]
        sp = self._link_name(mention, org=org)
        sp.group = org
        return sp

    def _role_coreference(self, toks) -> Optional[_Speaker]:
        """A title without a name (الرئيس اليمني): the name that follows that title elsewhere."""
        phrase = " ".join(t[2] for t in toks)
        mention = self.fld.text[self.fld.orig(toks[0][0]):self.fld.orig_end(toks[-1][1])]
        for start in _word_occurrences(self.full_text, phrase):
            after = self._tokens_in_full(start + len(phrase))
            for i, run in self._runs(after, text=self.full_text):
                if i == 0 and len(run) >= 2:
                    a, b = run[0][0], run[-1][1]
                    return self._link_name(self._full_orig[a:b])._replace_mention(mention)
                break
        return None

    def _title_coreference(self, sp: _Speaker) -> Optional[_Speaker]:
        """An unnamed office holder (وزير الخارجية) who is a person named earlier with those titles
        (وزير الخارجية السعودي عادل الجبير): every content word of the office is among his titles."""
        need = _stems(_fold(sp.mention or sp.name).split())
        if len(need) < 2:
            return None
        for named in reversed(self.names):
            if not named.group and not named.role and named.title and need <= _stems(named.title):
                return _Speaker(named.name, sp.mention, named.entity_index, title=named.title)
        return self._office_holder(sp)

    def _office_holder(self, sp: _Speaker) -> Optional[_Speaker]:
        """The person the article names with the same office, spoken of or not (استقبل … رئيس فرع
        الإفتاء بالمنطقة الدكتور سعد الحجري … ¶ وأوضح رئيس فرع الإفتاء بعسير أن): the office head and
        its first words match, then a full name follows within the title."""
        words = _fold(sp.mention or sp.name).split()
        need = [_stem(w) for w in words if len(_key(w)) >= 3 and _key(w) not in _NP_STOP][:3]
        if len(need) < 2:
            return None
        head = _key(words[0])
        for start in _word_occurrences(self.full_text, head):
            toks = self._tokens_in_full(start, plain=True)[:14]
            for i, run in self._runs(toks, 1, text=self.full_text):
                if len(run) >= 2 and set(need) <= _stems(t[2] for t in toks[:i]) \
                        and (toks[i - 1][2] in _HONORIFICS or toks[i - 1][2].startswith(("ال", "بال", "لل"))):
                    a, b = run[0][0], run[-1][1]
                    found = self._link_name(self._full_orig[a:b])
                    return _Speaker(found.name, sp.mention, found.entity_index)
                break
        return None
