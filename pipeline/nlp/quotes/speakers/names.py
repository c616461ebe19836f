"""The fuller or shorter forms of a name the candidates take: a person's name with the words the entity
extractor left out or took in (:func:`extend_name`, :func:`trim_name`), a description with its modifiers
(:func:`lengthen_description`), a spokesman before باسم, a name closing the subject's phrase, a name in
quote marks after its head noun (:func:`quoted_heads`) and the fullest earlier form of a short name."""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import islice
from typing import Iterable, Optional, Sequence

from pipeline.nlp.quotes import lexicon as lx
from pipeline.nlp.quotes._scan import char_offsets, finditer_at
from pipeline.nlp.entities.gazetteer import Lexicon
from pipeline.nlp.entities.words import TANWEEN
from pipeline.nlp.normalize import fold_word, normalize_word
from pipeline.nlp.quotes.speakers.wellformed import (_LAM_HAMZA, _NOT_IN_NAMES, _function_word, _head, _is_description, _report_word,
                                                     _possessed, _prepositional, _tokens, _well_formed_text,
                                                     is_name_run)

# A name in quote marks or brackets (صحيفة "بيلد"، مصادر “عين اليوم”، شبكة (أن تي في)).
_QUOTED_NAME_OPENERS = "«“„\"("  # where a match of _QUOTED_NAME_RE opens
_QUOTED_NAME_RE = re.compile("[" + _QUOTED_NAME_OPENERS + r"]([^«»“”„\"()\n.،,:]{2,40}?)[»”\")]")
_MAX_QUOTED_WORDS = 4
_MAX_EXTENSION = 2     # name words added after a person mention the entity extractor cut short
_MAX_LONGER = 6        # words a description reading may take on to its right (adjectives, affiliations)
_ANY_HEAD = "مصدر"  # a head noun of the description grammar, to test the words after another head
_WORD_RE = re.compile(r"\S+")  # a word as str.split() cuts it
_PAUSE_RE = re.compile(r"[،,:؛;.«»“”\"()]")  # a mark that ends the subject's noun phrase
# أن، إن، بأن، وأنه …: a complementizer ends a description (folded)
_COMPLEMENTIZER_RE = re.compile(r"^[وف]?ب?ان(?:ه|ها|هم|هما|هن|نا|ني|ي)?$")


@lru_cache(maxsize=65536)
def _fold_name(name: str) -> str:
    return fold_word(name)


@lru_cache(maxsize=65536)
def _surname_key(word: str) -> str:
    k = fold_word(word.strip(lx.STRIP))
    return k[2:] if k.startswith("ال") and len(k) > 4 else k


@lru_cache(maxsize=65536)
def _phrase_word(word: str) -> bool:
    """A word that may go on a description to its right: letters, not a time word, a title (الدكتور: it
    opens the holder's name), complementizer,
    possessed noun, function word (an affiliation preposition is one), relative with a conjunction
    (والتي), report (في بيان) or addressee (لوكالة، للقناة)."""
    if not word.isalpha():
        return False
    k = fold_word(word)
    d = lx.deproclitic(k)
    return not (k in lx.TIME_WORDS or k in lx.HONORIFICS or _COMPLEMENTIZER_RE.match(k) or _possessed(word)
                or _function_word(word, k) and k not in lx.AFFILIATION_PREPS
                or k[:1] in "وف" and k[1:] in lx.FUNCTION_WORDS or k in lx.REPORTS or d in lx.REPORTS
                or k[:1] == "ل" and (k[2:] if k.startswith("لل") else k[1:]) in lx.MEDIA)


def lengthen_description(text: str, start: int, end: int, stops: Iterable[int] = ()) -> Optional[str]:
    """The description or organization at ``text[start:end]`` with the modifiers the rules left out to its
    right — adjectives, genitives, up to two affiliations (كشفت مديرية | الدفاع المدني بمنطقة عسير، مصدر |
    مسؤول بإدارة الهلال، الادعاء | العام الليبي) — up to a punctuation mark, a complementizer, a speech
    verb, a time word or another function word, a report (في بيان), an addressee (لوكالة، للقناة) or one of
    the offsets ``stops`` (where a person's name begins: المدير العام للتعليم في منطقة عسير | جلوي …); the
    longest that adds only words a description (:func:`is_description`) admits after its head, and not
    only an organization's descriptive adjectives (:func:`descriptive_tail`). None when nothing can be added."""
    if end >= len(text) or text[end] not in " \t":
        return None
    first = text[end + 1:end + 16].split(None, 1)
    if not first or not _phrase_word(first[0].rstrip(lx.STRIP)):
        return None  # وقال المصدر إن، قالت الوزارة أمس: nothing to add (most readings)
    line = text[end:end + 160].split("\n", 1)[0]
    stops = {x - end for x in stops if end < x <= end + len(line)} if stops else ()
    added: list[str] = []
    at = 0
    for w in line.split()[:_MAX_LONGER]:
        if stops:
            at = line.index(w, at)
            if at in stops:
                break
            at += len(w)
        bare = w.rstrip(lx.STRIP)
        if not bare or w[0] in lx.STRIP or not _phrase_word(bare):
            break
        added.append(bare)
        if bare != w:
            break  # a comma or a full stop after it
    for n in range(len(added), 0, -1):
        # words a description admits after its head (مديرية | الإحصاءات في مصرف لبنان): tested after one
        # head noun, so that the test is cached across readings
        tail = " ".join(added[:n])
        if fold_word(added[n - 1]) not in lx.AFFILIATION_PREPS and _is_description(_ANY_HEAD + " " + tail):
            longer = text[start:end] + " " + tail
            return None if descriptive_tail(longer, text[start:end]) else longer
    return None


# An adjective of relation after an indefinite noun (ياباني، أمريكيون، الإعلامية is definite: not here).
_NISBA_RE = re.compile(r"\w{2,}(?:ي|ية|يه|يون|يين|يات)$")
# A people or a group by its relation (اليمنيون، السعوديين): a plural that names its members, not a re-mention.
_GENTILIC_PLURAL_RE = re.compile(r"(?:يون|يين)$")
_LATIN_RE = re.compile(r"[A-Za-z][\w.&-]*")


_NEXT_WORD_RE = re.compile(r"[ \t]+(\S+)")
_MAX_RELATION_ADJECTIVES = 2


def _relation_adjectives(text: str, pos: int) -> tuple[int, bool]:
    """The end of the definite adjectives of nationality right after ``pos`` (المصرية، الكويتي، اليمنيين),
    at most two, and whether a punctuation mark closes the last. Other adjectives are descriptive and
    no part of an organization's name (الحكومية، الرسمية)."""
    nationalities = Lexicon.load().nationalities
    for _ in range(_MAX_RELATION_ADJECTIVES):
        m = _NEXT_WORD_RE.match(text, pos)
        if m is None:
            break
        word = m.group(1)
        bare = word.rstrip(lx.STRIP)
        k = normalize_word(bare)
        if not k.startswith("ال") or k not in nationalities:
            break
        pos = m.start(1) + len(bare)
        if bare != word:
            return pos, True
    return pos, False


def descriptive_tail(longer: str, name: str) -> bool:
    """Does ``longer`` add to an organization's ``name`` only definite adjectives of relation, the first of
    them no nationality? They describe it and are no part of its name (وكالة أنباء الأناضول | الحكومية
    التركية; but وسائل | الإعلام التركية, where الإعلام is its genitive)."""
    if not longer.startswith(name) or not name.split():
        return False
    added = [normalize_word(w.strip(lx.STRIP)) for w in longer[len(name):].split()]
    if not added or added[0] in Lexicon.load().nationalities \
            or not all(w.startswith("ال") and _NISBA_RE.fullmatch(w) for w in added):
        return False
    first = fold_word(name.split()[0].strip(lx.STRIP))
    heads = (first, lx.deproclitic(first), "ال" + lx.deproclitic(first))
    return first not in lx.DESCRIPTION_HEADS and any(h in lx.ORG_HEADS or h in lx.MEDIA or h in lx.INSTITUTIONS
                                                     for h in heads)


def organization_extent(text: str, start: int, end: int,
                        spans: Sequence[tuple[int, int]]) -> Optional[tuple[str, Optional[tuple[int, int]]]]:
    """The organization at ``text[start:end]`` with the modifiers the entity tagger left out after it: its
    adjectives of nationality (وزارة الداخلية | المصرية، المركز المالي | الكويتي) and the place or body it
    belongs to, when another mention names it after في or a glued ب (وزارة الصحة العامة | في تايلند، معهد
    السياحة | بجامعة الملك عبدالعزيز، مديرية الدفاع المدني | بمنطقة عسير). ``spans`` are the (start, end)
    of the field's places and organizations, sorted. Returns the longer name and the span of the mention it
    took in as the seat (None for adjectives alone); None when nothing is added."""
    seat = None
    pos, closed = _relation_adjectives(text, end)
    m = None if closed else _NEXT_WORD_RE.match(text, pos)
    if m is not None:
        k = fold_word(m.group(1))
        at = -1
        if k == "في":
            nxt = _NEXT_WORD_RE.match(text, m.end())
            at = nxt.start(1) if nxt else -1
        elif k[:1] == "ب" and len(k) > 3 and m.group(1) == m.group(1).rstrip(lx.STRIP):
            at = m.start(1) + 1
        if at >= 0:
            head = text[at:at + 20].split(None, 1)[:1]
            if head and lx.deproclitic(fold_word(head[0])) in lx.PLACE_HEADS:
                after = _NEXT_WORD_RE.match(text, at + len(head[0]))
                at = after.start(1) if after else -1  # بمنطقة | عسير: the place after its head noun
            i = bisect_left(spans, (at - 1, -1)) if at > 0 else len(spans)
            while i < len(spans) and spans[i][0] <= at:
                if spans[i][0] >= at - 1 and spans[i][1] > at:  # the mention may hold the ب (بجامعة …)
                    seat = spans[i]
                    pos, _ = _relation_adjectives(text, spans[i][1])
                    break
                i += 1
    return (text[start:pos], seat) if pos > end else None


def antecedent(text: str, name: str, before: int) -> Optional[str]:
    """The first, indefinite mention of what a definite one-word reading re-mentions, before offset
    ``before`` of ``text``: the noun with its adjectives of relation or Latin name (الرجل → رجل ياباني،
    الباحثون → باحثون أمريكيون، الموقع → موقع Droid Life، الاستطلاع → استطلاع), or with its genitive or its
    other modifiers and their complement (الخلية → خلية الإعلام الحربي، المصدر → مصدر مسؤول في وزارة
    الخارجية: :func:`lengthen_description`). The labelling rules name a speaker as the article first names it.
    None when the definite form came first, for an office (its holder speaks) or a people (اليمنيون), and
    for an organization's head noun with no name after it (موقع "بورد باندا": the quoted name does that)."""
    word = name.strip()
    if " " in word or not word.startswith("ال") or len(word) < 5 or _GENTILIC_PLURAL_RE.search(word) \
            or lx.is_role(fold_word(word)):
        return None
    bare = word[2:]
    head = text[:before]
    # (the word first and the check of the letter before it after: the regex engine finds the literal in C)
    m = re.search(re.escape(bare) + r"(?<!\w[\s\S]{%d})(?!\w)" % len(bare), head)
    if m is None or word in head[:m.start()]:
        return None
    after = text[m.end():m.end() + 80].split("\n", 1)[0].split()
    nxt = after[0].rstrip(lx.STRIP) if after else ""
    if nxt.startswith("ال") or nxt and not (_LATIN_RE.fullmatch(nxt) or _NISBA_RE.fullmatch(nxt)):
        # خلية | الإعلام الحربي، مصدر | مسؤول في وزارة الخارجية: as lengthen_description reads a description
        longer = lengthen_description(text, m.start(), m.end())
        if longer is not None or nxt.startswith("ال"):
            return longer or bare
    out = [bare]
    for w in after[:3]:
        bare_w = w.rstrip(lx.STRIP)
        k = fold_word(bare_w)
        if not bare_w or w[0] in lx.STRIP or not (_LATIN_RE.fullmatch(bare_w) or _NISBA_RE.fullmatch(bare_w)
                                                   and not bare_w.startswith("ال") and not _function_word(bare_w, k)):
            break
        out.append(bare_w)
        if bare_w != w:
            break  # a comma or a full stop after it
    if len(out) == 1 and _remention_head(word) is not None and _remention_head(word) not in lx.SOURCES:
        return None  # موقع "بورد باندا": an organization's head noun wants its name (see :func:`quoted_heads`)
    return " ".join(out)


def spokesman_of(text: str, start: int) -> Optional[str]:
    """The spokesman before a name the rules read after باسم (وقال ناطق باسم | فرق الإطفاء): ``ناطق باسم``
    with that name is the speaker; None when the words before ``start`` are not a spokesman noun and باسم."""
    if "سم" not in text[max(0, start - 4):start]:
        return None
    words = text[max(0, start - 40):start].split()
    if len(words) < 2 or fold_word(words[-1]) != "باسم" or not words[-1].isalpha() or not words[-2].isalpha():
        return None
    k = fold_word(words[-2])
    return words[-2] + " " + words[-1] if k in lx.SPOKESMEN or lx.deproclitic(k) in lx.SPOKESMEN else None


def subject_tail_name(text: str, cue_end: int, limit: int) -> Optional[tuple[int, str]]:
    """A two- or three-word name the entity extractor missed that ends the subject's phrase between a
    speech cue and its clause, after a description (:func:`is_description`): in apposition between pause
    marks (وقال مدير عام الصحة في محافظة عدن، الخضر لصور، إن) or closing a description of three words or
    more (واكد السفير السعودي في سلطنة عمان عيد الثقفي أن). The words are name words (:func:`_name_word`),
    not all definite. (start, name) or None."""
    seg = text[cue_end:limit]
    if "\n" in seg or seg.count(" ") < 3:
        return None
    chunks = [c.split() for c in _PAUSE_RE.split(seg)]
    for ws in chunks:
        while ws and _COMPLEMENTIZER_RE.match(fold_word(ws[-1])):
            ws.pop()
    chunks = [ws for ws in chunks if ws]
    if not chunks:
        return None
    words = chunks[-1]
    if len(chunks) > 1 and 2 <= len(words) <= 3:
        name, described = words, chunks[-2]
    elif len(chunks) == 1 and len(words) >= 5:
        name, described = words[-2:], words[:-2]
    else:
        return None
    if not _is_description(" ".join(described)) or any(fold_word(w) in lx.QUANTIFIERS for w in name):
        return None  # مصدر طبي بإصابة ثلاثة أشخاص: a run-on clause, not a description and a name
    if not all(_name_word(w, definite=True) for w in name) or all(fold_word(w).startswith("ال") for w in name):
        return None
    at = text.rfind(" ".join(name), cue_end, limit)
    return (at, " ".join(name)) if at >= 0 else None


_MAX_SUBJECT_WORDS = 6  # words after a speech verb read as its subject


@lru_cache(maxsize=65536)
def _subject_stop(w: str) -> bool:
    """A word that ends the subject after a speech verb: not letters, a complementizer, a function word, a
    preposition phrase, a time word or a report."""
    k = fold_word(w)
    return not w.isalpha() or bool(_COMPLEMENTIZER_RE.match(k)) or _function_word(w, k) or _prepositional(w, k) \
        or k in lx.TIME_WORDS or k in lx.REPORTS


def subject_after_cue(text: str, cue_end: int, limit: int) -> Optional[tuple[int, str, bool]]:
    """The subject right after a speech verb, as (start, phrase, is a name), when the rules or the tagger may
    have missed it: a description of two words or more up to a pause mark, a complementizer, a preposition
    phrase or a function word (وقال مسؤول أمريكي | للصحافيين), or a name of two or three name words followed
    by an office in apposition or by such a stop (وقال علي مسفر | مدير دائرة …). None otherwise."""
    if cue_end >= len(text) or text[cue_end] not in " \t":
        return None
    seg = text[cue_end:min(limit, cue_end + 120) if limit > cue_end else cue_end + 120]
    seg = _PAUSE_RE.split(seg.split("\n", 1)[0], 1)[0]
    phrase: list[str] = []
    for w in seg.split()[:_MAX_SUBJECT_WORDS]:
        if _subject_stop(w):
            break
        phrase.append(w)
    if len(phrase) < 2:
        return None
    start = text.find(phrase[0], cue_end)
    for n in range(len(phrase), 1, -1):
        if _is_description(" ".join(phrase[:n])):
            if n < len(phrase):
                return None
            # عضو الائتلاف الوطني السوري فاروق طيفور: a name closing the description is the subject
            if n >= 4 and fold_word(phrase[-3]).startswith("ال") and _name_word(phrase[-2]) \
                    and _name_word(phrase[-1], definite=True):
                return text.find(" ".join(phrase[-2:]), start), " ".join(phrase[-2:]), True
            return start, " ".join(phrase), False
    for n in (3, 2):
        if len(phrase) >= n and _name_word(phrase[0]) and all(_name_word(w, definite=True) for w in phrase[1:n]):
            rest = fold_word(phrase[n]) if len(phrase) > n else None
            if rest is None or rest in lx.ROLES or rest in lx.OCCUPATIONS or rest in lx.OWNERS:
                return start, " ".join(phrase[:n]), True
    return None


@lru_cache(maxsize=65536)
def report_issuer(name: str) -> Optional[str]:
    """The issuer named in a report phrase, who is its speaker (a report speaks for its issuer): the
    genitive after a report noun, with its preposition dropped (تقرير للهيئة الوطنية → الهيئة الوطنية,
    بيان لوزارة الصحة → وزارة الصحة, بيان وزارة الداخلية → وزارة الداخلية, تقرير صادر عن المنظمة →
    المنظمة); None when ``name`` does not open with a report noun or what follows is not a well-formed
    name or description of two words or more."""
    words = name.split()
    if len(words) < 2 or not _report_word(fold_word(words[0])):
        return None
    rest = words[1:]
    k = fold_word(rest[0])
    if k in ("صادر", "الصادر", "صادره", "الصادره") and len(rest) > 2 and fold_word(rest[1]) in ("عن", "من"):
        rest = rest[2:]
    elif k.startswith("لل") and len(k) > 4:
        rest = ["ال" + rest[0][2:]] + rest[1:]  # للهيئة → الهيئة
    elif k.startswith("ل") and not k.startswith("ال") and _head(k[1:]):
        rest = [rest[0][1:]] + rest[1:]  # لوزارة → وزارة
    elif not _head(k) or k.startswith("ال"):
        return None  # تقرير إخباري، البيان الختامي: no issuer named
    issuer = " ".join(rest)
    if len(rest) < 2 or fold_word(rest[0]) in lx.REPORTS or not _well_formed_text(issuer):
        # تقرير للهيئة → الهيئة: a bare head noun names no issuer
        return None
    return issuer


_MAX_ISSUER_WORDS = 6


def issuer_named_before(text: str, before: int, noun: Optional[str] = None) -> Optional[tuple[int, str]]:
    """The issuer of a report that a bare report noun (التقرير، البيان) refers back to: the subject of the
    last issuing verb before ``before`` whose object is a report (أصدر مجلس بلدية عريعرة تقريرا → مجلس
    بلدية عريعرة), as (start, phrase); None when there is none or the subject is not well formed. With the
    bare ``noun``, the report issued must be one of its kind (قرارا is not the البيان quoted later)."""
    head = text[:before]
    words = head.split()  # (the \S+ runs of the text; their offsets found only for the subject returned)
    kind = _report_kind(fold_word(noun.split()[0].strip(lx.STRIP))) if noun and noun.split() else None
    for i in range(len(words) - 1, 0, -1):
        k = fold_word(words[i].strip(lx.STRIP))
        issued = _report_kind(k) or (_report_kind(k[:-1]) if k.endswith("ا") else None)  # تقريرا، بيانا
        if issued is None or kind is not None and issued != kind:
            continue
        for j in range(i - 1, max(-1, i - _MAX_ISSUER_WORDS - 2), -1):
            k = fold_word(words[j].strip(lx.STRIP))
            if k in lx.REPORT_ISSUERS or k[:1] in "وف" and k[1:] in lx.REPORT_ISSUERS:
                subject = words[j + 1:i]
                for n in range(len(subject), 0, -1):  # the subject without what follows it (أمس، يوم الأحد)
                    phrase = " ".join(subject[:n])
                    if phrase.strip(lx.STRIP) == phrase and _well_formed_text(phrase):
                        return next(islice(_WORD_RE.finditer(head), j + 1, None)).start(), phrase
                break
            if not words[j].isalpha():
                break
    return None


def _report_kind(k: str) -> Optional[str]:
    """The report noun ``k`` (folded) is, without its proclitics and article (البيان، وبيان → بيان), or None."""
    if not _report_word(k):
        return None
    return k if k in lx.REPORTS else lx.deproclitic(k)


@lru_cache(maxsize=65536)
def _remention_head(name: str) -> Optional[str]:
    """The head noun of a definite re-mention (الوزارة، الصحيفة الألمانية، المصدر), without ال: the
    entity named in full earlier (وزارة التجارة والصناعة، صحيفة بيلد، مصدر مسؤول بإدارة الهلال); else None."""
    words = _tokens(name)
    if not 1 <= len(words) <= 2 or not words[0].startswith("ال") or len(words[0]) < 5:
        return None
    head = words[0][2:]
    if not (head in lx.ORG_HEADS or head in lx.MEDIA or head in lx.SOURCES or head in lx.DESCRIPTION_HEADS
            or head in lx.INSTITUTIONS or "ال" + head in lx.INSTITUTIONS):
        return None
    return head


def _fullest(name: str, names: list[str]) -> str:
    """The longest earlier speaker name that ends with ``name`` (a surname, a short organization)."""
    key = _fold_name(name).split()
    best, best_len = name, len(key)
    for other in names:
        ok = _fold_name(other).split()
        if len(ok) > best_len and (ok[-len(key):] == key or ok[:len(key)] == key) and _well_formed_text(other):
            best, best_len = other, len(ok)
    return best


def fuller_form(name: str, names: list[str], full_person) -> str:
    """``name`` as fully as the article names it: the longest earlier speaker name that ends or begins with it
    (:func:`_fullest`), else the one longer person name of the field that holds it (``full_person``:
    :meth:`FieldView.full_person`; القطان → أحمد القطان)."""
    full = _fullest(name, names)
    return full_person(full) or full if full == name else full


@lru_cache(maxsize=65536)
def _name_head(word: str) -> Optional[str]:
    """``word`` without its proclitics when it is an indefinite organization, media or source noun (صحيفة،
    لصحيفة، ومصادر — not الصحيفة): the head of a name written after it; else None."""
    k = fold_word(word.strip(lx.STRIP))
    d = k if k in lx.ORG_HEADS or k in lx.MEDIA or k in lx.SOURCES else lx.deproclitic(k)  # وكالة: و is its own
    if not k or k.startswith(("ال", "لل")) or "ال" + d == k or not (d in lx.ORG_HEADS or d in lx.MEDIA
                                                                   or d in lx.SOURCES):
        return None
    w = word.strip(lx.STRIP)
    return w[len(k) - len(d):] if len(d) < len(k) else w  # لصحيفة → صحيفة


def quoted_heads(text: str) -> list[tuple[int, int, str, str]]:
    """Names in quote marks or brackets after an indefinite organization, media or source noun, as
    (start, end, full form, bare name): صحيفة "بيلد" → صحيفة بيلد، مصادر “عين اليوم” → مصادر عين اليوم,
    شبكة (أن تي في) → شبكة أن تي في. The name is one to four words of :func:`is_name_run`."""
    out: list[tuple[int, int, str, str]] = []
    for m in finditer_at(_QUOTED_NAME_RE, text, char_offsets(text, _QUOTED_NAME_OPENERS)):  # (str.find: _scan)
        b = m.start()
        while b > 0 and text[b - 1] in " \t":
            b -= 1
        if b == 0 or not text[b - 1].isalpha():
            continue
        a = max(text.rfind(" ", 0, b), text.rfind("\n", 0, b), text.rfind("\t", 0, b)) + 1
        head = _name_head(text[a:b])
        if head is None:
            continue
        name = " ".join(m.group(1).split())
        if name and len(name.split()) <= _MAX_QUOTED_WORDS and is_name_run(name, quoted=True):
            out.append((a, m.end(), head + " " + name, name))
    return out


@lru_cache(maxsize=65536)
def _name_word(word: str, definite: bool = False) -> bool:
    """A word that can go on a personal name the entity extractor cut: letters only, not definite unless
    ``definite`` (an adjective or a noun: خالد الأحمد التهاني), no function word, pronoun, title, office,
    owner or kin noun, head noun, speech verb, possessed noun or preposition phrase."""
    w = word.strip(lx.STRIP)
    if not w or w != word or not w.isalpha() or w.endswith("\u0640"):
        return False  # لـ، بـ: a preposition drawn out before a quote mark (فاروق طيفور لـ «عكاظ»)
    k = fold_word(w)
    if not definite and k.startswith("ال") or k in lx.PRONOUN_WORDS or k in lx.NAME_GLUE or k in lx.QUANTIFIERS \
            or w.startswith(_LAM_HAMZA):  # لإفريقيا: a preposition on a hamza word
        return False
    return not (k in lx.HONORIFICS or k in lx.OCCUPATIONS or k in lx.OWNERS or k in lx.KIN or _head(k)
                or _function_word(w, k) or _possessed(w) or _prepositional(w, k))


def _given_office_name(word: str, nxt: str) -> bool:
    """An indefinite office noun that is also a name (أمين) right before another office noun, which opens
    the apposition: a name word, since an office is not followed by a second one unless it takes an
    office as its genitive (``DEPUTY_TITLES``: نائب رئيس، مساعد وزير)."""
    k = fold_word(word)
    if k.startswith("ال") or k not in lx.ROLES or k in lx.DEPUTY_TITLES or not word.isalpha():
        return False  # بيل باير مساعد | وزير العدل: an office whose genitive is an office
    n = fold_word(nxt.strip(lx.STRIP))
    return n in lx.ROLES and not n.startswith("ال") and n not in ("عام", "باسم")


def _cut_office(words: list[str], keys: list[str]) -> tuple[list[str], list[str]]:
    """A person's name without an office or owner noun in apposition at its end, with at most one word
    after it (غروي مؤسس المنصة → غروي، ولايتي مستشار خامنئي → ولايتي); after بن or أبو an office word is
    a name (عبدالله بن مساعد)."""
    for i in range(max(1, len(words) - 2), len(words)):
        if (keys[i] in lx.ROLES or keys[i] in lx.OWNERS or keys[i] in lx.OCCUPATIONS) and keys[i - 1] not in lx.NAME_GLUE:
            return words[:i], keys[:i]
    return words, keys


def _cut_after_surname(words: list[str], keys: list[str]) -> list[str]:
    """A person's name without the indefinite words after a definite surname, which ends an Arabic name
    (عادل الجبير جريمة حرق → عادل الجبير); a title (الشيخ) is not a surname."""
    for i in range(1, len(words) - 1):
        k, nxt = keys[i], keys[i + 1]
        if k.startswith("ال") and len(k) > 4 and not nxt.startswith("ال") and nxt not in lx.NAME_GLUE \
                and nxt not in lx.NAME_PREFIXES and not _head(k) and k not in lx.HONORIFICS \
                and all(_name_word(w) for w in words[:i]):
            return words[:i + 1]
    return words


def without_circumstance(name: str) -> str:
    """A person's name without the accusative words after it (الحمود مغرداً → الحمود): names take no
    tanween, so a word with it is a circumstance or an adverb (قائلاً، حالياً), not a name's last word."""
    words = name.split()
    while len(words) > 1 and TANWEEN in words[-1]:
        words.pop()
    return " ".join(words)


def _trim_words(words: list[str], person: bool = True) -> list[str]:
    """:func:`trim_name` on the words alone: the quantifier after the name and, for a person, the words up
    to a title inside; then a glued head noun and its genitive at the start (an organization too)."""
    keys = [fold_word(w.strip(lx.STRIP)) for w in words]
    if person:
        while len(words) > 2 and (keys[-1] in lx.QUANTIFIERS or _function_word(words[-1], keys[-1])
                                  or _prepositional(words[-1], keys[-1]) or words[-1].startswith(_LAM_HAMZA)):
            words, keys = words[:-1], keys[:-1]
        if len(words) > 2:
            words, keys = _cut_office(words, keys)
        for i in range(len(words) - 2, 0, -1):
            if (keys[i] in lx.HONORIFICS or keys[i] in lx.ROLES) and keys[i - 1] not in lx.NAME_GLUE:
                words, keys = words[i + 1:], keys[i + 1:]
                break
    if len(words) > 3 and _prepositional(words[0], keys[0]) and _head(keys[0][1:]):
        words, keys = words[2:], keys[2:]
    if person and len(words) > 2:
        words = _cut_after_surname(words, keys)
    return words


def trim_name(text: str, start: int, end: int) -> str:
    """The personal name inside a mention that took in the words around it: the words after a title
    inside it (روتانا الأمير الوليد بن طلال → الوليد بن طلال), without a glued head noun and its genitive
    at its start (بنادي هجر فؤاد المسلم → فؤاد المسلم) or the genitive of an indefinite head noun just
    before it (رئيس نادي كوتبوس كريستيان بيك → كريستيان بيك), without a quantifier after it (سايمن تيمبلر
    أحد → سايمن تيمبلر). Two words at least stay; else the mention is returned as it is."""
    words = text[start:end].split()
    trimmed = _trim_words(words)
    if len(trimmed) == len(words) and len(words) > 2 and fold_word(words[0]) not in lx.NAME_GLUE \
            and fold_word(words[0]) not in lx.NAME_PREFIXES:
        j = text.rfind(" ", 0, max(0, start - 1))
        prev = fold_word(text[j + 1:start].strip())
        if prev and not prev.startswith("ال") and _head(prev) and prev == lx.deproclitic(prev) \
                and prev not in lx.KIN and prev not in lx.KIN_HEADS:  # أخوه عبد الرحمن: a kinship noun
            trimmed = words[1:]
    return " ".join(trimmed)


#: Wikidata uses of a word as a given name for it to open a lone surname (ضاحي 3, زكية 31; كانت 0).
_GIVEN_MIN = 3
#: Wikidata uses of a definite word as a surname for it to close a name that ends in one (الصباح 57, الفهد 11;
#: المصلح 1, الموسم 0).
_FAMILY_MIN = 10


@lru_cache(maxsize=65536)
def _given_name(word: str) -> bool:
    from pipeline.nlp.entities.names import PersonNames

    return _name_word(word) and PersonNames.load().given.get(normalize_word(word), 0) >= _GIVEN_MIN


@lru_cache(maxsize=65536)
def _family_name(word: str) -> bool:
    from pipeline.nlp.entities.names import PersonNames

    k = normalize_word(word)
    return k.startswith("ال") and fold_word(word) not in lx.THEOPHORIC and _name_word(word, definite=True) \
        and not _head(fold_word(word)) and PersonNames.load().surname.get(k, 0) >= _FAMILY_MIN


def person_extent(text: str, start: int, end: int) -> str:
    """The person's name at ``text[start:end]`` with what the tagger left of it outside: the given name
    before a lone surname (كانت بداية ضاحي خلفان → ضاحي خلفان، مسؤول لجنة الملتقيات زكية الخضراوي → زكية
    الخضراوي) and a family name after a name that ends in a definite word (الشيخ أحمد الفهد الصباح). Both
    words must be names Wikidata knows as such; a punctuation mark between ends the name."""
    words = text[start:end].split()
    if not words or not _NOT_IN_NAMES.isdisjoint(text[start:end]):
        return text[start:end]
    if len(words) == 1 and start > 1 and text[start - 1] == " ":
        j = text.rfind(" ", 0, start - 1)
        prev = text[j + 1:start - 1]
        if prev and _given_name(prev):
            words.insert(0, prev)
    if len(words) >= 2 and fold_word(words[-1]).startswith("ال") and end < len(text) and text[end] == " ":
        nxt = text[end + 1:end + 40].split(" ", 1)[0]
        if nxt and _family_name(nxt):
            words.append(nxt)
    return " ".join(words)


def extend_name(text: str, start: int, end: int) -> str:
    """The personal name at ``text[start:end]`` with the name words the entity extractor left out: up to
    two after it (وقال محمد رحيم امين حاكم … → محمد رحيم امين, وأكد ماركوس علي وهو … → ماركوس علي), and
    the given name before a name that starts with بن (الوليد بن طلال). A punctuation mark ends the name.
    A mention of three words or more is trimmed instead (:func:`trim_name`)."""
    name = text[start:end]
    words = name.split()
    if not _NOT_IN_NAMES.isdisjoint(name):
        return name
    if len(words) > 2:
        return trim_name(text, start, end)
    if fold_word(words[0]) in ("بن", "ابن"):
        j = text.rfind(" ", 0, max(0, start - 1))
        prev = text[j + 1:start].strip()
        if _name_word(prev, definite=True):  # الوليد بن طلال
            words.insert(0, prev)
    if end < len(text) and text[end] in " \t" and not (len(words) > 1 and fold_word(words[-1]).startswith("ال")):
        # a definite surname ends an Arabic name (عادل الجبير | جريمة حرق)
        added = 0
        after = text[end:end + 60].split(" ")[1:]
        for i, w in enumerate(after):
            if added == _MAX_EXTENSION or not w:
                break
            bare = w.rstrip(lx.STRIP)
            if not _name_word(bare):
                if bare == w and _given_office_name(bare, after[i + 1] if i + 1 < len(after) else ""):
                    words.append(bare)  # محمد رحيم امين | حاكم منطقة: امين is the name, حاكم the office
                break
            words.append(bare)
            added += 1
            if bare != w:
                break  # a comma or a full stop after it
    return " ".join(words)
