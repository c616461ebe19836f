"""Quotations in Arabic news: direct quotes in marks, partial quotes inside reported speech, and
indirect speech (a speech verb with an أن/إن clause), each with its speaker.

The extractor works on a *folded* copy of each field (see :mod:`pipeline.nlp.speech`): letter variants
are replaced one for one and diacritics dropped, with an index back to the original, so every offset
it reports indexes the original text. It runs precompiled regular expressions over the whole field and
only looks at words near a cue, which keeps it above 2,000 articles a second on one core.

Kinds (docs/ARCHITECTURE.md): DIRECT — an utterance in marks (or after "قال:" with no marks) with a
speech cue before or after it; PARTIAL — a quoted fragment inside an INDIRECT clause (reported as well
as the clause); INDIRECT — a speech verb, participle or frame with an أن/إن/بأن/إلى أن clause, the span
starting after the complementizer and its pronoun and ending at the end of the sentence or before the
next speech cue. Quoted names and scare quotes (after تنظيم، حملة، ما يسمى …, or short with no cue)
are not quotes.

Speakers come from the entities the entity extractor found (the entity's canonical form, its index);
without entities a small fallback reads the subject noun phrase (title + name, or an organization).
A speech verb with no subject (وأضاف، لافتا) continues the previous speaker. When no speaker can be
told, ``speaker`` is None.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Optional

from pipeline.errors import ConfigError
from pipeline.nlp.speech import (
    AMBIGUOUS,
    COMPLEMENTIZER_BLOCKERS,
    CUE_FORMS,
    DIACRITICS,
    FOLD,
    FRAMES,
    NAME_HEADS,
    fold,
    trie_pattern,
)

__all__ = ["QuoteExtractor"]

_SPEAKER_TYPES = ("PERSON", "ORGANIZATION")

# --- regular expressions over the folded text -------------------------------------------------------
_CUE_RE = re.compile(r"(?<![\w])([وف]?)(" + trie_pattern(CUE_FORMS) + r")(?![\w])")
_COMP_RE = re.compile(r"(?<![\w])([وف]?ب?)(ان)(ه|ها|هم|هما|هن|نا|ني|ي)?(?![\w])")
_FRAME_RE = re.compile(r"(?<![\w])[وف]?(?:" + "|".join(re.escape(f) for f in sorted(FRAMES, key=len, reverse=True))
                       + r")(?:ـ)?")
_MARK_RE = re.compile("[«»“”„‟″\"‘’]")
# Sentence ends: a full stop not inside a number, ! ? ؟ ; ؛ an ellipsis, or a line break.
_SENT_RE = re.compile(r"(?<!\d)\.|\.(?!\d)|[!?؟;؛\n…]")
_WORD_RE = re.compile(r"\S+")
_STRIP = "«»“”„‟″\"‘’.,،:;؛!?؟()[]{}-–—_'…"
_DIACRITIC_RE = re.compile("[" + DIACRITICS + "]")
_QUOTE_CHARS = frozenset("«»“”„‟″\"‘’")
_DIACRITIC_RUN_RE = re.compile("[" + DIACRITICS + "]+")

_FAMILY = {"«": 0, "»": 0, "“": 1, "”": 1, "„": 1, "‟": 1, "″": 1, '"': 1, "‘": 2, "’": 2}
_OPENING_GLYPHS = set("«“„‟‘")
_CLOSING_GLYPHS = set("»”″’")
_OPENERS_BEFORE = set(" \t\n\u00a0(:،,-–—/ـ") | set("«“„")
_CLOSERS_AFTER = set(" \t\n\u00a0).,،:;؛!?؟-–—/»”″")


def _words(*items: str) -> frozenset[str]:
    return frozenset(fold(w) for w in items)


# Words that end a subject noun phrase: prepositions, time words, relative pronouns, conjunctions.
_NP_STOP = _words(
    "في", "خلال", "مع", "أمام", "أثناء", "عقب", "بعد", "قبل", "اليوم", "أمس", "امس", "يوم", "لدى", "عبر",
    "ضمن", "حيث", "عن", "من", "على", "إلى", "الى", "الذي", "التي", "الذين", "اللذين", "اللتين", "أيضا",
    "أيضاً", "كذلك", "نقلا", "نقلاً", "بحسب", "حسب", "وفقا", "وفقاً", "إن", "أن", "بأن", "ان", "فإن",
    "لكن", "لكنه", "لكنها", "و", "أو", "ثم", "كما", "فيما", "بينما", "صباح", "مساء", "ظهر", "الاثنين",
    "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد", "هذا", "هذه", "ذلك", "تلك", "حول",
    "بشأن", "إزاء", "تجاه", "منذ", "حتى", "لقد", "قد", "وقد", "إنه", "أنه", "إنها", "أنها", "الليلة",
    "غدا", "غداً", "الماضي", "الماضية", "الجاري", "يومي", "فقط", "بدوره", "بدورها", "نفسه", "نفسها",
    "ذاته", "ذاتها", "غير", "كل", "بعض", "جميع", "أي", "عدد", "نحو", "لا", "لم", "لن", "ليس", "هو", "هي",
    "هم", "وهو", "وهي", "بما", "لما", "مما", "ما", "وذلك", "بأنه", "بأنها", "وسط", "فيه", "فيها", "له",
    "لها", "لهم", "عليه", "عليها", "منه", "منها", "عنه", "عنها", "إليه", "إليها", "به", "بها", "بهم",
)
# Words that begin a clause before a preverbal subject or an ambiguous verb.
_CLAUSE_OPENERS = _words(
    "بدوره", "بدورها", "جانبه", "جانبها", "جهته", "جهتها", "كما", "فيما", "وقد", "قد", "لكنه", "لكنها",
    "ثم", "كذلك", "وكان", "وكانت", "كان", "كانت", "حين", "عندما", "بينما", "لقد", "ولكنه", "وهنا",
)
_PREPOSITIONS = _words("في", "عن", "على", "من", "إلى", "الى", "مع", "خلال", "وفي", "وعن", "وعلى", "ومن",
                       "وإلى", "ومع", "وخلال", "فيما", "بشأن", "وبشأن", "حول", "وحول", "وبعد", "بعد", "أما", "وأما")
_CONNECTORS = _words("لكنه", "لكنها", "كما", "فيما", "ثم", "و", "وقد", "قد", "لكن", "ولكن", "بينما", "حيث")
_HONORIFICS = _words(
    "الدكتور", "الدكتورة", "د", "المهندس", "المهندسة", "الشيخ", "الأمير", "الأميرة", "الملك", "السيد",
    "السيدة", "الأستاذ", "الأستاذة", "اللواء", "العميد", "العقيد", "المقدم", "الرائد", "النقيب",
    "الفريق", "المشير", "الكابتن", "المستشار", "الإمام", "القاضي", "المطران", "البابا", "فضيلة",
    "معالي", "سمو", "فخامة", "سعادة", "الفنان", "الفنانة", "المدرب", "اللاعب", "الرئيس", "الوزير",
)
_ROLES = _words(
    "وزير", "وزيرة", "مدير", "مديرة", "رئيس", "رئيسة", "عضو", "عضوة", "مشرف", "مشرفة", "مستشار",
    "المتحدث", "متحدث", "الناطق", "ناطق", "أمين", "نائب", "سفير", "قائد", "مسؤول", "مسؤولة", "مندوب",
    "محافظ", "وكيل", "مساعد", "خبير", "خبيرة", "لاعب", "مدرب", "عام", "العام", "الرسمي", "باسم",
    "المسؤول", "المدير", "الأمين", "المشرف", "رئيسا", "زعيم", "قاضي", "ممثل", "منسق", "أستاذ", "محلل",
    "الخبير", "الباحث", "باحث", "الكاتب", "كاتب", "المحلل", "نظيره", "نظيرته", "مفتي", "قائدة",
    "الناطقة", "المتحدثة", "ناطقة", "متحدثة",
)
_ORG_HEADS = _words(
    "وزارة", "هيئة", "وكالة", "مركز", "قوة", "قوات", "مجلس", "إدارة", "جمعية", "شركة", "منظمة", "حزب",
    "حكومة", "جيش", "شرطة", "مصادر", "مصدر", "صحيفة", "صحف", "تقرير", "بيان", "قيادة", "لجنة",
    "قنصلية", "سفارة", "جماعة", "تنظيم", "حركة", "ائتلاف", "مرصد", "أمم", "نشطاء", "سكان", "شهود",
    "مؤسسة", "مكتب", "رئاسة", "محكمة", "بلدية", "أمانة", "جامعة", "مستشفى", "مصلحة", "دائرة", "البنك",
    "بنك", "مجموعة", "اتحاد", "الاتحاد", "نادي", "فريق", "منتخب", "سلطات", "السلطات", "الشرطة",
    "المتحدثة", "الأمم", "مسؤولون", "مسؤولين", "مصادر", "دراسة", "الدراسة", "صندوق", "برلمان",
    "تحالف", "الحكومة", "الجيش", "الوزارة", "الهيئة", "الوكالة", "المركز", "المجلس", "اللجنة",
    "الصحيفة", "الصحف", "التقرير", "البيان", "الجماعة", "الحركة", "المنظمة", "الشركة", "المرصد",
)
_NAME_GLUE = _words("بن", "بنت", "ابن", "أبو", "ابو", "أبي", "عبد", "آل", "ولد", "أم")
_PLACE_HEADS = _words("مدينة", "مدينه", "منطقة", "منطقه", "محافظة", "محافظه", "إقليم", "اقليم", "ولاية",
                      "ولايه", "دولة", "دوله", "عاصمة", "عاصمه", "قرية", "قريه", "بلدة", "بلده", "جزيرة",
                      "جزيره", "مقاطعة", "مقاطعه", "حي", "شارع", "مطار", "ميناء")
_REPORTS = _words("تقرير", "بيان", "دراسة", "دراسه", "تقرير", "نشرة")
_NAME_PREFIXES = _words("عبد", "أبو", "ابو", "أم")
_THEOPHORIC = _words("الله", "الدين", "الرحمن", "الرحيم", "العزيز", "الكريم", "الحق", "الإله")
_RELATIVES = _words("الذي", "التي", "الذين", "اللذين", "اللتين")
_MAX_NP_TOKENS = 16
_MIN_DIRECT_WORDS = 3
_MIN_PARTIAL_WORDS = 2
_CONTINUATION_WORDS = 8


@dataclass
class _Speaker:
    name: str
    mention: Optional[str]
    entity_index: Optional[int]
    group: bool = False  # read as an organization or a group noun phrase, not a personal name

    def _replace_mention(self, mention: str) -> "_Speaker":
        return _Speaker(self.name, mention, self.entity_index, self.group)

    def as_record(self, implicit: bool = False) -> dict:
        return {"name": self.name, "mention": None if implicit else self.mention,
                "entity_index": self.entity_index}


@dataclass
class _CueHit:
    start: int          # of the token, proclitic included
    end: int
    form_start: int     # after the proclitic
    proclitic: str
    participle: bool
    speaker: Optional[_Speaker] = None
    explicit: bool = False
    colon: int = -1     # a colon that ends the attribution (قال: …), if any


@dataclass
class _Pair:
    open: int           # index of the opening mark
    close: int          # index of the closing mark
    depth: int


@dataclass
class _Quote:
    kind: str
    start: int
    end: int
    verb: Optional[str]
    speaker: Optional[_Speaker]
    implicit: bool


class _Field:
    """One field's text, its folded copy and the cues, marks and boundaries found in it."""

    def __init__(self, text: str):
        self.text = text
        folded = _fold(text)
        if _DIACRITIC_RE.search(folded):
            # Drop diacritics for matching and remember where each kept character came from.
            keep: list[int] = []
            prev = 0
            for m in _DIACRITIC_RUN_RE.finditer(folded):
                keep.extend(range(prev, m.start()))
                prev = m.end()
            keep.extend(range(prev, len(folded)))
            self.index: Optional[list[int]] = keep
            folded = _DIACRITIC_RUN_RE.sub("", folded)
        else:
            self.index = None
        self.f = folded

    def orig(self, i: int) -> int:
        """Map a start offset in the folded copy back to the original text."""
        if self.index is None:
            return i
        return self.index[i] if i < len(self.index) else len(self.text)

    def orig_end(self, j: int) -> int:
        """Map an end offset in the folded copy back to the original text."""
        if self.index is None:
            return j
        if j <= 0:
            return 0
        k = self.index[j - 1] + 1
        while k < len(self.text) and self.text[k] in DIACRITICS:
            k += 1  # keep the tatweel or harakat of the last letter
        return k


_FOLD_PAIRS = tuple((chr(k), v) for k, v in FOLD.items())


def _fold(text: str) -> str:
    """Fold letter variants one for one (chained replace: much faster than str.translate here)."""
    for a, b in _FOLD_PAIRS:
        if a in text:
            text = text.replace(a, b)
    return text


def _word_occurrences(text: str, word: str):
    """Start offsets of ``word`` in ``text`` as a whole word (str.find: no per-call regex compile)."""
    i = text.find(word)
    n = len(word)
    while i >= 0:
        if (i == 0 or not text[i - 1].isalnum()) and (i + n >= len(text) or not text[i + n].isalnum()):
            yield i
        i = text.find(word, i + 1)


def _key(token: str) -> str:
    """Folded token without surrounding punctuation (the lexicon's spelling)."""
    return token.strip(_STRIP)


def _deproclitic(word: str) -> str:
    """Drop و ف ب ل ك and the article from a folded word, for head-word lookups."""
    if len(word) > 3 and word[0] in "وف":
        word = word[1:]
    if len(word) > 3 and word[0] in "بلك":
        word = word[1:]
    if len(word) > 3 and word.startswith("ال"):
        word = word[2:]
    elif len(word) > 3 and word.startswith("ل") and word[1:2] == "ل":
        word = word[2:]
    return word


class QuoteExtractor:
    """Find DIRECT, PARTIAL and INDIRECT quotations and their speakers in a headline and a body.

    ``max_quote_chars`` bounds the search for a closing mark (an unclosed mark never yields a runaway
    span); ``max_cue_gap`` is how many words may separate a speech verb from its أن/إن clause.
    ``stats`` counts articles, quotes by kind and unbalanced marks over the extractor's lifetime.
    """

    def __init__(self, max_quote_chars: int = 3000, max_cue_gap: int = 22):
        if not isinstance(max_quote_chars, int) or max_quote_chars < 20:
            raise ConfigError(f"max_quote_chars must be an int >= 20, got {max_quote_chars!r}")
        if not isinstance(max_cue_gap, int) or not 1 <= max_cue_gap <= 60:
            raise ConfigError(f"max_cue_gap must be an int between 1 and 60, got {max_cue_gap!r}")
        self.max_quote_chars = max_quote_chars
        self.max_cue_gap = max_cue_gap
        self.stats: Counter = Counter()

    # --- public API -------------------------------------------------------------------------------
    def extract(self, headline: Optional[str], body: str, entities: Optional[list[dict]] = None) -> list[dict]:
        """Return the article's quotes as Avro ``Quote`` dicts sorted by (field, start)."""
        if not isinstance(body, str):
            raise ConfigError(f"body must be a str, got {type(body).__name__}")
        entities = entities or []
        self.stats["articles"] += 1
        out: list[dict] = []
        names: list[_Speaker] = []  # speakers named so far, for the fullest form of a surname
        for field, text in (("HEADLINE", headline), ("BODY", body)):
            if not text:
                continue
            ents = [(e["start"], e["end"], i, e.get("type"), e.get("canonical") or e.get("text"))
                    for i, e in enumerate(entities)
                    if e.get("field", "BODY") == field and e.get("type") in _SPEAKER_TYPES]
            ents.sort()
            all_ents = [(e.get("canonical") or e.get("text") or "", i) for i, e in enumerate(entities)
                        if e.get("type") in _SPEAKER_TYPES]
            places = [(e["start"], e["end"]) for e in entities
                      if e.get("field", "BODY") == field and e.get("type") == "LOCATION"]
            for q in _Article(self, _Field(text), ents, all_ents, names, headline, body, places).run():
                sp = q.speaker.as_record(q.implicit) if q.speaker else None
                out.append({"kind": q.kind, "text": text[q.start:q.end], "field": field, "start": q.start,
                            "end": q.end, "verb": q.verb, "speaker": sp})
                self.stats[q.kind] += 1
        out.sort(key=lambda d: (d["field"] != "HEADLINE", d["start"], d["end"]))
        return out


class _Article:
    """The work on one field: a short-lived object so that the extractor itself stays stateless."""

    def __init__(self, qx: QuoteExtractor, fld: _Field, ents, all_ents, names: list[_Speaker],
                 headline: Optional[str], body: str, places=()):
        self.qx = qx
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

    # --- marks ------------------------------------------------------------------------------------
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
        for m in _MARK_RE.finditer(f):
            i = m.start()
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
                stats["unbalanced_marks"] += 1
        for item in stack:
            unclosed.append(item[0])
            stats["unbalanced_marks"] += 1
        self.unclosed = sorted(unclosed)
        pairs.sort(key=lambda p: p.open)
        return pairs

    # --- sentences --------------------------------------------------------------------------------
    def _boundaries(self, pairs: list[_Pair]) -> list[int]:
        """Sentence-end positions, leaving out those inside quote marks (a quote's own full stop)."""
        spans = sorted((p.open, p.close) for p in pairs)
        opens = [a for a, _ in spans]
        reach = []  # running max of the closing marks, for "inside any pair" by bisection
        top = -1
        for _, b in spans:
            top = max(top, b)
            reach.append(top)
        out = []
        for m in _SENT_RE.finditer(self.f):
            i = m.start()
            k = bisect_left(opens, i) - 1
            if k >= 0 and reach[k] > i:
                continue
            out.append(i)
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

    # --- cues -------------------------------------------------------------------------------------
    def _prev_token(self, pos: int) -> tuple[str, int]:
        """The folded token ending before ``pos`` (punctuation stripped) and its start."""
        f = self.f
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

    def _cues(self) -> list[_CueHit]:
        hits = []
        f = self.f
        for m in _CUE_RE.finditer(f):
            form = m.group(2)
            pro = m.group(1)
            if form in AMBIGUOUS and not pro and not self._clause_start(m.start()):
                continue
            cue = CUE_FORMS[form]
            if cue.participle and pro:
                continue  # ومشددة: an adjective, not "stressing"
            prev = _key(self._prev_token(m.start())[0])
            if prev in ("ما", "مما", "وهو", "وهي", "هو", "هي"):
                continue  # وهو ما يشير إلى أن: the writer's inference, not a speaker
            hits.append(_CueHit(m.start(), m.end(), m.start(2), pro, cue.participle))
        return hits

    # --- speakers ---------------------------------------------------------------------------------
    def _np_tokens(self, start: int, limit: int) -> list[tuple[int, int, str]]:
        """Tokens of the subject noun phrase after ``start``: until a stop word, a clause or a mark."""
        return self._tokens(start, limit, stop=True)

    def _tokens(self, start: int, limit: int, stop: bool) -> list[tuple[int, int, str]]:
        toks = []
        for m in _WORD_RE.finditer(self.f, start, limit):
            raw = m.group()
            k = _key(raw)
            if not k:
                if stop and raw.strip("-–—") and toks:
                    break
                continue
            if stop and not toks and k in ("ما", "تسمي", "يسمي", "المدعو", "المدعوه"):
                continue  # وأعلنت ما تسمى مؤسسة …: the subject follows
            if k == "علي" and toks and self._name_like(toks[-1][2]) and stop:
                pass  # محمد علي سليمان: the name Ali, not the preposition على (they fold alike)
            elif stop and (k in _NP_STOP or _COMP_RE.fullmatch(k) or k in CUE_FORMS or len(k) == 1):
                break
            if _MARK_RE.search(raw):
                if stop and toks:
                    break  # a quoted name after the subject (لـ«عكاظ»): the phrase ends before it
                continue
            s = m.start() + (len(raw) - len(raw.lstrip(_STRIP)))
            e = m.end() - (len(raw) - len(raw.rstrip(_STRIP)))
            toks.append((s, e, k))
            if stop and (raw[-1] in ".:؛;!?؟" or len(toks) >= _MAX_NP_TOKENS):
                break
        return toks

    def _entity_in(self, a: int, b: int, last: bool = False):
        """The PERSON (else ORGANIZATION) entity inside folded span [a, b), first or last one."""
        if not self.ents or a >= b:
            return None
        oa, ob = self.fld.orig(a), self.fld.orig_end(b)
        lo = bisect_left(self.ent_starts, oa)
        cands = [e for e in self.ents[lo:bisect_right(self.ent_starts, ob)] if e[1] <= ob + 1]
        if not cands:
            return None
        persons = [e for e in cands if e[3] == "PERSON"]
        pool = persons or cands
        return pool[-1] if last else pool[0]

    def _is_place(self, run) -> bool:
        """True when a LOCATION entity overlaps the tokens (a name run that is a place)."""
        a, b = self.fld.orig(run[0][0]), self.fld.orig_end(run[-1][1])
        return any(s < b and a < e for s, e in self.places)

    def _from_entity(self, e) -> _Speaker:
        s, en, idx, etype, canonical = e
        mention = self.fld.text[s:en]
        # An entity cut short (مؤسسة الكنانة for مؤسسة الكنانة الإعلامية, خالد for خالد الغانم): when the
        # fallback reading of the same place gives a longer name containing it, that is the fuller form.
        a = bisect_left(self._fold_index(), s)
        toks = self._np_tokens(a, min(len(self.f), a + 160))
        if toks:
            alt = self._np_speaker(toks)
            if alt is not None:
                ck, ak = _fold(canonical).split(), _fold(alt.name).split()
                for i in range(len(ak) - len(ck) + 1):
                    if len(ak) > len(ck) and ak[i:i + len(ck)] == ck and (alt.group or all(
                            w.startswith(("ال", "لل")) for w in ak[:i] + ak[i + len(ck):])):
                        return _Speaker(alt.name, alt.mention, idx, alt.group)
        if etype == "PERSON" and len(canonical.split()) == 1:
            canonical = self._fullest(canonical)  # the entity list kept only the surname
        return _Speaker(canonical, mention, idx)

    def _fold_index(self) -> list[int]:
        """Original offset of each folded character (identity when the text has no diacritics)."""
        if self.fld.index is None:
            return range(len(self.f))  # type: ignore[return-value]
        return self.fld.index

    def _link_name(self, mention: str, org: bool = False) -> _Speaker:
        """Speaker for a fallback mention, with the fullest form of the name found in the article."""
        mk = _fold(mention).split()
        for canonical, idx in self.all_ents:
            ck = _fold(canonical).split()
            if ck and ck[-len(mk):] == mk:
                return _Speaker(canonical, mention, idx)
        best = mention
        for sp in self.names:
            sk = _fold(sp.name).split()
            if len(sk) <= len(best.split()):
                continue
            if sk[-len(mk):] == mk and not org:
                best = sp.name
            elif org and (sk[:len(mk)] == mk or len(mk) == 1 and mk[0].startswith("ال") and mk[0][2:] == sk[0]):
                best = sp.name  # وقالت الوكالة → الوكالة العربية السورية للأنباء
        if org and best == mention and len(mk) == 1 and mk[0].startswith("ال"):
            best = self._fullest_org(mention)
        if not org and len(mk) <= 2:
            longer = self._fullest(mention)
            if len(longer.split()) > len(best.split()):
                best = longer
        return _Speaker(best, mention, None)

    def _fullest(self, mention: str) -> str:
        """The longest name in the article that ends with ``mention`` after a title or an adjective."""
        mk = _fold(mention)
        best_start, best_len = -1, len(mention.split())
        for start in _word_occurrences(self.full_text, mk):
            run = 0
            pos = start
            starts = []
            while run < 5:
                tok, tstart = self._prev_token_in(self.full_text, pos)
                k = _key(tok)
                if not k or tok != k or not self._name_like(k) and not (k in _NAME_GLUE or k in _THEOPHORIC):
                    break
                run += 1
                pos = tstart
                starts.append((tstart, k))
            if not run:
                continue
            before, _ = self._prev_token_in(self.full_text, pos)
            kb = _key(before)
            ok = (not before or before != kb or kb in _ROLES or kb in _HONORIFICS
                  or kb.startswith("ال") and kb not in _NP_STOP)
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
        # followed by nisba adjectives (الإعلامي، المصرية) or a genitive with لل (للمقاومة)
        pat = r"(?<![\w])(?:ال|لل|بال|وال)" + re.escape(stem) + r"((?:[ \t]+(?:ال\w+(?:ي|يه)|لل\w+)(?!\w)){1,3})"
        for m in re.finditer(pat, self.full_text):
            words = m.group(1).split()
            words = [w for w in words]
            cut = next((i for i, w in enumerate(words) if w in _NP_STOP or w in _ROLES or w in _RELATIVES), len(words))
            if cut and cut + 1 > len(best.split()):
                a = m.start(1)
                tail = self._full_orig[a:a + len(m.group(1))].split()[:cut]
                best = mention + " " + " ".join(tail)
        return best

    @staticmethod
    def _prev_token_in(text: str, pos: int) -> tuple[str, int]:
        j = pos - 1
        while j >= 0 and text[j] in " \t\u00a0":
            j -= 1
        if j < 0 or text[j] == "\n":
            return "", pos
        end = j + 1
        while j >= 0 and not text[j].isspace():
            j -= 1
        return text[j + 1:end], j + 1

    @staticmethod
    def _name_like(k: str) -> bool:
        return (len(k) >= 2 and not k.startswith(("ال", "بال", "لل", "وال", "فال", "كال")) and k not in _ROLES
                and k not in _HONORIFICS and k not in _NP_STOP and not k[0].isdigit() and k not in CUE_FORMS
                and not (k[0] in "وف" and k[1:] in CUE_FORMS)
                and k not in _ORG_HEADS and not k[0].isascii() and k not in NAME_HEADS)

    def _name_run(self, toks, i: int, text: Optional[str] = None):
        """The name starting at token ``i``: given names, glue words (بن، عبد) and one family name."""
        f = self.f if text is None else text
        run = []
        n = len(toks)
        while i < n:
            s, e, k = toks[i]
            if run and f[run[-1][1]:s].strip():
                break  # something (a comma, a quoted name) between the words
            if k in _NAME_GLUE or k in _THEOPHORIC:
                run.append(toks[i])
            elif k.startswith("ال"):
                nxt = toks[i + 1][2] if i + 1 < n else ""
                glued = run and run[-1][2] in _NAME_GLUE
                if run and (glued or not nxt or nxt in _ROLES or nxt in _HONORIFICS or k.endswith("ي")
                            or f[e:e + 1] in ("،", ",")):
                    run.append(toks[i])
                break
            elif self._name_like(k):
                run.append(toks[i])
            else:
                break
            if f[e:e + 2].strip()[:1] in ("،", ",") or len(run) >= 5:
                break
            i += 1
        while run and run[-1][2] in _NAME_GLUE:
            run.pop()
        return run

    def _runs(self, toks, start: int = 0, text: Optional[str] = None):
        """Every name run in ``toks`` from ``start`` on, in order."""
        i = start
        while i < len(toks):
            if self._name_like(toks[i][2]):
                run = self._name_run(toks, i, text)
                if run:
                    yield i, run
                    i += len(run)
                    continue
            i += 1

    def _np_speaker(self, toks, region=None) -> Optional[_Speaker]:
        """Fallback speaker from subject tokens: a name after a title, an organization, or a name."""
        keys = [t[2] for t in toks]
        while keys and keys[0] in ("ما", "تسمي", "يسمي"):
            toks, keys = toks[1:], keys[1:]
        if toks:
            heads = [i for i, k in enumerate(keys) if k in _HONORIFICS and i + 1 < len(keys)]
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
            first = _deproclitic(keys[0])
            if keys[0] in _ORG_HEADS or first in _ORG_HEADS or ("ال" + first) in _ORG_HEADS:
                # head, then a genitive, then words that agree with it in definiteness
                end = 1
                while end < min(len(toks), 6):
                    k = keys[end]
                    if k in _ROLES or k in _HONORIFICS or self.f[toks[end - 1][1]:toks[end - 1][1] + 1] in ("،", ","):
                        break
                    definite = k.startswith(("ال", "لل", "وال"))
                    if end >= 2 and keys[end - 1].startswith(("ال", "لل", "وال")) and not definite:
                        break
                    end += 1
                return self._span_speaker(toks[:end], org=True)
            runs = list(self._runs(toks))
            for i, run in runs:
                if len(run) >= 2:
                    return self._span_speaker(run)
            if runs and runs[0][0] == 0:
                return self._span_speaker(runs[0][1])  # وقال لافروف
            if keys[0].startswith("ال") and keys[0] not in _ROLES and keys[0] not in _HONORIFICS \
                    and keys[0] not in NAME_HEADS:
                return self._span_speaker(toks[:1])  # a surname alone: بين الجعفري
        if region:
            # the name after a prepositional complement: المشرف العام على المنتخب … صالح أبو نخاع
            rkeys = [t[2] for t in region]
            heads = [i for i, k in enumerate(rkeys) if k in _HONORIFICS and i + 1 < len(rkeys)]
            for h in heads:
                run = self._name_run(region, h + 1)
                if run and not (len(run) == 1 and run[0][2].startswith("ال")):
                    return self._span_speaker(run)
            if toks and any(k in _ROLES for k in keys) and not any(len(r) >= 2 for _, r in self._runs(toks)):
                # the name right before the clause (المشرف العام على المنتخب … صالح أبو نخاع أن …)
                for i, run in self._runs(region):
                    after = [t[2] for t in region[i + len(run):]]
                    before = region[i - 1][2] if i and not self.f[region[i - 1][1]:run[0][0]].strip() else ""
                    if len(run) >= 2 and all(k in _NP_STOP for k in after[:2]) and len(after) <= 2 \
                            and _deproclitic(before) not in _PLACE_HEADS \
                            and not any(_deproclitic(t[2]) in _PLACE_HEADS for t in run) \
                            and any(len(t[2]) >= 3 for t in run) and not self._is_place(run):
                        return self._span_speaker(run)
                if keys[0] in _ROLES or _deproclitic(keys[0]) in _ROLES or ("ال" + keys[0]) in _ROLES:
                    # an unnamed source: مسؤول أمني، المتحدث الرسمي للشرطة
                    if keys[0].startswith("ال"):
                        coref = self._role_coreference(toks)
                        if coref is not None:
                            return coref
                    return self._span_speaker(toks[:5], org=True)
            if toks and len(keys) <= 3 and all(k in _ROLES or k in _HONORIFICS or k.startswith("ال") for k in keys):
                return self._role_coreference(toks)
        return None

    def _report_issuer(self, region) -> Optional[_Speaker]:
        """تقرير صادر عن المجموعة، تقرير لوزارة …، تقرير QNB: the body that issued a report speaks."""
        keys = [t[2] for t in region]
        i = 1
        while i < len(keys) and keys[i] in ("صادر", "الصادر", "صادره", "الصادره", "عن", "من"):
            i += 1
        if i >= len(region):
            return None
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

    def _tokens_in_full(self, pos: int) -> list[tuple[int, int, str]]:
        toks = []
        for m in _WORD_RE.finditer(self.full_text, pos, pos + 120):
            raw = m.group()
            k = _key(raw)
            if not k or k in _NP_STOP:
                break
            s = m.start() + (len(raw) - len(raw.lstrip(_STRIP)))
            toks.append((s, s + len(k), k))
        return toks

    def _span_speaker(self, toks, org: bool = False) -> _Speaker:
        a, b = toks[0][0], toks[-1][1]
        mention = self.fld.text[self.fld.orig(a):self.fld.orig_end(b)]
        sp = self._link_name(mention, org=org)
        sp.group = org
        return sp

    def _resolve(self, cue: _CueHit, limit: int, region_limit: int) -> None:
        """Find the cue's subject: after the verb (VSO), before it (SVO), or the previous speaker."""
        f = self.f
        if cue.participle:
            if self.last is not None and self.last_pos <= self._prev_boundary(cue.start):
                # وكذبت الصحف الإسبانية …، مؤكدة أنه: the participle belongs to its own sentence's verb
                own = self._sentence_subject(cue.start)
                if own is not None:
                    cue.speaker = self.last = own
                    return
            cue.speaker = self.last if self.last is not None else (
                self._sentence_subject(cue.start) or self._lead_subject(cue.start))
            self.last = cue.speaker
            return
        toks = self._np_tokens(cue.end, limit)
        sp = None
        region: list = []
        if toks:
            # a name right after the verb (قال فينسن لابرون رئيس …), else the last person of the phrase:
            # a title comes before the name (مدير العلاقات … محمد علي سليمان)
            e = self._entity_in(toks[0][0], toks[0][1])
            if not e or e[3] != "PERSON":
                e = self._entity_in(toks[0][0], toks[-1][1], last=True)
            lead = next(iter(self._runs(toks[:5])), None)
            if e and lead and lead[0] == 0 and len(lead[1]) >= 2 and \
                    not (self.fld.orig(lead[1][0][0]) < e[1] and e[0] < self.fld.orig_end(lead[1][-1][1])):
                # a full name right after the verb that the entity list missed (قال فينسن لابرون رئيس …)
                e = None
                sp = self._span_speaker(lead[1])
            if e and e[3] != "PERSON" and any(t[2] in _ROLES or t[2] in _HONORIFICS for t in toks
                                              if self.fld.orig(t[0]) < e[0]):
                # a title before an organization (وكيل الرئاسة العامة … الشيخ عثمان): the person holds it
                region = self._tokens(cue.end, region_limit, stop=False)[:25]
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
            sp = self._quoted_after(cue.end, before_clause=True)  # وقالت "شينخوا": إن …
        if sp is None:
            region = region or self._tokens(cue.end, region_limit, stop=False)[:25]
            sp = self._np_speaker(toks, region)
        if sp is None and not cue.proclitic:
            sp = self._svo(cue)
        if sp is not None:
            cue.speaker, cue.explicit = sp, True
            self.last = sp
            self.last_pos = cue.start
            self.names.append(sp)
        else:
            cue.speaker = self.last if self.last is not None else (
                self._sentence_subject(cue.start) or self._lead_subject(cue.start))
            self.last = cue.speaker

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

    def _sentence_subject(self, pos: int) -> Optional[_Speaker]:
        """The subject after the first verb of the sentence (رفضت القنصلية …، مؤكدة أن)."""
        start = self._prev_boundary(pos) + 1
        toks = self._tokens(start, pos, stop=False)
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
        sp = self._np_speaker(sub[:6]) if sub else None
        if sp is not None and sp.group:
            return sp
        e = self._entity_in(a, sub[-1][1], last=True) if sub else None
        if e and e[3] == "PERSON":
            return self._from_entity(e)
        # only a confident reading: an organization, a quoted name or a full name
        return sp if sp is not None and len(sp.name.split()) >= 2 else None

    def _svo(self, cue: _CueHit) -> Optional[_Speaker]:
        """Preverbal subject: the noun phrase between the clause start and the verb."""
        f = self.f
        start = max(self._prev_boundary(cue.start) + 1, cue.start - 200)
        end = cue.start
        tok, ts = self._prev_token(end)
        if _key(tok) in _RELATIVES:
            end = ts  # بردوان التي تقول: the antecedent before the relative pronoun
            while end > start and f[end - 1] in " ،,":
                end -= 1
        for sep in ("،", ",", ":"):
            k = f.rfind(sep, start, end)
            if k >= 0:
                start = k + 1
        toks = self._tokens(start, end, stop=False)
        for i in range(len(toks) - 1, -1, -1):
            if toks[i][2] in _CLAUSE_OPENERS or toks[i][2] in _CONNECTORS or toks[i][2] in ("ما", "مما"):
                toks = toks[i + 1:]
                break
        if not toks or toks[0][2] in _PREPOSITIONS:
            return None
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
        run: list = []
        for t in reversed(toks[-3:]):
            if self._name_like(t[2]) or (t[2].startswith("ال") and not run) or t[2] in _NAME_GLUE:
                run.insert(0, t)
            else:
                break
        while run and run[0][2].startswith("ال"):
            run = run[1:]
        return self._span_speaker(run) if run else None

    # --- main -------------------------------------------------------------------------------------
    def run(self) -> list[_Quote]:
        f = self.f
        self.last: Optional[_Speaker] = self.names[-1] if self.names else None
        self.last_pos = -1
        pairs = self._pairs()
        self.bounds = self._boundaries(pairs)
        self.pairs = pairs
        self.pair_opens = [p.open for p in pairs]
        cues = self._cues()
        comps = [m for m in _COMP_RE.finditer(f)]
        comp_starts = [m.start() for m in comps]
        cue_starts = [c.start for c in cues]
        openers = {p.open: p for p in pairs}
        long_opens = [p.open for p in pairs if len(f[p.open:p.close].split()) >= 3]
        for c in cues:
            nb = self._next_boundary(c.end)
            kp = bisect_left(self.pair_opens, c.end)
            nxt_open = self.pair_opens[kp] if kp < len(self.pair_opens) else len(f)
            k = bisect_left(comp_starts, c.end)
            nxt_comp = comp_starts[k] if k < len(comp_starts) else len(f)
            colon = f.find(":", c.end, nb)
            limit = min(nb, nxt_open, nxt_comp, colon if colon >= 0 else len(f))
            if colon >= 0 and limit == colon and not c.participle:
                c.colon = colon
            # the wider region may pass quoted names (بمقاطعة “سانت لويس” ، ستيف ستينجر) but not a quote
            kl = bisect_left(long_opens, c.end)
            long_open = long_opens[kl] if kl < len(long_opens) else len(f)
            region_limit = min(nb, nxt_comp, long_open, colon if colon >= 0 else len(f))
            self._resolve(c, limit, region_limit)

        quotes: list[_Quote] = []
        # INDIRECT: a complementizer governed by the nearest speech cue before it in the same sentence.
        covered_until = -1
        pair_opens = [p.open for p in pairs]
        for m in comps:
            if m.start() < covered_until:
                continue
            kp = bisect_left(pair_opens, m.start()) - 1
            if any(pairs[i].close > m.start() for i in range(max(0, kp - 3), kp + 1)):
                continue  # inside quote marks: part of a direct quote
            prev, _ = self._prev_token(m.start())
            if _key(prev) in COMPLEMENTIZER_BLOCKERS:
                continue
            if m.start() and f[m.start() - 1] in _QUOTE_CHARS:
                continue  # «إن …: the opening of a direct quote
            k = bisect_left(cue_starts, m.start()) - 1
            if k < 0:
                continue
            cue = cues[k]
            if cue.end > m.start():
                continue
            if self._prev_boundary(m.start()) >= cue.end:
                continue
            gap_words = f[cue.end:m.start()].split()
            gap = len(gap_words)
            if gap > self.qx.max_cue_gap or cue.participle and gap > 6:
                continue
            if gap > 8 and any(_key(w) in _RELATIVES or w == "ما" for w in gap_words):
                continue  # the أن belongs to a relative clause (الذي فعل ما هو مفروض أن يفعله)
            kc = bisect_left(comp_starts, m.start()) - 1
            if kc >= 0 and comp_starts[kc] > cue.end:
                continue  # another clause already belongs to that cue
            form = f[cue.form_start:cue.end]
            if form == "ذكر" and gap == 0 and self._clause_start(cue.start):
                continue  # impersonal "ذكر أن"
            start = m.end()
            while start < len(f) and f[start] in " \t\u00a0:":
                start += 1
            end = self._clause_end(start, cues)
            if end - start < 3:
                continue
            covered_until = end
            verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
            quotes.append(_Quote("INDIRECT", start, end, verb, cue.speaker, not cue.explicit))

        # DIRECT and PARTIAL: quote pairs not nested inside another pair.
        outer = [p for p in pairs if p.depth == 0 or not any(q.open < p.open and p.close < q.close for q in pairs)]
        indirect = [q for q in quotes]
        for p in outer:
            s, e = p.open + 1, p.close
            inner = f[s:e]
            nwords = len(inner.split())
            if nwords == 0 or self._is_name(p.open):
                continue
            host = next((q for q in indirect if q.start <= p.open < q.end), None)
            if host is not None:
                covers = host.start >= p.open - 1 and not f[p.close + 1:host.end].strip(" .،,\"”»")
                if covers and nwords >= _MIN_DIRECT_WORDS:
                    host.kind, host.start, host.end = "DIRECT", s, e
                elif nwords >= _MIN_PARTIAL_WORDS:
                    quotes.append(_Quote("PARTIAL", s, e, host.verb, host.speaker, host.implicit))
                continue
            rest = f[p.close + 1:p.close + 8].lstrip(" \t\u00a0،,")
            if rest.startswith(":") or _COMP_RE.match(rest):
                continue  # أعلنت "الشركة السعودية …" أن: the subject's name, not an utterance
            cue = self._cue_before(p.open, cues, comps)
            if cue is not None and (nwords >= _MIN_DIRECT_WORDS or self._colon_before(p.open)):
                verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
                quotes.append(_Quote("DIRECT", s, e, verb, cue.speaker, not cue.explicit))
                continue
            sp = self._label_before(p.open) if nwords >= _MIN_DIRECT_WORDS else None
            if sp is not None:
                quotes.append(_Quote("DIRECT", s, e, None, sp, False))
                continue
            cue = self._cue_after(p.close, cues)
            if cue is not None and nwords >= _MIN_DIRECT_WORDS:
                verb = self.fld.text[self.fld.orig(cue.form_start):self.fld.orig_end(cue.end)]
                quotes.append(_Quote("DIRECT", s, e, verb, cue.speaker, not cue.explicit))
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
                quotes.append(_Quote("DIRECT", s, e, verb, c.speaker, not c.explicit))
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
                quotes.append(_Quote("DIRECT", s, e, verb, cue.speaker, not cue.explicit))
        for q in quotes:
            q.start, q.end = self.fld.orig(q.start), self.fld.orig_end(q.end)
        quotes.sort(key=lambda q: (q.start, q.end))
        return quotes

    def _last_before(self, pos: int, cues: list[_CueHit]) -> Optional[_Speaker]:
        for c in reversed(cues):
            if c.end <= pos and c.speaker is not None:
                return c.speaker
        return self.names[-1] if self.names else None

    def _is_name(self, open_pos: int) -> bool:
        """A quoted phrase right after a name head (تنظيم «…», صحيفة «…», ما يسمى «…») is a name."""
        tok, _ = self._prev_token(open_pos)
        k = _key(tok)
        if not k:
            return False
        if tok.endswith("ـ") or k in ("ل", "لـ"):
            return True  # لـ«عكاظ»
        return k in NAME_HEADS or _deproclitic(k) in NAME_HEADS or ("ال" + _deproclitic(k)) in NAME_HEADS \
            or k.startswith("ال") and k[2:] in NAME_HEADS

    def _label_before(self, pos: int) -> Optional[_Speaker]:
        """«الجبير: «…»» — a short name and a colon at the start of a line or sentence introduce a quote."""
        f = self.f
        j = pos - 1
        while j >= 0 and f[j] in " \t\u00a0":
            j -= 1
        if j < 0 or f[j] != ":":
            return None
        start = max(self._prev_boundary(j), f.rfind("\n", 0, j)) + 1
        toks = self._tokens(start, j, stop=False)
        if not 1 <= len(toks) <= 4 or any(t[2] in CUE_FORMS for t in toks):
            return None
        e = self._entity_in(toks[0][0], toks[-1][1], last=True)
        if e:
            return self._from_entity(e)
        sp = self._np_speaker(toks)
        if sp is None and len(toks) == 1 and toks[0][2].startswith("ال") and toks[0][2] not in _ROLES:
            sp = self._span_speaker(toks)  # الجبير: «…»
        return sp

    def _colon_before(self, pos: int) -> bool:
        j = pos - 1
        while j >= 0 and self.f[j] in " \t\u00a0":
            j -= 1
        return j >= 0 and self.f[j] in ":،,"

    def _cue_before(self, pos: int, cues: list[_CueHit], comps) -> Optional[_CueHit]:
        """The speech cue introducing a quote that opens at ``pos`` (same sentence, few words before)."""
        k = bisect_left([c.start for c in cues], pos) - 1
        if k < 0:
            return None
        cue = cues[k]
        if cue.end > pos:
            return None
        between = self.f[cue.end:pos]
        # ".." or ":" right before the mark does not end the attribution
        core = between.rstrip(" \t\u00a0.:،,")
        if any(ch in core for ch in ".!?؟\n؛;"):
            return None
        if len(core.split()) > 15:
            return None
        if any(cue.end <= m.start() < pos for m in comps if m.start() < pos):
            return None
        return cue

    def _cue_after(self, pos: int, cues: list[_CueHit]) -> Optional[_CueHit]:
        """«…»، قال X / «…» بحسب X: a cue or frame right after the closing mark."""
        f = self.f
        j = pos + 1
        while j < len(f) and f[j] in " \t\u00a0،,.":
            if f[j] == "." and f[j + 1:j + 2] == "\n":
                return None
            j += 1
        k = bisect_left([c.start for c in cues], j)
        if k < len(cues) and cues[k].start == j and not cues[k].participle:
            return cues[k]
        fm = _FRAME_RE.match(f, j)
        if fm:
            toks = self._np_tokens(fm.end(), self._next_boundary(fm.end()))
            e = self._entity_in(toks[0][0], toks[-1][1]) if toks else None
            sp = self._from_entity(e) if e else self._np_speaker(toks)
            hit = _CueHit(fm.start(), fm.end(), fm.start(), "", False, sp, sp is not None)
            return hit
        return None

    def _utterance_end(self, start: int, cues: list[_CueHit]) -> int:
        """End of an unmarked utterance after a colon: the paragraph end, or before a new speech cue."""
        f = self.f
        end = f.find("\n", start)
        end = len(f) if end < 0 else end
        end = min(end, start + self.qx.max_quote_chars)
        k = bisect_right([c.start for c in cues], start)
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
        k = bisect_right([c.start for c in cues], start)
        for c in cues[k:]:
            if c.start >= end:
                break
            if c.participle or c.proclitic or f[max(0, c.start - 2):c.start].strip() in ("،", ",") \
                    or _key(self._prev_token(c.start)[0]) in _CONNECTORS:
                cut = c.start
                tok, ts = self._prev_token(cut)
                if _key(tok) in _CONNECTORS:
                    cut = ts
                end = cut
                break
        while end > start and f[end - 1] in " \t\u00a0،,:;؛-–—":
            end -= 1
        return end
