"""What the parts of the quote extractor share: the word classes of the lexicon under short names, the
regular expressions over the folded text, the records passed between the parts, and small helpers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from pipeline.nlp.analysis import FoldedText
from pipeline.nlp.quotes import lexicon as lx
from pipeline.nlp.quotes.lexicon import CUE_FORMS, fold_word as fold, FRAMES, NAME_HEADS, trie_pattern

_SPEAKER_TYPES = ("PERSON", "ORGANIZATION")

# --- regular expressions over the folded text -------------------------------------------------------
# A speech cue: a whole word, with its proclitic (group 1) and its form (group 2). The lookahead on the
# possible first letters lets the regex engine skip other positions quickly. The text is searched with
# the non-word character before the cue consumed (``_CUE_RE``: the engine then scans for such a character
# in C, a fifth faster than a lookbehind at every position) and matched at its start (``_CUE_AT_RE``);
# :func:`_cue_matches` gives both, the cue starting at ``m.start(1)``.
_CUE_BODY = (r"(?=[" + "".join(sorted({f[0] for f in CUE_FORMS} | {"و", "ف"})) + r"])([وف]?)("
             + trie_pattern(CUE_FORMS) + r")(?![\w])")
_CUE_RE = re.compile(r"\W" + _CUE_BODY)
_CUE_AT_RE = re.compile(_CUE_BODY)


def _cue_matches(f: str):
    """The speech cues of ``f`` in order: the matches of a whole cue word, each starting at ``m.start(1)``."""
    m = _CUE_AT_RE.match(f)
    if m is not None:
        yield m
    yield from _CUE_RE.finditer(f)


_COMP_RE = re.compile(r"(?=[وفبا])(?<![\w.])([وف]?ب?)(ان)(ه|ها|هم|هما|هن|نا|ني|ي)?(?![\w])")


# ان with a pronoun or none, at a word's end: where a complementizer can end (the regex engine finds the
# literal ان in C; most occurrences of ان are inside words and are passed over there). Not after a full
# stop or a letter other than و ف ب (كان، مكان، بيان: the letter before ان is no proclitic of _COMP_RE and
# no word's start), checked behind the literal: half the occurrences, each of which cost three matches.
_COMP_TAIL_RE = re.compile(r"ان(?<![^\Wوفب]ان)(?<!\.ان)(?:ه|ها|هم|هما|هن|نا|ني|ي)?(?![\w])")


def _complementizers(f: str) -> list:
    """The matches of :data:`_COMP_RE` in ``f``, found from the occurrences of ان at a word's end and
    checked in place: a fraction of the time of ``finditer``, the same matches."""
    out = []
    for t in _COMP_TAIL_RE.finditer(f):
        i = t.start()
        for s in (i, i - 1, i - 2):
            if s >= 0:
                m = _COMP_RE.match(f, s)
                if m is not None and m.start(2) == i:
                    out.append(m)
                    break
    return out


# The pronouns a frame's complementizer may carry (فإنه، أنها، وأنهم), as group 3 of :data:`_COMP_RE` has them.
_FRAME_PRONOUNS = (None, "ه", "ها", "هم")


def _frame_complementizers(f: str, comps: list) -> list[int]:
    """Where a frame's complementizer starts in ``f``, in order: at the comma before أن / فإن / وأن (with no
    pronoun or ه، ها، هم: …، فإن), and at a فإن after a space and no comma (بحسب البيان فإن …). Read off the
    field's complementizers ``comps`` (the matches of :func:`_complementizers`), not by two more scans of
    the field (the one for a comma was 2% of the extraction); a test checks the starts against the two
    patterns that define them."""
    out = []
    for m in comps:
        if m.group(1) not in ("", "و", "ف") or m.group(3) not in _FRAME_PRONOUNS:
            continue
        s = m.start()
        j = s - 1
        while j >= 0 and f[j] in " \t":
            j -= 1
        if j >= 0 and f[j] in "،,":
            out.append(j)  # …، فإن / …، أن: from the comma
        if m.group(1) == "ف" and f[s - 1:s] in (" ", "\t") and f[s - 2:s - 1] not in ("،", ","):
            out.append(s)  # … فإن with no comma
    return out


# The same complementizers as a set of whole words (a set lookup per token instead of a regex match).
_COMP_FORMS = frozenset(a + b + "ان" + c for a in ("", "و", "ف") for b in ("", "ب")
                        for c in ("", "ه", "ها", "هم", "هما", "هن", "نا", "ني", "ي"))
# (the lookahead on the possible first letters, as in the cue pattern: most positions fail there at once)
_FRAME_FIRST_LETTERS = frozenset(f[0] for f in FRAMES) | {"و", "ف"}
_FRAME_FIRST = "[" + "".join(sorted(_FRAME_FIRST_LETTERS)) + "]"
_FRAME_RE = re.compile(r"(?=" + _FRAME_FIRST + r")(?<![\w])[وف]?(?:"
                       + "|".join(re.escape(f) for f in sorted(FRAMES, key=len, reverse=True)) + r")(?:ـ)?")
_SPACES = " \t\u00a0"
_MARK_RE = re.compile("[«»“”„‟″\"‘’]")
# Sentence ends: the marks that always end one, and full stops not between digits (checked one by one:
# abbreviations, initials, Latin words). Where a sentence or a line may open (:meth:`_Cues._frame_openings`):
# after any of them and the spaces after it. (The marks are found by str.find, one character at a time:
# the regex engine tests a class of characters at every character of the field, several times slower.)
_SENTENCE_ENDS = ".!?؟\n…"
# (the dot first, then "no digit before it or none after it": a literal prefix the regex engine scans for
# in C, ten times faster than the alternation (?<!\d)\.|\.(?!\d), the same matches)
_DOT_RE = re.compile(r"\.(?:(?<!\d\.)|(?!\d))")
_WORD_RE = re.compile(r"\S+")
# Between two quoted items of a list: a comma, و, or both («…»، «…» و«…»).
_LIST_GAP_RE = re.compile(r"\s*(?:[،,]\s*و?|و)\s*")
_MAX_LISTED_WORDS = 6
_STRIP = "«»“”„‟″\"‘’.,،:;؛!?؟()[]{}-–—_'…"
_QUOTE_CHARS = frozenset("«»“”„‟″\"‘’")
# A word without the punctuation around it (``_WORD_RE``'s match stripped of ``_STRIP``), found by the regex
# engine alone: the token spans of a stretch with no quote mark and no full stop, where nothing else is tested
_CORE_RE = re.compile(r"[^\s" + re.escape(_STRIP) + r"](?:\S*[^\s" + re.escape(_STRIP) + r"])?")

_FAMILY = {"«": 0, "»": 0, "“": 1, "”": 1, "„": 1, "‟": 1, "″": 1, '"': 1, "‘": 2, "’": 2}
_OPENING_GLYPHS = set("«“„‟‘")
_CLOSING_GLYPHS = set("»”″’")
_OPENERS_BEFORE = set(" \t\n\u00a0(:،,-–—/ـ") | set("«“„")
_CLOSERS_AFTER = set(" \t\n\u00a0).,،:;؛!?؟-–—/»”″")


def _words(*items: str) -> frozenset[str]:
    return frozenset(fold(w) for w in items)


# Words that end a subject noun phrase: prepositions, time words, relative pronouns, conjunctions.
_NP_STOP = lx.NP_STOP
# Words that begin a clause before a preverbal subject or an ambiguous verb.
_CLAUSE_OPENERS = lx.CLAUSE_OPENERS
_PREPOSITIONS = lx.PREPOSITIONS
_CONNECTORS = lx.CONNECTORS
_HONORIFICS = lx.HONORIFICS
# Occupations written before a name like titles (الصيدلي علي …، المحامي خالد …); some are also
# adjectives inside organization names (مؤسسة الكنانة الإعلامية).
_OCCUPATIONS = lx.OCCUPATIONS
_HONORIFICS = _HONORIFICS | _OCCUPATIONS
_ROLES = lx.ROLES
_ORG_HEADS = lx.ORG_HEADS
# Titles that name institutions after a person (جامعة الملك سعود، مدينة الملك فهد الطبية).
_EPONYM_TITLES = lx.EPONYM_TITLES
_INSTITUTIONS = lx.INSTITUTIONS
# Kinship nouns with a pronoun (أخوه عبد الرحمن الحقباني): a description before the name.
_KIN = lx.KIN
# Kinship nouns in construct (أعمام أفراح، والد الطفل): the word after them is their genitive.
_KIN_HEADS = lx.KIN_HEADS
_KIN = _KIN | _KIN_HEADS
# Endings of a noun with a possessive pronoun (سعادته، كلمتها، زيارتهم): never part of a name.
_POSSESSED = ("ته", "تها", "تهم", "تهما")
# A plural or second-person pronoun on a long word (إنتاجهم، بلادكم): a possessed noun, not a name.
_PLURAL_SUFFIXES = ("هم", "هما", "كم", "هن")
# One-letter abbreviations of titles written with a full stop (م. مهندس، د. دكتور، أ. أستاذ), folded.
_ABBREVIATIONS = frozenset("دما")
_NAME_GLUE = lx.NAME_GLUE
_PLACE_HEADS = lx.PLACE_HEADS
_REPORTS = lx.REPORTS
_NAME_PREFIXES = lx.NAME_PREFIXES
_THEOPHORIC = lx.THEOPHORIC
_SPOKESMEN = lx.SPOKESMEN
# Media an attribution is addressed to (قال لوكالة …، لصحيفة …): not part of the speaker's name.
_MEDIA = lx.MEDIA
# A comma and a connective that opens a new topic end a reported clause (…، وفي المقابل …).
# …، مقدما شكره، …، موجها الدعوة: a masculine participle in the accusative after a comma is a circumstance of
# the main verb (the writer's narration goes on), not part of the reported clause; adverbs of that shape are not
_CIRCUMSTANCE_RE = re.compile(r"[،,][ \t]*(م\w{3,7}ا)(?!\w)")
_NOT_CIRCUMSTANCES = frozenset(lx.fold_word(w) for w in ("مؤخرا", "مجددا", "مسبقا", "مطلقا", "مجانا", "ماعدا",
                                                         "مثلا", "معا", "مبدئيا", "مستقبلا", "مساء", "مؤقتا"))
_NEW_TOPIC_RE = re.compile(r"[،,][ \t]*(?:وفي|ومن جهه|ومن جهته|ومن ناحيه|وعلي صعيد|وفي سياق|وفي المقابل)(?!\w)")
# ونقلت وسائل إعلام فرنسية أن …: نقل with its subject (up to six words) and a complementizer reports too.
_REPORTED_RE = re.compile(r"(?:[ \t]+(?!ان(?!\w))[^\s.،,:؛]+){1,6}?[ \t]+(?:ب)?ان(?:ه|ها|هم)?(?!\w)")
# ونقلت الصحيفة عن مصدر …: up to six words, then عن; the source follows it.
_SOURCE_RE = re.compile(r"(?:[ \t]+(?!ان(?!\w))[^\s.،,:؛]+){0,6}?[ \t]+عن[ \t]+")
_TURN_BEFORE_RE = re.compile(r"(?:بدوره|بدورها|من جانبه|من جانبها|من جهته|من جهتها)[ \t،,]*$")
_TURN_AFTER_RE = re.compile(r"[ \t،,]*(?:بدوره|بدورها|من جانبه|من جانبها|من جهته|من جهتها)(?!\w)")
# Offices that are not in construct with the next word: a name may follow them directly.
_NOT_CONSTRUCT = lx.NOT_CONSTRUCT
# Titles with a pronoun (سموه، معاليه): they refer to someone named before, like a bare verb.
_PRONOUN_TITLES = lx.PRONOUN_TITLES
# Nouns of ownership in construct after a name (بيللوتشي مالك السيرك): an apposition, not a surname.
_OWNERS = lx.OWNERS
# The titles each pronoun title refers back to (سموه → الأمير، سمو).
_PRONOUN_HONORIFICS = {
    fold(k): _words(*v) for k, v in {
        "سموه": ("الأمير", "سمو", "السمو"), "سموها": ("الأميرة", "سمو", "السمو"),
        "جلالته": ("الملك", "جلالة"), "معاليه": ("معالي", "الوزير", "وزير"), "معاليها": ("معالي", "الوزيرة", "وزيرة"),
        "فضيلته": ("الشيخ", "فضيلة"), "فخامته": ("الرئيس", "فخامة"), "فخامتها": ("الرئيسة", "فخامة"),
    }.items()
}
_ABOUT_LEMMAS = frozenset({"كشف", "أعلن", "أعرب", "عبر", "أفصح"})
# Quantifiers before a group noun (ثلاثة مصادر مطلعة، عدة مسؤولين): part of the unnamed source.
_QUANTIFIERS = lx.QUANTIFIERS
_PRONOUNS = lx.PRONOUNS
_TIME_WORDS = lx.TIME_WORDS
_AMMA_RE = re.compile(r"(?<!\w)[وف]?اما(?!\w)")
_BUT_RE = re.compile(r"[ \t،,]+(?:الا|غير|بيد)[ \t]+ان[ \t]+([^\s،,.]+)")
# Its words with the space or tab after them, one of which every match of _BUT_RE holds.
_BUT_WORDS = tuple(w + sp for w in ("الا", "غير", "بيد") for sp in " \t")
_BETWEEN_RE = re.compile(r"(?<!\w)(?:بين|بينه|بينها|بينهم|بينهما)(?!\w)[^.،,؛\n]*$")
# A frame's clause with no complementizer: its noun phrase ends at فقد (ووفقا لإحصاء رويترز فقد أصيب …).
_FA_QAD_RE = re.compile(r"(?<!\w)فقد(?!\w)[ \t\u00a0]*")
#: Most words of a sentence-opening frame's noun phrase (وبحسب وكالة دوغان التركية، …).
_FRAME_NP_WORDS = 10
#: A speech verb this close after a frame's comma attributes the clause itself (وبحسب «رويترز»، قال …).
_FRAME_OWN_CUE_WORDS = 4
#: Most words of a frame's noun phrase that ends at a verb, with no comma (وبحسب وكالة دوغان التركية نشرت …).
_FRAME_VERB_NP_WORDS = 6
#: Particles that open a verbal clause with its verb (وبحسب الموقع لم تعلق الوزارة …), folded.
_VERB_PARTICLES = frozenset({"لم", "لن", "لا", "قد", "لقد", "ما", "سوف", "فسوف"})
# مؤكدة أنها، مشيرة إلى أن: a feminine participle (or the noun مطالبة) is a cue only before its clause
_COMP_AFTER_RE = re.compile(r"[ \t]+(?:الي[ \t]+)?(?:ب)?ان(?:ه|ها|هم)?(?!\w)")
# His own words (بحسب تصريحاته، على حد قوله): a frame that points back to the speaker named before.
_OWN_WORDS = lx.OWN_WORDS
_ABOUT_RE = re.compile(r"(?:[ \t]+[^\s.،,:؛]+){0,6}?[ \t]+عن(?!\w)")
_AS_SAID_RE = re.compile(r"(?:علي ما|حسبما|كما)[ \t]+")
_SOURCES = lx.SOURCES
# مصدر مطلع في الوزارة، مصادر في خفر السواحل الإيطالية، مصدر في ميناء جدة الإسلامي: up to two words of a
# construct before the definite words; never a statement (مصدر مطلع في تصريح صحفي)
_SOURCE_PP_RE = re.compile(r"[ \t]+(علي|من|في)[ \t]+(?!(?:تصريح|حديث|بيان|مقابله|اتصال|لقاء)(?!\w))"
                           r"((?:ال\w+|\w+(?:[ \t]+\w+)?(?=[ \t]+ال))(?:[ \t]+ال\w+){0,2})(?!\w)")
# Participles of affiliation that open a description of an organization (التابعة للأمم المتحدة).
_AFFILIATION = lx.AFFILIATION
_PARTICIPLE_PREPS = lx.PARTICIPLE_PREPS
_WEEKDAYS = lx.WEEKDAYS
_RELATIVES = lx.RELATIVES
# Verbs that go on with the same speaker (وأضاف، وتابع): a name after them names the previous speaker.
_CONTINUATION_LEMMAS = frozenset({"أضاف", "تابع", "أردف", "استطرد"})
_MAX_NP_TOKENS = 16
_MIN_DIRECT_WORDS = 3
_MIN_PARTIAL_WORDS = 3
_CONTINUATION_WORDS = 8
#: Words inside quote marks after a name head from which a clause that opens with a verb is an utterance.
_CLAUSE_WORDS = 7


@dataclass
class _Speaker:
    name: str
    mention: Optional[str]
    entity_index: Optional[int]
    group: bool = False  # read as an organization or a group noun phrase, not a personal name
    role: bool = False   # an unnamed office holder (وزير الخارجية، مدير صحة جازان)
    title: tuple = ()  # folded words around a named speaker (his titles), for office coreference

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
    governs: bool = True  # introduces a quote or a clause (else a verb inside reported content)
    source: int = -1    # نقل … عن X: where the source X begins
    frame: bool = False  # an attribution frame (وفقا لـ X، فإن …), not a verb
    clause: int = -1    # a frame's clause with no complementizer (بحسب البيان، ستتوقف …): where it begins
    np_end: int = -1    # and where the frame's noun phrase ends (its comma or فقد)


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
    cue: Optional[_CueHit] = None  # the speech cue that introduces it, if any (for the speaker model)


# One field's text, its folded copy and the offset map back (made once per article by the analysis).
_Field = FoldedText


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


_deproclitic = lx.deproclitic  # drop و ف ب ل ك and the article, for head-word lookups


def _stem(word: str) -> str:
    """A crude stem for matching titles: no proclitics, article, feminine or nisba ending."""
    w = _deproclitic(_key(word))
    for end in ("يه", "ه", "ي", "ات"):
        if len(w) - len(end) >= 2 and w.endswith(end):
            return w[:-len(end)]
    return w


def _stems(words) -> frozenset:
    """Stems of the content words among ``words`` (folded tokens)."""
    return frozenset(_stem(w) for w in words if len(_key(w)) >= 3 and _key(w) not in _NP_STOP)


def _org_extent(keys: list[str], comma_after: list[bool], following: str = "") -> int:
    """How many of ``keys`` (an organization's head first) make its name: the head, its genitives and
    the adjectives that agree with it, up to 6 words. An indefinite chain (وكالة أنباء الأناضول) ends
    with its first definite noun: adjectives after it describe the body (الحكومية التركية). An adjective
    followed by a preposition (الصحف الإسبانية المقربة من …) opens a description and is left out."""
    end = 1
    n = min(len(keys), 6)
    while end < n:
        k = keys[end]
        if k in _EPONYM_TITLES and end + 1 < n and not comma_after[end] and not keys[end - 1].startswith("ال") \
                and (_deproclitic(keys[end - 1]) in _INSTITUTIONS or keys[end - 1] in _INSTITUTIONS):
            # جامعة الملك خالد: the title and the eponym belong to the name, which is then definite
            end += 3 if keys[end + 1] in _NAME_PREFIXES and end + 2 < n else 2
            if end < n and not keys[end].startswith(("ال", "لل")):
                break
            continue
        if k in _ROLES or k in _HONORIFICS and k not in _OCCUPATIONS or comma_after[end - 1] or k in _NP_STOP:
            break
        definite = k.startswith(("ال", "لل", "وال"))
        prev_definite = keys[end - 1].startswith(("ال", "لل", "وال"))
        lam_genitive = k.startswith("ل") and end + 1 < len(keys) and keys[end + 1].startswith("ال") \
            and _deproclitic(k) not in _MEDIA
        if prev_definite and not definite and not lam_genitive:
            break  # المرصد السوري لحقوق الإنسان goes on; الصحف الإسبانية نية، الوزارة ممثلة do not
        if end >= 2 and prev_definite and k.startswith("ال") and not keys[1].startswith("ال") \
                and not keys[0].startswith("ال"):
            break  # وكالة أنباء الأناضول | الحكومية
        if keys[0].startswith("ال") and prev_definite and k.startswith("ال") and not _adjectival(k):
            break  # لفتت الصحف | الانتباه: after a definite head only adjectives belong to the name
        end += 1
    nxt = keys[end] if end < len(keys) else following
    if end >= 3 and keys[end - 1].startswith("الم") and nxt in _PARTICIPLE_PREPS:
        end -= 1  # المقربة من، المسؤولة عن: a participle with its complement describes the body
    cut = next((i for i in range(2, end) if keys[i] in _AFFILIATION), None)
    if cut is not None:
        end = cut  # منظمة الصحة العالمية | التابعة للأمم المتحدة
    return end


def _adjectival(k: str) -> bool:
    """A definite word shaped like an adjective: a nisba (السوري، الصحية، الأوروبيون), a participle
    (المتحدة، المستقلة) or an af'al form (الأحمر، الأعلى)."""
    return k.endswith(("ي", "يه", "يون", "يين", "يات")) or k.startswith("الم") or \
        (k.startswith("الا") and len(k) == 6)


def _construct_head(k: str) -> bool:
    """An indefinite organization, place or name head (سوق، مدينة، شركة), in construct with the next word."""
    if k.startswith(("ال", "وال", "بال", "لل")):
        return False
    d = _deproclitic(k)
    return d in _PLACE_HEADS or d in _INSTITUTIONS or d in NAME_HEADS or d in _ORG_HEADS
