"""The words the speaker rules read: the tokens of the subject's noun phrase after an offset (up to a stop
word, a clause or a mark), plain tokens of a span, and the entity list around a folded offset."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import islice

from pipeline.nlp.quotes.lexicon import CUE_FORMS, NAME_HEADS
from pipeline.nlp.quotes._base import (
    _ABBREVIATIONS,
    _COMP_FORMS,
    _COMP_RE,
    _CORE_RE,
    _EPONYM_TITLES,
    _HONORIFICS,
    _INSTITUTIONS,
    _MARK_RE,
    _MAX_NP_TOKENS,
    _MEDIA,
    _NP_STOP,
    _ORG_HEADS,
    _PLACE_HEADS,
    _QUOTE_CHARS,
    _ROLES,
    _Speaker,
    _STRIP,
    _WEEKDAYS,
    _WORD_RE,
    _deproclitic,
    _key,
)


def _trimmed_token(m: re.Match, raw: str, k: str) -> tuple[int, int, str]:
    """The token of the word match ``m`` (its text ``raw``, its key ``k``) without the punctuation around
    it; the loops test ``len(k) == len(raw)`` first, the common case that needs no trimming."""
    s = m.start() + (len(raw) - len(raw.lstrip(_STRIP)))
    e = m.end() - (len(raw) - len(raw.rstrip(_STRIP)))
    return s, e, k


class _Tokens:
    """How the rules read words and entities (a mixin of ``_Article``)."""

    def _np_tokens(self, start: int, limit: int) -> list[tuple[int, int, str]]:
        """Tokens of the subject noun phrase after ``start``: until a stop word, a clause or a mark."""
        return self._tokens(start, limit, stop=True)

    def _tokens(self, start: int, limit: int, stop: bool, cap: int = 0) -> list[tuple[int, int, str]]:
        """Tokens from ``start`` to ``limit`` (at most ``cap`` when given); with ``stop``, the subject
        noun phrase only."""
        if not stop:
            return self._plain_tokens(start, limit, cap)
        toks = []
        for m in _WORD_RE.finditer(self.f, start, limit):
            raw = m.group()
            k = raw.strip(_STRIP)  # _key, inline: this loop is the extractor's hottest
            if not k:
                if stop and raw.strip("-–—") and toks:
                    break
                continue
            if stop and not toks and k in ("ما", "تسمي", "يسمي", "المدعو", "المدعوه"):
                if k == "ما" and self._next_key(m.end()) not in ("تسمي", "يسمي", "يعرف", "تعرف"):
                    break  # وبرر ما حدث بأن: "what happened" is the object; there is no subject here
                continue  # وأعلنت ما تسمى مؤسسة …: the subject follows
            if k == "علي" and stop and self._spelled_ali(m.end()) and (toks or self._entity_starts(m.start())) \
                    and (not toks or self._name_like(toks[-1][2]) or self._entity_starts(m.start())
                         or toks[-1][2].startswith("ال") and self._next_key(m.end()).startswith("ال")):
                pass  # محمد علي سليمان، وزير النفط علي النعيمي: the name Ali, not على (they fold alike)
            elif stop and k in _WEEKDAYS and len(toks) == 1 and self._name_like(toks[0][2]) \
                    and self._family_name_slot(m.end(), limit):
                pass  # محمد الخميس رئيس اللجنة: a family name, not Thursday
            elif stop and toks and k[:1] == "ل" and (k[1:] in _MEDIA or k.startswith("لل") and k[2:] in _MEDIA):
                break  # قال المتحدث الرسمي للشرطة لوكالة …: the addressee, not the subject
            elif len(k) == 1 and k in _ABBREVIATIONS and raw.endswith("."):
                toks.append((m.start(), m.start() + 1, k))  # م. الرشودي: a title
                continue
            elif stop and (k in _NP_STOP or k in _COMP_FORMS or k in CUE_FORMS or len(k) == 1):
                break
            if not _QUOTE_CHARS.isdisjoint(raw) or raw[1:2] == "(" and raw[:1] in "لب":
                if stop and toks:
                    break  # a quoted name after the subject (لـ«عكاظ»، لـ(عكاظ)): the phrase ends before it
                continue
            toks.append((*m.span(), k) if len(k) == len(raw) else _trimmed_token(m, raw, k))
            if stop and (raw[-1] in ".:؛;!?؟" or len(toks) >= _MAX_NP_TOKENS) or len(toks) == cap:
                break
        return toks

    def _plain_tokens(self, start: int, limit: int, cap: int) -> list[tuple[int, int, str]]:
        """:meth:`_tokens` without ``stop``: every word but quoted ones, an abbreviation's letter kept alone
        (the same steps without the noun phrase's tests, which are most of the extractor's hottest loop)."""
        f = self.f
        marks = self.mark_offsets  # (every quote mark of the field, _pairs)
        if f.find(".", start, limit) < 0 and bisect_left(marks, start) == bisect_left(marks, limit):
            # no abbreviation's full stop and no quoted word here: every stripped word is a token
            found = _CORE_RE.finditer(f, start, limit)
            return [(m.start(), m.end(), m.group()) for m in (islice(found, cap) if cap else found)]
        toks = []
        for m in _WORD_RE.finditer(self.f, start, limit):
            raw = m.group()
            k = raw.strip(_STRIP)
            if not k:
                continue
            if len(k) == 1 and k in _ABBREVIATIONS and raw.endswith("."):
                toks.append((m.start(), m.start() + 1, k))
                continue
            if not _QUOTE_CHARS.isdisjoint(raw):
                continue
            toks.append((*m.span(), k) if len(k) == len(raw) else _trimmed_token(m, raw, k))
            if len(toks) == cap:
                break
        return toks

    def _tokens_in_full(self, pos: int, plain: bool = False) -> list[tuple[int, int, str]]:
        """Noun-phrase tokens of the folded headline and body from ``pos``; with ``plain``, also ending
        at a quote mark or at punctuation after a word (a title and its name are written together)."""
        toks = []
        for m in _WORD_RE.finditer(self.full_text, pos, pos + 120):
            raw = m.group()
            k = _key(raw)
            if not k or k in _NP_STOP or plain and _MARK_RE.search(raw):
                break
            s = m.start() + (len(raw) - len(raw.lstrip(_STRIP)))
            toks.append((s, s + len(k), k))
            if plain and raw[-1] in ".،,:؛;!?؟)":
                break
        return toks

    def _entity_starts(self, pos: int) -> bool:
        """True when a PERSON entity starts at folded offset ``pos``."""
        o = self.fld.orig(pos)
        k = bisect_left(self.ent_starts, o)
        return k < len(self.ents) and self.ents[k][0] == o and self.ents[k][3] == "PERSON"

    def _next_key(self, pos: int) -> str:
        """The folded word after ``pos`` (punctuation stripped)."""
        m = _WORD_RE.search(self.f, pos, min(len(self.f), pos + 40))
        return _key(m.group()) if m else ""

    def _family_name_slot(self, pos: int, limit: int) -> bool:
        """True when a title, a comma or a complementizer follows ``pos``: the word before it closes a
        name (محمد الخميس رئيس …، محمد الخميس، أن) rather than starting a time phrase."""
        rest = self.f[pos:min(limit, pos + 40)]
        if not rest.strip() or rest.lstrip(" ")[:1] in ("،", ","):
            return True
        nxt = _key(rest.split(" ", 2)[1] if rest.startswith(" ") and len(rest.split(" ", 2)) > 1 else "")
        return nxt in _ROLES or nxt in _HONORIFICS or bool(_COMP_RE.fullmatch(nxt))

    @staticmethod
    def _prev_token_in(text: str, pos: int) -> tuple[str, int]:
        j = pos - 1
        while j >= 0 and text[j] in " \t\u00a0":
            j -= 1
        if j < 0 or text[j] == "\n":
            return "", pos
        end = j + 1
        if not text[j].isspace():
            # the usual case, in C: the last word of a short window (str.rsplit splits at isspace too)
            lo = end - 48 if end > 48 else 0
            tok = text[lo:end].rsplit(None, 1)[-1]
            if lo == 0 or len(tok) < end - lo:
                return tok, end - len(tok)
        while j >= 0 and not text[j].isspace():
            j -= 1
        return text[j + 1:end], j + 1

    def _spelled_ali(self, end: int) -> bool:
        """True unless the word ending at folded ``end`` is written على (alef maksura): the name Ali is
        spelled with ي; the preposition mostly with ى (they fold alike)."""
        return self.fld.text[self.fld.orig_end(end) - 1:][:1] != "ى"

    def _entity_in(self, a: int, b: int, last: bool = False):
        """The PERSON (else ORGANIZATION) entity inside folded span [a, b), first or last one."""
        if not self.ents or a >= b:
            return None
        oa, ob = self.fld.orig(a), self.fld.orig_end(b)
        lo = bisect_left(self.ent_starts, oa)
        cands = [e for e in self.ents[lo:bisect_right(self.ent_starts, ob)] if e[1] <= ob + 1]
        if not cands:
            return None
        cands = [e for e in cands if not (e[3] == "PERSON" and self._eponym(e))]
        if not cands:
            return None
        persons = [e for e in cands if e[3] == "PERSON"]
        if not persons:
            return cands[0]  # مختصو منظمة الصحة العالمية التابعة للأمم المتحدة: the head organization
        return persons[-1] if last else persons[0]

    def _eponym(self, e) -> bool:
        """A PERSON entity that is the eponym inside an institution's name (مركز الملك سلمان)."""
        fs = self.fld.folded(e[0])
        first = _key(self.f[fs:fs + 12].split(" ", 1)[0]) if fs < len(self.f) else ""
        t1, s1 = self._prev_token(fs)
        if first in _EPONYM_TITLES:
            t2 = t1
        elif _key(t1) in _EPONYM_TITLES:
            t2, _ = self._prev_token(s1)
        else:
            return False
        if _key(t2).startswith(("ال", "وال")):
            return False
        d = _deproclitic(_key(t2))
        return d in _ORG_HEADS or d in _PLACE_HEADS or d in NAME_HEADS or d in _INSTITUTIONS

    def _is_place(self, run) -> bool:
        """True when a LOCATION entity overlaps the tokens (a name run that is a place)."""
        a, b = self.fld.orig(run[0][0]), self.fld.orig_end(run[-1][1])
        return any(s < b and a < e for s, e in self.places)

    def _is_person(self, sp: _Speaker) -> bool:
        """Is the speaker linked to a PERSON entity of this field?"""
        return sp.entity_index is not None and any(e[2] == sp.entity_index and e[3] == "PERSON" for e in self.ents)
