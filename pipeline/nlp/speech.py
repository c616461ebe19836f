"""Our speech-verb lexicon for Arabic news: reporting verbs with their conjugations, active participles,
attribution frames, complementizers and the words that make a quoted phrase a name.

Every form is written in the *folded* spelling of :func:`fold` (alef variants → ا, ى → ي, ة → ه, no
diacritics): the extractor folds the text the same way (letters one for one, diacritics dropped with
an index back) so that offsets found on the folded text map to the original. Only third-person forms are listed: first-person
forms (أرى، أقول) inside an article are the writer's own voice or sit inside a quotation already.
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple

__all__ = [
    "Cue",
    "FOLD",
    "fold",
    "DIACRITICS",
    "VERBS",
    "CUE_FORMS",
    "AMBIGUOUS",
    "FRAMES",
    "NAME_HEADS",
    "NOUN_CUES",
    "COMPLEMENTIZER_BLOCKERS",
    "trie_pattern",
]

# One character for one character: the folded text has the offsets of the original.
FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
#: Harakat, tanween, shadda, sukun, dagger alef and tatweel: removed from the text before matching.
DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"


def fold(text: str) -> str:
    """Return the folded spelling of a lexicon word (diacritics dropped, letter variants merged)."""
    return text.translate(FOLD).translate({ord(c): None for c in DIACRITICS})


class Cue(NamedTuple):
    """A lexicon entry: the lemma reported as ``verb`` and whether the form is a participle."""

    lemma: str
    participle: bool


# lemma: (past 3rd masc. sg., imperfect stem after the person prefix, participle stem or "").
# Written with hamza for reading; folded when the tables are built.
_REGULAR: dict[str, tuple[str, str, str]] = {
    "أضاف": ("أضاف", "ضيف", "مضيف"),
    "أكد": ("أكد", "ؤكد", "مؤكد"),
    "أشار": ("أشار", "شير", "مشير"),
    "أوضح": ("أوضح", "وضح", "موضح"),
    "لفت": ("لفت", "لفت", "لافت"),
    "نوه": ("نوه", "نوه", "منوه"),
    "شدد": ("شدد", "شدد", "مشدد"),
    "بين": ("بين", "بين", "مبين"),
    "اعتبر": ("اعتبر", "", "معتبر"),  # no يعتبر: mostly the passive "is considered"
    "صرح": ("صرح", "صرح", "مصرح"),
    "أعلن": ("أعلن", "علن", "معلن"),
    "ذكر": ("ذكر", "", "ذاكر"),
    "تابع": ("تابع", "تابع", ""),
    "أردف": ("أردف", "ردف", "مردف"),
    "حذر": ("حذر", "حذر", "محذر"),
    "طالب": ("طالب", "طالب", "مطالب"),
    "كشف": ("كشف", "كشف", "كاشف"),
    "أفاد": ("أفاد", "فيد", "مفيد"),
    "أعرب": ("أعرب", "عرب", "معرب"),
    "عبر": ("عبر", "عبر", "معبر"),
    "أشاد": ("أشاد", "شيد", "مشيد"),
    "زعم": ("زعم", "زعم", "زاعم"),
    "اعترف": ("اعترف", "عترف", "معترف"),
    "استطرد": ("استطرد", "ستطرد", "مستطرد"),
    "أجاب": ("أجاب", "جيب", "مجيب"),
    "تساءل": ("تساءل", "تساءل", "متسائل"),
    "توقع": ("توقع", "", "متوقع"),  # no يتوقع: "it is expected that" is impersonal
    "رجح": ("رجح", "رجح", "مرجح"),
    "نبه": ("نبه", "نبه", "منبه"),
    "أبان": ("أبان", "", ""),
    "أبلغ": ("أبلغ", "", ""),  # no يبلغ/تبلغ: "amounts to" (بلغ)
    "أفصح": ("أفصح", "فصح", "مفصح"),
    "أقر": ("أقر", "قر", ""),
    "اتهم": ("اتهم", "تهم", ""),
    "برر": ("برر", "برر", "مبرر"),  # وبرر ما حدث بأن …
    "اختتم": ("اختتم", "ختتم", "مختتم"),  # واختتم حديثه بقوله: …
    "ختم": ("ختم", "", ""),  # وختمت المصادر: «…»; no يختم/تختم (to seal), no خاتم (a ring, a seal)
}

# Weak and hollow verbs whose forms do not follow the pattern above.
_IRREGULAR: dict[str, tuple[list[str], list[str]]] = {
    "قال": (["قال", "قالت", "قالوا", "قالا", "يقول", "تقول", "يقولون", "قلن"], ["قائلا", "قائلة", "قائلين"]),
    "رأى": (["رأى", "رأت", "رأوا", "يرى", "ترى", "يرون"], ["رائيا"]),
    "دعا": (["دعا", "دعت", "دعوا", "يدعو", "تدعو", "يدعون"], ["داعيا", "داعية"]),
    "نفى": (["نفى", "نفت", "نفوا", "ينفي", "تنفي", "ينفون"], ["نافيا", "نافية"]),
    "تمنى": (["تمنى", "تمنت", "تمنوا", "يتمنى", "تتمنى"], ["متمنيا", "متمنية"]),
    "أعاد": (["أعاد", "أعادت"], []),  # أعاد تأكيده أن ...
    # ونقلت الصحيفة عن مصدر أن …: the speaker is the source after عن (the extractor requires the عن)
    "نقل": (["نقل", "نقلت", "نقلوا", "ينقل", "تنقل"], ["ناقلا", "ناقلة"]),
    "وصف": (["وصف", "وصفت", "وصفوا", "وصفه", "وصفها", "وصفته", "يصف", "تصف"], ["واصفا", "واصفة", "واصفين"]),
    # Verbal nouns that report the speech of the verb governing them: treated like participles.
    "أكد+مصدر": ([], ["تأكيده", "تأكيدها", "تأكيدهم", "التأكيد", "قوله", "قولها", "بقوله", "بقولها", "تصريحه",
                      "تصريحها"]),
}

# Verbal nouns heading a report whose subject is the genitive after them (اعتراف الوزير بأن …،
# إعلان الشركة أن …): read like verbs, the speaker follows the noun.
_NOUN_HEADED: dict[str, list[str]] = {
    "اعترف": ["اعتراف"],
    "أكد": ["تأكيد", "تأكيدات"],
    "أعلن": ["إعلان"],
    "صرح": ["تصريح", "تصريحات"],
    "حذر": ["تحذير", "تحذيرات"],
    "أقر": ["إقرار"],
    "زعم": ["زعم", "مزاعم"],
}

# Regular forms that are mostly something else in news: تبين أن "it turned out that".
_EXCLUDED = ("تبين",)

# Forms that are also common nouns or prepositions (بين "between", طالب "student", رأي "opinion",
# عبر "via", تابع "subsidiary", نفي "denial"): they count only at the start of a clause.
_AMBIGUOUS_LEMMAS = {"بين", "رأى", "طالب", "عبر", "تابع", "نفى", "ذكر", "أعاد", "توقع", "نقل"}

#: Attribution frames: the speaker is the noun phrase after them.
FRAMES: tuple[str, ...] = tuple(
    fold(f) for f in ("بحسب", "حسب", "وفقا ل", "وفقاً ل", "وفقا لـ", "طبقا ل", "نقلا عن", "نقلاً عن",
                      "على لسان", "على حد قول", "على حد تعبير")
)

#: Words after which a quoted phrase is a name, a title or a label, not an utterance.
NAME_HEADS: frozenset[str] = frozenset(
    fold(w) for w in (
        "تنظيم", "حركة", "عملية", "مبادرة", "برنامج", "حملة", "يسمى", "تسمى", "يعرف", "تعرف", "المسمى",
        "المسماة", "المعروف", "المعروفة", "بعنوان", "عنوان", "شعار", "وسم", "هاشتاق", "هاشتاغ", "صحيفة",
        "جريدة", "مجلة", "قناة", "موقع", "وكالة", "شركة", "مسلسل", "فيلم", "أغنية", "كتاب", "رواية",
        "مشروع", "جمعية", "نظام", "مؤشر", "تطبيق", "نادي", "فريق", "مؤسسة", "جائزة", "مهرجان", "منتخب",
        "مسابقة", "بطولة", "مجموعة", "معرض", "مسرحية", "ديوان", "ندوة", "محاضرة", "منتدى", "مؤتمر", "ملتقى", "مركز", "جماعة", "ميليشيا", "ميليشيات",
        "مليشيا", "لواء", "كتائب", "جبهة", "عاصفة", "إعادة", "اسم", "لقب", "بلقب", "مصطلح", "كلمة",
        "عبارة", "مقولة", "ماركة", "علامة", "منصة", "حساب", "صفحة", "زاوية", "مقال", "تقرير", "قصيدة",
        "ألبوم", "مدينة", "قرية", "حي", "مستشفى", "فندق", "سفينة", "مطار", "ميناء", "سوق", "بنك", "مصرف",
        "هيئة", "لجنة", "مجلس", "حزب", "ائتلاف", "تحالف", "اتحاد", "دوري", "كأس", "شبكة", "بوابة",
        # plurals and events: فعاليات «صيف أبها يجمعنا»، اجتماعات «اتحاد الملاك»
        "فعاليات", "فعالية", "اجتماعات", "ملتقيات", "مشاريع", "برامج", "حملات", "مبادرات", "مسابقات",
        "عروض", "مهرجانات", "معارض", "دورات", "دورة", "ورشة", "ندوة", "ندوات", "جمعية",
    )
)

#: A complementizer after these words is not reported speech (إلا أن "however", بعد أن "after" …).
COMPLEMENTIZER_BLOCKERS: frozenset[str] = frozenset(
    fold(w) for w in (
        "إلا", "بعد", "قبل", "منذ", "لو", "رغم", "برغم", "بالرغم", "كما", "حيث", "مع", "يجب",
        "ينبغي", "يمكن", "يمكنه", "يمكنها", "لابد", "بد", "بدلا", "بدل", "عن", "دون", "بدون", "ريثما",
        "حتى", "شأن", "شأنه", "شأنها", "الجدير", "بالذكر", "يذكر", "يشار",
        "يُذكر", "المعروف", "المعلوم", "الواضح", "يبدو", "سبق", "لبث", "ما",
    )
)


def _regular_forms(past: str, imperfect: str, participle: str) -> tuple[list[str], list[str]]:
    verbs = [past, past + "ت", past + "وا", past + "ا", past + "تا"]
    if imperfect:
        verbs += ["ي" + imperfect, "ت" + imperfect, "ي" + imperfect + "ون", "ي" + imperfect + "ان"]
    parts = [participle + "ا", participle + "ة", participle + "ين", participle + "ان"] if participle else []
    return verbs, parts


def _build() -> tuple[dict[str, Cue], frozenset[str]]:
    forms: dict[str, Cue] = {}
    ambiguous: set[str] = set()
    entries: list[tuple[str, list[str], list[str]]] = []
    for lemma, (past, imperfect, participle) in _REGULAR.items():
        entries.append((lemma, *_regular_forms(past, imperfect, participle)))
    for lemma, (verbs, parts) in _IRREGULAR.items():
        entries.append((lemma.split("+")[0], verbs, parts))
    for lemma, nouns in _NOUN_HEADED.items():
        entries.append((lemma, nouns, []))
    for lemma, verbs, parts in entries:
        for form, is_part in [(v, False) for v in verbs] + [(p, True) for p in parts]:
            key = fold(form)
            forms.setdefault(key, Cue(lemma, is_part))
            if lemma in _AMBIGUOUS_LEMMAS and not is_part:
                ambiguous.add(key)
    for form in _EXCLUDED:
        forms.pop(fold(form), None)
    # The masdar cues (تأكيده، قوله) report the lemma that governs them.
    return forms, frozenset(ambiguous)


#: Folded verbal nouns that head a report (اعتراف، إعلان): cues only before their genitive subject.
NOUN_CUES: frozenset[str] = frozenset(fold(n) for nouns in _NOUN_HEADED.values() for n in nouns)
#: Folded surface form → lexicon entry.
CUE_FORMS: dict[str, Cue]
#: Folded forms that count only at the start of a clause.
AMBIGUOUS: frozenset[str]
CUE_FORMS, AMBIGUOUS = _build()
VERBS: tuple[str, ...] = tuple(sorted({c.lemma for c in CUE_FORMS.values()}))


def trie_pattern(words: Iterable[str]) -> str:
    """Return a regex alternation of ``words`` factored as a trie (one branch per first letter), so that
    matching costs one character test per position instead of one per word."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if end else body

    return emit(trie)
