"""Speaker candidate generators of round 3 (issue 11): a description's longer form, a name that closes the
subject's phrase, a spokesman before باسم, a surname's full name in the article, and the features that
point to an office's named holder. Sentences of our own making."""
import pytest

from pipeline.nlp.quotes import QuoteExtractor
from pipeline.nlp.quotes.speakers import (FieldView, lengthen_description, spokesman_of, subject_tail_name,
                                          well_formed)
from pipeline.nlp.quotes.speakers.model import office_holder
from pipeline.nlp.quotes.speakers.names import (antecedent, descriptive_tail, extend_name, organization_extent,
                                                person_extent, report_issuer,
                                                subject_after_cue)
from pipeline.nlp.quotes.speakers.features import candidates
from pipeline.nlp.quotes.speakers.views import Candidate, QuoteView


def _lengthen(sentence: str, reading: str):
    at = sentence.index(reading)
    return lengthen_description(sentence, at, at + len(reading))


@pytest.mark.parametrize("sentence,reading,longer", [
    ("وقال مسؤولون تنفيذيون في الشركة الألمانية إن المبيعات تراجعت.", "مسؤولون تنفيذيون",
     "مسؤولون تنفيذيون في الشركة الألمانية"),
    ("وقالت وزارة الصحة المغربية في بيان إن الحالات تراجعت.", "وزارة الصحة", "وزارة الصحة المغربية"),
    ("وذكر مصدر طبي بإصابة ثلاثة أشخاص أن الحالة مستقرة.", "مصدر", "مصدر طبي"),
    ("وقال مدير عام الصحة في محافظة تعز، إن المستشفى امتلأ.", "مدير عام الصحة", "مدير عام الصحة في محافظة تعز"),
    ("وقال مصدر إن الأمر انتهى.", "مصدر", None),                                  # a complementizer
    ("وقالت الوزارة أمس إن الأمر انتهى.", "الوزارة", None),                        # a time word
    ("وقال متحدث باسم الشرطة لوكالة الأنباء إن الأمر انتهى.", "متحدث باسم الشرطة", None),  # the addressee
    ("وقالت الشرطة، إن الأمر انتهى.", "الشرطة", None),                             # a comma right after
    ("وقال منسق الحملة الدكتور سالم العلي إن الأمر انتهى.", "منسق الحملة", None),  # a title opens a name
    ("وأفادت وكالة أنباء الأناضول الحكومية التركية أمس أن", "وكالة أنباء الأناضول", None),  # descriptive adjectives
    ("وقالت وسائل الإعلام التركية إن الأمر انتهى.", "وسائل", "وسائل الإعلام التركية"),  # a genitive stays
    ("وكان مصدر مسؤول آنذاك قد أكد أن الأمر انتهى.", "مصدر", "مصدر مسؤول"),  # round 14: a time adverb
])
def test_a_description_takes_its_modifiers_up_to_the_end_of_its_phrase(sentence, reading, longer):
    got = _lengthen(sentence, reading)
    assert got == longer
    assert got is None or well_formed(got)


@pytest.mark.parametrize("sentence,name", [
    ("وقال مدير عام التعليم في محافظة جدة، سالم الحربي، إن المدارس جاهزة.", "سالم الحربي"),
    ("وأكد مدير إدارة المرور في المنطقة الشرقية فهد الدوسري أن الطرق آمنة.", "فهد الدوسري"),
    ("وذكر مصدر طبي بإصابة ثلاثة أشخاص أن الحالة مستقرة.", None),   # a run-on clause, not a description
    ("وقال وزير الخارجية، إن الوضع خطير.", None),                    # no name after the office
    ("وقال المدير العام للشؤون الصحية إن الوضع مستقر.", None),       # the phrase ends on definite words
])
def test_a_name_the_tagger_missed_closes_the_subjects_phrase(sentence, name):
    cue_end = sentence.index(" ")
    comp = max(sentence.find(" إن "), sentence.find(" أن "))
    got = subject_tail_name(sentence, cue_end, comp + 4)
    assert (got[1] if got else None) == name
    if got:
        assert sentence[got[0]:got[0] + len(got[1])] == name


@pytest.mark.parametrize("sentence,reading,spokesman", [
    ("وقال ناطق باسم الدفاع المدني إن الحريق أخمد.", "الدفاع المدني", "ناطق باسم"),
    ("وقال المتحدث باسم الوزارة إن الحريق أخمد.", "الوزارة", "المتحدث باسم"),
    ("وقال رئيس الدفاع المدني إن الحريق أخمد.", "الدفاع المدني", None),
])
def test_a_spokesman_before_basm_joins_the_name_after_it(sentence, reading, spokesman):
    assert spokesman_of(sentence, sentence.index(reading)) == spokesman


def _field(text: str, persons: list[str]) -> FieldView:
    mentions = []
    for i, name in enumerate(persons):
        at = text.index(name)
        mentions.append((at, at + len(name), i, "PERSON", name))
    mentions.sort()
    return FieldView(text, [], [], [], mentions)


@pytest.mark.parametrize("persons,short,full", [
    (["أحمد القطان"], "القطان", "أحمد القطان"),
    (["أحمد القطان"], "قطان", "أحمد القطان"),          # written without ال
    (["عابد خبراني"], "الخبراني", "عابد خبراني"),
    (["أحمد القطان", "سعيد القطان"], "القطان", None),  # two people share the surname: none
    (["أحمد القطان"], "الحربي", None),
])
def test_a_surname_said_alone_is_the_full_name_the_article_gave(persons, short, full):
    text = "التقى " + " و".join(persons) + " بالوفد، وقال " + short + " إن الزيارة مهمة."
    assert _field(text, persons).full_person(short) == full


def test_the_name_closing_an_office_phrase_is_its_holder():
    """وأوضح المنسق الإعلامي … خالد بن محمد العتيبي، أن: the rules read the office; the name that ends the
    subject's phrase is a candidate marked as such, and the packaged model chooses it."""
    body = "وأوضح المنسق الإعلامي في اللجنة المحلية للانتخابات خالد بن محمد العتيبي، أن اللجنة أتمت أعمالها في الموعد."
    name = "خالد بن محمد العتيبي"
    at = body.index(name)
    ents = [{"type": "PERSON", "start": at, "end": at + len(name), "text": name, "canonical": name, "field": "BODY"}]
    [(rec, cands)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, ents)
    assert rec["speaker"]["name"] != name  # the rules read the office
    holder = next(c for c in cands if c.name == name)
    assert {"subject_run", "subject_run&office"} <= set(holder.features)
    [quote] = QuoteExtractor().extract(None, body, ents)
    assert quote["speaker"]["name"] == name


# round 4: the subject right after a speech verb (sentences of our own making)
@pytest.mark.parametrize("sentence,found", [
    ("وقال مسؤول أمريكي للصحافيين بعد الاجتماع إن المحادثات كانت صريحة.", ("مسؤول أمريكي", False)),
    ("وقال علي منصور مدير إدارة الأراضي إن الرسوم تغيرت.", ("علي منصور", True)),
    ("وقال سالم العتيبي، إن الفريق جاهز.", ("سالم العتيبي", True)),
    ("وقال عضو المجلس الوطني السوري خالد يوسف إن الوفد وصل.", ("خالد يوسف", True)),  # a name closing the description
    ("وقال مصدر إن الأمر انتهى.", None),                       # one word: the rules read it
    ("وقال في تصريح صحفي إن الأمر انتهى.", None),              # a preposition phrase first
    ("وقال بيان صادر عن الوزارة إن الأمر انتهى.", None),        # a report
    ("وقال مسؤول أمريكي كبير سابق في الإدارة إن الأمر انتهى.", ("مسؤول أمريكي كبير سابق", False)),  # up to في
])
def test_the_subject_right_after_a_speech_verb(sentence, found):
    got = subject_after_cue(sentence, sentence.index(" "), len(sentence))
    assert (got[1:] if got else None) == found
    if got:
        assert sentence[got[0]:got[0] + len(got[1])] == got[1]
        assert well_formed(got[1])


# round 5: a report speaks for its issuer (sentences of our own making)
@pytest.mark.parametrize("phrase,issuer", [
    ("تقرير للمنظمة العربية لحقوق الإنسان", "المنظمة العربية لحقوق الإنسان"),  # للـ → الـ
    ("بيان لوزارة النقل", "وزارة النقل"),                                        # لـ on a head noun
    ("بيان وزارة النقل المصرية", "وزارة النقل المصرية"),                         # a genitive
    ("تقرير صادر عن هيئة الرقابة المالية", "هيئة الرقابة المالية"),
    ("تقرير للهيئة", None),              # a bare head noun names no issuer
    ("تقرير إخباري", None),              # an adjective, no issuer
    ("البيان الختامي", None),
    ("مصدر أمني", None),                 # not a report
])
def test_a_report_names_its_issuer(phrase, issuer):
    assert report_issuer(phrase) == issuer
    if issuer:
        assert well_formed(issuer)


def test_the_issuer_of_a_report_is_a_candidate():
    """وأوضح تقرير للهيئة …: the issuer is a candidate, and the packaged model chooses it over the report."""
    body = "وأوضح تقرير للهيئة العامة للإحصاء أمس أن عدد السكان تضاعف خلال العقد."
    [(rec, cands)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, [])
    assert rec["speaker"]["name"] == "تقرير للهيئة"  # the rules read the report
    issuer = next(c for c in cands if c.name == "الهيئة العامة للإحصاء")
    assert "report_issuer" in issuer.features and "report_noun" not in issuer.features
    [quote] = QuoteExtractor().extract(None, body, [])
    assert quote["speaker"]["name"] == "الهيئة العامة للإحصاء"


def test_bayan_is_a_report_noun_not_a_preposition_on_yan():
    """بيان opens with ب, which is not a preposition here: a statement is a report, never a speaker alone,
    and its issuer is a candidate."""
    assert not well_formed("بيان صادر")
    body = "وقال بيان لوزارة النقل المصرية إن الطريق أغلق أمام الشاحنات."
    [(rec, cands)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, [])
    report = next(c for c in cands if c.name == rec["speaker"]["name"])
    assert "report_noun" in report.features
    assert any(c.name == "وزارة النقل" and "report_issuer" in c.features for c in cands)


# round 5: an office word that is a name, before the office in apposition (sentences of our own making)
@pytest.mark.parametrize("sentence,mention,name", [
    ("وقال خالد سعيد امين حاكم ولاية كسلا إن الأمطار توقفت.", "خالد سعيد", "خالد سعيد امين"),
    ("وقال سامي أمين محافظ المدينة إن الأمطار توقفت.", "سامي", "سامي أمين"),
    ("وقال خالد سعيد امين عام الحزب إن الأمطار توقفت.", "خالد سعيد", "خالد سعيد"),       # أمين عام: the office
    ("وقال خالد سعيد مساعد وزير الزراعة إن الأمطار توقفت.", "خالد سعيد", "خالد سعيد"),   # an office of an office
    ("وقال خالد سعيد امين، حاكم الولاية، إن الأمطار توقفت.", "خالد سعيد", "خالد سعيد"),  # a comma between
])
def test_an_office_word_before_another_office_is_part_of_the_name(sentence, mention, name):
    at = sentence.index(mention)
    assert extend_name(sentence, at, at + len(mention)) == name


def test_the_name_the_tagger_cut_before_an_office_word_names_its_later_mentions():
    """خالد سعيد | امين حاكم …, then خالد سعيد alone: the article's full name is خالد سعيد امين."""
    text = "وقال خالد سعيد امين حاكم ولاية كسلا إن الأمطار توقفت. وأوضح خالد سعيد أن الطرق فتحت."
    assert _field(text, ["خالد سعيد"]).full_person("خالد سعيد") == "خالد سعيد امين"
    text = "وقال خالد سعيد مدير الإدارة إن الأمطار توقفت. وأوضح خالد سعيد أن الطرق فتحت."
    assert _field(text, ["خالد سعيد"]).full_person("خالد سعيد") is None


def test_a_continuation_of_plain_words_is_marked_as_such():
    """وقالت تقارير … وأضافت: the continuation of a reading that is neither an entity, a description nor a
    name gets rule_plain&implicit; the explicit reading does not."""
    body = "وقالت تقارير إن المفاوضات تعثرت في الجولة الأخيرة. وأضافت أن الوفدين غادرا العاصمة."
    (_, first), (_, second) = QuoteExtractor(speaker_model=None).extract_candidates(None, body, [])
    assert "rule_plain&implicit" not in next(c for c in first if c.name).features
    assert {"rule_plain", "rule_implicit", "rule_plain&implicit"} <= set(next(c for c in second if c.name).features)


def test_a_continuation_of_a_name_the_tagger_missed_is_not_plain_words():
    """وقال فهد الدوسري … وأضاف, without entities: a continuation of a name run is not marked as a
    continuation of common nouns."""
    body = "وقال فهد الدوسري إن الفريق جاهز للمباراة. وأضاف أن اللاعبين في حالة جيدة."
    (_, _), (_, second) = QuoteExtractor(speaker_model=None).extract_candidates(None, body, [])
    reading = next(c for c in second if "rule_implicit" in c.features)
    assert "rule_plain&implicit" not in reading.features


# round 10: a definite re-mention named as the article first named it (the labelling rules: "its later
# definite mention (المصدر) is the same source")
@pytest.mark.parametrize("text,reading,first", [
    ("قال رجل ياباني إن الأمر صعب. وأضاف الرجل أن", "الرجل", "رجل ياباني"),
    ("توصل باحثون أمريكيون إلى أن النوم مفيد. وقال الباحثون إن", "الباحثون", "باحثون أمريكيون"),
    ("أعلنت خلية الإعلام الحربي أن القوات تقدمت. وقالت الخلية إن", "الخلية", "خلية الإعلام الحربي"),
    ("وذكر موقع Droid Life أن الهاتف تأخر. وأضاف الموقع أن", "الموقع", "موقع Droid Life"),
    ("أظهر استطلاع أن الناخبين منقسمون. وقال الاستطلاع إن", "الاستطلاع", "استطلاع"),
    ("وقال الرجل إن رجل الأمن وصل. وأضاف الرجل أن", "الرجل", None),      # the definite form came first
    ("وقال سفير اليابان إن العلاقات جيدة. وأضاف السفير أن", "السفير", None),  # an office: its holder speaks
    ("تظاهر يمنيون أمس. وقال اليمنيون إن", "اليمنيون", None),             # a people, not a re-mention
    ("وقال المصدر إن الأمر انتهى", "المصدر", None),                        # nothing before it
    ('نشر موقع "بورد باندا" صورا. وقال الموقع إن', "الموقع", None),       # the quoted name names it
    ("قال مصدر إن الأمر انتهى. وأضاف المصدر أن", "المصدر", "مصدر"),       # a source needs no name
    # round 14: a head with its modifiers and their complement, as lengthen_description reads it
    ("وقال مصدر مسؤول في وزارة الخارجية الكويتية إن الكويت تقف مع المملكة. وعبر المصدر عن", "المصدر",
     "مصدر مسؤول في وزارة الخارجية الكويتية"),
    ("وأوضح مصدر في حكومة جوبا أن العلاقات توترت. وأضاف المصدر أن", "المصدر", "مصدر في حكومة جوبا"),
])
def test_a_definite_remention_is_named_as_the_article_first_named_it(text, reading, first):
    assert antecedent(text, reading, len(text)) == first


def test_the_antecedent_names_the_speaker_of_a_remention():
    body = "وقال رجل ياباني في الخمسين إن المدينة تغيرت كثيرا. وأضاف الرجل أن الأسعار ارتفعت في الأعوام الأخيرة."
    quotes = QuoteExtractor().extract(None, body, [])
    assert [q["speaker"]["name"] for q in quotes] == ["رجل ياباني", "رجل ياباني"]


# round 10: the words of a person's name the tagger left outside its mention, when Wikidata knows them as names
@pytest.mark.parametrize("text,mention,name", [
    ("كانت بداية ضاحي خلفان نائب رئيس الشرطة", "خلفان", "ضاحي خلفان"),
    ("وذكرت مسؤولة اللجنة زكية الخضراوي أن", "الخضراوي", "زكية الخضراوي"),
    ('وقال الشيخ أحمد الفهد الصباح "إن', "أحمد الفهد", "أحمد الفهد الصباح"),
    ("ودعا الدكتور خالد المصلح الله أن", "خالد المصلح", "خالد المصلح"),    # الله is no family name
    ("مدرب الشباب الموسم المقبل", "الشباب", "الشباب"),                      # one word, definite
    ("وأكد خلفان أن", "خلفان", "خلفان"),                                    # a verb before it
    ("كانت بداية ضاحي، خلفان", "خلفان", "خلفان"),                          # a comma between
])
def test_a_person_takes_the_given_or_family_name_the_tagger_left_out(text, mention, name):
    at = text.index(mention)
    assert person_extent(text, at, at + len(mention)) == name


def test_a_surname_said_alone_is_named_in_full_from_the_given_name_before_it():
    text = "كانت بداية ضاحي خلفان نائب رئيس الشرطة مع الكرة. وأكد خلفان أن النادي كبير."
    assert _field(text, ["خلفان"]).full_person("خلفان") == "ضاحي خلفان"


def _cand(name, *features):
    return Candidate(name, name, None, {f: 1.0 for f in features})


def test_an_office_read_by_the_rules_is_resolved_to_the_holder_named_beside_it():
    office = _cand("السفير المصري", "rule", "type=DESCRIPTION")
    holder = _cand("أسامة شلتوت", "entity", "type=PERSON", "holds_rule_office&same_sentence&role")
    other = _cand("عبدالفتاح السيسي", "entity", "type=PERSON")
    score = {"السفير المصري": 2.0, "أسامة شلتوت": 1.0, "عبدالفتاح السيسي": 1.5}.get
    assert office_holder(office, [office, holder, other], lambda c: score(c.name)) is holder
    assert office_holder(office, [office, other], lambda c: score(c.name)) is office  # no holder named
    assert office_holder(other, [office, holder, other], lambda c: score(c.name)) is other  # a person already


# round 13: an organization with the nationality and the seat the tagger left out; the previous speaker in
# the article's full form; a one-word start of a run-on reading is no candidate (sentences of our own making)
def _entity(body: str, text: str, etype: str = "PERSON", canonical: str | None = None, at: str | None = None) -> dict:
    """An entity record of ``text`` in ``body`` (where ``at`` begins, if given), as the entity extractor makes them."""
    start = body.index(at if at is not None else text)
    return {"type": etype, "start": start, "end": start + len(text), "text": text,
            "canonical": canonical or text, "field": "BODY"}


def _seats(text: str, places: list[str], bodies: list[str]) -> list[tuple[int, int]]:
    return sorted((text.index(w), text.index(w) + len(w)) for w in places + bodies)


@pytest.mark.parametrize("text,org,places,bodies,longer", [
    ("وقالت وزارة الداخلية المصرية في بيان إن", "وزارة الداخلية", [], [], "وزارة الداخلية المصرية"),
    ("وذكر المركز المالي الكويتي أن", "المركز المالي", [], [], "المركز المالي الكويتي"),
    ("وقالت وزارة الصحة العامة في تايلند إن", "وزارة الصحة العامة", ["تايلند"], [],
     "وزارة الصحة العامة في تايلند"),
    ("وقال معهد السياحة بجامعة الملك عبدالعزيز إن", "معهد السياحة", [], ["جامعة الملك عبدالعزيز"],
     "معهد السياحة بجامعة الملك عبدالعزيز"),
    ("وأعلنت مديرية الدفاع المدني بمنطقة عسير أن", "مديرية الدفاع المدني", ["عسير"], [],
     "مديرية الدفاع المدني بمنطقة عسير"),
    ("وأفادت وكالة أنباء الأناضول الحكومية التركية أن", "وكالة أنباء الأناضول", [], [], None),  # descriptive
    ("وقالت الوزارة في مؤتمر صحفي إن", "الوزارة", [], [], None),          # في before no named seat
    ("وقالت وزارة الداخلية، المصرية إن", "وزارة الداخلية", [], [], None),  # a comma ends the name
])
def test_an_organization_takes_its_nationality_and_seat(text, org, places, bodies, longer):
    at = text.index(org)
    found = organization_extent(text, at, at + len(org), _seats(text, places, bodies))
    assert (found[0] if found else None) == longer
    if found and (places or bodies):
        seat = found[1]
        assert text[seat[0]:seat[1]] in places + bodies


def test_the_longer_organization_is_a_candidate_of_its_own():
    """The tagger's وزارة الداخلية and the longer وزارة الداخلية المصرية are both candidates; the longer one
    carries org_longer and the mention's own place features."""
    body = "وقالت وزارة الداخلية المصرية في بيان إن الانفجار وقع أمام المحكمة."
    ents = [_entity(body, "وزارة الداخلية", "ORGANIZATION")]
    [(_, cands)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, ents)
    longer = next(c for c in cands if c.name == "وزارة الداخلية المصرية")
    assert {"org_longer", "org_longer&words=1", "vso_subject"} <= set(longer.features)
    assert any(c.name == "وزارة الداخلية" and "org_longer" not in c.features for c in cands)


@pytest.mark.parametrize("longer,name,descriptive", [
    ("وكالة أنباء الأناضول الحكومية التركية", "وكالة أنباء الأناضول", True),
    ("وسائل الإعلام التركية", "وسائل", False),              # الإعلام is its genitive
    ("وزارة الصحة المصرية", "وزارة الصحة", False),          # a nationality is part of the name
    ("مصدر أمني الرسمي", "مصدر أمني", False),               # a source is no organization
])
def test_descriptive_adjectives_are_no_part_of_an_organizations_name(longer, name, descriptive):
    assert descriptive_tail(longer, name) is descriptive


def test_the_previous_speaker_is_named_in_the_articles_full_form():
    """The model chose the short form الغامدي for the last quote; a bare continuation's previous-speaker
    candidate is the full name the article gave, merged with that mention's candidate and marked as the
    fuller form."""
    text = "وقال مدير المستشفى حمدان فلاح الغامدي إن الحالات مستقرة. وأضاف أن المرضى بخير."
    fv = _field(text, ["حمدان فلاح الغامدي"])
    cue = text.index("وأضاف")
    start = text.index("المرضى")
    q = QuoteView("INDIRECT", start, len(text) - 1, cue, cue + len("وأضاف"), cue_proclitic=True,
                  rule_name="الغامدي", rule_implicit=True)
    cands = candidates(fv, q, "الغامدي", ["حمدان فلاح الغامدي"], {})
    previous = [c for c in cands if "previous" in c.features]
    assert [c.name for c in previous] == ["حمدان فلاح الغامدي"]
    assert "previous_fuller" in previous[0].features and "entity" in previous[0].features


def test_one_word_left_of_a_run_on_reading_is_no_candidate():
    """A share bar before the cue (… جوجل بلس اكتب رأيك أكد …): the rules read the run-on phrase بلس اكتب رأيك;
    its one-word start (بلس) is not offered as a speaker, while a description's head would be (مسؤولين
    قولهم → مسؤولين)."""
    body = ("شارك من خلال تويتر فيسبوك جوجل بلس اكتب رأيك أكد لـ «عكاظ» عدد من أهالي أبو عريش، أن المجلس البلدي "
            "لم يقدم خدمات تذكر.")
    [(rec, _)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, [])
    assert rec["speaker"]["name"] == "بلس اكتب رأيك"  # the run-on reading the guard is about
    for _, cands in QuoteExtractor(speaker_model=None).extract_candidates(None, body, []):
        assert not any("rule_trimmed" in c.features and " " not in c.name for c in cands if c.name)


def test_a_name_is_scored_where_it_is_the_verbs_subject():
    """وأوضح عميد … الدكتور مطلق العتيبي، أن «…» … العتيبي: the same person named again right after a long quote
    is nearer to its end, but the candidate's features are those of the subject between the cue and the quote."""
    body = ("وأوضح عميد شؤون أعضاء هيئة التدريس بالجامعة الدكتور مطلق العتيبي، أن شروط التقدم لهذه الوظائف تتضمن "
            "أن يكون المتقدم سعودي الجنسية وحاصلا على درجة البكالوريوس من جامعة معترف بها وبتقدير جيد جدا على الأقل. "
            "وشكر العتيبي الجميع.")
    ents = [_entity(body, "مطلق العتيبي"), _entity(body, "العتيبي", canonical="مطلق العتيبي", at="العتيبي الجميع")]
    [(_, cands)] = QuoteExtractor(speaker_model=None).extract_candidates(None, body, ents)
    person = next(c for c in cands if c.name == "مطلق العتيبي")
    assert "side=after" in person.features and "sentences=0" in person.features
    assert "quote_between" not in person.features


def test_the_office_holder_is_not_shadowed_by_a_nearer_mention_of_another_type():
    """أكد محافظ خميس مشيط سعيد بن عبدالعزيز بن مشيط …، ¶ … بن مشيط … ¶ وأضاف المحافظ: the tagger typed a later
    بن مشيط as an organization and linked it to the governor's name; the office's holder, named far before
    the quote, is still the person mention, with the holder features."""
    filler = "وشهد المعرض إقبالا كبيرا من الزوار طوال أيامه وتنوعت فيه المعروضات من المشغولات اليدوية. " * 8
    body = ("أكد محافظ خميس مشيط سعيد بن عبدالعزيز بن مشيط أهمية المعرض للأسر المنتجة.\n" + filler + "\n"
            "وزار المعرض عدد كبير من الأهالي وأشادوا بجهود بن مشيط في دعم الحرفيين.\n"
            "وأضاف المحافظ: «سنواصل دعم الأسر المنتجة في كل المواسم المقبلة».")
    assert body.index("وأضاف المحافظ") > 600  # the holder is named out of the quote's window
    ents = [_entity(body, "سعيد بن عبدالعزيز بن مشيط"),
            _entity(body, "بن مشيط", "ORGANIZATION", canonical="سعيد بن عبدالعزيز بن مشيط", at="بن مشيط في")]
    found = QuoteExtractor(speaker_model=None).extract_candidates(None, body, ents)
    cands = next(c for rec, c in found if rec["text"].startswith("سنواصل"))
    holder = next(c for c in cands if c.name == "سعيد بن عبدالعزيز بن مشيط")
    assert holder.entity_type == "PERSON" and "holds_rule_office" in holder.features


def test_two_dots_do_not_end_the_sentence_that_names_the_continued_subject():
    """وكان لافروف شدد على … الدولي.. وقال «…»: the bare قال continues لافروف, named before the two dots,
    which pause the sentence and do not end it."""
    text = "وكان لافروف شدد على ضرورة تحقيق الانتصار على الإرهاب الدولي.. وقال «إننا نتطلع إلى السلام في العالم»."
    dots = text.index("..")
    fv = FieldView(text, [dots, dots + 1, len(text) - 1], [], [], [])
    cue = text.index("وقال")
    start = text.index("إننا")
    q = QuoteView("DIRECT", start, text.index("»"), cue, cue + len("وقال"), cue_proclitic=True,
                  rule_name="لافروف", rule_implicit=True)
    rule = next(c for c in candidates(fv, q, None, [], {}) if "rule" in c.features)
    assert "rule_implicit&named_in_sentence" in rule.features
