"""What a well-formed speaker is: an entity mention, a nominal description of the small grammar of
:func:`is_description` (مصدر أمني عراقي، المتحدث باسم الوزارة، مسؤولون أمريكيون، شهود عيان), a name run of
:func:`is_name_run`, or nobody. No verb, particle, preposition phrase or run-on clause is a speaker."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Optional

from pipeline.nlp.quotes import lexicon as lx
from pipeline.nlp.normalize import fold_word

_NOT_IN_NAMES = frozenset("«»“”„‟″\"‘’()[]{}\n/")
#: لإفريقيا، لأوباما: no name word opens with lam and a hamza; the lam is a preposition.
_LAM_HAMZA = ("لإ", "لأ", "لآ")


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
    if lx.is_cue_form(k):
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


def _report_word(k: str) -> bool:
    """A report noun (بيان، تقرير، وتقرير), ``k`` folded: بيان is read whole before its proclitics are
    dropped (the ب of بيان is not a preposition)."""
    return k in lx.REPORTS or lx.deproclitic(k) in lx.REPORTS


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
        # بلدة برايتون، مدينة بريدة: after a place noun, a word opening with ب or ل is the place's name
        glued = len(k) > 3 and k[0] in "بل" and not prep and not (
            toks[j - 1] in lx.PLACE_HEADS and k[1:3] != "ال" and k[1] != "ل" and not w.startswith(("بإ", "بأ", "بآ")))
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


def is_name_run(name: str, quoted: bool = False) -> bool:
    """A personal or organization name the entity list missed: one to six words, optionally after a
    title, none of them a function word (alone or behind و/ف: وهل، ولذلك), a speech verb, a possessed noun or
    a prepositional phrase, nor a word that the entity extractor knows is in no name (:func:`_in_no_name`). A ``quoted`` name (in
    quote marks after a head noun: وكالة «سبق») may be a verb learned from raw text."""
    words = [w.strip(lx.STRIP) for w in name.split() if w.strip(lx.STRIP)]
    if not 1 <= len(words) <= 6:
        return False
    for w in words:
        k = fold_word(w)
        if _function_word(w, k) and k not in lx.NAME_WORDS or _possessed(w) or _prepositional(w, k) \
                or k[:1] in "وف" and len(k) > 2 and _function_word(w[1:], k[1:]) \
                or w.startswith(_LAM_HAMZA) or k in lx.PRONOUN_WORDS or not any(ch.isalpha() for ch in k):
            return False
    return not _in_no_name(" ".join(words), not quoted)


def _in_no_name(words: str, learned: bool = True) -> bool:
    """Does one of ``words`` belong to no name, by the entity extractor's own lexicon: a verb or a
    particle (بلغت، فيما) or a word with tanween (حالياً، مشتركًا)? Given names that are also verbs
    (عادل، سعيد) are names there."""
    from pipeline.nlp.entities.rules import Analysis
    from pipeline.nlp.entities.words import WordLexicon

    a = Analysis(words)
    lexicon = WordLexicon.load()
    return any(a.is_word[i] and lexicon.in_no_name(a, i, learned) for i in range(len(a)))


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
    if toks and (toks[0] in lx.INDEFINITE_PRONOUNS or len(toks) <= 2 and _report_word(toks[0])):
        return False  # البعض، بعضهم؛ التقرير، بيان صادر: whoever issued the report is the speaker
    return is_description(name) or is_name_run(name)
