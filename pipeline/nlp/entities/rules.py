"""Hand-written rules over tokens: titled names, speech-verb subjects, organizations with a head noun.

The rules propose candidate spans (token ranges); :func:`resolve` keeps the longest non-overlapping
ones. Roles are the title phrase in front of a name (``وزير الخارجية الروسي`` before
``سيرغي لافروف``), without its proclitic.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter

import regex

from pipeline.nlp.entities.gazetteer import Gazetteer, GazetteerMatch, Lexicon, light_form
from pipeline.nlp.entities.words import TANWEEN, WordLexicon
from pipeline.nlp.tokenize import Reading, Token, tokenize, word_forms

__all__ = ["Analysis", "Candidate", "RuleTagger", "resolve"]

_WORD_RE = regex.compile(r"^[\p{L}\p{M}]+$")
_CONJ = ("و", "ف")
# Particles that glue a name together: محمد بن سلمان، عبد الله، أبو بكر.
_NAME_PARTICLES = frozenset({"بن", "ابن", "بنت", "ولد", "ال", "ابو", "عبد", "ام", "ابي", "دي", "فون", "فان", "دو"})
_PRONOUN_SUFFIXES = ("ها", "هم", "هما", "كم")
# Titles that take the name directly although they have no article.
_HONORIFICS = frozenset({"سمو", "معالي", "فخامه", "سعاده", "سماحه", "جلاله", "د", "صاحب", "اية"})
_COMPOUND_FIRST = frozenset({"عبد", "ابو", "ام", "ابي"})
# Prepositions that may sit inside a title before a place: السفير الروسي في دمشق.
_TITLE_PREPOSITIONS = frozenset({"في", "لدي", "الي"})  # في، لدى، إلى + a place

_first = itemgetter(0)  # a Token's text
#: How often Wikidata must use an ال-word as a surname before it ends a بن chain (see name_extent).
_FAMILY_NAME_MIN = 3
_NASAB = frozenset({"بن", "ابن", "بنت"})
_T_GAZ, _T_TITLE, _T_OTHER, _T_FULLNAME = 1, 2, 4, 8
# Heads that only describe a named body: حركة حماس is the ORGANIZATION حماس.
_DESCRIPTOR_HEADS = frozenset({"حركه", "الحركه", "تنظيم", "التنظيم", "جماعه", "الجماعه"})
# Heads that are not part of the name that follows them (clubs, papers, companies, channels).
_NAMED_BY_COMPLEMENT = frozenset({"نادي", "النادي", "صحيفه", "الصحيفه", "مجله", "شركه", "الشركه", "قناه", "القناه"})
# Given names that are also common words in (normalized) copy.
_AMBIGUOUS_NAMES = frozenset({"علي", "امل", "نور", "سعيد", "جميل", "كريم", "عادل", "سالم", "صالح"})

# Priorities when candidates of equal length overlap (lower wins).
PRIORITY = {"title": 0, "gazetteer": 1, "orghead": 2, "orgnational": 2, "nationality": 3, "firstname": 3, "fullname": 3, "speech": 4,
            "coordination": 5}


@dataclass(frozen=True)
class Candidate:
    """A proposed entity on tokens ``[start, end)`` of one field, before overlap resolution."""

    start: int
    end: int
    type: str
    method: str  # "gazetteer" | "rule" | "crf" | "link" | "camel"
    reading: Reading  # proclitic reading of the first token
    key: str | None = None  # gazetteer key: groups spellings of the same place or body
    role: tuple[int, int, Reading] | None = None  # title tokens [start, end) and its first token's reading
    rule: str = "gazetteer"


@lru_cache(maxsize=200_000)
def _token_info(text: str) -> tuple[str, tuple[Reading, ...], tuple[str, str], bool]:
    norm, readings = word_forms(text)
    # The one place where readings are chosen: every rule, the gazetteer, the CRF features and the
    # linking read these, so وكالة is never و + ك + الة anywhere (WordLexicon.readings).
    readings = WordLexicon.load().readings(norm, readings)
    light = light_form(text)
    # وفي, فإن: a conjunction in front of a function word does not make it a name (unless the
    # conjunction's letter belongs to the word: وكالة).
    conj = light[:1] in _CONJ and len(light) > 2 and any(r.prefix == 1 for r in readings)
    rest = light[1:] if conj else light
    return norm, readings, (light, rest), bool(_WORD_RE.match(norm))


class Analysis:
    """The tokens of one field with their matching forms, proclitic readings and word/stop flags."""

    __slots__ = ("text", "tokens", "texts", "norms", "readings", "lights", "is_word")

    def __init__(self, text: str, tokens: list[Token] | None = None):
        self.text = text
        self.tokens = tokenize(text) if tokens is None else tokens
        # The token texts, the key of every per-word cache (looked up with map: no Python step per token).
        self.texts: list[str] = list(map(_first, self.tokens))
        if self.tokens:
            norms, readings, lights, is_word = zip(*map(_token_info, self.texts))
        else:
            norms = readings = lights = is_word = ()
        self.norms: list[str] = list(norms)
        self.readings: list[tuple[Reading, ...]] = list(readings)
        self.lights: list[tuple[str, str]] = list(lights)
        self.is_word: list[bool] = list(is_word)

    def __len__(self) -> int:
        return len(self.tokens)


class RuleTagger:
    """Proposes candidates from the gazetteer and the rules; stateless after construction."""

    def __init__(self, gazetteer: Gazetteer | None = None, lexicon: Lexicon | None = None,
                 persons: Gazetteer | None = None, common_words: frozenset[str] = frozenset()):
        """``persons`` indexes full names of people (default: Wikidata's, :mod:`pipeline.nlp.entities.names`);
        ``common_words`` are words that raw text shows inflected (:mod:`pipeline.nlp.entities.clusters`):
        they are no part of a person's name unless Wikidata or our lists know them as names."""
        from pipeline.nlp.entities.names import PersonNames, full_name_index

        self.gaz = gazetteer or Gazetteer.load()
        self.lex = lexicon or Lexicon.load()
        self.persons = persons if persons is not None else full_name_index()
        # ال-words Wikidata uses as surnames at least this often (السلمان 12, الفايز 9; المدير 1).
        names = PersonNames.load()
        self._family_names = frozenset(w for w, c in names.surname.items()
                                       if c >= _FAMILY_NAME_MIN and w.startswith("ال"))
        # Words Wikidata uses in names more than once (a single use is often a mislabelled noun: عمره).
        self.common_words = frozenset(common_words)
        self._known_names = frozenset(w for w in names.given.keys() | names.surname.keys()
                                      if names.given.get(w, 0) + names.surname.get(w, 0) >= 2)
        lex = self.lex
        self._title_first = frozenset(k[0] for k in lex.titles)
        self._gaz_first = self.gaz.first_words()
        # Which rules a word can trigger, by its text (a bitmask; most words trigger none).
        self._triggers: dict[str, int] = {}
        self._trigger_sets = (
            (_T_GAZ, self.gaz.first_words()), (_T_TITLE, frozenset(k[0] for k in lex.titles)),
            (_T_OTHER, lex.org_heads | lex.first_names | frozenset(lex.nationalities) | lex.speech_verbs),
            (_T_FULLNAME, self.persons.first_words()),
        )
        # Words that cannot be part of a name although they are not function words.
        self._not_name = (
            lex.title_modifiers | frozenset(lex.nationalities) | lex.org_heads | lex.speech_verbs
            | lex.org_modifiers | self._title_first
        )

    def triggers(self, a: Analysis) -> list[int]:
        """Per token, the bitmask of rules its readings can start (cached by token text)."""
        cache = self._triggers
        out = list(map(cache.get, a.texts))
        if None in out:
            out = [self._trigger_mask(a, i) if mask is None else mask for i, mask in enumerate(out)]
        return out

    def _trigger_mask(self, a: Analysis, i: int) -> int:
        mask = 0
        for bit, words in self._trigger_sets:
            if any(r.stem in words for r in a.readings[i]):
                mask |= bit
        if len(self._triggers) < 500_000:
            self._triggers[a.tokens[i].text] = mask
        return mask

    # ------------------------------------------------------------------ helpers
    def gazetteer_at(self, a: Analysis, i: int) -> GazetteerMatch | None:
        """The longest gazetteer entry starting at token ``i``, if its first word starts any entry."""
        gaz_first = self._gaz_first
        for r in a.readings[i]:
            if r.stem in gaz_first:
                return self.gaz.match_at(a.norms, a.readings, i)
        return None

    def title_at(self, a: Analysis, i: int) -> tuple[int, Reading] | None:
        """If a title head starts at token ``i``, return (end token, reading of token i)."""
        titles = self.lex.titles
        best: tuple[int, Reading] | None = None
        for r in a.readings[i]:
            if r.stem not in self._title_first:
                continue
            for length in range(min(self.lex.max_title_len, len(a) - i), 0, -1):
                key = (r.stem, *a.norms[i + 1:i + length])
                if key in titles:
                    if best is None or i + length > best[0]:
                        best = (i + length, r)
                    break
        return best

    def name_reading(self, a: Analysis, i: int) -> Reading:
        """The reading of token ``i`` when a name starts there (a tagger's span): without its proclitic
        only when the stem has the article, is a known name (والرئاسة, بالعراق, وواشنطن, لروسيا) or the
        head of an organization (وشرطة محافظة جدة, لوزارة الصحة), so وليد keeps its و."""
        words = WordLexicon.load()
        lex = self.lex
        for r in a.readings[i][1:]:
            if r.restored or words.is_function_form(r.stem):
                continue  # فإن بوخضور, فان جال: a name never starts with a particle
            if (r.stem.startswith("ال") or r.stem in self._gaz_first or r.stem in lex.first_names
                    or r.stem in lex.org_heads or r.stem in lex.regional_heads):
                return r
        return a.readings[i][0]

    def _is_stop(self, a: Analysis, i: int) -> bool:
        light, rest = a.lights[i]
        stopwords = self.lex.stopwords
        return light in stopwords or rest in stopwords

    @staticmethod
    def has_article(a: Analysis, i: int) -> bool:
        """Does token ``i`` carry the article, possibly behind a proclitic (الأمن, والأمن, بالأمن)?"""
        return any(r.stem.startswith("ال") for r in a.readings[i])

    def _nameable(self, a: Analysis, i: int, first: bool, conj_ok: bool = False) -> bool:
        """Can token ``i`` be part of a person's name (``first``: the name's first word)?"""
        if i >= len(a) or not a.is_word[i] or len(a.norms[i]) < 2 or self._is_stop(a, i):
            return False
        if TANWEEN in a.tokens[i].text:  # قائلاً, تكريماً: names take no tanween
            return False
        norm = a.norms[i]
        if norm in self._not_name:
            return False
        if norm in self.common_words and norm not in self._known_names and norm not in self.lex.first_names:
            return False  # شعارات, جاء: inflected in raw news (شعاراتهم, جاءه), so a noun or a verb
        if first:
            if norm in self.lex.first_names:
                return True
            # ورجل الأعمال, بأفغانستان: a conjunction or a preposition on a place starts no name.
            if (norm.startswith("و") and not conj_ok) or self.has_article(a, i):
                return False
            if norm[0] in "يت" and len(norm) >= 4 and norm not in self._known_names:
                return False  # السفير يستنكر: an imperfect verb that no one is named
            if a.tokens[i].text.endswith("ه") and len(norm) >= 4 and norm not in self._known_names:
                return False  # البالغ عمره، بمنافسه: a noun with "his", not a name
            return not any(r.prefix and r.stem in self._gaz_first for r in a.readings[i])
        if norm.startswith("لل") or (norm.startswith("ال") and norm.endswith("يه")):
            return False  # مركز الملك سلمان للإغاثة, مدينة الملك فهد الطبية
        if len(norm) > 4 and norm.endswith(_PRONOUN_SUFFIXES):
            return False  # تعاملها, وفشله: a pronoun suffix, not a surname
        if norm.startswith("و") and len(a.readings[i]) > 1:
            stem = a.readings[i][1].stem  # مايكل والجنوب, محمد وأبو: a conjunction ends the name
            if stem.startswith("ال") or stem in _NAME_PARTICLES or stem in self.lex.first_names:
                return False
        return True

    def name_extent(self, a: Analysis, j: int, conj_ok: bool = False) -> int | None:
        """Return the end of a person name starting at token ``j``, or None if no name starts there.

        Two words by default (first name and surname); more when a word is a given name or a
        particle joins the next (محمد جواد ظريف، حمد بن خليفة آل ثاني); one word when the next
        is not nameable.
        """
        if not self._nameable(a, j, first=True, conj_ok=conj_ok):
            return None
        n = len(a)
        end = j + 1
        if a.norms[j] in _COMPOUND_FIRST and end < n and a.is_word[end]:
            end += 1  # عبد الله, أبو بكر: one unit (الله is a stop word elsewhere)
        elif a.norms[j] in _NAME_PARTICLES and self._nameable(a, end, first=False):
            end += 1
        if not self._nameable(a, end, first=False) or self.gazetteer_at(a, end) is not None:
            return end
        end += 1
        # A given name in second place brings a third word (محمد جواد ظريف); particles bring the
        # word after them (حمد بن خليفة آل ثاني); nothing else extends a name.
        if a.norms[end - 1] in _NAME_PARTICLES and self._nameable(a, end, first=False):
            end += 1  # محمد بن سلمان
        elif end == j + 2 and a.norms[j + 1] in self.lex.first_names and self._nameable(a, end, first=False) \
                and a.norms[end] not in _NAME_PARTICLES:
            end += 1
        while end < n and end - j < 8:
            if a.norms[end - 1] in _COMPOUND_FIRST and a.is_word[end]:
                end += 1  # … بن عبد العزيز
            elif a.norms[end] in _NAME_PARTICLES and self._nameable(a, end + 1, first=False):
                end += 2
            else:
                break
        # A بن chain ends with the family name (عبدالعزيز بن إبراهيم الفايز): an ال-word after it
        # when it is a surname in Wikidata or a nisba (الجعفري), not a place or a known adjective.
        if end < n and _NASAB.intersection(a.norms[j:end]) and a.norms[end].startswith("ال") \
                and (a.norms[end] in self._family_names or self._nisba_surname(a, end)) \
                and self._nameable(a, end, first=False) and self.gazetteer_at(a, end) is None:
            end += 1
        return end

    # ------------------------------------------------------------------ rules
    def candidates(self, a: Analysis) -> list[Candidate]:
        """Return every candidate of the gazetteer and the rules for one field (overlapping)."""
        out: list[Candidate] = []
        lex = self.lex
        masks = self.triggers(a)
        for i in [i for i, mask in enumerate(masks) if mask]:  # most words trigger no rule
            mask = masks[i]
            if mask & _T_GAZ and TANWEEN not in a.tokens[i].text:  # إسبانياً: an adverb, not Spain
                hit = self.gaz.match_at(a.norms, a.readings, i)
                if hit is not None:
                    out.append(Candidate(hit.start, hit.end, hit.type, "gazetteer", hit.reading, hit.key))
            if mask & _T_FULLNAME:
                # A known person's full name (two words or more, after any proclitic): نوري المالكي, ولعلي لاريجاني.
                hit = self.persons.match_at(a.norms, a.readings, i)
                if hit is not None and not hit.reading.restored and not any(
                        self._is_stop(a, k) and a.norms[k] != "الله" for k in range(hit.start, hit.end)):
                    # (نادية علي matches ناديه على, "his club on": a preposition is no part of a name)
                    out.append(Candidate(hit.start, hit.end, "PERSON", "rule", hit.reading, rule="fullname"))
            title = self.title_at(a, i) if mask & _T_TITLE else None
            if title is not None:
                cand = self._titled_person(a, i, title)
                if cand is not None:
                    out.append(cand)
                continue
            if not mask & _T_OTHER:
                continue
            for r in a.readings[i]:
                stem = r.stem
                if stem in lex.org_heads:
                    cand = self._organization(a, i, r)
                    if cand is not None:
                        out.append(cand)
                    break
                if stem in lex.first_names:
                    end = self.name_extent(a, i, conj_ok=r.prefix > 0)
                    # علي is also على written with a dotted yaa, سعيد an adjective…: they need a title.
                    if end is not None and end - i >= 2 and stem not in _AMBIGUOUS_NAMES:
                        start, reading = i, r
                        if r.prefix == 0 and i >= 2 and a.norms[i - 1] in _NASAB:
                            # جاسر بن عبدالله الجاسر: a given name we do not list, then بن
                            chain = self.name_extent(a, i - 2)
                            if chain is not None and chain > i:
                                start, end, reading = i - 2, chain, a.readings[i - 2][0]
                        out.append(Candidate(start, end, "PERSON", "rule", reading, rule="firstname"))
                    break
                if stem in lex.nationalities and stem.startswith("ال"):
                    cand = self._nationality_person(a, i, r)
                    if cand is not None:
                        out.append(cand)
                    break
                if stem in lex.speech_verbs and r.prefix <= 1:
                    cand = self._speech_subject(a, i + 1)
                    if cand is None and r.prefix == 0:
                        cand = self._subject_before(a, i)
                    if cand is not None:
                        out.append(cand)
                    break
        out.extend(self._coordinated(a, out))
        return out

    def _coordinated(self, a: Analysis, found: list[Candidate]) -> list[Candidate]:
        """A name joined by و to a person found by a rule: بوتين وميركل، باري مارشال وروبين وارن."""
        extra = []
        for cand in found:
            j = cand.end
            if cand.type != "PERSON" or cand.rule == "speech" or j >= len(a) or not a.norms[j].startswith("و"):
                continue
            reading = next((r for r in a.readings[j] if r.prefix == 1 and not r.restored), None)
            if reading is None or len(reading.stem) < 3 or reading.stem.startswith("ال") \
                    or reading.stem in self._not_name:
                continue
            end = self.name_extent(a, j, conj_ok=True)
            if end == j + 1 and reading.stem not in self.lex.first_names and end < len(a) \
                    and a.is_word[end] and not self._is_stop(a, end):
                continue  # one unknown word followed by more text: a verb or noun (وفشله في…)
            if end is not None and end - j <= cand.end - cand.start:
                extra.append(Candidate(j, end, "PERSON", "rule", reading, rule="coordination"))
        return extra

    def _titled_person(self, a: Analysis, i: int, title: tuple[int, Reading]) -> Candidate | None:
        """Title + modifiers/nationality/place + name → a PERSON with the title phrase as role."""
        j, reading = title
        lex = self.lex
        steps = 0
        while j < len(a) and steps < 6:
            steps += 1
            norm = a.norms[j]
            hit = self.gazetteer_at(a, j)
            if hit is not None and hit.reading.prefix == 0:  # وزير خارجية سوريا, رئيس حزب الله
                j = hit.end
                continue
            if norm in lex.title_modifiers and norm not in _TITLE_PREPOSITIONS or norm in lex.nationalities \
                    or norm in lex.org_heads:
                j += 1
                continue
            if a.is_word[j] and not self._is_stop(a, j) and norm not in lex.first_names and (
                    self.has_article(a, j) or norm.startswith("لل")
                    or (norm.startswith("ل") and j + 1 < len(a) and a.norms[j + 1].startswith("ال"))):
                # وزير الإسكان, رئيس الهيئة العامة للرياضة, رئيس الاتحاد لكرة القدم: a name never starts with ال.
                j += 1
                continue
            nested = self.title_at(a, j)
            if nested is not None and nested[1].prefix == 0:
                j = nested[0]
                continue
            if norm in _TITLE_PREPOSITIONS and j + 1 < len(a):
                hit = self.gazetteer_at(a, j + 1)
                if hit is not None and hit.type == "LOCATION":
                    j = hit.end
                    continue
            break
        last = reading.stem if title[0] - i == 1 else a.norms[title[0] - 1]  # رئيس الوزراء ends definite
        if j == title[0] and not last.startswith("ال") and last not in _HONORIFICS \
                and not last.endswith(("ه", "ها")):
            # An indefinite title heads a construct (رئيس قسم…, حارس مرمى…): the next word is its
            # complement, not a name, unless a modifier came first (وزير الخارجية سيرغي لافروف).
            return None
        end = self.name_extent(a, j)
        if end is None:
            return None
        if end == j + 1 and end < len(a) and a.readings[end][0].prefix == 0 and (end + 1 == len(a) or (
                not a.is_word[end + 1] or self._is_stop(a, end + 1))):
            hit = self.gazetteer_at(a, end)
            if hit is not None and hit.type == "LOCATION" and hit.end == end + 1:
                end += 1  # رئيس البعثة برناردينو ليون عن …: a surname spelled like a city (Lyon)
        return Candidate(j, end, "PERSON", "rule", Reading(0, a.norms[j]), role=(i, j, reading), rule="title")

    def _nationality_person(self, a: Analysis, i: int, reading: Reading) -> Candidate | None:
        """A nationality used as a noun before a name: وحل الكولومبي خوان بابلو مونتويا.

        Not after an ال-noun, where the nationality is that noun's adjective (الجيش السوري اضافة).
        """
        if i > 0 and a.is_word[i - 1] and self.has_article(a, i - 1) and not self._is_stop(a, i - 1):
            return None
        j = i + 1
        end = self.name_extent(a, j)
        if end is None or (a.norms[j].endswith("ه") and a.norms[j] not in self.lex.first_names):
            return None
        if end - j == 1 and j + 1 < len(a) and a.is_word[j + 1] and not self._is_stop(a, j + 1):
            return None  # one unknown word followed by more text: likely a common noun
        return Candidate(j, end, "PERSON", "rule", Reading(0, a.norms[j]), role=(i, j, reading), rule="nationality")

    def _nisba_surname(self, a: Analysis, j: int) -> bool:
        """Is token ``j`` an ال-surname such as الجعفري, الظواهري (ends in ي, not an adjective we know)?"""
        norm = a.norms[j]
        return (j < len(a) and norm.startswith("ال") and norm.endswith("ي") and len(norm) > 5
                and norm not in self._not_name and not self._is_stop(a, j))

    def _speech_subject(self, a: Analysis, j: int) -> Candidate | None:
        """Subject right after a speech verb: a given name + surname, or one word before a break."""
        if j >= len(a):
            return None
        if self._nisba_surname(a, j) and (j + 1 >= len(a) or not a.is_word[j + 1] or self._is_stop(a, j + 1)):
            return Candidate(j, j + 1, "PERSON", "rule", Reading(0, a.norms[j]), rule="speech")
        end = self.name_extent(a, j)
        if end is None:
            return None
        if a.norms[j] in self.lex.first_names:
            return Candidate(j, end, "PERSON", "rule", Reading(0, a.norms[j]), rule="speech")
        # A single unknown word is a surname only if what follows cannot continue a noun phrase.
        nxt = j + 1
        if nxt < len(a) and a.is_word[nxt] and not self._is_stop(a, nxt):
            return None
        norm = a.norms[j]
        if norm.endswith("ه") or norm in self.lex.first_names:  # feminine nouns: بيان, رسالة…
            return None
        return Candidate(j, j + 1, "PERSON", "rule", Reading(0, norm), rule="speech")

    def _subject_before(self, a: Analysis, i: int) -> Candidate | None:
        """A name opening a clause right before its speech verb: «الظواهري قال إن», «بوش أكد»."""
        j = i - 1
        if j < 0 or (j > 0 and a.is_word[j - 1] and not self._is_stop(a, j - 1)):
            return None
        if self._nisba_surname(a, j) or (self._nameable(a, j, first=True) and not a.norms[j].endswith(("ه", "يا"))):
            return Candidate(j, j + 1, "PERSON", "rule", Reading(0, a.norms[j]), rule="speech")
        return None

    def _organization(self, a: Analysis, i: int, reading: Reading) -> Candidate | None:
        """Head noun + complement: وزارة الخارجية الروسية، حركة حماس، الجيش السوري."""
        lex = self.lex
        definite = reading.stem.startswith("ال")
        j = i + 1
        if j >= len(a) or not a.is_word[j] or self._is_stop(a, j):
            return None
        modifiers = lex.org_modifiers
        hit = self.gazetteer_at(a, j)
        if definite:
            if a.norms[j] in modifiers:
                j += 1
            elif hit is not None and hit.reading.prefix == 0:
                j = hit.end
            else:
                return None
        else:
            norm = a.norms[j]
            if hit is not None and hit.reading.prefix == 0:
                if reading.stem in _DESCRIPTOR_HEADS and hit.type == "ORGANIZATION" \
                        and (hit.end >= len(a) or a.norms[hit.end] not in modifiers):
                    return None  # حركة حماس, تنظيم داعش: the name alone is the entity
                j = hit.end
            elif norm.startswith("ال") and norm not in lex.speech_verbs:
                j += 1
            elif a.is_word[j] and j + 1 < len(a) and a.norms[j + 1].startswith("ال") and not self._is_stop(a, j + 1) \
                    and norm not in self._not_name:
                j += 2  # منظمة حقوق الإنسان
            else:
                return None
        if j < len(a) and a.norms[j - 1] in self._title_first:
            end = self.name_extent(a, j)  # جامعة الملك سعود, مستشفى الملك فهد
            if end is not None:
                j = end
        while j < len(a) and j - i < 6:
            norm = a.norms[j]
            if norm in modifiers:
                j += 1
                continue
            if norm.startswith("لل") and a.is_word[j] and not self._is_stop(a, j):
                j += 1  # الهيئة العامة للرياضة
                continue
            if norm.startswith("ل") and j + 1 < len(a) and a.norms[j + 1].startswith("ال") \
                    and not self._is_stop(a, j + 1) and len(norm) > 2:
                j += 2  # الاتحاد السعودي لكرة القدم
                continue
            hit = self.gazetteer_at(a, j)
            if hit is not None and hit.reading.prefix == 0 and hit.type == "ORGANIZATION":
                j = hit.end
                continue
            break
        if reading.stem in _NAMED_BY_COMPLEMENT:
            if definite:
                return None  # الصحيفة البريطانية: a description, no name
            # نادي الهلال, صحيفة الوئام, شركة أرامكو: the name after the descriptor is the entity.
            return Candidate(i + 1, j, "ORGANIZATION", "rule", a.readings[i + 1][0], rule="orghead")
        # الجيش السوري, الحكومة العراقية: a definite head and a nationality, kept even next to a model.
        national = definite and a.norms[j - 1] in lex.nationalities
        return Candidate(i, j, "ORGANIZATION", "rule", reading, rule="orgnational" if national else "orghead")


def resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the longest candidates first (ties: :data:`PRIORITY`), dropping those that overlap a kept one."""
    ordered = sorted(candidates, key=lambda c: (-(c.end - c.start), PRIORITY.get(c.rule, 9), c.start))
    taken: set[int] = set()
    kept: list[Candidate] = []
    for cand in ordered:
        span = range(cand.start, cand.end)
        if any(k in taken for k in span):
            continue
        taken.update(span)
        kept.append(cand)
    kept.sort(key=lambda c: c.start)
    return kept
