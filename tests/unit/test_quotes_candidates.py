"""The candidate generators of issue 11, round 2: a name in quote marks after a media, organization or
source noun, and the person's name inside a mention the entity extractor cut short or ran on. Table
tests on sentences written for them (no corpus text), then through the extractor's candidates."""
from __future__ import annotations

import re

import pytest

from pipeline.nlp.quotes import QuoteExtractor
from pipeline.nlp.quotes.speakers import extend_name, quoted_heads, trim_name

# (text, the full forms found)
QUOTED = [
    ('وذكرت صحيفة "النهار" المسائية أن المباراة تأجلت.', ["صحيفة النهار"]),
    ("وقالت لمجلة «أخبار الأسبوع» إنها ستعود.", ["مجلة أخبار الأسبوع"]),
    ("وكشفت مصادر “الصباح” أن العقد انتهى.", ["مصادر الصباح"]),
    ("وبثت قناة (سي بي سي) اللقاء كاملا.", ["قناة سي بي سي"]),
    ("وأعلنت شركة «نجمة» للطيران عن رحلات جديدة.", ["شركة نجمة"]),
    ("ونقلت وكالة «الأنباء المحلية» عن الوزير أنه سافر.", ["وكالة الأنباء المحلية"]),  # the و of وكالة is its own
    ("ونقلت ووكالة «سبق» الخبر.", ["وكالة سبق"]),
    # not a head noun, a definite head, a quote that is a clause, no closing mark
    ('وقال الرجل "لن أعود" ثم خرج.', []),
    ('ونشرت الصحيفة "النهار" الخبر.', []),
    ('وقال مصدر "إن الاجتماع انتهى بلا نتيجة".', []),
    ('وذكرت صحيفة "النهار أن', []),
]


@pytest.mark.parametrize(("text", "forms"), QUOTED)
def test_quoted_names_after_a_head_noun(text, forms):
    assert [full for _, _, full, _ in quoted_heads(text)] == forms


# (text, mention, the person's name)
EXTENDED = [
    ("وقال سالم يوسف حداد مدير المدرسة إن الدوام يبدأ غدا.", "سالم يوسف", "سالم يوسف حداد"),
    ("وأكد كمال عيسى وهو من سكان الحي أن الماء انقطع.", "كمال", "كمال عيسى"),
    ("وقال حمدان مالك المطعم إن الأسعار ثابتة.", "حمدان", "حمدان"),          # an owner noun ends it
    ("وقال عادل الكاتب الصحفي إن الكتاب صدر.", "عادل", "عادل"),             # a definite word ends it
    ("وقال نبيل إن الفريق جاهز.", "نبيل", "نبيل"),                          # a function word ends it
    ("وقال مروان، المدرب، إن الفريق جاهز.", "مروان", "مروان"),             # a comma ends it
    ("وأشاد الأمير فيصل بن سلمان بالمشروع.", "بن سلمان", "فيصل بن سلمان"),  # the given name before بن
    ("وقال أخوه سامر إن الطفل بخير.", "سامر", "سامر"),
]


@pytest.mark.parametrize(("text", "mention", "name"), EXTENDED)
def test_names_the_tagger_cut_are_extended(text, mention, name):
    start = text.index(mention)
    assert extend_name(text, start, start + len(mention)) == name


TRIMMED = [
    ("وقال مدرب الفريق بنادي الشروق حسام منير إن اللاعبين جاهزون.", "بنادي الشروق حسام منير", "حسام منير"),
    ("وألقى رئيس مجلس إدارة مجموعة النخيل الشيخ ماهر سعيد كلمة.", "النخيل الشيخ ماهر سعيد", "ماهر سعيد"),
    ("وقال رئيس نادي الأمل وليد ناصر إن الموسم صعب.", "الأمل وليد ناصر", "وليد ناصر"),   # the club is the genitive of نادي
    ("وقال رئيس نادي سلوان وليد ناصر إن الموسم صعب.", "سلوان وليد ناصر", "وليد ناصر"),
    ("وقال سليم داود أحد سكان البلدة إن السيل جرف الطريق.", "سليم داود أحد", "سليم داود"),
    ("وقال أخوه عبد الكريم الهاشمي إن الطفل بخير.", "عبد الكريم الهاشمي", "عبد الكريم الهاشمي"),
    ("وقال الوزير محمد علي حسن إن الخطة جاهزة.", "محمد علي حسن", "محمد علي حسن"),
]


@pytest.mark.parametrize(("text", "mention", "name"), TRIMMED)
def test_mentions_that_ran_on_are_trimmed_to_the_person(text, mention, name):
    start = text.index(mention)
    got = trim_name(text, start, start + len(mention))
    assert got == name


def _person(body, text):
    start = body.index(text)
    return {"type": "PERSON", "text": text, "canonical": text, "role": None, "field": "BODY",
            "start": start, "end": start + len(text), "method": "rules"}


def test_the_extractor_offers_the_fuller_forms_as_candidates():
    body = ('وقال كمال عيسى وهو من سكان الحي إن الماء انقطع منذ يومين. وذكرت صحيفة "النهار" المسائية '
            "أن البلدية وعدت بإصلاح الأنابيب.")
    qx = QuoteExtractor()
    found = qx.extract_candidates(None, body, [_person(body, "كمال")])
    names = {c.name for _, cands in found for c in cands}
    assert "كمال عيسى" in names
    assert "صحيفة النهار" in names
    assert "كمال" not in names  # the cut form is replaced by the fuller one


# a linked mention's canonical form (no text around it): (words, person?, what stays)
TRIMMED_WORDS = [
    ("بنادي الشروق حسام منير", True, "حسام منير"),
    ("بنادي الشروق حسام منير", False, "حسام منير"),
    ("مجموعة النخيل الشيخ ماهر سعيد", True, "ماهر سعيد"),
    ("جامعة الملك عبد الله", False, "جامعة الملك عبد الله"),  # an organization keeps its eponym title
    ("سليم داود أحد", True, "سليم داود"),
    ("بوزارة الصحة", False, "بوزارة الصحة"),                # two words: nothing to trim
    # round 4: what a person mention took in after the name
    ("فهد الزهراني مؤسس الشركة", True, "فهد الزهراني"),       # an owner noun in apposition
    ("نادر ياسين مستشار الوزير", True, "نادر ياسين"),          # an office with its genitive
    ("سالم العتيبي زيارة رسمية", True, "سالم العتيبي"),        # indefinite words after a definite surname
    ("سالم العتيبي القحطاني", True, "سالم العتيبي القحطاني"),  # two definite surnames stay
    ("جون سميث لأمريكا", True, "جون سميث"),                    # a glued preposition phrase
    ("خالد بن محمد آل سعود", True, "خالد بن محمد آل سعود"),   # بن and آل are parts of the name
    # round 9: after بن an office word is the father's name (مساعد), not an office in apposition
    ("عبدالله بن مساعد بن عبدالعزيز", True, "عبدالله بن مساعد بن عبدالعزيز"),
    ("جون سميث لإفريقيا", True, "جون سميث"),                  # lam and a hamza: a preposition
]


@pytest.mark.parametrize(("name", "person", "kept"), TRIMMED_WORDS)
def test_canonical_forms_are_trimmed_without_text(name, person, kept):
    from pipeline.nlp.quotes.speakers import _trim_words

    assert " ".join(_trim_words(name.split(), person)) == kept


def test_a_linked_surname_gets_the_trimmed_full_name():
    body = "وقال مدرب الفريق بنادي الشروق حسام منير إن اللاعبين جاهزون. وأضاف منير أن المباراة صعبة."
    ents = []
    for text, at in (("بنادي الشروق حسام منير", body.index("بنادي")), ("منير", body.index("منير أن"))):
        ents.append({"type": "PERSON", "text": text, "canonical": "بنادي الشروق حسام منير", "role": None,
                     "field": "BODY", "start": at, "end": at + len(text), "method": "link"})
    found = QuoteExtractor().extract_candidates(None, body, ents)
    assert len(found) == 2
    # the second quote's mention is the linked surname: its candidate is the person, not the run-on form
    entity_names = {c.name for c in found[1][1] if "entity" in c.features}
    assert entity_names == {"حسام منير"}


@pytest.mark.parametrize(("text", "issuer"), [
    ("أصدر مجلس بلدية الوادي تقريرا بمنجزاته.\nوأوضح التقرير أن المجلس أقر المشاريع.", "مجلس بلدية الوادي"),
    ("ونشرت وزارة الصحة بيانا أمس. وقال البيان إن الحالات تراجعت.", "وزارة الصحة"),
    ("وأصدرت الوزارة يوم الأحد الماضي بيانا. وقال البيان إن الحالات تراجعت.", "الوزارة"),   # time words left out
    ("وكان التقرير قد صدر أمس. وقال التقرير إن الحالات تراجعت.", None),                     # no issuer named
    ("وأصدر الرئيس قرارا بتعيين الوزير. وقال البيان إن الحالات تراجعت.", None),              # another report
    ("وأصدر الرئيس قرارا بتعيين الوزير. وقال القرار إن التعيين يبدأ غدا.", "الرئيس"),
    ("ووزعت الشركة خطابا على الموظفين. وأوضح الخطاب أن الرواتب تصرف غدا.", "الشركة"),
])
def test_a_bare_report_speaks_for_the_issuer_named_when_it_was_issued(text, issuer):
    from pipeline.nlp.quotes.speakers.names import issuer_named_before

    cue = re.search(r"و(?:قال|أوضح) (\S+)", text)
    found = issuer_named_before(text, cue.start(), cue.group(1))
    assert (found[1] if found else None) == issuer


def test_the_report_s_issuer_is_a_candidate():
    body = "أصدر مجلس بلدية الوادي تقريرا بمنجزاته.\nوأوضح التقرير أن المجلس أقر توزيع المشاريع."
    [(rec, cands)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, [])
    issuer = next(c for c in cands if c.name == "مجلس بلدية الوادي")
    assert issuer.features.get("report_issuer") == 1 and issuer.features.get("rule") == 1  # the report's reading


def test_a_surname_alone_gets_the_full_name_without_what_the_tagger_ran_on():
    # round 9: the article's full form of a name is the person, not the tagger's run-on mention
    body = ("ووصل الرئيس باراك أوباما لإفريقيا في زيارة رسمية. وقال أوباما إن الزيارة تاريخية.")
    ents = [_person(body, "باراك أوباما لإفريقيا"), _person(body, "أوباما إن")]
    ents[1]["text"] = ents[1]["canonical"] = "أوباما"
    ents[1]["end"] = ents[1]["start"] + len("أوباما")
    found = QuoteExtractor().extract_candidates(None, body, ents)
    names = {c.name for _, cands in found for c in cands}
    assert "باراك أوباما" in names and "باراك أوباما لإفريقيا" not in names


def test_an_accusative_after_a_name_is_no_part_of_it():
    from pipeline.nlp.quotes.speakers.names import without_circumstance

    assert without_circumstance("الحمود مغرداً") == "الحمود"
    assert without_circumstance("عامر الحمود") == "عامر الحمود"
    assert without_circumstance("مغرداً") == "مغرداً"  # one word stays (whether it is a name is decided elsewhere)
    body = "وكتب عامر الحمود في حسابه. وقال الحمود مغرداً: «سنعود أقوى من قبل إن شاء الله»."
    found = QuoteExtractor().extract_candidates(None, body, [_person(body, "عامر الحمود"), _person(body, "الحمود مغرداً")])
    names = {c.name for _, cands in found for c in cands}
    assert "الحمود مغرداً" not in names and "عامر الحمود" in names
