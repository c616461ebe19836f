"""Quote extraction: direct, partial and indirect speech, speakers, and the seed article's expectations."""
from __future__ import annotations

import json
import re

import pytest

from pipeline.errors import ConfigError
from pipeline.evaluation.quotes import overlaps
from pipeline.nlp.normalize import normalize
from pipeline.nlp.quotes import QuoteExtractor
from tests.conftest import SEED_TXT, SHARED

SEED_EXPECTED = SHARED / "seeds" / "000_2ec8cf8ddaeb2913.expected.json"


@pytest.fixture(scope="module")
def qx() -> QuoteExtractor:
    return QuoteExtractor()


def _only(quotes, kind):
    return [q for q in quotes if q["kind"] == kind]


def _speaker(q):
    return q["speaker"]["name"] if q["speaker"] else None


def _check_offsets(quotes, headline, body):
    for q in quotes:
        field = body if q["field"] == "BODY" else headline
        assert field[q["start"]:q["end"]] == q["text"]
    keys = [(q["field"] != "HEADLINE", q["start"], q["end"]) for q in quotes]
    assert keys == sorted(keys)


# --- direct quotes: marks, attribution before and after, nesting ------------------------------------
DIRECT = [
    # (body, quoted text, speaker)
    ("وقال وزير المالية محمد الجدعان: «الميزانية ستحقق فائضا في العام المقبل».",
     "الميزانية ستحقق فائضا في العام المقبل", "محمد الجدعان"),
    ("وقال الدكتور سامي العبيدي للصحفيين “نعمل على توسيع شبكة النقل في المدينة”.",
     "نعمل على توسيع شبكة النقل في المدينة", "سامي العبيدي"),
    ('وأضاف الوزير خالد الفالح "لن نسمح بأي تأخير في تنفيذ المشاريع".',
     "لن نسمح بأي تأخير في تنفيذ المشاريع", "خالد الفالح"),
    ("«سنواصل العمل حتى تحقيق الأهداف المرسومة»، قال المدرب جورج ليكنز بعد المباراة.",
     "سنواصل العمل حتى تحقيق الأهداف المرسومة", "جورج ليكنز"),
    ("وقالت وزارة الصحة في بيان: “تم احتواء الحالات في المستشفيات المخصصة لذلك”.",
     "تم احتواء الحالات في المستشفيات المخصصة لذلك", "وزارة الصحة"),
    # nested quotes: the inner quoted name stays inside the outer quote and is not reported
    ("وقال السفير عادل مرداد “إن ما يسمى “الحشد” لن يغير شيئا على الأرض”.",
     "إن ما يسمى “الحشد” لن يغير شيئا على الأرض", "عادل مرداد"),
    ("وتابع الرئيس فلاديمير بوتين: ‘روسيا لن تتخلى عن حلفائها في المنطقة’.",
     "روسيا لن تتخلى عن حلفائها في المنطقة", "فلاديمير بوتين"),
    # after a body's head noun, a colon or a long clause that opens with a verb is an utterance, not a name
    ("وقال وزير الزراعة خالد الفضلي أمام المؤتمر: «لم يعد القطاع الزراعي صناعة للمناطق المتأخرة».",
     "لم يعد القطاع الزراعي صناعة للمناطق المتأخرة", "خالد الفضلي"),
    ('وقالت متحدثة باسم الشركة "عادت الطائرة إلى المطار بسبب عطل فني بسيط في المحرك".',
     "عادت الطائرة إلى المطار بسبب عطل فني بسيط في المحرك", "متحدثة باسم الشركة"),
]


@pytest.mark.parametrize("body,text,speaker", DIRECT)
def test_direct_quotes(qx, body, text, speaker):
    quotes = qx.extract(None, body, [])
    direct = _only(quotes, "DIRECT")
    assert [q["text"] for q in direct] == [text]
    assert direct[0]["start"] == body.index(text)
    assert normalize(_speaker(direct[0])) == normalize(speaker)
    assert not _only(quotes, "INDIRECT")
    _check_offsets(quotes, None, body)


# --- quoted names and scare quotes are not quotes ----------------------------------------------------
NOT_QUOTES = [
    "وشن التحالف غارات على مواقع تنظيم “داعش” في الرقة.",
    "وأطلقت الوزارة مبادرة «بيئتي مسؤوليتي» في جميع المدارس.",
    "وتحدث التقرير عن ما يسمى «الربيع العربي» وآثاره على المنطقة.",
    "وبدأت حملة \"خلك واعي\" في مدينة الرياض أمس.",
    "وتسعى المملكة إلى تحقيق «رؤية 2030» عبر برامج متعددة.",
    "وأعلن «التحالف» بدء المرحلة الثانية من العملية.",
    "وأعلنت القيادة في بيان لها أمس «استشهادهم» أثناء أداء الواجب.",
    "ونقلت صحيفة «عكاظ» عن مصادرها تفاصيل الاجتماع.",
    # after a speech verb, the title of a work after a colon and a long phrase a preposition governs stay
    # names (a colon or a clause opening with a verb makes an utterance of what follows other name heads)
    "وقال الباحث في حديثه عن كتابه الجديد بعنوان: «قيمة الزمن عند العلماء في العصور الإسلامية الأولى».",
    "وقال المحلل إن التصعيد مرتبط بـ«فشل المفاوضات التي كانت قائمة بين الطرفين منذ أسابيع».",
    # titles in a list, inside reported speech
    "وأوضح رئيس النادي أن النادي شارك بعدة برامج، منها مسرحية «شرم برم»، والبرامج التدريبية: «فن الإلقاء» و "
    "«كيف تدير حوارا فضائيا» و «فن البروتوكول».",
]


@pytest.mark.parametrize("body", NOT_QUOTES)
def test_quoted_names_are_not_quotes(qx, body):
    quotes = qx.extract(None, body, [])
    assert [q for q in quotes if q["kind"] in ("DIRECT", "PARTIAL")] == []


# --- indirect speech: verb, subject, complementizer, span up to the end of the clause ----------------
INDIRECT = [
    # (body, reported clause, speaker)
    ("وقال المدرب أحمد عيد إن اللعب خارجيا متاح بشرط الدراسة مع تأكيده أن الفريق جاهز.",
     "اللعب خارجيا متاح بشرط الدراسة", "أحمد عيد"),
    ("وأشار وزير الخارجية عادل الجبير إلى أن المحادثات ستستأنف الأسبوع المقبل.",
     "المحادثات ستستأنف الأسبوع المقبل", "عادل الجبير"),
    ("وأكد المتحدث الأمني اللواء منصور التركي أن الأجهزة الأمنية تتابع القضية.",
     "الأجهزة الأمنية تتابع القضية", "منصور التركي"),
    ("وقالت وزارة الداخلية في بيان إن ثلاثة أشخاص أصيبوا في الحادث.",
     "ثلاثة أشخاص أصيبوا في الحادث", "وزارة الداخلية"),
    ("وأوضح مدير التعليم سعد الزهراني بأن الدراسة ستبدأ في موعدها.",
     "الدراسة ستبدأ في موعدها", "سعد الزهراني"),
    ("وذكرت مصادر مطلعة أنه تم القبض على المتهمين فجر اليوم.",
     "تم القبض على المتهمين فجر اليوم", "مصادر مطلعة"),
    # the clause ends before a new speech cue
    ("وبين الوزير سليمان الحمدان أن المطار سيفتتح قريبا، مشيرا إلى أن الأعمال اكتملت.",
     "المطار سيفتتح قريبا", "سليمان الحمدان"),
    # SVO: the subject before the verb
    ("لكن نشطاء المعارضة يقولون إن الاستياء يتزايد في المدينة.",
     "الاستياء يتزايد في المدينة", "نشطاء المعارضة"),
    ("وحذر رئيس الوزراء حيدر العبادي من أن الأزمة قد تطول.",
     "الأزمة قد تطول", "حيدر العبادي"),
    # a time phrase after the office is no name (بداية اللقاء is when, not who)
    ("وقال وزير الصحة في بداية اللقاء إن الوزارة تعمل على توسعة المستشفيات.",
     "الوزارة تعمل على توسعة المستشفيات", "وزير الصحة"),
]


@pytest.mark.parametrize("body,clause,speaker", INDIRECT)
def test_indirect_speech(qx, body, clause, speaker):
    quotes = qx.extract(None, body, [])
    first = _only(quotes, "INDIRECT")[0]
    assert first["text"] == clause
    assert first["start"] == body.index(clause)
    assert normalize(_speaker(first)) == normalize(speaker)
    _check_offsets(quotes, None, body)


NOT_INDIRECT = [
    "ووصل الوفد إلى الرياض بعد أن أنهى زيارته إلى القاهرة.",
    "وكان من المقرر أن تبدأ الجلسة صباحا إلا أن الموعد تأجل.",
    "يذكر أن المهرجان يقام للمرة الخامسة على التوالي.",
    "وطالب بين الفريقين مباراة ودية قبل أن تنطلق البطولة.",
    "ويتوقع أن ترتفع درجات الحرارة في المنطقة الشرقية.",
]


@pytest.mark.parametrize("body", NOT_INDIRECT)
def test_complementizers_without_a_speaker_are_not_speech(qx, body):
    assert qx.extract(None, body, []) == []


# --- partial quotes inside reported speech ------------------------------------------------------------
PARTIAL = [
    ("واعتبر الوزير أحمد الخطيب أن القرار «خطوة غير مسبوقة» في تاريخ القطاع.",
     "القرار «خطوة غير مسبوقة» في تاريخ القطاع", "خطوة غير مسبوقة", "أحمد الخطيب"),
    ("وأكد المتحدث باسم الشرطة العقيد فواز الميمان أن الحادث “لم يسفر عن إصابات” بين المدنيين.",
     "الحادث “لم يسفر عن إصابات” بين المدنيين", "لم يسفر عن إصابات", "فواز الميمان"),
]


@pytest.mark.parametrize("body,clause,fragment,speaker", PARTIAL)
def test_partial_quote_inside_indirect(qx, body, clause, fragment, speaker):
    quotes = qx.extract(None, body, [])
    assert [q["text"] for q in _only(quotes, "INDIRECT")] == [clause]
    partial = _only(quotes, "PARTIAL")
    assert [q["text"] for q in partial] == [fragment]
    assert normalize(_speaker(partial[0])) == normalize(speaker)


def test_quote_covering_the_whole_clause_is_direct(qx):
    body = "وقال عبد الكريم لـ«الشرق الأوسط» إن «المهاجرين يصلون يوميا عبر الحدود الجنوبية»."
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"]) for q in quotes] == [("DIRECT", "المهاجرين يصلون يوميا عبر الحدود الجنوبية")]


# --- forms the blind sets showed missed (issue 11, round 9) -------------------------------------------
ROUND9 = [
    # (body, quote kind, quote text, speaker): وذكر أن continues a speaker (only a bare ذُكر أن is impersonal)
    ("وقال الوزير ماجد الحقيل إن المشروع سيكتمل العام المقبل.\nوذكر أن الوزارة وفرت التمويل اللازم.",
     "INDIRECT", "الوزارة وفرت التمويل اللازم", "ماجد الحقيل"),
    # a participle and a colon, with no marks: the utterance up to the sentence end
    ("وقال الوزير خالد الفالح إن الإنتاج مستقر، مضيفًا: سنواصل ضخ الاستثمارات في الحقول الجديدة.",
     "DIRECT", "سنواصل ضخ الاستثمارات في الحقول الجديدة", "خالد الفالح"),
    # a straight mark glued to the cue opens the quote, and the spaces inside the marks are no part of it
    ('وقال الشاعر عبدالرحمن الأبنودي إن الشعر باق، وتابع" انا من عشاق درويش شعرا وشخصا وانسانا ".',
     "DIRECT", "انا من عشاق درويش شعرا وشخصا وانسانا", "عبدالرحمن الأبنودي"),
    # بالقول after any verb reports what follows
    ('وقال الوزير ماجد الحقيل إن المشروع سيكتمل. واستدرك بالقول "مع ذلك فإن التمويل يحتاج إلى مراجعة".',
     "DIRECT", "مع ذلك فإن التمويل يحتاج إلى مراجعة", "ماجد الحقيل"),
    # a quoted name as the subject, then the colon of the utterance
    ('وقال "متعب": موعد ومكان المقابلات النسائية سيعلنان في وقت لاحق.',
     "DIRECT", "موعد ومكان المقابلات النسائية سيعلنان في وقت لاحق", "متعب"),
    # a preposition with a pronoun between the verb and its subject is the verb's object
    ("وأكد لنا مدير المستشفى أن الحالة مستقرة.", "INDIRECT", "الحالة مستقرة", "مدير المستشفى"),
    # a participle of the main verb after a comma is the writer's narration again
    ("وأكد الوزير ماجد الحقيل أن المشروع سيكتمل العام المقبل، مقدما شكره لجميع العاملين فيه.",
     "INDIRECT", "المشروع سيكتمل العام المقبل", "ماجد الحقيل"),
    # نقل with its subject and a complementizer reports (without عن and a source as well)
    ("ونقلت وسائل إعلام فرنسية أن اللاعب حصل على مقابل كبير.", "INDIRECT", "اللاعب حصل على مقابل كبير",
     "وسائل إعلام فرنسية"),
]


@pytest.mark.parametrize("body,kind,text,speaker", ROUND9,
                         ids=["wa-dhakara", "participle-colon", "glued-straight-mark", "bil-qawl", "quoted-subject-colon",
                              "prep-pronoun-object", "circumstance-ends-clause",
                              "naqala-anna"])
def test_cues_the_blind_sets_showed_missed(qx, body, kind, text, speaker):
    quotes = qx.extract(None, body, [])
    found = [q for q in quotes if q["text"] == text]
    assert [q["kind"] for q in found] == [kind], quotes
    assert normalize(_speaker(found[0])) == normalize(speaker)
    _check_offsets(quotes, None, body)


def test_a_two_word_quoted_fragment_is_a_term_not_a_partial_quote(qx):
    # (two words in marks inside reported speech are most often a name or a term: 24 of 33 in the blind sets)
    body = "وأكد المدرب أنه لم يفقد الأمل بضم اللاعب إلى «الشياطين الحمر» في الموسم المقبل."
    assert [q["kind"] for q in qx.extract(None, body, [])] == ["INDIRECT"]


# --- implicit speakers: وأضاف، لافتا، a bare وقال ---------------------------------------------------
CONTINUATION = [
    # (body, quote text, speaker named earlier in the article)
    ("وقال وزير الإسكان ماجد الحقيل إن المشروع سيكتمل العام المقبل. وأضاف أن الوزارة وفرت التمويل اللازم.",
     "الوزارة وفرت التمويل اللازم", "ماجد الحقيل"),
    ("أكد الأمير فيصل بن سلمان أن المنطقة تشهد نموا كبيرا لافتا إلى أن الاستثمارات تضاعفت.",
     "الاستثمارات تضاعفت", "فيصل بن سلمان"),
    ("وكان الرئيس عبدربه منصور هادي شدد على وحدة البلاد.. وقال “إننا ماضون في طريق السلام حتى النهاية”.",
     "إننا ماضون في طريق السلام حتى النهاية", "عبدربه منصور هادي"),
    ("صرح مدير الدفاع المدني العميد سعيد القرني بأن فرق الإنقاذ انتشلت الضحايا، وتابع: «العمل مستمر حتى الآن»",
     "العمل مستمر حتى الآن", "سعيد القرني"),
]


@pytest.mark.parametrize("body,text,speaker", CONTINUATION)
def test_implicit_speaker_continues_the_previous_one(qx, body, text, speaker):
    quotes = qx.extract(None, body, [])
    q = next(q for q in quotes if q["text"] == text)
    assert q["speaker"] == {"name": speaker, "mention": None, "entity_index": None}


def test_surname_gets_the_fullest_form_of_the_name(qx):
    body = ("التقى وزير الخارجية الروسي سيرغي لافروف نظيره المصري في موسكو.\n"
            "وقال لافروف إن البلدين يعملان على تعزيز التعاون.")
    quotes = qx.extract(None, body, [])
    assert [(_speaker(q), q["speaker"]["mention"]) for q in quotes] == [("سيرغي لافروف", "لافروف")]


def test_speaker_is_null_when_nobody_can_be_told(qx):
    body = "وفي المؤتمر أكد أن الخطة ستنفذ على مراحل."
    quotes = qx.extract(None, body, [])
    assert [q["text"] for q in quotes] == ["الخطة ستنفذ على مراحل"]
    assert quotes[0]["speaker"] is None


# --- speakers linked to entities ---------------------------------------------------------------------
def test_speaker_links_to_the_entity_and_its_canonical_form(qx):
    body = "ولفت ظريف إلى أن الاتفاق يخدم مصالح جميع الأطراف."
    start = body.index("ظريف")
    entities = [
        {"type": "LOCATION", "text": "طهران", "canonical": "طهران", "role": None, "field": "HEADLINE",
         "start": 0, "end": 5, "method": "gazetteer"},
        {"type": "PERSON", "text": "ظريف", "canonical": "محمد جواد ظريف", "role": "وزير الخارجية",
         "field": "BODY", "start": start, "end": start + 4, "method": "rules"},
    ]
    quotes = qx.extract("طهران ترحب", body, entities)
    assert quotes[0]["speaker"] == {"name": "محمد جواد ظريف", "mention": "ظريف", "entity_index": 1}


# --- marks across paragraphs and unbalanced marks ----------------------------------------------------
def test_quote_continued_in_the_next_paragraph(qx):
    body = ("وقال المدير العام سالم القحطاني: «بدأنا العمل في المرحلة الأولى من المشروع\n"
            "«وسننتقل إلى المرحلة الثانية مع بداية العام المقبل».")
    quotes = qx.extract(None, body, [])
    assert len(quotes) == 1 and quotes[0]["kind"] == "DIRECT"
    assert quotes[0]["text"].startswith("بدأنا العمل") and quotes[0]["text"].endswith("العام المقبل")


def test_unbalanced_marks_are_bounded_and_counted():
    qx = QuoteExtractor(max_quote_chars=200)
    body = ("وقال المتحدث باسم الهيئة فهد الرشيد: «سيتم إعلان النتائج خلال الأسبوع المقبل، مشيرا إلى أن "
            "اللجان أنهت أعمالها.\n" + "وتستمر الأعمال في الموقع. " * 40 + "»")
    quotes = qx.extract(None, body, [])
    assert qx.stats["unbalanced_marks"] >= 1
    direct = _only(quotes, "DIRECT")
    assert [q["text"] for q in direct] == ["سيتم إعلان النتائج خلال الأسبوع المقبل"]
    assert all(q["end"] - q["start"] < 200 for q in quotes)
    _check_offsets(quotes, None, body)


def test_headline_quotes_use_headline_offsets(qx):
    headline = "الجبير: «المملكة لن تتهاون في أمنها الوطني أبدا»"
    body = "وقال وزير الخارجية عادل الجبير إن المملكة تدعم الحل السياسي."
    quotes = qx.extract(headline, body, [])
    assert [q["field"] for q in quotes] == ["HEADLINE", "BODY"]
    _check_offsets(quotes, headline, body)


def test_diacritics_and_tatweel_keep_offsets(qx):
    body = "وأكّـد المديرُ سعد الغامدي أنّ العملَ مستمرٌ حتى نهاية الشهر."
    quotes = qx.extract(None, body, [])
    assert [q["text"] for q in quotes] == ["العملَ مستمرٌ حتى نهاية الشهر"]
    _check_offsets(quotes, None, body)


@pytest.mark.parametrize("kwargs", [{"max_quote_chars": 5}, {"max_cue_gap": 0}, {"max_cue_gap": "9"}])
def test_constructor_rejects_bad_limits(kwargs):
    with pytest.raises(ConfigError):
        QuoteExtractor(**kwargs)


# --- the seed article --------------------------------------------------------------------------------
@pytest.mark.skipif(not SEED_EXPECTED.exists(), reason="seed expectations not found in ../shared/seeds")
def test_regression_seed_article_quotes_kinds_and_speakers(qx, seed_article):
    """A regression test: the rules were written on this article."""
    headline, body = seed_article
    expected = json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))
    shift = SEED_TXT.read_text(encoding="utf-8").index(body)  # expected offsets index the whole file
    quotes = qx.extract(headline, body, [])
    _check_offsets(quotes, headline, body)
    got = [(q["kind"], q["start"] + shift, q["end"] + shift, _speaker(q)) for q in quotes if q["field"] == "BODY"]
    wrong = []
    for exp in expected["quotes"]:
        hits = [g for g in got if g[0] == exp["kind"] and overlaps((g[1], g[2]), (exp["start"], exp["end"]))]
        assert hits, f"missing {exp['kind']} {exp['text'][:40]}"
        if normalize(hits[0][3] or "") != normalize(exp["speaker"]):
            wrong.append((exp["kind"], exp["start"]))
    # From round 4 to round 6 the "وقال" DIRECT quote the rules give to لافروف (a continuation) went to the
    # previous speaker, الجعفري (docs/QUOTES-MODEL.md); the test below holds it now. Every other speaker of
    # the article must stay right.
    assert wrong in ([], [("DIRECT", 2053)]), wrong
    for non in expected["non_quotes"]:
        assert not any(overlaps((g[1], g[2]), (non["start"], non["end"])) for g in got), non["text"]


def test_regression_seed_continuation_after_kana_names_the_sentence_subject(qx, seed_article):
    """«وكان لافروف شدد … وقال "…"»: the bare قال continues لافروف, named in its own sentence."""
    headline, body = seed_article
    expected = json.loads(SEED_EXPECTED.read_text(encoding="utf-8"))
    shift = SEED_TXT.read_text(encoding="utf-8").index(body)
    target = next(q for q in expected["quotes"] if q["start"] == 2053)
    quote = next(q for q in qx.extract(headline, body, []) if q["field"] == "BODY"
                 and overlaps((q["start"] + shift, q["end"] + shift), (target["start"], target["end"])))
    assert normalize(_speaker(quote) or "") == normalize(target["speaker"])


# --- more mark shapes seen in Saudi newspapers -------------------------------------------------------
MARK_SHAPES = [
    # mirrored guillemets (RTL editors)
    ("وأضاف المدير سامي الحربي :» لا نقبل بأي تقصير في خدمة الحجاج « .", "لا نقبل بأي تقصير في خدمة الحجاج"),
    # spaces inside straight quotes
    ('وقال الأمين العام فهد المطيري " المشروع سيخدم آلاف الأسر في المنطقة " .',
     "المشروع سيخدم آلاف الأسر في المنطقة"),
    # a colon and no marks at all: the utterance up to the sentence end
    ("وقال المتحدث باسم الجيش: ندين بشدة هذا الاعتداء على قواتنا الحدودية.",
     "ندين بشدة هذا الاعتداء على قواتنا الحدودية"),
]


@pytest.mark.parametrize("body,text", MARK_SHAPES)
def test_direct_quote_mark_shapes(qx, body, text):
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"].strip()) for q in quotes] == [("DIRECT", text)]


def test_quote_closed_in_a_later_paragraph(qx):
    body = ('وأضاف رئيس البلدية عمر السبيعي: "نعمل على تطوير الأحياء القديمة.\n'
            'وسنبدأ بالأحياء الشمالية خلال الشهر المقبل".\nوتستمر الأعمال في الموقع.')
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"]) for q in quotes] == [
        ("DIRECT", "نعمل على تطوير الأحياء القديمة.\nوسنبدأ بالأحياء الشمالية خلال الشهر المقبل")]
    assert _speaker(quotes[0]) == "عمر السبيعي"


def test_description_as_reported_speech(qx):
    body = "وانتقد وزير الدفاع القرار في بيان، واصفا إياه بأنه خطوة متسرعة."
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"]) for q in quotes] == [("INDIRECT", "خطوة متسرعة")]


def test_lead_sentence_names_the_speaker_of_a_bare_verb(qx):
    body = ("هدد الجيش الكوري الجنوبي اليوم بالرد على أي هجوم جديد.\n"
            "وأشار في بيان إلى أن قواته في حالة تأهب قصوى.")
    quotes = qx.extract(None, body, [])
    assert [(q["text"], _speaker(q)) for q in quotes] == [("قواته في حالة تأهب قصوى", "الجيش الكوري الجنوبي")]


# --- any text: no crash, offsets always index the field ----------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ["وقال", "أن", "إن", "بأن", "لافتا", "مشيرا إلى", "الوزير", "سعد", "الغامدي", "«", "»", "“", "”",
           '"', "‘", "’", ":", "،", ".", "\n", " ", "تنظيم", "وزارة", "الصحة", "ً", "ّ", "ـ", "ما يسمى", "يذكر"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60), st.lists(st.sampled_from(_PIECES), max_size=8))
def test_any_text_gives_valid_offsets(body_pieces, head_pieces):
    qx = QuoteExtractor(max_quote_chars=100)
    body = " ".join(body_pieces)
    headline = " ".join(head_pieces) or None
    quotes = qx.extract(headline, body, [])
    _check_offsets(quotes, headline, body)
    for q in quotes:
        assert q["kind"] in ("DIRECT", "PARTIAL", "INDIRECT") and q["end"] > q["start"]


def test_a_verbal_noun_that_opens_a_quote_ends_the_clause_before_it(qx):
    body = "وقال المدرب أحمد عيد إن اللعب خارجيا متاح بشرط الدراسة، واختتم حديثه بقوله «لست قلقا من أي شيء أبدا»."
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"]) for q in quotes] == [
        ("INDIRECT", "اللعب خارجيا متاح بشرط الدراسة"), ("DIRECT", "لست قلقا من أي شيء أبدا")]
    _check_offsets(quotes, None, body)


# --- round 6: opinion, estimate, condition, narration and prayer verbs of the labelling rules ----------
NEW_CUES = [
    ("ويعتقد الباحث سامر خليل أن الدواء الجديد فعال.", "الدواء الجديد فعال", "سامر خليل"),
    ("وقدرت منظمة الصحة العالمية أن عدد المصابين بلغ مليون شخص.", "عدد المصابين بلغ مليون شخص",
     "منظمة الصحة العالمية"),
    ("وأجمع المشاركون في الندوة على أن التعليم أساس التنمية.", "التعليم أساس التنمية", "المشاركون"),
    ("وروى شاهد عيان أن السيارة انحرفت عن الطريق.", "السيارة انحرفت عن الطريق", "شاهد عيان"),
    ("واشترطت الجامعة أن يكون المتقدم حاصلا على شهادة البكالوريوس.",
     "يكون المتقدم حاصلا على شهادة البكالوريوس", "الجامعة"),
    ("وختم الشيخ كلمته سائلا الله أن يحفظ البلاد من كل سوء.", "يحفظ البلاد من كل سوء", None),
    ("وادعت الشركة أن منتجاتها آمنة تماما.", "منتجاتها آمنة تماما", "الشركة"),   # ادعى, to claim (like زعم)
]


@pytest.mark.parametrize(("body", "span", "speaker"), NEW_CUES)
def test_opinion_estimate_and_prayer_verbs_report_a_clause(qx, body, span, speaker):
    (q,) = qx.extract(None, body, [])
    assert (q["kind"], q["text"], (q["speaker"] or {}).get("name")) == ("INDIRECT", span, speaker)


@pytest.mark.parametrize("body", ["وحظي المشروع بقدر كبير من الاهتمام لأن تكلفته منخفضة.",  # قدر, a noun
                                  "وروى الفلاح أرضه بماء البئر.",                           # روى, to water
                                  "ويدعون إلى الحوار بين الأطراف."])                        # يدعو, to call for
def test_the_same_words_without_a_reported_clause_are_no_quote(qx, body):
    assert qx.extract(None, body, []) == []


@pytest.mark.parametrize(("body", "span", "speaker"), [
    ("ووفقا لصحيفة النهار اللبنانية فإن المفاوضات توقفت أمس.", "المفاوضات توقفت أمس", "صحيفة النهار اللبنانية"),
    ("ووفقا لصحيفة النهار اللبنانية، فإن المفاوضات توقفت أمس.", "المفاوضات توقفت أمس", "صحيفة النهار اللبنانية"),
])
def test_a_frame_reports_its_fa_inna_clause_with_or_without_a_comma(qx, body, span, speaker):
    (q,) = qx.extract(None, body, [])
    assert (q["kind"], q["text"], (q["speaker"] or {}).get("name")) == ("INDIRECT", span, speaker)


@pytest.mark.parametrize(("body", "span", "speaker"), [
    ("وكان الوضع هادئا. وبحسب الصحيفة، ألقى التنظيم القبض على شخصين في الرقة.",
     "ألقى التنظيم القبض على شخصين في الرقة", "الصحيفة"),
    ("ووفقا لإحصاء وكالة رويترز فقد أصيب 11 شخصا في الهجوم.", "أصيب 11 شخصا في الهجوم", "إحصاء"),
    ("وكان الوضع هادئا. وبحسب المصادر، فقد شاركت طائرات التحالف في القصف.",     # فقد after the comma
     "شاركت طائرات التحالف في القصف", "المصادر"),
    ("وكان الوضع هادئا. وبحسب الشرطة المحلية ستتوقف حركة المرور في الشارع الرئيسي.",  # the noun phrase ends at a verb
     "ستتوقف حركة المرور في الشارع الرئيسي", "الشرطة"),
    ("وكان الوضع هادئا. ووفقا لصحيفة معاريف الإسرائيلية لن يتغير الموقف الأمريكي.",  # a particle opens the clause
     "لن يتغير الموقف الأمريكي", "صحيفة معاريف الإسرائيلية"),
    ("وكان الوضع هادئا. ووفقا لـ «رويترز»، فقد خفضت الشركة إنتاجها المستهدف للعام الحالي.",  # a quoted name
     "خفضت الشركة إنتاجها المستهدف للعام الحالي", "رويترز"),
])
def test_a_frame_opening_a_sentence_reports_its_clause_without_a_complementizer(qx, body, span, speaker):
    # the labelling rules: "a frame at the start of a clause counts without فإن too"
    (q,) = qx.extract(None, body, [])
    assert (q["kind"], q["text"]) == ("INDIRECT", span)
    assert speaker in (q["speaker"] or {}).get("name", "")


@pytest.mark.parametrize("body", [
    "وارتفعت الأسعار في الأسواق، بحسب الصحيفة، خلال الأسبوع الماضي بشكل كبير.",  # a trailing attribution
    "وكان الوضع هادئا. بحسبة بسيطة لأي مستخدم سيكتشف الجميع حجم المشكلة.",        # بحسبة, a calculation
    "وكان الوضع هادئا. وبحسب فرق الإحصاء بالمهرجان ملأت 1467 سيارة نقل الساحة.",   # no noun phrase ends here
])
def test_a_frame_inside_a_sentence_or_without_its_comma_is_no_quote(qx, body):
    assert qx.extract(None, body, []) == []


def test_a_frame_before_a_clause_with_its_own_speech_verb_leaves_the_quote_to_the_verb(qx):
    body = "وبحسب وكالة الأنباء، قال الوزير إن المفاوضات توقفت أمس."
    (q,) = qx.extract(None, body, [])
    assert (q["kind"], q["text"], q["speaker"]["name"]) == ("INDIRECT", "المفاوضات توقفت أمس", "الوزير")


@pytest.mark.parametrize(("body", "kind", "span"), [
    ("وكتب اللاعب في حسابه على تويتر: «أشكر الجماهير على دعمها».", "DIRECT", "أشكر الجماهير على دعمها"),
    ("وكتب الوزير أن المشروع سيكتمل العام المقبل.", "INDIRECT", "المشروع سيكتمل العام المقبل"),
    ("وغرد الأمير على تويتر: «شكرا لكم».", "DIRECT", "شكرا لكم"),
])
def test_written_and_tweeted_words_are_quotes(qx, body, kind, span):
    (q,) = qx.extract(None, body, [])
    assert (q["kind"], q["text"]) == (kind, span)


def test_books_are_no_cue(qx):
    assert qx.extract(None, "وتضم المكتبة كتب التاريخ وكتب الأدب.", []) == []


@pytest.mark.parametrize("body", ["ويعتقد أن طيور النورس تنتقم لنفسها من أهل المنطقة.",
                                  "وهو طريق ملاحة رئيسي يعتقد أنه يضم احتياطيات كبيرة من النفط."])
def test_impersonal_yu_taqad_is_no_quote(qx, body):
    assert qx.extract(None, body, []) == []   # يُعتقد أن: it is believed that, nobody speaks


# --- a frame's complementizers read off the field's complementizers, as the two patterns find them ----
from pipeline.nlp.quotes._base import _complementizers, _frame_complementizers  # noqa: E402

# The definition of a frame's complementizer: after a comma, أن / فإن / وأن with no pronoun or ه، ها، هم …
_FRAME_COMP_RE = re.compile(r"[،,][ \t]*(?:ف|و)?ان(?:ه|ها|هم)?(?!\w)")
# … or, without the comma, فإن alone (بحسب البيان فإن …)
_FRAME_FA_RE = re.compile(r"فان(?:ه|ها|هم)?(?!\w)")


def _frame_starts_by_scan(f: str) -> list[int]:
    fa = [m.start() for m in _FRAME_FA_RE.finditer(f)
          if f[m.start() - 1:m.start()] in (" ", "\t") and f[m.start() - 2:m.start() - 1] not in ("،", ",")]
    return sorted([m.start() for m in _FRAME_COMP_RE.finditer(f)] + fa)


_FRAME_PIECES = ["ووفقا", "للمصدر", "بحسب", "البيان", "ان", "فان", "وان", "بان", "انه", "فانها", "انهم", "انهما",
                 "انني", "فوان", "عرفان", "كان", "،", ",", " ", "  ", "\t", ".", "\n", "x"]


@pytest.mark.parametrize("f", ["ووفقا للمصدر، فان الوضع", "بحسب البيان فان الوضع", "بحسب البيان، فانه",
                               "قال،ان", "قال ، وانهم", "قال، بانه", "قال، انهما", "عرفان", "فان البيان",
                               " فان", "،  فان", "، فوان"])
def test_frame_complementizers_are_the_starts_the_patterns_find(f):
    assert _frame_complementizers(f, _complementizers(f)) == _frame_starts_by_scan(f)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAME_PIECES), max_size=30))
def test_frame_complementizers_agree_with_the_patterns_on_any_text(pieces):
    f = "".join(pieces)
    assert _frame_complementizers(f, _complementizers(f)) == _frame_starts_by_scan(f)


# --- a pattern tried only around its literal (_scan): the matches finditer gives ------------------------------
from pipeline.nlp.quotes._scan import char_offsets, finditer_at, starts_around  # noqa: E402

_AROUND_PATTERNS = [  # the shapes _fullest_org searches, with the stem هيئه
    (re.compile(r"(?<![\w])[وبل]?هيئه((?:[ \t]+[^\s.،,:؛«»“”\"]+){1,5})"), 1),
    (re.compile(r"(?<![\w])(?:ال|لل|بال|وال)هيئه((?:[ \t]+(?:ال\w+(?:ي|يه)|لل\w+)(?!\w)){1,3})"), 3),
]
_AROUND_PIECES = ["هيئه", "الهيئه", "وهيئه", "بالهيئه", "للهيئه", "كهيئه", "الوطنيه", "للاغاثه", "العامه", "ي",
                  " ", "\t", "،", ".", "«", "x"]


@pytest.mark.parametrize(("pattern", "before"), _AROUND_PATTERNS)
@pytest.mark.parametrize("text", ["وقالت الهيئه الوطنيه للاغاثه ان هيئه الاغاثه العامه", "بالهيئه العامه وهيئه الاغاثه",
                                  "كهيئه الاغاثه", "هيئه", "", "الهيئه الهيئه الهيئه الوطنيه"])
def test_a_pattern_tried_around_its_literal_gives_the_matches_of_finditer(pattern, before, text):
    found = [(m.span(), m.group(1)) for m in finditer_at(pattern, text, starts_around(text, "هيئه", before))]
    assert found == [(m.span(), m.group(1)) for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_AROUND_PIECES), max_size=30), st.sampled_from(_AROUND_PATTERNS))
def test_a_pattern_tried_around_its_literal_agrees_with_finditer_on_any_text(pieces, pattern_before):
    pattern, before = pattern_before
    text = "".join(pieces)
    found = [(m.span(), m.group(1)) for m in finditer_at(pattern, text, starts_around(text, "هيئه", before))]
    assert found == [(m.span(), m.group(1)) for m in pattern.finditer(text)]


# --- complementizers found from ان at a word's end: the matches of _COMP_RE ----------------------------
from pipeline.nlp.quotes._base import _COMP_RE  # noqa: E402

_COMP_PIECES = ["ان", "انه", "انهما", "اننا", "وان", "فان", "بان", "وبان", "فبان", "كان", "بيان", "مكان", "و", "ف",
                "ب", "ا", ".", "،", " ", "\n", "_", "3", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_COMP_PIECES), max_size=30))
def test_complementizers_are_the_matches_of_the_pattern(pieces):
    f = "".join(pieces)
    assert [m.span() for m in _complementizers(f)] == [m.span() for m in _COMP_RE.finditer(f)]


# --- a clause's comma patterns tried at its commas, the contrast only where one of its words stands -----
from pipeline.nlp.quotes._base import _BUT_RE, _BUT_WORDS, _CIRCUMSTANCE_RE, _NEW_TOPIC_RE  # noqa: E402

_CLAUSE_PIECES = ["،", ",", " ", "\t", "وفي", "ومن جهته", "مقدما", "مؤخرا", "شكره", "الا", "غير", "بيد", "ان",
                  "مكلارين", "الوزير", ".", "x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_CLAUSE_PIECES), max_size=30), st.integers(0, 5), st.integers(0, 5))
def test_comma_patterns_at_the_commas_are_their_matches(pieces, cut_start, cut_end):
    f = "".join(pieces)
    start, end = min(cut_start, len(f)), max(min(cut_start, len(f)), len(f) - cut_end)
    for pattern in (_NEW_TOPIC_RE, _CIRCUMSTANCE_RE):
        at_commas = [m.span() for m in (pattern.match(f, c, end) for c in char_offsets(f, "،,", start, end)) if m]
        assert at_commas == [m.span() for m in pattern.finditer(f, start, end)]
    if _BUT_RE.search(f, start, end):
        assert any(f.find(w, start, end) >= 0 for w in _BUT_WORDS)


# --- the quote modules' scans by str.find (_scan): the same places as the patterns they replace ----------
from pipeline.nlp.analysis import FoldedText  # noqa: E402
from pipeline.nlp.quotes._base import _FRAME_FIRST, _SENTENCE_ENDS, _SPACES  # noqa: E402
from pipeline.nlp.quotes.extractor import _Article  # noqa: E402
from pipeline.nlp.quotes.speakers.names import _QUOTED_NAME_OPENERS, _QUOTED_NAME_RE  # noqa: E402
_SCAN_PIECES = ["قال", "الوزير", ".", "!", "؟", "?", "…", "\n", " ", "\t", "\u00a0", "وبحسب", "صحيفة", "«", "»", "“",
                "”", '"', "(", ")", "1.5", "،", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SCAN_PIECES), max_size=40))
def test_scans_by_str_find_give_what_the_patterns_found(pieces):
    f = "".join(pieces)
    assert char_offsets(f, _SENTENCE_ENDS) == [m.start() for m in re.finditer("[" + re.escape(_SENTENCE_ENDS) + "]", f)]
    quoted = finditer_at(_QUOTED_NAME_RE, f, char_offsets(f, _QUOTED_NAME_OPENERS))
    assert [m.span() for m in quoted] == [m.span() for m in _QUOTED_NAME_RE.finditer(f)]
    # where a sentence opens before a frame's first letter, against the pattern that found it before
    opening = re.compile("[" + re.escape(_SENTENCE_ENDS) + "][" + _SPACES + "]*(?=" + _FRAME_FIRST + ")")
    art = _Article(QuoteExtractor(speaker_model=None), FoldedText(f), [], [], [], None, f)
    art.run()
    leading = len(art.f) - len(art.f.lstrip(_SPACES))
    assert list(art._frame_openings()) == [leading] + [m.end() for m in opening.finditer(art.f)]
