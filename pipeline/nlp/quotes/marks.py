"""Quote marks and spans: pairing the marks of each family, sentence ends outside quotes, quoted
names and listed titles that are not quotes."""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from pipeline.nlp.quotes.lexicon import NAME_HEADS, WORK_HEADS, is_cue_form
from pipeline.nlp.quotes._scan import char_offsets
from pipeline.nlp.quotes._base import (
    _ABBREVIATIONS,
    _CLAUSE_WORDS,
    _CLOSERS_AFTER,
    _FAMILY,
    _LIST_GAP_RE,
    _MARK_RE,
    _OPENERS_BEFORE,
    _Pair,
    _DOT_RE,
    _SENTENCE_ENDS,
    _SPACES,
    _VERB_PARTICLES,
    _deproclitic,
    _key,
)

#: What :meth:`_Marks._name_head` gives for a preposition before the mark (لـ«عكاظ»، بـ"الاحتباس الحراري").
_PREPOSITION = "ـ"


class _Marks:
    """Quote marks paired into spans, and the sentence ends outside them (a mixin of ``_Article``)."""

    def _pairs(self) -> list[_Pair]:
        """Pair quote marks with a stack per family; flanking decides open/close for ambiguous glyphs.

        An opening mark left open at the end of its paragraph stays open only when the next paragraph
        starts with the same mark (a quote over several paragraphs); otherwise it is unbalanced, and so
        is one whose closing mark is more than ``max_quote_chars`` away. Unbalanced marks are counted.
        """
        f = self.f
        n = len(f)
        stack: list[list[int]] = []  # [index, family, start of the paragraph it has reached]
        pairs: list[_Pair] = []
        unclosed: list[int] = []
        stats = self.qx.stats
        # (every quote mark's offset is kept: whether a stretch holds one is a bisection, _plain_tokens)
        self.mark_offsets = [m.start() for m in _MARK_RE.finditer(f)]
        for i in self.mark_offsets:
            ch = f[i]
            if ch == "’" and 0 < i < n - 1 and f[i - 1].isascii() and f[i + 1].isascii():
                continue  # an apostrophe in a Latin name
            fam = _FAMILY[ch]
            before = f[i - 1] if i else " "
            after = f[i + 1] if i + 1 < n else " "
            can_open = before in _OPENERS_BEFORE or (not before.isalnum() and before not in _CLOSERS_AFTER)
            can_close = after in _CLOSERS_AFTER or (not after.isalnum() and after not in _OPENERS_BEFORE)
            if can_open and not can_close:
                role = "open"
            elif can_close and not can_open:
                role = "close"
            else:
                # spaces (or letters) on both sides: close the open quote of this family if there is one,
                # else open — whatever the glyph says (« المجنون «، :» … « are written mirrored)
                role = "close" if any(s[1] == fam for s in stack) else "open"
            para = f.rfind("\n", 0, i) + 1
            at_para_start = not f[para:i].strip()
            if stack and stack[-1][2] < para:
                # the innermost open quote has crossed a paragraph break
                if role == "open" and stack[-1][1] == fam and at_para_start and \
                        f.count("\n", stack[-1][2], para) == 1:
                    stack[-1][2] = para  # «… ¶ «…: the same quote goes on
                    continue
                if role == "close" and stack[-1][1] == fam and i - stack[-1][0] <= self.qx.max_quote_chars:
                    stack[-1][2] = para  # «… ¶ …»: closed in a later paragraph
                while stack and stack[-1][2] < para:
                    unclosed.append(stack.pop()[0])
                    stats["unbalanced_marks"] += 1
            if role == "open":
                stack.append([i, fam, para])
                continue
            for k in range(len(stack) - 1, -1, -1):
                j, sfam, _ = stack[k]
                if sfam == fam:
                    if i - j > self.qx.max_quote_chars:
                        unclosed.append(j)
                        stats["unbalanced_marks"] += 1
                        del stack[k]
                        break
                    pairs.append(_Pair(j, i, k))
                    for item in stack[k + 1:]:
                        unclosed.append(item[0])
                        stats["unbalanced_marks"] += 1
                    del stack[k:]
                    break
            else:
                if ch == '"' and before.isalpha() and after in " \t\u00a0" and _after_cue(f, i):
                    stack.append([i, fam, para])  # وتابع" انا …": a straight mark glued after the cue opens
                    continue
                stats["unbalanced_marks"] += 1
        for item in stack:
            unclosed.append(item[0])
            stats["unbalanced_marks"] += 1
        self.unclosed = sorted(unclosed)
        pairs.sort(key=lambda p: p.open)
        return pairs

    def _boundaries(self, pairs: list[_Pair]) -> list[int]:
        """Sentence-end positions, leaving out those inside quote marks (a quote's own full stop)."""
        f = self.f
        n = len(f)
        # (every mark that ends a sentence or a line is kept: sentences open after them, _frame_openings)
        self.sentence_marks = char_offsets(f, _SENTENCE_ENDS)
        out = [i for i in self.sentence_marks if f[i] != "."]  # ! ? ؟ … and line breaks: always an end
        dots = False
        for m in _DOT_RE.finditer(f):
            i = m.start()
            if i:
                p = f[i - 1]
                if p in _ABBREVIATIONS and (i < 2 or not f[i - 2].isalnum()):
                    continue  # م. حسام، د. سعد: a title's abbreviation, not a sentence end
                if i < n - 1:
                    q = f[i + 1]
                    if p.isascii() and p.isalnum() and q.isascii() and q.isalnum():
                        continue  # www.uob.edu.bh, U.S: a dot inside a Latin word
                    if p.isalpha() and q.isalpha() and (i < 2 or not f[i - 2].isalnum() or _short_run(f, i)):
                        continue  # (د.ب.أ), أ.د.: initials; (بي.بي.سي), سي.إن.إن: syllables, not الحدود.وترددت
            out.append(i)
            dots = True
        if dots:
            out.sort()
        if pairs:
            spans = sorted((p.open, p.close) for p in pairs)
            opens = [a for a, _ in spans]
            reach = []  # running max of the closing marks, for "inside any pair" by bisection
            top = -1
            for _, b in spans:
                top = max(top, b)
                reach.append(top)
            out = [i for i in out if (k := bisect_left(opens, i) - 1) < 0 or reach[k] <= i]
        # a quote that ends with its own full stop («… المعنية.») ends the sentence after its mark
        extra = [p.close + 1 for p in pairs if self.f[p.close - 1:p.close] in (".", "!", "?", "؟")]
        if extra:
            out = sorted(set(out + extra))
        return out

    def _next_boundary(self, pos: int) -> int:
        k = bisect_left(self.bounds, pos)
        return self.bounds[k] if k < len(self.bounds) else len(self.f)

    def _prev_boundary(self, pos: int) -> int:
        k = bisect_left(self.bounds, pos)
        return self.bounds[k - 1] if k else -1

    def _inside_marks(self, pos: int) -> bool:
        """Is ``pos`` inside one of the field's quote pairs (the nearest four opened before it)?"""
        kp = bisect_left(self.pair_opens, pos) - 1
        return any(self.pairs[i].close > pos for i in range(max(0, kp - 3), kp + 1))

    def _listed(self, p: _Pair, pairs: list[_Pair]) -> bool:
        """«فن الإلقاء» و«كيف تدير حوارا»: quoted items joined by a comma or و are titles in a list.

        ``pairs`` are the field's pairs by opening mark. Only the pair opening first after ``p`` and the
        one closing last before it can be joined to it: a gap over any other holds one of their marks."""
        f = self.f
        k = bisect_right(self.pair_opens, p.close)
        if k < len(pairs) and _LIST_GAP_RE.fullmatch(f, p.close + 1, pairs[k].open):
            return True
        k = bisect_left(self.pair_closes, p.open) - 1
        return k >= 0 and _LIST_GAP_RE.fullmatch(f, self.pairs_by_close[k].close + 1, p.open) is not None

    def _name_head(self, open_pos: int) -> str | None:
        """The folded name head right before a quote mark at ``open_pos``, :data:`_PREPOSITION` for a
        preposition there, or None."""
        tok, _ = self._prev_token(open_pos)
        k = _key(tok)
        if not k:
            return None
        if tok.endswith("ـ") or k in ("ل", "لـ", "ب", "بـ"):
            return _PREPOSITION  # لـ«عكاظ»، ما يسمى بـ"الاحتباس الحراري"
        for head in (k, _deproclitic(k), "ال" + _deproclitic(k), k[2:] if k.startswith("ال") else None):
            if head in NAME_HEADS:
                return head
        return None

    def _quoted_name(self, p: _Pair, start: int, nwords: int) -> bool:
        """Is pair ``p`` (its words from ``start``, ``nwords`` of them) a name after its head rather than an
        utterance? After a body's or medium's head, a colon before the mark opens an utterance (وقال
        المجلس: «…»), and so does a long clause that starts with a verb or a verbal particle (وقالت متحدثة
        باسم الشركة "عادت الرحلة …"): names are short noun phrases. The title of a work stays a name
        (بعنوان: «…»), and so does what a preposition governs (بـ«فشل المفاوضات …»)."""
        head = self._name_head(p.open)
        if head is None:
            return False
        if head == _PREPOSITION or head in WORK_HEADS:
            return True
        if self._char_before(p.open) == ":":
            return False
        if nwords < _CLAUSE_WORDS:
            return True
        first = self.f[start:p.close].split(None, 1)[0]
        return _key(first) not in _VERB_PARTICLES and self._first_verb(start, start + len(first)) < 0

    def _char_before(self, pos: int) -> str:
        """The last character before ``pos`` that is not a space ("" at the field's start)."""
        j = pos - 1
        while j >= 0 and self.f[j] in _SPACES:
            j -= 1
        return self.f[j] if j >= 0 else ""

    def _colon_before(self, pos: int) -> bool:
        c = self._char_before(pos)
        return c != "" and c in ":،,"


def _after_cue(f: str, i: int, words: int = 3) -> bool:
    """Is one of the ``words`` words before ``i`` (in the same clause) a speech cue (وتابع، وتابع البيان)?"""
    for tok in reversed(f[max(0, i - 60):i].split()[-words:]):
        if tok[-1:] in ".،,:؛;!?؟":
            return False
        if is_cue_form(_key(tok)):
            return True
    return False


def _short_run(f: str, i: int, most: int = 3) -> bool:
    """Are the letter runs on both sides of the dot at ``i`` ``most`` letters long at the most?"""
    a = i
    while a > 0 and f[a - 1].isalpha() and i - a <= most:
        a -= 1
    b = i + 1
    while b < len(f) and f[b].isalpha() and b - i - 1 <= most:
        b += 1
    return i - a <= most and b - i - 1 <= most
