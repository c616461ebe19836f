"""Speaker candidates, their features, the well-formedness check and the trained scorer that chooses.

The rules of :mod:`pipeline.nlp.quotes.extractor` read one speaker per speech cue. Here that reading is
one *candidate* among others — every PERSON and ORGANIZATION mention near the quote, the previous
quote's speaker, and nobody — each described by general features (distance in words and sentences,
side of the quote, subject position of the speech verb, a preposition before the mention, another
cue or quote between, …). A linear model trained on the labelled quotes (``wirepipe train-speakers``)
scores them; the best one wins. Scoring is a sparse dot product in pure Python over weights stored as
JSON in ``pipeline/resources/speakers/model.json``: the runtime needs no scikit-learn.

A speaker is *well formed* when it is an entity mention, a nominal description of the small grammar
of :func:`is_description` (مصدر أمني عراقي، المتحدث باسم الوزارة، مسؤولون أمريكيون، شهود عيان), a name
run of :func:`is_name_run`, or the previous speaker. Candidates that are not are never chosen: no verb,
particle, preposition phrase or run-on clause becomes a speaker.
"""
from __future__ import annotations

import json
import math
import re
from itertools import repeat
from operator import mul
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional

from pipeline.errors import ConfigError
from pipeline.nlp.quotes import lexicon as lx
from pipeline.nlp.normalize import fold_word

__all__ = ["Candidate", "QuoteView", "FieldView", "SpeakerModel", "candidates", "is_description",
           "is_name_run", "well_formed", "MODEL_RESOURCE"]

MODEL_RESOURCE = "resources/speakers/model.json"
_WINDOW_BEFORE = 600   # characters before the quote (or its cue) searched for mentions
_WINDOW_AFTER = 200    # characters after the quote end
_NOT_IN_NAMES = frozenset("«»“”„‟″\"‘’()[]{}\n")
# A name in quote marks or brackets (صحيفة "بيلد"، مصادر “عين اليوم”، شبكة (أن تي في)).
_QUOTED_NAME_RE = re.compile(r"[«“„\"(]([^«»“”„\"()\n.،,:]{2,40}?)[»”\")]")
_MAX_QUOTED_WORDS = 4
_MAX_EXTENSION = 2     # name words added after a person mention the entity extractor cut short
_MAX_LONGER = 6        # words a description reading may take on to its right (adjectives, affiliations)
_HOLDER_BEFORE = 6     # words before a person mention read as its title (السفير المصري أسامة شلتوت)
_HOLDER_AFTER = 5      # words after it (جريك كلارك وزير المجتمعات المحلية)
_ANY_HEAD = "مصدر"  # a head noun of the description grammar, to test the words after another head
_PAUSE_RE = re.compile(r"[،,:؛;.«»“”\"()]")  # a mark that ends the subject's noun phrase
# أن، إن، بأن، وأنه …: a complementizer ends a description (folded)
_COMPLEMENTIZER_RE = re.compile(r"^[وف]?ب?ان(?:ه|ها|هم|هما|هن|نا|ني|ي)?$")


@dataclass
class QuoteView:
    """One extracted quote in original offsets, with the cue that introduces it and the rules' reading."""

    kind: str
    start: int
    end: int
    cue_start: int = -1          # the speech cue (verb, participle or frame), -1 without one
    cue_end: int = -1
    cue_participle: bool = False
    cue_proclitic: bool = False  # وقال / فقال: a verb joined to what precedes it
    rule_name: Optional[str] = None
    rule_mention: Optional[str] = None
    rule_entity: Optional[int] = None
    rule_group: bool = False
    rule_role: bool = False
    rule_implicit: bool = False


@dataclass
class FieldView:
    """What the features read in one field: its text, sentence ends, cues, quotes and mentions."""

    text: str
    bounds: list[int]                      # sentence-end offsets, sorted
    cue_starts: list[int]                  # every speech cue of the field, sorted
    quote_spans: list[tuple[int, int]]     # every quote of the field
    mentions: list[tuple[int, int, int, str, str]]  # (start, end, entity index, type, canonical), sorted
    roles: dict[int, str] = field(default_factory=dict)  # entity index → the title the extractor read

    @cached_property
    def mention_starts(self) -> list[int]:
        return [m[0] for m in self.mentions]

    @cached_property
    def headed_forms(self) -> dict[str, str]:
        return _headed_forms(self)

    @cached_property
    def quoted(self) -> list[tuple[int, int, str, str]]:
        """The names in quote marks after a head noun (:func:`quoted_heads`)."""
        return quoted_heads(self.text)

    @cached_property
    def person_starts(self) -> frozenset[int]:
        return frozenset(m[0] for m in self.mentions if m[3] == "PERSON")

    @cached_property
    def persons_by_last(self) -> dict[str, frozenset[str]]:
        """The field's person names of two words or more, by their folded last word without ال: where
        a surname said alone (القطان، الخبراني) finds the full name the article gave."""
        out: dict[str, set[str]] = {}
        for _, _, _, etype, canonical in self.mentions:
            if etype == "PERSON" and len(canonical.split()) >= 2 and _well_formed_text(canonical):
                out.setdefault(_surname_key(canonical.split()[-1]), set()).add(canonical)
        return {k: frozenset(v) for k, v in out.items()}

    def full_person(self, name: str) -> Optional[str]:
        """The one longer person name of the field that ends with ``name``'s last word and holds its other
        words (القطان → أحمد القطان، محمد رحيم → محمد رحيم امين); None when there is none or several."""
        if not self.mentions or not self.persons_by_last:
            return None
        words = name.split()
        if not 1 <= len(words) <= 2:
            return None
        keys = [_fold_name(w) for w in words]
        found = {fold_word(f): f for f in self.persons_by_last.get(_surname_key(words[-1]), ())
                 if len(f.split()) > len(words) and set(keys[:-1]) <= set(fold_word(f).split())}
        if not found and len(words) == 2:  # محمد رحيم → محمد رحيم امين: the article's name goes on
            found = {fold_word(f): f for fs in self.persons_by_last.values() for f in fs
                     if fold_word(f).split()[:2] == keys and len(f.split()) > 2}
        return next(iter(found.values())) if len(found) == 1 else None

    @cached_property
    def mention_keys(self) -> frozenset[str]:
        """Folded texts and canonical forms of the mentions: names that are well formed as they are."""
        return frozenset(fold_word(x) for s, e, _, _, c in self.mentions for x in (c, self.text[s:e]))


@dataclass
class Candidate:
    """One possible speaker: its name, the mention it comes from, and its features."""

    name: Optional[str]
    mention: Optional[str]
    entity_index: Optional[int]
    features: dict[str, float] = field(default_factory=dict)

    def as_record(self) -> Optional[dict]:
        if self.name is None:
            return None
        return {"name": self.name, "mention": self.mention, "entity_index": self.entity_index}


# --- well-formed speakers ----------------------------------------------------------------------------
def _tokens(name: str) -> list[str]:
    return [fold_word(w.strip(lx.STRIP)) for w in name.split() if w.strip(lx.STRIP)]


def _possessed(word: str) -> bool:
    """A noun with a possessive pronoun (قوله، مشواره، أرقامه، تصريحاتها، بلادهم): never part of a speaker's
    name. Read on the original spelling, where ة (a feminine noun, فاطمة) is not ه (his); words of three
    letters (طه), names with عبد (عبده، عبدربه) and الله are names."""
    w = word.strip(lx.STRIP)
    if len(w) < 4 or w.endswith(("الله", "لله")) or w.startswith(("ال", "عبد")):  # عبده، عبدربه: names
        return fold_word(w) in lx.OWN_WORDS
    if w.endswith(("ها", "هم", "هما", "هن")) or fold_word(w) in lx.OWN_WORDS:
        return True
    return w.endswith("ه")  # بلاده، أرقامه، قوله


def _function_word(word: str, k: str) -> bool:
    """A particle, preposition, pronoun, connector or speech verb (``k`` is the folded ``word``). On the
    original spelling, علي with ي is the name Ali, not the preposition على."""
    if k in lx.CUE_FORMS or (k[:1] in "وف" and k[1:] in lx.CUE_FORMS):
        return True
    if k not in lx.FUNCTION_WORDS:
        return False
    return not (word.strip(lx.STRIP).endswith("ي") and k in lx.FUNCTION_WORDS_ALEF_MAKSURA)


def _prepositional(word: str, k: str) -> bool:
    """A word with a preposition or a conjunction glued on (بإصابة، للمنتخب، بالوزارة، لرئيس): not inside
    a name. ``k`` is the folded ``word``; بإ/بأ are read on the original spelling (باسل is a name)."""
    w = word.strip(lx.STRIP)
    if len(k) > 4 and k.startswith(("وال", "فال", "كال")):
        return True
    return len(k) > 3 and (k.startswith(("بال", "لل")) or w.startswith(("بإ", "بأ", "بآ"))
                           or k[0] in "بل" and _head(k[1:]))


def _head(k: str) -> bool:
    d = lx.deproclitic(k)
    return any(x in lx.DESCRIPTION_HEADS or x in lx.ROLES or x in lx.ORG_HEADS or x in lx.PLACE_HEADS
               or x in lx.INSTITUTIONS or x in lx.KIN_HEADS for x in (k, d, "ال" + d))


def is_description(name: str) -> bool:
    """A nominal description (see :func:`_is_description`)."""
    return _is_description(name)


@lru_cache(maxsize=65536)
def _is_description(name: str) -> bool:
    """A nominal description: an optional quantifier, a head noun from the lexicon (a source, an
    office, a group, an organization), then up to eight modifiers — adjectives, genitives, باسم and its
    noun, names — with at most one affiliation (مصدر في المقاومة الشعبية، مصدر أمني بوزارة الداخلية,
    مصدر مطلع على التحقيقات) whose noun is definite or an organization or place head. No function
    word, verb, possessed noun or run-on clause (مصدر طبي بإصابة ثلاثة …)."""
    words = [w.strip(lx.STRIP) for w in name.split() if w.strip(lx.STRIP)]
    toks = [fold_word(w) for w in words]
    if not toks or len(toks) > 10:
        return False
    i = 1 if toks[0] in lx.QUANTIFIERS and len(toks) > 1 else 0
    if not _head(toks[i]) or _possessed(words[i]) or toks[i][0] in "بل" and _head(toks[i][1:]):
        return False  # لرئيس: a preposition on the head
    affiliations = 0
    j = i + 1
    while j < len(toks):
        w, k = words[j], toks[j]
        nxt = toks[j + 1] if j + 1 < len(toks) else ""
        if k == "باسم" and nxt:
            j += 1
            continue
        prep = k in lx.AFFILIATION_PREPS and not (w.endswith("ي") and k in lx.FUNCTION_WORDS_ALEF_MAKSURA)
        glued = len(k) > 3 and k[0] in "بل" and not prep
        if prep or glued and (k[1:3] == "ال" or k[1] == "ل" or _head(k[1:])):
            # one or two affiliations: في المقاومة، بالمعارضة في البلاد، للكهرباء، بوزارة الداخلية
            if affiliations == 2:
                return False
            noun = nxt if prep else "ال" + k[2:] if k[1] == "ل" else k[1:]
            after = toks[j + 2] if prep and j + 2 < len(toks) else nxt if not prep else ""
            if not noun or not (noun.startswith("ال") or _head(noun) or after.startswith("ال")):
                return False
            affiliations += 1
            j += 2 if prep else 1
            continue
        if _function_word(w, k) or _possessed(w) or glued:
            return False
        j += 1
    return not _function_word(words[-1], toks[-1]) and toks[-1] != "باسم"


def is_name_run(name: str) -> bool:
    """A personal or organization name the entity list missed: one to six words, optionally after a
    title, none of them a function word, a speech verb, a possessed noun or a prepositional phrase."""
    words = [w.strip(lx.STRIP) for w in name.split() if w.strip(lx.STRIP)]
    if not 1 <= len(words) <= 6:
        return False
    for w in words:
        k = fold_word(w)
        if _function_word(w, k) and k not in lx.NAME_WORDS or _possessed(w) or _prepositional(w, k) \
                or k in lx.PRONOUN_WORDS or not any(ch.isalpha() for ch in k):
            return False
    return True


def well_formed(name: Optional[str], mentions: Iterable[str] = ()) -> bool:
    """True for null, a name among the article's entity ``mentions`` (their texts or canonical forms),
    a nominal description, or a name run; the previous speaker is one of these already."""
    if name is None:
        return True
    key = fold_word(name)
    return any(key == fold_word(m) for m in mentions) or _well_formed_text(name)


@lru_cache(maxsize=65536)
def _well_formed_text(name: str) -> bool:
    """:func:`well_formed` without the entity mentions (names recur across articles: cached)."""
    if not name.strip() or name.strip(lx.STRIP) != name.strip() or not _NOT_IN_NAMES.isdisjoint(name):
        return False  # a quote mark, a bracket or a line break inside: a fragment of text, not a name
    last = fold_word(name.split()[-1])
    if last in lx.NAME_GLUE or any(w.endswith("ـ") for w in name.split()):
        return False  # عبدالعزيز بن: cut inside a name; لـ«…: a preposition
    toks = _tokens(name)
    if toks and (toks[0] in lx.INDEFINITE_PRONOUNS or len(toks) <= 2 and lx.deproclitic(toks[0]) in lx.REPORTS):
        return False  # البعض، بعضهم؛ التقرير، بيان صادر: whoever issued the report is the speaker
    return is_description(name) or is_name_run(name)


# --- candidates and features ---------------------------------------------------------------------
@lru_cache(maxsize=65536)
def _fold_name(name: str) -> str:
    return fold_word(name)


def _name_words(n: int) -> str:
    return _NAME_WORDS[n] if n < 4 else "name_words=more"


_NAME_WORDS = ("name_words=1", "name_words=1", "name_words=2", "name_words=3")
# Feature names that depend on the quote's kind, built once.
_BY_KIND = {kind: {p: f"{p}&kind={kind}" for p in ("rule", "previous", "null", "rule_trimmed")}
            for kind in ("DIRECT", "PARTIAL", "INDIRECT")}
_PREVIOUS_CUE = ("previous&cue=none", "previous&cue=proclitic", "previous&cue=plain")


def _bucket(n: int, edges=(0, 2, 5, 10, 20, 40)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return "more"


def _words_between(text: str, a: int, b: int) -> int:
    return len(text[a:b].split()) if b > a else 0


def _prev_word(text: str, pos: int) -> str:
    j = text.rfind(" ", 0, max(0, pos - 1))
    return fold_word(text[j + 1:pos].strip()).strip(lx.STRIP)


def _mention_features(fv: FieldView, q: QuoteView, s: int, e: int, etype: str, idx: Optional[int],
                      office: frozenset[str] = frozenset()) -> dict[str, float]:
    """Where a mention at [s, e) sits relative to the quote and its cue; ``office`` are the words of an
    office or description the rules read (whose holder the mention may be)."""
    text = fv.text
    anchor_s = q.cue_start if q.cue_start >= 0 else q.start
    anchor_e = q.cue_end if q.cue_start >= 0 else q.start
    f: dict[str, float] = {"type=" + etype: 1.0}
    if q.start <= s < q.end:
        f["inside_quote"] = 1.0
    if e <= anchor_s:
        side, a, b = "before", e, anchor_s
    elif s >= anchor_e:
        side, a, b = "after", anchor_e, s
    else:
        side, a, b = "on", s, s
    f["side=" + side] = 1.0
    gap = _words_between(text, a, b)
    f[f"side={side}&gap={_bucket(gap)}"] = 1.0
    f["log_gap"] = math.log1p(gap)
    sentences = bisect_right(fv.bounds, b) - bisect_right(fv.bounds, a)
    f["sentences=" + _bucket(sentences, (0, 1, 2))] = 1.0
    if "\n" in text[a:b]:
        f["other_paragraph"] = 1.0
    cues_between = bisect_left(fv.cue_starts, b) - bisect_right(fv.cue_starts, a)
    if side == "before":
        cues_between = bisect_left(fv.cue_starts, b) - bisect_left(fv.cue_starts, a)
    if cues_between > 0:
        f["cue_between"] = 1.0
    if any(a <= qs and qe <= b for qs, qe in fv.quote_spans):
        f["quote_between"] = 1.0
    if q.cue_start >= 0:
        if side == "after" and gap <= 3 and sentences == 0:
            f["vso_subject"] = 1.0       # وقال وزير الخارجية X
            f[f"vso_subject&gap={gap}"] = 1.0
        elif side == "after" and sentences == 0 and e <= q.start and cues_between == 0 \
                and "quote_between" not in f and not _PAUSE_RE.search(text, anchor_e, s):
            # وأوضح المنسق الإعلامي في اللجنة … خالد بن محمد بووشل، أن: the name ends the subject's phrase
            f["subject_run"] = 1.0
            if office:
                f["subject_run&office"] = 1.0
        if side == "before" and gap <= 2 and sentences == 0:
            f["svo_subject"] = 1.0       # X قال
    elif side == "after" and s >= q.end and gap <= 4 and sentences == 0:
        f["after_quote_close"] = 1.0     # «…» قال X (a frame or a cue the extractor did not pair)
    pw = _prev_word(text, s)
    if pw in lx.PREPOSITIONS or pw in lx.PARTICIPLE_PREPS or pw in lx.NP_STOP:
        f["after_preposition"] = 1.0     # عن X، مع X، تجاه X: spoken about or to, not speaking
    if pw in lx.ROLES or pw in lx.HONORIFICS:
        f["after_title"] = 1.0
    if office and etype == "PERSON":
        if _holds_office(fv, s, e, idx, office):
            f["holds_rule_office"] = 1.0  # قال المدرب اليوناني … ¶ المدرب اليوناني جورجيوس دونيس
            if sentences == 0:
                f["holds_rule_office&same_sentence"] = 1.0  # وأكد السفير المصري أسامة شلتوت
    mk = fold_word(text[s:e])
    if mk[:1] in "لب" and len(mk) > 3 and mk[1:3] != "ال" and mk[1:2] != "ل" and etype == "ORGANIZATION":
        f["proclitic_preposition"] = 1.0
    if q.cue_participle:
        f["participle_cue&side=" + side] = 1.0
    return f


@lru_cache(maxsize=65536)
def _report_noun(name: str) -> bool:
    toks = _tokens(name)
    return bool(toks) and lx.deproclitic(toks[0]) in lx.REPORTS


@lru_cache(maxsize=65536)
def _surname_key(word: str) -> str:
    k = fold_word(word.strip(lx.STRIP))
    return k[2:] if k.startswith("ال") and len(k) > 4 else k


@lru_cache(maxsize=65536)
def _phrase_word(word: str) -> bool:
    """A word that may go on a description to its right: letters, not a time word, complementizer,
    possessed noun, function word (an affiliation preposition is one), relative with a conjunction
    (والتي), report (في بيان) or addressee (لوكالة، للقناة)."""
    if not word.isalpha():
        return False
    k = fold_word(word)
    d = lx.deproclitic(k)
    return not (k in lx.TIME_WORDS or _COMPLEMENTIZER_RE.match(k) or _possessed(word)
                or _function_word(word, k) and k not in lx.AFFILIATION_PREPS
                or k[:1] in "وف" and k[1:] in lx.FUNCTION_WORDS or k in lx.REPORTS or d in lx.REPORTS
                or k[:1] == "ل" and (k[2:] if k.startswith("لل") else k[1:]) in lx.MEDIA)


def lengthen_description(text: str, start: int, end: int, stops: Iterable[int] = ()) -> Optional[str]:
    """The description or organization at ``text[start:end]`` with the modifiers the rules left out to its
    right — adjectives, genitives, up to two affiliations (كشفت مديرية | الدفاع المدني بمنطقة عسير، مصدر |
    مسؤول بإدارة الهلال، الادعاء | العام الليبي) — up to a punctuation mark, a complementizer, a speech
    verb, a time word or another function word, a report (في بيان), an addressee (لوكالة، للقناة) or one of
    the offsets ``stops`` (where a person's name begins: المدير العام للتعليم في منطقة عسير | جلوي …); the
    longest that adds only words a description (:func:`is_description`) admits after its head. None when
    nothing can be added."""
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
            return text[start:end] + " " + tail
    return None


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
    speech cue and its clause, after a description (:func:`is_description`): in apposition between pause marks (وقال مدير عام الصحة في محافظة عدن،
    الخضر لصور، إن) or closing a description of three words or more (واكد السفير السعودي في سلطنة عمان
    عيد الثقفي أن). The words are name words (:func:`_name_word`), not all definite. (start, name) or None."""
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


@lru_cache(maxsize=65536)
def _office_words(name: str) -> frozenset[str]:
    return frozenset(_surname_key(lx.deproclitic(w)) for w in _tokens(name)
                     if len(w) >= 3 and w not in lx.FUNCTION_WORDS and w not in lx.QUANTIFIERS)


def _holds_office(fv: FieldView, s: int, e: int, idx: Optional[int], office: frozenset[str]) -> bool:
    """The person mention at [s, e) is given the office (a title before it, an apposition after it, or
    the entity's role): the holder of an office the rules read (السفير → السفير المصري أسامة شلتوت)."""
    text = fv.text
    a = text.rfind("\n", 0, s) + 1
    b = text.find("\n", e)
    before = _tokens(text[max(a, s - 80):s])[-_HOLDER_BEFORE:]
    after = _tokens(text[e:min(b if b >= 0 else len(text), e + 70)])[:_HOLDER_AFTER]
    context = before + after + _tokens(fv.roles.get(idx, "")) if idx is not None else before + after
    return bool(office & {_surname_key(lx.deproclitic(w)) for w in context})


def _fullest(name: str, names: list[str]) -> str:
    """The longest earlier speaker name that ends with ``name`` (a surname, a short organization)."""
    key = _fold_name(name).split()
    best, best_len = name, len(key)
    for other in names:
        ok = _fold_name(other).split()
        if len(ok) > best_len and (ok[-len(key):] == key or ok[:len(key)] == key) and _well_formed_text(other):
            best, best_len = other, len(ok)
    return best


@lru_cache(maxsize=65536)
def _name_head(word: str) -> Optional[str]:
    """``word`` without its proclitics when it is an indefinite organization, media or source noun (صحيفة،
    لصحيفة، ومصادر — not الصحيفة): the head of a name written after it; else None."""
    k = fold_word(word.strip(lx.STRIP))
    d = lx.deproclitic(k)
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
    for m in _QUOTED_NAME_RE.finditer(text):
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
        if name and len(name.split()) <= _MAX_QUOTED_WORDS and is_name_run(name):
            out.append((a, m.end(), head + " " + name, name))
    return out


def _headed_forms(fv: FieldView) -> dict[str, str]:
    """Organization names written somewhere after their indefinite head noun (صحيفة بيلد، شركة فورد,
    صحيفة "بيلد"): that fuller form, by the folded bare name."""
    out: dict[str, str] = {}
    for _, _, full, bare in fv.quoted:
        out.setdefault(fold_word(bare), full)
    for s, e, _, etype, canonical in fv.mentions:
        if etype != "ORGANIZATION" or _head(fold_word(canonical.split()[0])):
            continue
        j = fv.text.rfind(" ", 0, max(0, s - 1))
        prev = fv.text[j + 1:s].strip()
        if prev and prev == prev.strip(lx.STRIP):
            head = _name_head(prev)
            if head is not None:
                out.setdefault(fold_word(canonical), head + " " + canonical)
    return out


@lru_cache(maxsize=65536)
def _name_word(word: str, definite: bool = False) -> bool:
    """A word that can go on a personal name the entity extractor cut: letters only, not definite unless
    ``definite`` (an adjective or a noun: خالد الأحمد التهاني), no function word, pronoun, title, office,
    owner or kin noun, head noun, speech verb, possessed noun or preposition phrase."""
    w = word.strip(lx.STRIP)
    if not w or w != word or not w.isalpha():
        return False
    k = fold_word(w)
    if not definite and k.startswith("ال") or k in lx.PRONOUN_WORDS or k in lx.NAME_GLUE:
        return False
    return not (k in lx.HONORIFICS or k in lx.OCCUPATIONS or k in lx.OWNERS or k in lx.KIN or _head(k)
                or _function_word(w, k) or _possessed(w) or _prepositional(w, k))


def _trim_words(words: list[str], person: bool = True) -> list[str]:
    """:func:`trim_name` on the words alone: the quantifier after the name and, for a person, the words up
    to a title inside; then a glued head noun and its genitive at the start (an organization too)."""
    keys = [fold_word(w.strip(lx.STRIP)) for w in words]
    if person:
        while len(words) > 2 and (keys[-1] in lx.QUANTIFIERS or _function_word(words[-1], keys[-1])):
            words, keys = words[:-1], keys[:-1]
        for i in range(len(words) - 2, 0, -1):
            if keys[i] in lx.HONORIFICS or keys[i] in lx.ROLES:
                words, keys = words[i + 1:], keys[i + 1:]
                break
    if len(words) > 3 and _prepositional(words[0], keys[0]) and _head(keys[0][1:]):
        words = words[2:]
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
    if end < len(text) and text[end] in " \t":
        added = 0
        for w in text[end:end + 60].split(" ")[1:]:
            if added == _MAX_EXTENSION or not w:
                break
            bare = w.rstrip(lx.STRIP)
            if not _name_word(bare):
                break
            words.append(bare)
            added += 1
            if bare != w:
                break  # a comma or a full stop after it
    return " ".join(words)


def candidates(fv: FieldView, q: QuoteView, previous: Optional[str], names: list[str],
               counts: dict[str, int]) -> list[Candidate]:
    """The possible speakers of quote ``q``: the rules' reading, the mentions near it, the previous
    speaker and nobody, merged by name, each with its features. ``names`` are speakers named so far
    (for the fullest form of a short mention), ``counts`` how often each canonical form is mentioned."""
    text = fv.text
    anchor = q.cue_start if q.cue_start >= 0 else q.start
    lo = max(0, min(anchor, q.start) - _WINDOW_BEFORE)
    hi = q.end + _WINDOW_AFTER
    by_name: dict[str, Candidate] = {}

    def add(name: str, mention: Optional[str], idx: Optional[int], feats: dict[str, float]) -> None:
        key = _fold_name(name)
        c = by_name.get(key)
        if c is None:
            by_name[key] = Candidate(name, mention, idx, dict(feats))
            return
        for k, v in feats.items():
            if k not in c.features:
                c.features[k] = v
        if c.entity_index is None and idx is not None:
            c.entity_index = idx
        if mention and (c.mention is None or len(mention) > len(c.mention)):
            c.mention = mention  # the rules read the name's full extent (محمد الخميس where the tagger had محمد)

    starts = fv.mention_starts
    headed = fv.headed_forms
    office = _office_words(q.rule_name) if q.rule_name and not q.rule_implicit and (
        q.rule_role or q.rule_group or _is_description(q.rule_name)) else frozenset()
    nearest: dict[str, tuple] = {}
    near = list(fv.mentions[bisect_left(starts, lo):bisect_right(starts, hi)]) if starts else []
    near += [(s, e, None, "QUOTED", full) for s, e, full, _ in fv.quoted if lo <= s <= hi]
    for m in near:
        s, e, idx, etype, canonical = m
        if etype == "PERSON":
            longer = extend_name(text, s, e)
            if longer != text[s:e] and (fold_word(canonical) in fold_word(longer)
                                        or fold_word(longer) in fold_word(canonical)):
                canonical = longer
            elif canonical != text[s:e] and len(canonical.split()) > 2:
                canonical = " ".join(_trim_words(canonical.split()))  # المسلم → بنادي هجر فؤاد المسلم
            m = (s, e, idx, etype, canonical)
        name = headed.get(fold_word(canonical)) or _fullest(canonical, names)
        if etype == "PERSON" and name == canonical:
            name = fv.full_person(name) or name  # القطان → أحمد القطان, named so earlier or later
        key = fold_word(name)
        dist = min(abs(s - anchor), abs(s - q.end))
        if key not in nearest or dist < nearest[key][0]:
            nearest[key] = (dist, m, name)
    if office:
        # the holder of the office the rules read, named anywhere in the field (وقال جريك كلارك وزير …)
        far = [(abs(m[0] - anchor), m) for m in fv.mentions if m[3] == "PERSON" and not lo <= m[0] <= hi
               and _holds_office(fv, m[0], m[1], m[2], office)]
        if far:
            m = min(far)[1]
            name = _fullest(m[4], names)
            name = fv.full_person(name) or name if name == m[4] else name
            if fold_word(name) not in nearest:
                nearest[fold_word(name)] = (0, m, name)
    for key, (_, (s, e, idx, etype, canonical), name) in nearest.items():
        feats = _mention_features(fv, q, s, e, "ORGANIZATION" if etype == "QUOTED" else etype, idx, office)
        if name != canonical and etype == "PERSON":
            feats["fuller_name"] = 1.0
        if etype == "QUOTED":
            feats["quoted_head"] = 1.0
        if q.rule_name:
            rk, nk = fold_word(q.rule_name).split(), key.split()
            if len(nk) > len(rk) and any(nk[i:i + len(rk)] == rk for i in range(len(nk) - len(rk) + 1)):
                feats["extends_rule"] = 1.0  # محمد بن نايف بن عبدالعزيز آل سعود for محمد بن نايف بن عبدالعزيز
        if etype != "QUOTED":
            feats["entity"] = 1.0
        feats["log_mentions"] = math.log1p(counts.get(fold_word(canonical), 1))
        feats[_name_words(len(name.split()))] = 1.0
        add(name, text[s:e], idx, feats)
    kind_keys = _BY_KIND[q.kind]
    if q.rule_name:
        rule_key = _fold_name(q.rule_name)
        rf = {"rule": 1.0, kind_keys["rule"]: 1.0}
        if q.rule_implicit:
            rf["rule_implicit"] = 1.0
            if q.cue_start >= 0:
                # وكان لافروف شدد على … وقال: the subject continued is named in the cue's own sentence
                k = bisect_left(fv.bounds, q.cue_start)
                since = fv.bounds[k - 1] + 1 if k else 0
                last = q.rule_name.split()[-1].strip(lx.STRIP)
                if text.find(last[2:] if last.startswith("ال") else last, since, q.cue_start) >= 0:
                    rf["rule_implicit&named_in_sentence"] = 1.0

        if q.rule_entity is not None:
            rf["rule_entity"] = 1.0
        if q.rule_group:
            rf["rule_group"] = 1.0
        if q.rule_role:
            rf["rule_role"] = 1.0
        if rule_key not in nearest:
            rf["rule_not_near_entity"] = 1.0
            rf[_name_words(len(q.rule_name.split()))] = 1.0
        mentioned = rule_key in fv.mention_keys
        if _is_description(q.rule_name):
            rf["description"] = 1.0
        elif q.rule_entity is None and not mentioned:
            rf["rule_plain"] = 1.0  # neither an entity nor a description: a name the tagger missed, or words
            first = _fold_name(q.rule_name.split()[0])
            if first.startswith("ال"):
                rf["rule_plain&definite"] = 1.0  # القيادات، الفقرة: a common noun, not a name
            elif first[:1] in "وف" and len(first) > 3:
                rf["rule_plain&conjunction"] = 1.0  # ومعدة، وأوضاع اللاعبين: a coordinated noun
        rule_name = q.rule_name
        if q.rule_mention and not (q.rule_role or q.rule_implicit or "description" in rf):
            # a name the rules read: with the name words after it (وأكد ماركوس علي وهو … → ماركوس علي),
            # or the person inside it; an organization only loses a glued head noun and its genitive
            at = text.find(q.rule_mention, q.cue_end, hi) if q.cue_start >= 0 else -1
            if at < 0:
                at = text.rfind(q.rule_mention, lo, anchor)
            if q.rule_group:
                longer = " ".join(_trim_words(q.rule_name.split(), person=False))
                if longer != q.rule_name:
                    rule_name = longer
                    rf["rule_extended"] = 1.0
            elif q.rule_entity is not None and len(rule_name.split()) > 2 and rule_name != q.rule_mention:
                shorter = " ".join(_trim_words(rule_name.split()))  # بنادي هجر فؤاد المسلم → فؤاد المسلم
                if shorter != rule_name:
                    rule_name = shorter
                    rf["rule_extended"] = 1.0
            elif at >= 0:
                longer = extend_name(text, at, at + len(q.rule_mention))
                if longer != q.rule_mention and (rule_key in _fold_name(longer) or _fold_name(longer) in rule_key):
                    rule_name = longer
                    rf["rule_extended"] = 1.0
        if rule_name == q.rule_name and not office and not q.rule_implicit:
            full = fv.full_person(rule_name)
            if full is not None:
                rule_name = full  # قطان → أحمد القطان: the article's full form of the name
                rf["rule_coref"] = 1.0
        add(rule_name, q.rule_mention, q.rule_entity, rf)
        head = _remention_head(q.rule_name) if not q.rule_implicit else None
        if head is not None:
            # الوزارة → وزارة التجارة والصناعة: the nearest fuller form with the same head before the quote
            forms = [c for _, _, _, t, c in reversed(fv.mentions[:bisect_left(starts, anchor)]) if t == "ORGANIZATION"]
            forms += [full for s0, _, full, _ in reversed(fv.quoted) if s0 < anchor] + names[::-1]
            for form in forms:
                fw = form.split()
                if len(fw) > 1 and _surname_key(fw[0]) == head and _fold_name(form) != rule_key \
                        and _well_formed_text(form):
                    add(form, None, None, {"remention": 1.0, f"remention&kind={q.kind}": 1.0})
                    break
        if office and q.cue_start >= 0 and q.cue_end < q.start:
            tail = subject_tail_name(text, q.cue_end, q.start)
            if tail is not None and _fold_name(tail[1]) not in by_name \
                    and not any(ms <= tail[0] < me for ms, me, _, _, _ in fv.mentions):  # a name tagged already
                tf = _mention_features(fv, q, tail[0], tail[0] + len(tail[1]), "PERSON", None, office)
                tf["subject_tail_name"] = 1.0
                add(tail[1], tail[1], None, tf)
        if q.rule_mention and q.cue_start >= 0 and not q.rule_implicit and head is None \
                and (office or q.rule_entity is None):
            at = text.find(q.rule_mention, q.cue_end, hi)
            if at < 0:
                at = text.rfind(q.rule_mention, lo, anchor)
            if at >= 0:
                longer = lengthen_description(text, at, at + len(q.rule_mention),
                                              fv.person_starts if fv.mentions else ())
                spokesman = spokesman_of(text, at)
                if spokesman is not None:
                    longer = spokesman + " " + (longer or q.rule_mention)
            else:
                longer = None
            if longer is not None:
                lf = {"rule_longer": 1.0, f"rule_longer&kind={q.kind}": 1.0,
                      "rule_longer&words=" + _bucket(len(longer.split()) - len(q.rule_mention.split()), (1, 2, 3)): 1.0}
                if q.rule_role:
                    lf["rule_longer&role"] = 1.0
                add(longer, longer, None, lf)
        if not mentioned and not _well_formed_text(q.rule_name):
            # a reading that runs on (مسؤولين قولهم، مصدر طبي بإصابة ثلاثة): its longest well-formed start
            words = q.rule_name.split()
            for n in range(len(words) - 1, 0, -1):
                head = " ".join(words[:n])
                if _well_formed_text(head):
                    add(head, head, None, {"rule_trimmed": 1.0, kind_keys["rule_trimmed"]: 1.0})
                    break
    if previous:
        cue = 0 if q.cue_start < 0 else 1 if q.cue_proclitic else 2
        add(previous, None, None, {"previous": 1.0, kind_keys["previous"]: 1.0, _PREVIOUS_CUE[cue]: 1.0})
    out = []
    for key, c in by_name.items():
        if _report_noun(c.name):
            c.features["report_noun"] = 1.0
        if key not in fv.mention_keys and not _well_formed_text(c.name):
            continue
        out.append(c)
    null = {"null": 1.0, kind_keys["null"]: 1.0}
    if not q.rule_name:
        null["null&rule_null"] = 1.0
    if q.cue_start < 0:
        null["null&no_cue"] = 1.0
    for c in out:
        if "vso_subject" in c.features or "svo_subject" in c.features:
            break
    else:
        null["null&no_subject"] = 1.0
    out.append(Candidate(None, None, None, null))
    return out


# --- the model ---------------------------------------------------------------------------------------
class SpeakerModel:
    """A linear scorer over sparse candidate features; ``choose`` returns the best candidate."""

    def __init__(self, weights: dict[str, float], bias: float = 0.0, meta: Optional[dict] = None):
        if not isinstance(weights, dict) or not all(isinstance(v, (int, float)) for v in weights.values()):
            raise ConfigError("speaker model weights must be a mapping of feature names to numbers")
        self.weights = {str(k): float(v) for k, v in weights.items()}
        self.bias = float(bias)
        self.meta = meta or {}

    def score(self, c: Candidate) -> float:
        f = c.features
        return self.bias + sum(map(mul, map(self.weights.get, f, repeat(0.0)), f.values()))

    def choose(self, cands: list[Candidate]) -> Candidate:
        return max(cands, key=self.score)

    def to_json(self) -> dict:
        return {"format": "wirepipe-speaker-model/1", "bias": self.bias, "weights": self.weights, "meta": self.meta}

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict) -> "SpeakerModel":
        if not isinstance(data, dict) or data.get("format") != "wirepipe-speaker-model/1":
            raise ConfigError("not a wirepipe speaker model (expected format wirepipe-speaker-model/1)")
        return cls(data["weights"], data.get("bias", 0.0), data.get("meta"))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SpeakerModel":
        """The model at ``path``, else the one shipped in the package."""
        if path is None:
            return _packaged()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read speaker model {path}: {exc}") from exc
        return cls.from_json(data)


@lru_cache(maxsize=1)
def _packaged() -> SpeakerModel:
    ref = resources.files("pipeline").joinpath(MODEL_RESOURCE)
    try:
        data = json.loads(ref.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the packaged speaker model {MODEL_RESOURCE} is missing or broken: {exc}; "
                          "rebuild it with `wirepipe train-speakers`") from exc
    return SpeakerModel.from_json(data)
