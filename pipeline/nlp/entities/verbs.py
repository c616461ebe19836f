"""Verbs learned from raw news text: the words that follow a particle only a verb follows.

قد, لقد and وقد come before a verb (قد أكد، وقد بدأت، قد يكون); لم, لن and سوف before an imperfect one
(لم يتم، لن يكون، سوف يشارك). Over 8 million words of SaudiNewsNet copy, a word seen there at least
:data:`MIN_COUNT` times is a verb unless those uses are a small share of all its uses (:data:`MIN_SHARE`:
عمل، صاحب، بين are nouns or prepositions that قد or لم sometimes meets). An imperfect verb (ي، ت، ن)
also gives its future with س (سيشهد، ستكون). The list ships as ``pipeline/resources/entities/verbs.tsv``
(``wirepipe train-verbs``), and :meth:`pipeline.nlp.entities.words.WordLexicon.in_no_name` reads it: no
speaker's name holds a verb (يجتمع بكبار، عرضت القضية). The entity extractor's mention edges keep to the
curated list (``words.tsv``): the learned one also holds سبق, a newspaper's name and a verb.

No lexicon on PyPI fits (arramooz and qalsadi are GPL), so the verbs are learned here.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from pipeline.errors import ConfigError
from pipeline.nlp.entities.gazetteer import light_form

__all__ = ["PERFECT_MARKERS", "IMPERFECT_MARKERS", "MIN_COUNT", "MIN_SHARE", "learn_verbs"]

#: Particles before a verb in the perfect or the imperfect (قد أكد، قد يكون).
PERFECT_MARKERS = frozenset({"قد", "لقد", "وقد"})
#: Particles before an imperfect verb only (لم يتم، لن يكون، سوف يشارك).
IMPERFECT_MARKERS = frozenset({"لم", "ولم", "فلم", "لن", "ولن", "فلن", "سوف", "وسوف"})
#: Uses after a marker before a word counts as a verb.
MIN_COUNT = 3
#: Share of a word's uses that follow a marker, at least (عمل 0.004 and صاحب 0.002 are nouns first).
MIN_SHARE = 0.01
_STRIP = "«»“”„‟″\"‘’.,،:;؛!?؟()[]{}-–—_'…"
_IMPERFECT_PREFIXES = ("ي", "ت", "ن")


def _words(paragraph: str) -> list[str]:
    return [light_form(w.strip(_STRIP)) for w in paragraph.split()]


def learn_verbs(paragraphs: Iterable[str], min_count: int = MIN_COUNT, min_share: float = MIN_SHARE,
                not_verbs: Iterable[str] = ()) -> dict[str, tuple[int, int]]:
    """The verbs of ``paragraphs`` (light forms: no diacritics, alef normalized, ى and ة kept), each with
    how often it follows a marker and how often it occurs. A word of the article (ال) counts only after
    قد (التقى، التحق: لم الشمل is a phrase). ``not_verbs`` (given names: يزيد، يحيى) are never verbs."""
    if min_count < 1 or not 0 <= min_share <= 1:
        raise ConfigError(f"learn_verbs needs min_count >= 1 and 0 <= min_share <= 1, got {min_count}, {min_share}")
    after: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for paragraph in paragraphs:
        words = _words(paragraph)
        total.update(words)
        for prev, word in zip(words, words[1:]):
            if prev in PERFECT_MARKERS or prev in IMPERFECT_MARKERS and not word.startswith("ال"):
                after[word] += 1
    skip = frozenset(light_form(w) for w in not_verbs) | PERFECT_MARKERS | IMPERFECT_MARKERS
    verbs = {w: (n, total[w]) for w, n in after.items()
             if n >= min_count and n >= min_share * total[w] and len(w) > 1 and w not in skip and w.isalpha()}
    for w in list(verbs):
        if w.startswith(_IMPERFECT_PREFIXES) and "س" + w not in verbs:
            verbs["س" + w] = (0, total["س" + w])  # سيشهد: the future of an imperfect seen after لم or قد
    return dict(sorted(verbs.items()))
