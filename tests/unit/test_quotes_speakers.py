"""Speaker resolution rules of the quote extractor, one table row per rule, on Arabic sentences written
for these tests (no corpus text)."""
from __future__ import annotations

import pytest

from pipeline.nlp.normalize import normalize
from pipeline.nlp.quotes import QuoteExtractor


@pytest.fixture(scope="module")
def qx() -> QuoteExtractor:
    return QuoteExtractor()


def _speaker_of(quotes, text):
    hits = [q for q in quotes if q["text"] == text]
    assert hits, f"no quote {text!r} in {[q['text'] for q in quotes]}"
    sp = hits[0]["speaker"]
    return sp["name"] if sp else None


def _entity(body, text, etype, canonical=None):
    start = body.index(text)
    return {"type": etype, "text": text, "canonical": canonical or text, "role": None, "field": "BODY",
            "start": start, "end": start + len(text), "method": "rules"}


# (rule, body, quote text, expected speaker or None)
SPEAKERS = [
    # a speech verb that introduces no clause (تشير inside a reported clause) is not a new speaker
    ("verb inside reported content",
     "وقال مدير التعليم سعد الفهيد إن الأرقام تشير لمشاركة آلاف الطلاب في البرنامج. وأضاف أن المدارس جاهزة.",
     "المدارس جاهزة", "سعد الفهيد"),
    ("وفق وصفه is not a speaker",
     "وأضاف اللواء محمد المقدشي إن الانتصارات مقدمة للتحرير وفق وصفه.\nكما أشار إلى أن العمل جار لبناء الجيش.",
     "العمل جار لبناء الجيش", "محمد المقدشي"),
    # يعتبر is "is considered": its object is no speaker
    ("passive يعتبر",
     "وأوضح مدير الصحة أحمد السهلي أن المستشفى يعتبر مشروعا وزاريا، لافتا إلى أن الاستلام قريب.",
     "الاستلام قريب", "أحمد السهلي"),
    # م. د. are titles, not sentence ends
    ("abbreviated title",
     "وقال م. حسام الرشودي، الرئيس التنفيذي للشركة: «نعمل على تطوير المشروع بسرعة». وأكد أن المبيعات ارتفعت.",
     "نعمل على تطوير المشروع بسرعة", "حسام الرشودي"),
    ("abbreviated title, continued",
     "وقال م. حسام الرشودي، الرئيس التنفيذي للشركة: «نعمل على تطوير المشروع بسرعة». وأكد أن المبيعات ارتفعت.",
     "المبيعات ارتفعت", "حسام الرشودي"),
    ("كان X قد قال",
     "وكان سالم المقدشي قد قال في تصريحات سابقة إن طهران دعمت الحوثيين.", "طهران دعمت الحوثيين",
     "سالم المقدشي"),
    # a participle goes with the speech verb of its own sentence, past verbs that are no speech (تبلغ)
    ("participle after a bare speech verb",
     "وقال الوزير فهد الحربي إن العمل مستمر. وأكد أن الفلل تبلغ مساحتها 500 متر، بينما تبلغ مساحة فيلا "
     "الزاوية 600 متر، مشيرا إلى أن التسليم قريب.", "التسليم قريب", "فهد الحربي"),
    # a participle after a main verb that is not a speech verb: that verb's subject speaks
    ("participle after a non-speech verb",
     "وافتتح أمير المنطقة الأمير فيصل بن بندر أمس المعرض الدولي، مؤكدا أن المنطقة تشهد نهضة.",
     "المنطقة تشهد نهضة", "فيصل بن بندر"),
    ("definite descriptor before a one-word name",
     "من جانبه، أبدى المحترف الغاني مونتاري سعادته بالاستقبال، متمنيا أن ينجح مع الفريق.",
     "ينجح مع الفريق", "مونتاري"),
    # a title inside an institution's name (مركز الملك سلمان) is not the speaker
    ("eponym inside an organization",
     "وأوضح المتحدث الرسمي باسم مركز الملك سلمان للإغاثة رأفت الصباغ أن المساعدات وصلت.",
     "المساعدات وصلت", "رأفت الصباغ"),
    ("weekday as a family name",
     "من جانبه، أكد محمد الخميس رئيس لجنة التنمية، أن البرنامج نجح.", "البرنامج نجح", "محمد الخميس"),
    ("kinship noun before the name",
     "وأشار أخوه عبد الرحمن الحقباني إلى أن الراحل زار أمه.", "الراحل زار أمه", "عبد الرحمن الحقباني"),
    ("given name باسم",
     "أكد رئيس بعثة الفريق في معسكر سويسرا باسم أبوداود أن المعسكر نجح.", "المعسكر نجح", "باسم أبوداود"),
    # an office named without a name: the person who holds it in the article
    ("office named earlier with the name",
     "قال وزير الخارجية السعودي عادل الجبير إن الموقف ثابت.\nإلى ذلك قال وزير الخارجية إن الرياض ناقشت شراء "
     "أسلحة.", "الرياض ناقشت شراء أسلحة", "عادل الجبير"),
    ("office named later by وأضاف",
     "قال رئيس هيئة الأركان العامة اليمني إن المليشيات تتراجع.\nوأضاف اللواء الركن محمد علي المقدشي إن الحرب "
     "عربية.", "المليشيات تتراجع", "محمد علي المقدشي"),
    ("indefinite office with a genitive",
     "أوضح مدير الشؤون الصحية بمنطقة جازان الدكتور أحمد السهلي أن الوزارة دعمت المستشفيات.\nوبين مدير صحة "
     "جازان أن هناك عجزا في الكادر.", "هناك عجزا في الكادر", "أحمد السهلي"),
    # organizations: not cut too long, not too short
    ("indefinite chain ends at its definite noun",
     "أفادت وكالة أنباء الأناضول الحكومية التركية أمس أن الغارات استمرت.", "الغارات استمرت",
     "وكالة أنباء الأناضول"),
    ("participle phrase after an organization",
     "وكذبت الصحف الإسبانية المقربة من ريال مدريد الخبر، مؤكدة أنه يرغب في البقاء.", "يرغب في البقاء",
     "الصحف الإسبانية"),
    ("genitive with lam",
     "وقال المرصد السوري لحقوق الإنسان إن الاشتباكات استمرت.", "الاشتباكات استمرت",
     "المرصد السوري لحقوق الإنسان"),
    ("office of a ministry",
     "وقال المتحدث الرسمي لوزارة الصحة إن الحالات انخفضت.", "الحالات انخفضت", "المتحدث الرسمي لوزارة الصحة"),
    ("eponym inside an organization's name",
     "وأوضحت جامعة الملك خالد ممثلة في عمادة القبول أن التسجيل بدأ.", "التسجيل بدأ", "جامعة الملك خالد"),
    ("a definite head stops before an indefinite word",
     "وقال الاتحاد السعودي لكرة القدم ممثلا في لجنة المسابقات إن المباراة تأجلت.", "المباراة تأجلت",
     "الاتحاد السعودي لكرة القدم"),
    ("a definite head keeps only adjectives",
     "ولفتت الصحف الانتباه إلى أن اللاعب مصاب.", "اللاعب مصاب", "الصحف"),
    ("a report with no issuer speaks itself",
     "أوضحت دراسة طبية أمريكية بأن النوم المبكر مفيد.", "النوم المبكر مفيد", "دراسة طبية أمريكية"),
    ("the issuer of a report",
     "وأكد التقرير الصادر عن وزارة الاقتصاد أن النمو تسارع.", "النمو تسارع", "وزارة الاقتصاد"),
    ("genitive of an institution is no name",
     "وأوضح مدير الإعلام في سوق عكاظ محمد سمان، أن التحضيرات جارية.", "التحضيرات جارية", "محمد سمان"),
    ("occupation before the name",
     "وقال المساعد للطب العلاجي بصحة حفر الباطن الصيدلي علي الشمري إن الحفل نجح.", "الحفل نجح",
     "علي الشمري"),
    ("the name Ali after a descriptor",
     "أعلن الإعلامي السعودي علي الغفيلي عن تبرعه بأن يذهب ريع كتابه للجمعيات.",
     "يذهب ريع كتابه للجمعيات", "علي الغفيلي"),
    ("سموه refers back",
     "ورفع الأمير فهد بن سلطان، أمير المنطقة، برقية عزاء لأسر الشهداء.\nوعبر سموه عن استنكاره للعمل الجبان، "
     "مبينا أن الجناة "
     "سينالون عقابهم.", "الجناة سينالون عقابهم", "فهد بن سلطان"),
    ("office holder named in the article",
     "استقبل أمير المنطقة رئيس فرع الإفتاء بالمنطقة الدكتور سعد الحجري.\nوأوضح رئيس فرع الإفتاء بعسير أن الفكر "
     "المتطرف لا دين له.", "الفكر المتطرف لا دين له", "سعد الحجري"),
    ("سعادته refers to the titled name before",
     "وتطرق مدير التخطيط بالهيئة المهندس زيدان بن محمد في حديثه عن المزايا، كما أشار سعادته بأن المدن "
     "الصناعية تنمو.", "المدن الصناعية تنمو", "زيدان بن محمد"),
    ("a pronoun subject continues",
     "وقال المهندس كونياكو سايتو إن الفكرة جديدة. فهو يقول إنه يمكن أن يساعد الناس.", "يمكن أن يساعد الناس",
     "كونياكو سايتو"),
    ("كشف عن أن", "بعد أن كشف المدرب ستيف مكلارين عن أن المهاجم بحاجة لجراحة.", "المهاجم بحاجة لجراحة",
     "ستيف مكلارين"),
    ("quantified unnamed source, then its definite mention",
     "قالت ثلاثة مصادر مطلعة إن السندات ستطرح اليوم. وأضافت المصادر أنه تم تسعير السندات.",
     "تم تسعير السندات", "ثلاثة مصادر مطلعة"),
    ("a coordinated verb shares the sentence's subject",
     "قال تعالى (ولكم في القصاص حياة).\nووزارة الداخلية إذ تعلن ذلك لتؤكد حرصها على الأمن، وتحذر كل من تسول "
     "له نفسه بأن العقاب سيكون مصيره.", "العقاب سيكون مصيره", "وزارة الداخلية"),
    ("frame with فإن",
     "ووفقاً للمتحدث الرسمي للإمارة علي بن موسى زعلة، فإن أمير المنطقة بعث خطابا لوزير المالية.",
     "أمير المنطقة بعث خطابا لوزير المالية", "علي بن موسى زعلة"),
    ("unnamed source with its prepositional phrase",
     "أفاد مصدر في المقاومة الشعبية اليمنية اليوم بأن المقاومة تقدمت.", "المقاومة تقدمت",
     "مصدر في المقاومة الشعبية اليمنية"),
    ("the definite mention of an unnamed source",
     "أفاد مصدر في المقاومة الشعبية اليمنية اليوم بأن المقاومة تقدمت. وقال المصدر إن المسلحين فروا.",
     "المسلحين فروا", "مصدر في المقاومة الشعبية اليمنية"),
    ("the verb of a VSO lead is not part of the name",
     "أصدر دافيدي زيكانيلا عمدة القرية مرسوما جديدا.\nوأكد زيكانيلا أن الزائرين سيعفون من الضريبة.",
     "الزائرين سيعفون من الضريبة", "دافيدي زيكانيلا"),
    ("«…»، بحسب تصريحاته",
     'وقال العمدة دافيدي زيكانيلا إن المشروع ناجح. وستفرض ضرائب على "المتخلفين عن زيارة الطبيب بانتظام"، '
     "بحسب تصريحاته.", "المتخلفين عن زيارة الطبيب بانتظام", "دافيدي زيكانيلا"),
    ("عبّر … عن: a speech verb",
     'وقد عبر مدير المنتخب خالد مطر عن سعادته بالاحتفال وقال: "نحن سعداء بهذا الإنجاز الكبير".',
     "نحن سعداء بهذا الإنجاز الكبير", "خالد مطر"),
    ("a relative clause names nobody; an occupation is an unnamed source",
     'وقال الطبيب البيطري الذي قام بمعالجة الكلبة "فينيت": إنها تعرضت لضربة شمس.', "تعرضت لضربة شمس",
     "الطبيب البيطري"),
    ("برر … بأن, and ما حدث is no subject",
     "وقال الطبيب سعد العمري إن الحالة خطيرة، وبرر ما حدث بأن الكلاب لا تتعرق.", "الكلاب لا تتعرق",
     "سعد العمري"),
    ("a speech verb before the name, ؛ between appositions",
     "وقال دانيل بوش؛ من فريق المنظمة، إن نصف الناجين يشكون آلاما. وقال بوش إن ربع الناجين يعانون.",
     "ربع الناجين يعانون", "دانيل بوش"),
    ("؛ in the attribution of a direct quote",
     'وقال أنديرس نوردستروم؛ ممثل المنظمة في سيراليون؛ "العالم لم يشهد مثل هذا العدد من الناجين".',
     "العالم لم يشهد مثل هذا العدد من الناجين", "أنديرس نوردستروم"),
    ("the object ذلك before the subject",
     "وجاء ذلك بعد انتهاء الترتيبات، أوضح ذلك مدير شؤون الموظفين مشهور بن ناشي المطرفي. وأضاف أن الصرف بدأ.",
     "الصرف بدأ", "مشهور بن ناشي المطرفي"),
    ("a patronymic before a relative pronoun",
     "ورأس الاجتماع رئيس وفد البريد السعودي صالح بن حسن الضعيان الذي أوضح أن الاجتماع ناقش البنود.",
     "الاجتماع ناقش البنود", "صالح بن حسن الضعيان"),
    ("the first mention of an organization named by its head later",
     "سجلت شركة بيشة الزراعية من خلال قوائمها المعدة من قبل الشركة للفترة المنتهية خسارة.\nوأضافت الشركة "
     "أن الأصول تراجعت.", "الأصول تراجعت", "شركة بيشة الزراعية"),
    ("a definite noun and its participle",
     "واوضح الرجل المتقاعد للصحافيين انه لم يكن على علم بالمخدرات.", "لم يكن على علم بالمخدرات",
     "الرجل المتقاعد"),
    ("«…»، على ما أوضحت X",
     "“عثرت الشرطة معه على علب صابون تحوي الكوكايين”، على ما أوضحت الشرطة في بيان.",
     "عثرت الشرطة معه على علب صابون تحوي الكوكايين", "الشرطة"),
    ("another organization head",
     "وأوضحت خلية الإعلام الحربي في بيان أن القوات تقدمت.", "القوات تقدمت", "خلية الإعلام الحربي"),
    # addressees are not part of the speaker
    ("media addressee",
     "بينما قال المتحدث الرسمي للشرطة لوكالة الأنباء: يبدو أن القرية هادئة تماما.",
     "يبدو أن القرية هادئة تماما", "المتحدث الرسمي للشرطة"),
    ("quoted addressee before the subject",
     'وأبلغ "الوطن" مصدر مطلع على التحقيقات أن الإمام لم يحصل على موافقة.', "الإمام لم يحصل على موافقة",
     "مصدر مطلع على التحقيقات"),
    # subjects separated from the verb by a prepositional or time phrase
    ("PP before the subject",
     "وأكد في تصريح للصحفيين أمس وزير الصحة توفيق الربيعة أن الحالات انخفضت.", "الحالات انخفضت",
     "توفيق الربيعة"),
    ("PP with an addressee is no subject",
     "وقال في رسالة إلى وزير الخارجية إن الوضع خطير.", "الوضع خطير", None),
    # نقل … عن X أن: the source speaks
    ("نقل عن", "ونقلت صحيفة الحياة عن مصدر دبلوماسي أن المفاوضات ستستأنف.", "المفاوضات ستستأنف",
     "مصدر دبلوماسي"),
    # noun-headed reports
    ("اعتراف X بأن",
     "وجاء ذلك بعد اعتراف وزير الداخلية أحمد السالم بأن الأجهزة تأخرت في الاستجابة.",
     "الأجهزة تأخرت في الاستجابة", "أحمد السالم"),
    ("في تصريح is a circumstance",
     "وقال اللواء سعد الزعبي في تصريح صحافي إن الأمن مستتب.", "الأمن مستتب", "سعد الزعبي"),
    # topic of أما … فـ
    ("أما X فقال",
     "أما أعمام الفتاة عبده وعدنان فقالا: «لقد أصابنا الذهول مما سمعناه منها».",
     "لقد أصابنا الذهول مما سمعناه منها", "عبده وعدنان"),
    # بدوره: in his turn, someone other than the previous speaker
    ("بدوره",
     "وقال وزير الخارجية عادل الجبير إن الحل سياسي. والتقى الجبير نظيره سيرغي لافروف. وأكد بدوره أن موسكو "
     "تدعم الحوار.", "موسكو تدعم الحوار", "سيرغي لافروف"),
    # وأضاف continues the previous speaker across paragraphs and sentences with no speech
    ("وأضاف across paragraphs",
     "وقال وزير الصحة توفيق الربيعة إن الحالات انخفضت.\nوكان الملك سلمان قد وجه بدعم المستشفيات.\n"
     "وأضاف أن الوزارة ستفتتح مراكز جديدة.", "الوزارة ستفتتح مراكز جديدة", "توفيق الربيعة"),
]


@pytest.mark.parametrize("rule,body,text,speaker", SPEAKERS, ids=[r[0] for r in SPEAKERS])
def test_speaker_rules(qx, rule, body, text, speaker):
    got = _speaker_of(qx.extract(None, body, []), text)
    assert (normalize(got) if got else None) == (normalize(speaker) if speaker else None)


NOT_CUES = [
    "ونقل الهلال الأحمر المصابين إلى المستشفى بعد أن وقع الحادث.",
    "وتستقبل الهيئة المشاركات، عبر موقعها الإلكتروني: حتى نهاية الشهر الجاري.",
    # (a frame that opens a sentence, its noun phrase and a comma, ووفقا لموقع سكاي نيوز، يسعى …, is a quote
    # by the labelling rules' train_d notes: test_quotes.py, test_a_frame_opening_a_sentence_…)
    "وتبلغ مساحة المشروع ألف متر مربع، على أن يكتمل العام المقبل.",
]


@pytest.mark.parametrize("body", NOT_CUES)
def test_words_that_look_like_cues(qx, body):
    assert qx.extract(None, body, []) == []


def test_clause_ends_before_the_writers_contrast_about_a_named_person(qx):
    body = ("وقال المدرب ستيف مكلارين إن الفريق جاهز.\n"
            "وذكرت تقارير أن النادي مهتم بضم المهاجم إلا أن مكلارين تباهى بقوة البدلاء.")
    quotes = qx.extract(None, body, [])
    assert [(q["text"], q["speaker"]["name"]) for q in quotes] == [
        ("الفريق جاهز", "ستيف مكلارين"), ("النادي مهتم بضم المهاجم", "تقارير")]


def test_dot_inside_a_url_does_not_end_the_quote(qx):
    body = ("وقال رئيس الجامعة إبراهيم جناحي: «إن النتائج ستتاح عبر الموقع (www.uob.edu.bh) "
            "وسيتمكن الطلبة من معرفة التخصص.")
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"]) for q in quotes] == [
        ("DIRECT", "إن النتائج ستتاح عبر الموقع (www.uob.edu.bh) وسيتمكن الطلبة من معرفة التخصص")]


CLAUSES = [
    # (body, the one reported clause): initials (د.ب.أ) are no sentence end; a relative clause closed
    # before إن does not swallow it; وبين after بين is "and between"; the noun مطالبة does not cut
    ("وقال المصدر الذي فضل عدم الكشف عن اسمه لوكالة الأنباء الألمانية (د.ب.أ) إن المقاومة سيطرت على مديريتين.",
     "المقاومة سيطرت على مديريتين"),
    ("وأكد عضو المجلس عبدالعزيز المشهور أن التجارب تكفي لشراكة ما بينها وبين الأمانات في خدمة المواطن.",
     "التجارب تكفي لشراكة ما بينها وبين الأمانات في خدمة المواطن"),
    ("وقال المتحدث علي الزهراني إن الأمير بعث خطابا بدعم مطالبة الأمانة بزيادة الاعتمادات.",
     "الأمير بعث خطابا بدعم مطالبة الأمانة بزيادة الاعتمادات"),
    # an abbreviation of syllables (بي.بي.سي) is no sentence end, and its إن is no complementizer
    ("وذكرت هيئة الإذاعة البريطانية (بي.بي.سي) أن والكوت وقع عقدا لمدة أربعة أعوام.",
     "والكوت وقع عقدا لمدة أربعة أعوام"),
    ("وقالت شبكة سي.إن.إن إن الرئيس سيزور المنطقة الأسبوع المقبل.", "الرئيس سيزور المنطقة الأسبوع المقبل"),
]


@pytest.mark.parametrize("body,clause", CLAUSES)
def test_reported_clause_extent(qx, body, clause):
    assert [q["text"] for q in qx.extract(None, body, [])] == [clause]


def test_speech_inside_an_unmarked_utterance_belongs_to_it(qx):
    body = "وأضاف: الوزارة لمست الحاجة لتفعيل المجالس وكل هذا أكد أن هناك نية للتطوير."
    quotes = qx.extract(None, body, [])
    assert [(q["kind"], q["text"]) for q in quotes] == [
        ("DIRECT", "الوزارة لمست الحاجة لتفعيل المجالس وكل هذا أكد أن هناك نية للتطوير")]


def test_patronymic_cut_short_by_the_tagger(qx):
    body = "ووفقاً للمتحدث الرسمي للإمارة علي بن موسى زعلة، فإن أمير المنطقة بعث خطابا لوزير المالية."
    ents = [_entity(body, "علي بن موسى", "PERSON")]
    quotes = qx.extract(None, body, ents)
    assert quotes[0]["speaker"]["name"] == "علي بن موسى زعلة" and quotes[0]["speaker"]["entity_index"] == 0


def test_clause_ends_at_a_new_topic(qx):
    body = "وأوضحت الباحثة سارة العلي أن الربو منتشر بين الأطفال، وفي بداية الدراسة أجاب الأطفال عن الأسئلة."
    assert [q["text"] for q in qx.extract(None, body, [])] == ["الربو منتشر بين الأطفال"]


# --- entity lists are consumed defensively -----------------------------------------------------------
def test_junk_person_entity_is_not_the_speaker(qx):
    body = "وقال م. حسام الرشودي، الرئيس التنفيذي لشركة مسكن العربية: «نعمل على تطوير المشروع بسرعة»."
    ents = [_entity(body, "لشركة مسكن", "PERSON")]
    assert _speaker_of(qx.extract(None, body, ents), "نعمل على تطوير المشروع بسرعة") == "حسام الرشودي"


def test_entity_cut_short_keeps_its_link_and_takes_the_full_name(qx):
    body = "من جانبه، أكد محمد الخميس رئيس لجنة التنمية، أن البرنامج نجح."
    ents = [_entity(body, "محمد", "PERSON")]
    quotes = qx.extract(None, body, ents)
    assert quotes[0]["speaker"] == {"name": "محمد الخميس", "mention": "محمد الخميس", "entity_index": 0}


def test_eponym_entity_inside_an_organization_is_skipped(qx):
    body = "وأوضح المتحدث الرسمي باسم مركز الملك سلمان للإغاثة رأفت الصباغ أن المساعدات وصلت."
    ents = [_entity(body, "سلمان", "PERSON", "سلمان بن عبدالعزيز")]
    assert _speaker_of(qx.extract(None, body, ents), "المساعدات وصلت") == "رأفت الصباغ"


def test_bare_feminine_verb_takes_the_organization_named_before(qx):
    # a lead with no sentence break and no subject reading: the verb agrees with وزارة (feminine)
    body = ("شارك عبر تويتر اكتب رأيك سجلت وزارة الصحة أمس أربع إصابات جديدة في المنطقة\n"
            "وأكدت أن الحالات مستقرة.")
    ents = [_entity(body, "وزارة الصحة", "ORGANIZATION")]
    assert _speaker_of(qx.extract(None, body, ents), "الحالات مستقرة") == "وزارة الصحة"


def test_quoted_event_name_is_not_a_partial_quote(qx):
    body = 'وأوضح مدير الفرع أحمد السروي أن المعرض يأتي ضمن فعاليات "صيف أبها يجمعنا" لهذا العام.'
    assert [q["kind"] for q in qx.extract(None, body, [])] == ["INDIRECT"]


TAGGER_SPANS = [
    # (body, entity text the tagger gave, expected speaker name): titles dropped, patronymics completed
    ("صرح المتحدث باسم الوزارة دكتور حسام عبد الغفار بأنه توفي 21 شخصا.", "دكتور حسام عبد الغفار",
     "حسام عبد الغفار"),
    ("ورأس الاجتماع رئيس الوفد صالح بن حسن الضعيان الذي أوضح أن الاجتماع ناقش البنود.", "حسن الضعيان",
     "صالح بن حسن الضعيان"),
]


@pytest.mark.parametrize("body,ent,speaker", TAGGER_SPANS)
def test_person_spans_from_the_tagger_are_repaired(qx, body, ent, speaker):
    quotes = qx.extract(None, body, [_entity(body, ent, "PERSON")])
    assert quotes[0]["speaker"]["name"] == speaker and quotes[0]["speaker"]["entity_index"] == 0


def test_quoted_term_after_ma_yusamma_bi_is_not_a_partial_quote(qx):
    body = 'وقال الطبيب سعد العمري إن الكلبة أصيبت بما يسمى بـ"الاحتباس الحراري" في الصيف.'
    assert [q["kind"] for q in qx.extract(None, body, [])] == ["INDIRECT"]


def test_head_organization_of_the_subject_not_the_last_one(qx):
    body = "وقال مختصو منظمة الصحة العالمية التابعة للأمم المتحدة إن الناجين يعانون."
    ents = [_entity(body, "منظمة الصحة العالمية", "ORGANIZATION"),
            _entity(body, "للأمم المتحدة", "ORGANIZATION", "الأمم المتحدة")]
    assert _speaker_of(qx.extract(None, body, ents), "الناجين يعانون") == "منظمة الصحة العالمية"


def test_entity_starting_with_bin_gets_its_given_name(qx):
    body = "وأوضح مدير الشؤون المالية جمعان بن صالح، أنه تم صرف الشيكات للمدارس."
    ents = [_entity(body, "بن صالح", "PERSON")]
    quotes = qx.extract(None, body, ents)
    assert quotes[0]["speaker"]["name"] == "جمعان بن صالح" and quotes[0]["speaker"]["entity_index"] == 0


def test_definite_mention_of_an_organization_named_before(qx):
    body = "تواصل هيئة الإعجاز العلمي استقبال المشاركات.\nوأوضحت الهيئة أن التسجيل إلكتروني فقط."
    ents = [_entity(body, "هيئة الإعجاز العلمي", "ORGANIZATION")]
    assert _speaker_of(qx.extract(None, body, ents), "التسجيل إلكتروني فقط") == "هيئة الإعجاز العلمي"


def test_name_ali_after_an_office_with_an_entity(qx):
    body = "ونقلت وكالة رويترز عن وزير النفط علي النعيمي قوله إن السوق ستتوازن."
    ents = [_entity(body, "علي النعيمي", "PERSON")]
    assert _speaker_of(qx.extract(None, body, ents), "السوق ستتوازن") == "علي النعيمي"


# (body, quote text, speaker) with the entities of the rule-based extractor, as in the pipeline
WITH_ENTITIES = [
    pytest.param("قال خالد الابن الأكبر للفقيد اللواء سعد خالد المطيري إن والده كان محبا لوطنه. "
                 "وأكد خالد أن الخبر نزل على الأسرة كالصاعقة.", "الخبر نزل على الأسرة كالصاعقة", "خالد",
                 id="son-named-after-grandfather-is-not-his-father"),
    pytest.param("قال خالد الابن الأكبر للفقيد اللواء سعد خالد المطيري إن والده كان محبا لوطنه.",
                 "والده كان محبا لوطنه", "خالد", id="kinship-apposition-is-not-part-of-the-name"),
    pytest.param("دعت مديرية الزراعة المزارعين الراغبين بتوريد إنتاجهم إلى التسجيل في الموعد.\n"
                 "حيث دعا مدير عام الزراعة م. عبدالعزيز بن عبدالله السلمان الراغبين إلى سرعة التسجيل.\n"
                 "مشيرا إلى أن المديرية خصص لها كمية كبيرة.", "المديرية خصص لها كمية كبيرة",
                 "عبدالعزيز بن عبدالله السلمان", id="haith-opens-a-clause-possessed-noun-is-no-name"),
    pytest.param("أفادت مصادر في خفر السواحل الإيطالية اليوم بأن مئات المهاجرين تعرضوا للغرق.\n"
                 "وقالت المصادر في بيان إن السفن قامت بعمليات الإنقاذ.",
                 "السفن قامت بعمليات الإنقاذ", "مصادر في خفر السواحل الإيطالية", id="source-pp-construct-head"),
    pytest.param("أكد أرسنال المنتمي للدوري الإنجليزي أن مهاجمه لم يفقد وعيه.", "مهاجمه لم يفقد وعيه", "أرسنال",
                 id="affiliation-participle-is-a-description"),
    pytest.param("حصلت المصورة السعودية نجلاء الخليفة على الميدالية الذهبية.\n"
                 "وأوضحت المصورة نجلاء أن المسابقة من أهم المسابقات.", "المسابقة من أهم المسابقات", "نجلاء الخليفة",
                 id="given-name-then-fullest-form"),
    pytest.param("كرم رئيس الاتحاد السعودي للمبارزة سامي البكر أمس أول مدرب للمبارزة في المملكة.\n"
                 "من جهته أكد رئيس الاتحاد السعودي للمبارزة, أن التكريم يعد رسالة وفاء.", "التكريم يعد رسالة وفاء",
                 "سامي البكر", id="office-with-lil-complement-is-its-holder"),
    pytest.param("وأكد والد جوليان إيمانه بقضاء الله وقدره، مشيرا إلى أنه دخل في حلقة مفرغة من المعاناة.",
                 "دخل في حلقة مفرغة من المعاناة", "والد جوليان", id="kin-construct-subject-not-the-object"),
    pytest.param("وقالت ابنة الفقيد سارة الأحمد إن والدها كان محبا للخير.", "والدها كان محبا للخير", "سارة الأحمد",
                 id="kin-construct-then-own-name"),
    pytest.param("التقت الصحيفة بمدير عام قناة الإخبارية جاسر بن عبدالله الجاسر، والذي قال: قناة الإخبارية قناة "
                 "الوطن وكان واجبا علينا التواجد.", "قناة الإخبارية قناة الوطن وكان واجبا علينا التواجد",
                 "جاسر بن عبدالله الجاسر", id="walladhi-qala-antecedent"),
    pytest.param("وتحدث الخبير شانتا ديفيرجان عن البنية التحتية، إذ قال إن «مستوى البنية التحتية لا تزال غير كافية».",
                 "مستوى البنية التحتية لا تزال غير كافية", "شانتا ديفيرجان", id="idh-opens-a-clause"),
    pytest.param("رفع صاحب السمو الملكي الأمير سعود بن نايف أمير المنطقة الشرقية التعازي لخادم الحرمين الشريفين "
                 "الملك سلمان بن عبدالعزيز في شهداء الواجب.\nوقال سموه خلال المجلس الأسبوعي أمس، إن هذه آفة من الآفات.",
                 "هذه آفة من الآفات", "سعود بن نايف", id="sumuwhu-is-the-prince-not-the-king"),
    pytest.param("وقال المدرب اليوناني إن الفريق جاهز.\nلكن خورخي دا سيلفا مدرب النصر أكد قدرة ناديه على التعامل مع "
                 "الموقف وقال “لن تؤثر الغيابات في الفريق ولدينا العديد من اللاعبين.”",
                 "لن تؤثر الغيابات في الفريق ولدينا العديد من اللاعبين.", "خورخي دا سيلفا", id="svo-name-then-bare-qala"),
    # (an xfail from round 3 to round 4: the previous speaker outweighed the rules' continuation; it passes
    # again since round 5, docs/QUOTES-MODEL.md)
    pytest.param("وأوضح مصدر مطلع في ميناء جدة الإسلامي أن الميناء استقبل آلاف الأطنان.",
                 "الميناء استقبل آلاف الأطنان", "مصدر مطلع في ميناء جدة الإسلامي", id="source-pp-two-word-construct"),
    pytest.param("وقال مصدر مطلع في تصريح صحفي إن الميناء استقبل آلاف الأطنان.",
                 "الميناء استقبل آلاف الأطنان", "مصدر مطلع", id="source-pp-not-a-statement"),
    pytest.param("وأكد كريستيان بيللوتشي مالك السيرك أن العرض يستغرق مئة دقيقة.", "العرض يستغرق مئة دقيقة",
                 "كريستيان بيللوتشي", id="owner-apposition-after-name"),
    pytest.param("وختمت المصادر: «التحرك محدد له سقف واضح حتى الآن».", "التحرك محدد له سقف واضح حتى الآن",
                 "المصادر", id="khatamat-is-a-speech-verb"),
]


@pytest.mark.parametrize(("body", "text", "speaker"), WITH_ENTITIES)
def test_speakers_with_the_entity_extractor(qx, body, text, speaker):
    assert _speaker_of(_with_entities(qx, None, body), text) == speaker


def test_a_definite_organization_takes_its_fullest_earlier_form(qx):
    """المجلس → مجلس الوزراء البحريني of the headline, not the shorter مجلس الوزراء of the first line."""
    headline = "مجلس الوزراء البحريني يدين التفجير"
    body = ("أدان مجلس الوزراء بمملكة البحرين التفجير الإرهابي.\n"
            "وأكد المجلس في تصريح لأمينه العام أن هذه الجريمة لن تزيد الشعب إلا تضامنا.")
    quotes = _with_entities(qx, headline, body)
    assert _speaker_of(quotes, "هذه الجريمة لن تزيد الشعب إلا تضامنا") == "مجلس الوزراء البحريني"


def _with_entities(qx, headline, body):
    from pipeline.nlp.entities.extractor import EntityExtractor

    return qx.extract(headline, body, EntityExtractor.load(None, "rules").extract(headline, body))
