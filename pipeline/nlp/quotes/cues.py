"""Speech cues and clause ends: speech verbs, participles, verbal nouns and attribution frames found in
the folded text, whether each introduces speech, and where a reported clause or utterance ends."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Optional

from pipeline.nlp.normalize import fold as _fold
from pipeline.nlp.quotes.lexicon import AMBIGUOUS, CUE_FORMS, FRAMES, NOUN_CUES
from pipeline.nlp.quotes._scan import char_offsets
from pipeline.nlp.quotes._base import (
    _COMP_RE,
    _FA_QAD_RE,
    _FRAME_NP_WORDS,
    _FRAME_OWN_CUE_WORDS,
    _FRAME_VERB_NP_WORDS,
    _VERB_PARTICLES,
    _HONORIFICS,
    _RELATIVES,
    _ABOUT_LEMMAS,
    _ABOUT_RE,
    _AS_SAID_RE,
    _BETWEEN_RE,
    _BUT_RE,
    _BUT_WORDS,
    _CLAUSE_OPENERS,
    _COMP_AFTER_RE,
    _CONNECTORS,
    _CueHit,
    _FRAME_RE,
    _NEW_TOPIC_RE,
    _REPORTED_RE,
    _FRAME_FIRST_LETTERS,
    _SPACES,
    _CIRCUMSTANCE_RE,
    _NOT_CIRCUMSTANCES,
    _NP_STOP,
    _ORG_HEADS,
    _OWN_WORDS,
    _PREPOSITIONS,
    _QUOTE_CHARS,
    _ROLES,
    _SOURCE_RE,
    _cue_matches,
    _frame_complementizers,
    _deproclitic,
    _key,
)


class _Cues:
    """Speech cues, the clauses they govern and where those clauses end (a mixin of ``_Article``).

    The methods given ``cues`` (and ``comps``) are given the article's own, ``self.cues``: they look them
    up by bisection in ``self.cue_starts`` (and ``self.comp_starts``), made once per field by ``run``."""

    def _prev_token(self, pos: int) -> tuple[str, int]:
        """The folded token ending before ``pos`` (punctuation stripped) and its start."""
        f = self.f
        lo = pos - 48 if pos > 48 else 0
        seg = f[lo:pos].rstrip()
        parts = seg.split()
        if parts and (lo == 0 or len(parts) > 1 or f[lo - 1].isspace()):
            # the usual case, in C: the last word of a short window (str.split and rstrip use isspace too)
            tok = parts[-1]
            return tok, lo + len(seg) - len(tok)
        j = pos - 1
        while j >= 0 and f[j].isspace():
            j -= 1
        end = j + 1
        while j >= 0 and not f[j].isspace():
            j -= 1
        return f[j + 1:end], j + 1

    def _clause_start(self, pos: int) -> bool:
        """True when ``pos`` begins a clause: after punctuation, a line start or a clause opener."""
        f = self.f
        j = pos - 1
        while j >= 0 and f[j] in " \t\u00a0":
            j -= 1
        if j < 0 or f[j] in ".،,:؛;!?؟\n-–—)»”\"":
            return True
        tok, _ = self._prev_token(pos)
        return _key(tok) in _CLAUSE_OPENERS

    def _cues(self, comps: list) -> list[_CueHit]:
        """The field's speech cues in order (``comps``: its complementizers, :func:`_complementizers`)."""
        hits = []
        f = self.f
        for m in _cue_matches(f):
            form = m.group(2)
            pro = m.group(1)
            start = m.start(1)
            if form in AMBIGUOUS and not pro and not self._clause_start(start):
                continue
            if form == "بين" and pro == "و" and _BETWEEN_RE.search(f, max(0, start - 60), start):
                continue  # ما بينها وبين الأمانات: "and between", not "and he explained"
            cue = CUE_FORMS[form]
            if cue.participle and pro:
                continue  # ومشددة: an adjective, not "stressing"
            prev, prev_start = self._prev_token(start)
            prev = _key(prev)
            if prev in ("ما", "مما", "وهو", "وهي", "هو", "هي") and not (
                    prev == "ما" and _key(self._prev_token(prev_start)[0]) == "علي"):
                continue  # وهو ما يشير إلى أن: the writer's inference, not a speaker (على ما أوضحت X: one)
            if form in NOUN_CUES and (pro or not self._noun_report(start, m.end())):
                continue  # في تصريح صحفي: a circumstance, not a report with its subject
            if cue.lemma == "عبر" and not cue.participle and not _ABOUT_RE.match(f, m.end()):
                continue  # عبر موقعها الإلكتروني: "via"; عبّر (expressed) takes عن
            source = -1
            if cue.lemma == "نقل":
                src = _SOURCE_RE.match(f, m.end())
                if src is not None:
                    source = src.end()
                elif not _REPORTED_RE.match(f, m.end()):
                    continue  # نقل المصابين إلى المستشفى: "moved", not "reported"
            hits.append(_CueHit(start, m.end(), m.start(2), pro, cue.participle, source=source))
        # ووفقا للمتحدث الرسمي علي زعلة، فإن …: a frame at the start of a clause with an إن clause after
        # its noun phrase attributes that clause
        # (the comma and the complementizer are rare: look for them first, then for the frame before)
        # (and فإن with no comma: a word of its own, not one the first pattern found after a comma)
        for c in _frame_complementizers(f, comps):
            lo = max(self._prev_boundary(c) + 1, c - 160)
            m = None
            for m in _FRAME_RE.finditer(f, lo, c):
                pass
            if m is None or not self._clause_start(m.start()) or len(f[m.end():c].split()) > 12:
                continue
            hits.append(self._frame_hit(m))
        # وبحسب الصحيفة، ألقى داعش …؛ ووفقا لإحصاء رويترز فقد أصيب …: a frame opening a sentence counts without
        # a complementizer too (the labelling rules): its noun phrase, a comma or فقد, then the clause
        framed = {h.start for h in hits if h.frame}
        verb_starts = sorted(h.start for h in hits if not h.frame)
        # (a frame holds no sentence end: the frames of the whole text that open a sentence are those
        # matched where a sentence opens, a few places instead of a scan of every word)
        for m in filter(None, (_FRAME_RE.match(f, at) for at in self._frame_openings())):
            if m.start() in framed or m.end() < len(f) and f[m.end()].isalpha() and f[m.end() - 1] not in "لـ":
                continue  # (بحسبة بسيطة: a word of its own, not the frame بحسب)
            np_end, clause = self._frame_clause(m.end(), verb_starts)
            if clause >= 0:
                hits.append(self._frame_hit(m, clause, np_end))
        hits.sort(key=lambda h: h.start)
        return hits

    def _first_verb(self, start: int, end: int) -> int:
        """The folded offset of the first verb learned from raw text between folded offsets ``start`` and
        ``end``, or -1."""
        from pipeline.nlp.entities.rules import Analysis
        from pipeline.nlp.entities.words import WordLexicon

        base = self.fld.orig(start)
        a = Analysis(self.fld.text[base:self.fld.orig_end(end)])
        lexicon = WordLexicon.load()
        i = next((i for i in range(len(a)) if a.is_word[i] and lexicon.is_learned_verb(a, i)), None)
        return -1 if i is None else self.fld.folded(base + a.tokens[i].start)

    def _frame_hit(self, m, clause: int = -1, np_end: int = -1) -> _CueHit:
        """The cue of a frame match (its و/ف a proclitic); its speaker is the noun phrase after it."""
        f = self.f
        fs = m.start() + 1 if f[m.start()] in "وف" and f.startswith(FRAMES, m.start() + 1) else m.start()
        return _CueHit(m.start(), m.end(), fs, f[m.start():fs], False, source=m.end(), frame=True, clause=clause,
                       np_end=np_end)

    def _frame_openings(self):
        """Where the field's sentences and lines open, in order, and a frame may begin: after the leading
        spaces, and after each mark that ends a sentence with the spaces after it, before one of the frames'
        first letters. Not after a comma: a trailing attribution (…، بحسب مانس، …) is not a quote."""
        f = self.f
        n = len(f)
        yield n - len(f.lstrip(_SPACES))
        for i in self.sentence_marks:  # (made by _boundaries)
            i += 1
            while i < n and f[i] in _SPACES:
                i += 1
            if i < n and f[i] in _FRAME_FIRST_LETTERS:
                yield i

    def _frame_clause(self, np_start: int, verb_starts: list[int]) -> tuple[int, int]:
        """Where the noun phrase of a sentence-opening frame ends and the clause it attributes begins: 1 to
        :data:`_FRAME_NP_WORDS` words with no speech verb, relative pronoun or verb inside, then a comma or
        فقد (the clause begins after both); (-1, -1) when the sentence is not read so."""
        f = self.f
        nb = self._next_boundary(np_start)
        comma = min((i for i in (f.find("،", np_start, nb), f.find(",", np_start, nb)) if i >= 0), default=-1)
        fa = _FA_QAD_RE.search(f, np_start, nb)
        verb = -1 if fa is not None else self._first_verb(np_start, min(nb, np_start + 160))
        if verb >= 0 and (comma < 0 or verb < comma):
            # وبحسب البيان ستتوقف الأعمال …: the noun phrase ends at the verb (and its particle: لم تعلق);
            # a فقد after it marks the clause instead (ووفقا لمرسومين تم إصدارهما، فقد عين …)
            before, at = self._prev_token(verb)
            np_end = clause = at if _key(before) in _VERB_PARTICLES else verb
            if len(f[np_start:np_end].split()) > _FRAME_VERB_NP_WORDS or any(ch.isdigit() for ch in f[np_start:np_end]):
                return -1, -1
        elif comma >= 0 and (fa is None or comma < fa.start()):
            np_end, clause = comma, comma + 1
        elif fa is not None:
            np_end, clause = fa.start(), fa.end()
        else:
            return -1, -1
        while clause < nb and f[clause] in " \t\u00a0":
            clause += 1
        qad = _FA_QAD_RE.match(f, clause)
        if qad is not None and qad.start() < nb:
            clause = qad.end()  # وبحسب المصادر، فقد شاركت …: the clause begins after فقد
        np_words = f[np_start:np_end].split()
        if not 1 <= len(np_words) <= _FRAME_NP_WORDS or np_words[0] in ("ما", "ماذا") \
                or any(ch in f[np_start:np_end] for ch in ":؛;") or any(_key(w) in _RELATIVES for w in np_words) \
                or bisect_left(verb_starts, np_start) != bisect_left(verb_starts, np_end):
            return -1, -1
        rest = f[clause:nb]
        first = _key(rest.split()[0]) if rest.split() else ""
        if len(rest.split()) < 3 or _COMP_RE.match(rest) or rest[:1] in _QUOTE_CHARS \
                or first in _RELATIVES or first in _PREPOSITIONS or first in _HONORIFICS or first in _ROLES:
            return -1, -1  # (a complementizer after the comma is the frame of the loop above; a relative
            # clause, a preposition or a titled name after it continues the noun phrase: وفقا للنتائج، التي …)
        k = bisect_left(verb_starts, clause)
        if k < len(verb_starts) and len(f[clause:verb_starts[k]].split()) < _FRAME_OWN_CUE_WORDS:
            return -1, -1  # وبحسب «رويترز»، قال الرئيس التنفيذي: …: the clause has a speech verb of its own
        return np_end, clause

    def _noun_report(self, start: int, end: int) -> bool:
        """True when a verbal noun (اعتراف، إعلان، تصريحات) heads a report: not after a preposition
        (في تصريح صحفي), and followed by its subject — a definite noun, an office, an organization or a
        name (اعتراف الأسد بأن، إعلان وزير الداخلية أن) — not by an adjective (تصريحات سابقة)."""
        prev = _key(self._prev_token(start)[0])
        if prev not in ("بعد", "وبعد", "قبل", "رغم") and (prev in _PREPOSITIONS or prev in _NP_STOP):
            return False
        nxt = self._next_key(end)
        if not nxt:
            return False
        if nxt.startswith("ال") or nxt in _ROLES or nxt in _ORG_HEADS or self._entity_starts(end + 1):
            return True
        return self._name_like(nxt) and not nxt.endswith(("ي", "يه", "ه", "ين"))

    def _about_cue(self, pos: int, cues: list) -> bool:
        """True when the speech cue governing ``pos`` reports with عن (كشف المدرب … عن أن، أعلن عن أن)."""
        k = bisect_left(self.cue_starts, pos) - 1
        if k < 0 or self._prev_boundary(pos) >= cues[k].end or len(self.f[cues[k].end:pos].split()) > 8:
            return False
        form = self.f[cues[k].form_start:cues[k].end]
        return form in CUE_FORMS and CUE_FORMS[form].lemma in _ABOUT_LEMMAS

    def _in_reported(self, cue: _CueHit, prev: Optional[_CueHit]) -> bool:
        """True when ``cue`` sits inside the أن/إن clause of an earlier speech cue of its sentence."""
        if prev is None or prev.start <= self._prev_boundary(cue.start):
            return False
        k = bisect_left(self.comp_starts, prev.end)
        return k < len(self.comp_starts) and self.comp_starts[k] < cue.start

    def _governs(self, cue: _CueHit, nb: int, nxt_comp: int, nxt_open: int, colon: int) -> bool:
        """True when the cue can introduce speech: an أن/إن clause, a colon or a quote follows it in
        its sentence with no other cue between, or a quote closes right before it. A speech verb that
        introduces nothing (الأرقام تشير لمشاركة، وفق وصفه، يعتبر مشروعا) sits inside reported content or
        narration: its subject must not become the speaker that later bare verbs continue."""
        f = self.f
        k = bisect_right(self.cue_starts, cue.start)
        nxt_cue = self.cue_starts[k] if k < len(self.cue_starts) else len(f)
        if colon >= 0 and colon < nxt_cue:
            return True
        if nxt_comp < min(nb, nxt_cue) and len(f[cue.end:nxt_comp].split()) <= self.qx.max_cue_gap:
            return True
        ku = bisect_left(self.unclosed, cue.end)
        nxt_unclosed = self.unclosed[ku] if ku < len(self.unclosed) else len(f)
        first_open = min(nxt_open, nxt_unclosed)
        if first_open < min(nb + 1, nxt_cue) and len(f[cue.end:first_open].split()) <= 15:
            return True
        before = f[max(0, cue.start - 4):cue.start]
        return any(ch in _QUOTE_CHARS for ch in before)

    def _cue_before(self, pos: int, cues: list[_CueHit], comps) -> Optional[_CueHit]:
        """The speech cue introducing a quote that opens at ``pos`` (same sentence, few words before)."""
        k = bisect_left(self.cue_starts, pos) - 1
        if k < 0:
            return None
        cue = cues[k]
        if cue.end > pos:
            return None
        between = self.f[cue.end:pos]
        # ".." or ":" right before the mark does not end the attribution
        core = between.rstrip(" \t\u00a0.:،,")
        if any(ch in core for ch in "!?؟\n") or "." in core and self._prev_boundary(pos) >= cue.end:
            return None
        if len(core.split()) > 20:
            return None  # (؛ separates appositions here: وقال أنديرس نوردستروم؛ ممثل المنظمة؛ … "…")
        kc = bisect_left(self.comp_starts, cue.end)
        if kc < len(self.comp_starts) and self.comp_starts[kc] < pos:
            return None  # a complementizer between the cue and the mark
        return cue

    def _cue_after(self, pos: int, cues: list[_CueHit]) -> Optional[_CueHit]:
        """«…»، قال X / «…» بحسب X: a cue or frame right after the closing mark."""
        f = self.f
        j = pos + 1
        while j < len(f) and f[j] in " \t\u00a0،,.":
            if f[j] == "." and f[j + 1:j + 2] == "\n":
                return None
            j += 1
        am = _AS_SAID_RE.match(f, j)
        if am:
            j = am.end()  # «…»، على ما أوضحت الشرطة / حسبما ذكرت …
        k = bisect_left(self.cue_starts, j)
        if k < len(cues) and cues[k].start == j and not cues[k].participle:
            return cues[k]
        fm = _FRAME_RE.match(f, j)
        if fm:
            toks = self._np_tokens(fm.end(), self._next_boundary(fm.end()))
            e = self._entity_in(toks[0][0], toks[-1][1]) if toks else None
            sp = self._from_entity(e) if e else self._np_speaker(toks)
            if sp is None and toks and _deproclitic(toks[0][2]) in _OWN_WORDS:
                sp = self._last_before(pos, cues)  # «…»، بحسب تصريحاته: the speaker named before
            hit = _CueHit(fm.start(), fm.end(), fm.start(), "", False, sp, sp is not None)
            return hit
        return None

    def _utterance_end(self, start: int, cues: list[_CueHit]) -> int:
        """End of an unmarked utterance after a colon: the paragraph end, or before a new speech cue."""
        f = self.f
        end = f.find("\n", start)
        end = len(f) if end < 0 else end
        end = min(end, start + self.qx.max_quote_chars)
        k = bisect_right(self.cue_starts, start)
        for c in cues[k:]:
            if c.start >= end:
                break
            if c.proclitic or c.participle or f[max(0, c.start - 2):c.start].strip() in ("،", ",", "."):
                end = c.start
                break
        while end > start and f[end - 1] in " \t\u00a0،,.:;؛-–—":
            end -= 1
        return end

    def _clause_end(self, start: int, cues: list[_CueHit]) -> int:
        """End of a reported clause: the sentence end, or just before a new speech cue."""
        f = self.f
        end = min(self._next_boundary(start), start + self.qx.max_quote_chars)
        nl = f.find("\n", start, end)
        if nl >= 0:
            end = nl
        # (the two patterns that open with a comma tried at the clause's commas, the contrast only where
        # one of its words stands: found by str.find, where a scan of the clause by each pattern cost more)
        commas = char_offsets(f, "،,", start, end)
        m = next(filter(None, (_NEW_TOPIC_RE.match(f, c, end) for c in commas)), None)
        if m:
            end = m.start()  # …، وفي بداية الدراسة …: the writer moves on to a new topic
        for m in filter(None, (_CIRCUMSTANCE_RE.match(f, c, end) for c in commas if c < end)):
            if m.group(1) not in _NOT_CIRCUMSTANCES:
                end = m.start()  # …، مقدما شكره لـ …: the main verb's circumstance, the writer's words
                break
        if any(f.find(w, start, end) >= 0 for w in _BUT_WORDS):
            for m in _BUT_RE.finditer(f, start, end):
                if self._entity_starts(m.start(1)) or any(m.group(1) in _fold(sp.name).split() for sp in self.names):
                    end = m.start()  # … إلا أن مكلارين تباهى …: the writer's contrast about a named person
                    break
        k = bisect_right(self.cue_starts, start)
        for c in cues[k:]:
            if c.start >= end:
                break
            if c.participle and not (f[c.end - 1] == "ه" and f[max(0, c.start - 2):c.start].strip() not in ("،", ",")
                                     and not _COMP_AFTER_RE.match(f, c.end)) \
                    or c.proclitic or f[max(0, c.start - 2):c.start].strip() in ("،", ",") \
                    or _key(self._prev_token(c.start)[0]) in _CONNECTORS:
                cut = c.start
                tok, ts = self._prev_token(cut)
                if _key(tok) in _CONNECTORS or _key(tok) == "مع":
                    cut = ts  # …، وأضاف / … مع تأكيده أن: the connector goes with the new cue
                end = cut
                break
            if c.participle and f[c.end:c.end + 3].lstrip()[:1] in _QUOTE_CHARS | {":"}:
                # …، واختتم حديثه بقوله «…»: a verbal noun that opens a quote ends the clause at the
                # comma before its phrase
                comma = max(f.rfind("،", start, c.start), f.rfind(",", start, c.start))
                end = comma if comma >= 0 and len(f[comma:c.start].split()) <= 4 else c.start
                break
        while end > start and f[end - 1] in " \t\u00a0،,:;؛-–—":
            end -= 1
        return end
