"""The fast matching form (two ``str.translate`` tables) equals camel-tools' own functions composed."""
from __future__ import annotations

import re

import pytest
from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (normalize_alef_ar, normalize_alef_maksura_ar, normalize_teh_marbuta_ar,
                                         normalize_unicode)

from pipeline.nlp.normalize import TATWEEL, normalize_word

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")


def camel_reference(text: str) -> str:
    """The matching form as camel-tools computes it (our invisible marks and tatweel removed too)."""
    text = _INVISIBLE.sub("", normalize_unicode(text)).replace(TATWEEL, "")
    return normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(text)))).lower()


@pytest.mark.parametrize("text", [
    "قَالَ وزيرُ الخارجيّة إنّ المحادثاتِ مع الجانب الأمريكيّ كانت مثمرة",
    "وصل سموّ الأمير إلى مدينة أبهــا صباح الخميس",
    "ٱلقدس عاصمة فلسطين، وآمال الشعب كبيرة",
    "بلغ سعر الصرف 3.75 ﷼ للدولار الواحد",          # U+FDFC, which camel-tools spells out
    "﷽ أما بعد",                                     # U+FDFD
    "ﻻ تراجع عن القرار ﻹعادة الإعمار",                  # presentation forms (NFKC)
    "\u200fأعلنت وكالة الأنباء\u200e (واس) عن Reuters",  # bidi marks, Latin case
    "مستشفى الملك فهد يستقبل ٢٣ حالة",                # alef maksura, Arabic-Indic digits
])
def test_equals_camel_tools_on_sentences(text):
    assert normalize_word(text) == camel_reference(text)


@pytest.mark.corpus
def test_equals_camel_tools_on_every_article_of_the_corpus(shared_data):
    from pipeline.benchmarks._corpus import load_articles

    from pipeline.locations import SAUDINEWSNET_TWO_DAYS

    articles = load_articles(str(shared_data / SAUDINEWSNET_TWO_DAYS))
    assert len(articles) > 3000
    differ = [i for i, (headline, body) in enumerate(articles)
              if normalize_word(body) != camel_reference(body)
              or (headline and normalize_word(headline) != camel_reference(headline))]
    assert differ == []
