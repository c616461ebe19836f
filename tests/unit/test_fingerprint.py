"""Fingerprints: boilerplate stripping, republications that must cluster, templated reports that must not."""
from __future__ import annotations

import os

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.nlp.fingerprint import (
    Fingerprint,
    Fingerprinter,
    NearDupIndex,
    dateline_date,
    estimate_jaccard,
    figure_agreement,
    figures,
    strip_boilerplate,
    tokens,
)

FP = Fingerprinter()

BASE = (
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في محافظة الطائف بسعة 300 سرير، وذلك ضمن خطة الوزارة "
    "لتوسيع الخدمات الصحية في المناطق. وأوضح المتحدث الرسمي باسم الوزارة أن المستشفى يضم أقساماً متخصصة في "
    "طب الأطفال والنساء والولادة والطوارئ، إضافة إلى مركز لغسيل الكلى يخدم أكثر من 120 مريضاً يومياً.\n"
    "وأضاف أن تكلفة المشروع بلغت 450 مليون ريال، وأن المستشفى سيبدأ استقبال المرضى مطلع الشهر المقبل بعد "
    "استكمال التجهيزات الطبية وتعيين الكوادر اللازمة.\n"
    "وأشار إلى أن الوزارة تعمل على إنشاء 12 مستشفى آخر في مختلف مناطق المملكة خلال العامين المقبلين، بهدف "
    "تقليص فترات الانتظار ورفع جودة الرعاية المقدمة للمواطنين والمقيمين."
)
LAST_PARAGRAPH = BASE.rsplit("\n", 1)[1]

REPUBLICATIONS = {
    "spa dateline and sign-off": "الطائف 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس\n " + BASE + "\n // انتهى //\n 20:26 ت م",
    "newspaper byline and tag line": "عين اليوم – الطائف\n" + BASE + " سمات الصحة مستشفى الطائف",
    "share bar": " شارك من خلال تويتر فيسبوك جوجل بلس اكتب رأيك " + BASE,
    "agency dateline inline": "الطائف - واس - " + BASE + " (واس)",
    "trimmed last paragraph": BASE.rsplit("\n", 1)[0],
    "added paragraph": BASE + "\nيذكر أن محافظة الطائف تشهد خلال فصل الصيف إقبالاً كبيراً من الزوار والمصطافين "
                              "الذين يقصدونها هرباً من حرارة الجو في المدن الساحلية.",
    "diacritics": BASE.replace("أعلنت وزارة الصحة", "أَعْلَنَتْ وِزَارَةُ الصِّحَّةِ").replace("مستشفى", "مُسْتَشْفَى"),
    "alef, yaa and teh marbuta forms": BASE.replace("أ", "ا").replace("إ", "ا").replace("ة ", "ه ").replace("ى ", "ي "),
    "punctuation": BASE.replace("،", ",").replace(".", " .").replace("أقساماً", "«أقساماً»"),
    "arabic-indic digits": BASE.replace("300", "٣٠٠").replace("120", "١٢٠").replace("450", "٤٥٠"),
    "tatweel and spacing": BASE.replace("الوزارة", "الوزارة").replace(" ", "  "),
    "everything at once": "جدة - واس - " + BASE.replace("أ", "ا").replace("،", " ,").rsplit("\n", 1)[0] + " (واس)",
}


@pytest.mark.parametrize("variant", list(REPUBLICATIONS), ids=list(REPUBLICATIONS))
def test_republications_cluster(variant):
    original, copy = FP.fingerprint(BASE), FP.fingerprint(REPUBLICATIONS[variant])
    match = FP.compare(original, copy)
    assert match.is_duplicate, match
    # ... and LSH makes them candidates: at least one band key in common.
    assert set(FP.band_keys(original.signature)) & set(FP.band_keys(copy.signature))


def _gold(day: str, spot: str, change: str, futures: str, silver: str) -> str:
    return (
        f"لندن {day} شوال 1436 هـ الموافق {int(day) - 15} اغسطس 2015 م واس\n"
        f"واصل الذهب تعافيه من الانخفاضات الأخيرة في تعاملات اليوم، وزاد في السوق الفورية {change} في المئة "
        f"إلى {spot} دولاراً للأوقية، بينما ارتفعت عقود الذهب الأمريكية لتصل إلى {futures} دولار. وفي بقية "
        f"المعادن النفيسة صعدت الفضة إلى {silver} دولار للأوقية، وسط توقعات المتعاملين باستمرار الطلب على "
        f"المعدن الأصفر خلال الأسبوع الجاري.\n // انتهى //"
    )


def _stocks(points: str, percent: str, close: str, value: str, up: str, down: str) -> str:
    return (
        f"أغلق مؤشر سوق الأسهم السعودية تعاملات اليوم على ارتفاع بمقدار {points} نقطة أو ما نسبته {percent} في "
        f"المئة، ليستقر عند مستوى {close} نقطة، بقيمة تداولات بلغت {value} مليار ريال. وارتفعت أسهم {up} شركة "
        f"فيما تراجعت أسهم {down} شركات، وتصدر قطاع المصارف قائمة القطاعات الأكثر نشاطاً من حيث القيمة."
    )


def _weather(day: str, riyadh: str, jeddah: str, dammam: str, wind: str) -> str:
    return (
        f"توقعت الرئاسة العامة للأرصاد وحماية البيئة أن تسجل درجات الحرارة العظمى اليوم {day} في الرياض {riyadh} "
        f"درجة مئوية، وفي جدة {jeddah} درجة، وفي الدمام {dammam} درجة، مع نشاط في الرياح السطحية على البحر "
        f"الأحمر بسرعة {wind} كم في الساعة وارتفاع الموج من متر إلى متر ونصف."
    )


TEMPLATED = {
    "gold report, next day": (
        _gold("25", "1095", "0.3", "1094.50", "15.10"), _gold("26", "1102", "0.6", "1101.20", "15.25")),
    "gold report, same day's dateline, other figures": (
        _gold("25", "1095", "0.3", "1094.50", "15.10"), _gold("25", "1088", "0.4", "1087.90", "14.95")),
    "stock market close": (
        _stocks("135.65", "1.56", "8834.82", "4", "143", "14"), _stocks("76.75", "0.87", "8758.64", "3.8", "15", "152")),
    "weather report": (
        _weather("الاثنين", "46", "39", "45", "18-38"), _weather("الثلاثاء", "44", "37", "47", "15-35")),
    "same text, dated datelines of two days": (
        "الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس\n" + _weather("", "46", "39", "45", "18-38"),
        "الرياض 26 شوال 1436 هـ الموافق 11 اغسطس 2015 م واس\n" + _weather("", "46", "39", "45", "18-38")),
}


@pytest.mark.parametrize("case", list(TEMPLATED), ids=list(TEMPLATED))
def test_templated_reports_with_other_figures_do_not_cluster(case):
    first, second = (FP.fingerprint(text) for text in TEMPLATED[case])
    match = FP.compare(first, second)
    assert not match.is_duplicate, match


def test_templated_report_republished_with_same_figures_clusters():
    report = _stocks("135.65", "1.56", "8834.82", "4", "143", "14")
    copy = "عين اليوم – الرياض\n" + report.replace("أ", "ا") + " سمات الاسهم"
    assert FP.compare(FP.fingerprint(report), FP.fingerprint(copy)).is_duplicate


SHORT_A = "افتتح أمير المنطقة معرض الكتاب في دورته العاشرة بمشاركة أكثر من مئتي دار نشر عربية وأجنبية."
SHORT_B = "وقعت جامعة الملك سعود اتفاقية تعاون مع شركة تقنية لتدريب الطلاب على البرمجة والذكاء الاصطناعي."


def test_shared_agency_boilerplate_does_not_make_short_stories_alike():
    dateline = "الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس\n "
    signoff = "\n // انتهى //\n 20:26 ت م"
    first = FP.fingerprint(dateline + SHORT_A + signoff)
    second = FP.fingerprint(dateline + SHORT_B + signoff)
    assert estimate_jaccard(first.signature, second.signature) < 0.1
    assert not FP.compare(first, second).is_duplicate


@pytest.mark.parametrize(
    "body, expected",
    [
        ("الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس\n افتتح الامير المعرض.\n // انتهى //\n 20:26 ت م",
         "افتتح الامير المعرض"),
        ("عين اليوم – لندن\nواصل الذهب تعافيه.", "واصل الذهب تعافيه"),
        ("عين اليوم – لندن واصل الذهب تعافيه.", "واصل الذهب تعافيه"),
        ("داليا أبوالعيش – عين اليوم\nشدد الوزير على الالتزام.", "شدد الوزير علي الالتزام"),
        ("دمشق-سانا\nأعلنت الوزارة عن خطة.", "اعلنت الوزاره عن خطه"),
        ("لندن (رويترز) - ارتفعت أسعار النفط.", "ارتفعت اسعار النفط"),
        ("فهد العتيبي- سبق- جدة: ذكرت مصادر مطلعة أن الحملة مستمرة.", "ذكرت مصادر مطلعه ان الحمله مستمره"),
        (" شارك من خلال تويتر فيسبوك جوجل بلس اكتب رأيك تدشن إدارة النادي التذاكر.", "تدشن اداره النادي التذاكر"),
        ("أعلنت الشركة نتائجها.\nرابط الخبر بصحيفة الوئام: الشركة تعلن نتائجها", "اعلنت الشركه نتائجها"),
        ("أنهى الفريق معسكره. سمات الهلال المعسكر لندن", "انهي الفريق معسكره"),
        ("ارتفع المؤشر 5ر27 نقطة. (واس)", "ارتفع المؤشر 27.5 نقطه"),
        ("وقال الكاتب إن الحل ممكن.\nkatib@example.com\nللتواصل مع الكاتب ارسل رسالة SMS\n88591 - Stc",
         "وقال الكاتب ان الحل ممكن"),
    ],
)
def test_strip_boilerplate(body, expected):
    assert strip_boilerplate(body) == expected


def test_dateline_date_is_kept_aside():
    assert dateline_date("جدة 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس\n نص الخبر") == "11 اغسطس 2015"
    assert dateline_date("عين اليوم – جدة\nنص الخبر") is None


def test_tokens_keep_numbers_whole_and_figures_pick_numbers_and_dates():
    words = tokens("ارتفع الذهب 0.3 في المئة إلى ١٠٩٥ دولاراً يوم الاثنين 10 أغسطس")
    assert words == ["ارتفع", "الذهب", "0.3", "في", "المئه", "الي", "1095", "دولارا", "يوم", "الاثنين", "10", "اغسطس"]
    assert figures(words) == ["0.3", "1095", "الاثنين", "10", "اغسطس"]


def test_figure_agreement_is_measured_on_the_shorter_multiset():
    assert figure_agreement((1, 2, 3), (1, 2, 3, 4, 5)) == 1.0
    assert figure_agreement((1, 2, 3), (1, 2, 9)) == pytest.approx(2 / 3)
    assert figure_agreement((), (1, 2)) == 1.0


def test_estimate_tracks_exact_jaccard():
    rng = np.random.default_rng(7)
    universe = rng.integers(0, 2**63, 2000, dtype=np.uint64)
    for overlap in (0.2, 0.5, 0.8):
        shared = int(1000 * overlap)
        a = np.unique(universe[:1000])
        b = np.unique(np.concatenate([universe[:shared], universe[1000 : 2000 - shared]]))
        exact = len(np.intersect1d(a, b)) / len(np.union1d(a, b))
        estimate = estimate_jaccard(FP.signature_of_hashes(a), FP.signature_of_hashes(b))
        assert abs(estimate - exact) < 0.12, (overlap, exact, estimate)


def test_fingerprint_round_trips_through_the_side_field():
    fingerprint = FP.fingerprint(REPUBLICATIONS["spa dateline and sign-off"])
    values = fingerprint.to_list()
    assert all(isinstance(v, int) and 0 <= v < 2**63 for v in values)
    back = Fingerprint.from_list(values)
    assert back.size == fingerprint.size and back.figures == fingerprint.figures and back.date == fingerprint.date
    assert np.array_equal(back.signature, fingerprint.signature)
    assert back.lead == fingerprint.lead and len(fingerprint.lead) == 4 * 60
    assert FP.fingerprint_list(REPUBLICATIONS["spa dateline and sign-off"]) == values


def test_a_side_field_written_before_the_lead_existed_reads_back_without_one():
    fingerprint = FP.fingerprint(BASE)
    old = [fingerprint.size, len(fingerprint.figures), fingerprint.date, *fingerprint.signature.tolist(),
           *fingerprint.figures]
    back = Fingerprint.from_list(old)
    assert back.lead == b"" and back.figures == fingerprint.figures
    assert np.array_equal(back.signature, fingerprint.signature)
    assert FP.compare(back, fingerprint).is_duplicate


def test_band_keys_one_per_band_and_none_for_an_empty_body():
    keys = FP.band_keys(FP.signature(BASE))
    assert len(keys) == FP.bands and len(set(keys)) == FP.bands
    assert FP.band_keys(FP.signature("")).size == 0
    assert FP.band_keys(FP.signature("// انتهى //")).size == 0


def test_the_same_rows_in_two_bands_make_two_keys():
    signature = np.arange(FP.num_perm, dtype=np.uint32)
    signature[FP.rows : 2 * FP.rows] = signature[: FP.rows]  # band 1 holds band 0's rows
    keys = FP.band_keys(signature)
    assert keys.dtype == np.uint64 and keys[0] != keys[1]


def test_band_table_finds_the_rows_of_a_key_before_and_after_its_merge():
    """Pairs in the sorted run, in the tail, and a key in both answer as a dict of lists would."""
    from pipeline.nlp.fingerprint import _BandTable

    rng = np.random.default_rng(7)
    table, reference = _BandTable(min_tail=64), {}
    keys = rng.integers(0, 2**64, 40, dtype=np.uint64)
    for row in range(300):
        some = keys[rng.integers(0, keys.size, 5)]
        table.add(some, row)
        for key in some.tolist():
            reference.setdefault(key, []).append(row)
        probe = np.unique(keys[rng.integers(0, keys.size, 3)])
        found = sorted(int(r) for rows in table.rows(probe) for r in np.atleast_1d(rows))
        assert found == sorted(r for key in probe.tolist() for r in reference.get(key, []))
    assert len(table) == 1500 and table.rows(np.array([1, 2], dtype=np.uint64)) == []


@pytest.mark.parametrize(
    "kwargs", [{"num_perm": 4}, {"ngram": 0}, {"ngram": 9}, {"bands": 7}, {"threshold": 0}, {"containment": 1.5},
               {"figure_agreement": -1}, {"lead_agreement": 1.5}, {"lead_agreement": -0.1}],
)
def test_bad_parameters_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        Fingerprinter(**kwargs)


HOUR = 3600 * 1000


def test_index_links_a_republication_to_the_earliest_article_and_skips_updates():
    index = NearDupIndex(FP, horizon_ms=24 * HOUR)
    first = index.add("spa-1", 0, FP.fingerprint(REPUBLICATIONS["spa dateline and sign-off"]))
    second = index.add("paper-1", HOUR, FP.fingerprint(REPUBLICATIONS["trimmed last paragraph"]))
    third = index.add("paper-2", 2 * HOUR, FP.fingerprint(REPUBLICATIONS["added paragraph"]))
    update = index.add("spa-1-v2", 3 * HOUR, FP.fingerprint(BASE), story_id="spa-1")
    assert first.status == "UNIQUE" and first.cluster_id == "spa-1"
    assert (second.status, second.cluster_id, second.duplicate_of) == ("NEAR_DUPLICATE", "spa-1", "spa-1")
    assert (third.cluster_id, third.duplicate_of) == ("spa-1", "spa-1")
    # An update of spa-1 is not a republication of spa-1, but it is of the newspapers' copies.
    assert update.duplicate_of == "paper-1" and update.cluster_id == "spa-1"


def test_index_forgets_articles_after_the_horizon():
    index = NearDupIndex(FP, horizon_ms=24 * HOUR)
    index.add("spa-1", 0, FP.fingerprint(BASE))
    late = index.add("paper-1", 25 * HOUR, FP.fingerprint(REPUBLICATIONS["trimmed last paragraph"]))
    assert late.status == "UNIQUE" and len(index) == 1


PAIRS = os.path.join(os.path.dirname(__file__), "..", "gold", "dedup_pairs.tsv")
CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "saudinewsnet",
                      "saudinewsnet_2015-08-10_11.jsonl")


@pytest.mark.corpus
@pytest.mark.skipif(not os.path.exists(CORPUS), reason="SaudiNewsNet not available")
def test_labelled_pairs_compared_directly():
    """Pairwise decisions on the labelled SaudiNewsNet pairs (the full clustering is `wirepipe eval dedup`)."""
    import json

    from pipeline.evaluation.clusters import read_pairs

    pairs = read_pairs(PAIRS)
    wanted = {i for a, b, _ in pairs for i in (a, b)}
    bodies = {}
    with open(CORPUS, encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            if article["id"] in wanted:
                bodies[article["id"]] = article["content"]
    prints = {i: FP.fingerprint(body) for i, body in bodies.items()}
    hits = {"SAME": 0, "DIFFERENT": 0}
    totals = {"SAME": 0, "DIFFERENT": 0}
    for a, b, label in pairs:
        totals[label] += 1
        hits[label] += FP.compare(prints[a], prints[b]).is_duplicate
    precision = hits["SAME"] / (hits["SAME"] + hits["DIFFERENT"])
    recall = hits["SAME"] / totals["SAME"]
    assert precision >= 0.9 and recall >= 0.85, (precision, recall)


def test_text_bars_keep_every_candidate_that_compare_could_match():
    """The numpy screen of the candidate search is a necessary condition of compare(): on a templated
    stream (every story shares the template's bands) and its republications, no row it drops is a
    near-duplicate, and it does drop the template's other stories."""
    import numpy as np

    from pipeline.nlp.fingerprint import Fingerprinter

    fingerprinter = Fingerprinter()
    template = ("الرياض - واس\nقال وزير الخارجية إن الاجتماع رقم {n} تناول {m} ملفا، وأضاف أن المحادثات "
                "ستستمر في الأسبوع المقبل بمشاركة وفود من {k} دولة في العاصمة.")
    bodies = [template.format(n=i, m=i * 3, k=i % 50) for i in range(60)]
    bodies += [body + "\nوكان الوزير قد وصل إلى الرياض مساء أمس." for body in bodies[:10]]  # republications
    bodies += ["أعلنت وزارة الصحة تسجيل حالات جديدة في المنطقة الشرقية خلال الأسبوع الماضي."]
    prints = [fingerprinter.fingerprint(body) for body in bodies]
    signatures = np.stack([p.signature for p in prints])
    sizes = np.array([p.size for p in prints])
    matched = 0
    for i, probe in enumerate(prints):
        kept = fingerprinter.text_bars(probe, signatures, sizes)
        full = [j for j, other in enumerate(prints) if j != i and fingerprinter.compare(probe, other).is_duplicate]
        matched += len(full)
        assert all(kept[j] for j in full), i
    assert matched >= 20  # the republications match their sources
    assert fingerprinter.text_bars(prints[0], signatures[1:60], sizes[1:60]).sum() < 59  # it does screen
    assert fingerprinter.text_bars(prints[0], signatures[:0], sizes[:0]).size == 0


def test_candidate_index_finds_the_earliest_republication_and_skips_the_template():
    """A stream of one template (other figures) and republications: the search answers as comparing every
    candidate one by one would, and compares only the few that pass the text bars."""
    from pipeline.nlp.fingerprint import CandidateIndex, Fingerprinter

    fingerprinter = Fingerprinter()
    template = ("جدة - واس\nأعلن المتحدث باسم الهيئة أن عدد الزوار بلغ {n} زائرا خلال {m} يوما، وأن الموسم "
                "سيستمر حتى نهاية الشهر المقبل بمشاركة {k} جهة حكومية وخاصة.")
    index = CandidateIndex(fingerprinter)
    prints = {}
    for i in range(200):
        prints[i] = fingerprinter.fingerprint(template.format(n=1000 + i, m=i % 30 + 1, k=i % 17 + 2))
        index.add(i * 1000, f"t{i}", f"t{i}", prints[i], fingerprinter.band_keys(prints[i].signature), f"t{i}")
    copy = fingerprinter.fingerprint(template.format(n=1000 + 150, m=150 % 30 + 1, k=150 % 17 + 2) + "\nانتهى.")
    keys = fingerprinter.band_keys(copy.signature)
    best, similarity, compared = index.earliest_match(copy, keys, (300_000, "copy"), "copy", 10**9)
    brute = [f"t{i}" for i in range(200) if fingerprinter.compare(copy, prints[i]).is_duplicate]
    assert best == brute[0] and similarity > 0.5
    assert compared < 20
    # Another story of the same id is an update, and a probe earlier than every row matches nothing.
    assert index.earliest_match(copy, keys, (300_000, "copy"), brute[0], 10**9)[0] != brute[0]
    assert index.earliest_match(copy, keys, (-1, "copy"), "copy", 10**9)[0] is None


def test_a_contact_trailer_on_a_body_without_line_breaks_removes_the_trailer_not_the_body():
    """SaudiNewsNet bodies often lose their line breaks: the trailer pattern took the whole (one) line,
    so 11 of the two-day file's articles had no shingles and could never match their copies."""
    from pipeline.nlp.fingerprint import Fingerprinter, strip_boilerplate

    story = ("اعتمد وزير الحج تقسيم خدمات حجاج الداخل إلى ست شرائح ووضع أسعارا لهذه الخدمات تتدرج وفقا لفئة "
             "المخيم ووسيلة النقل وخدمات السكن.وقسمت الوزارة شرائح الخدمة إلى ست فئات.")
    one_line = story + " للتواصل مع الصحيفة عبر الرقم المجاني"
    stripped = strip_boilerplate(one_line)
    assert "تقسيم خدمات حجاج" in stripped and "للتواصل" not in stripped and "المجاني" not in stripped
    assert Fingerprinter().fingerprint(one_line).size > 20
    # A trailer on a line of its own still goes whole, with what precedes it on that line.
    assert strip_boilerplate(story + "\nلمزيد من الاخبار للتواصل عبر الرقم") == strip_boilerplate(story)


# A roundup: three items of a day's news, the hospital story (BASE) the second of them.
ROUNDUP = (
    "استقبل أمير منطقة مكة المكرمة في مكتبه بجدة أمس وفداً من رجال الأعمال اليابانيين، وبحث معهم فرص "
    "الاستثمار في قطاعات الطاقة المتجددة والنقل والصناعات التحويلية، واطلع على خطط الشركات اليابانية للتوسع "
    "في السوق السعودية خلال السنوات الخمس المقبلة.\n"
    + BASE + "\n"
    "وفي شأن آخر، أطلقت هيئة السياحة مهرجان الصيف في مدينة أبها بمشاركة فرق شعبية من مختلف المناطق، ويستمر "
    "المهرجان ثلاثة أسابيع تتخللها عروض مسرحية وأمسيات شعرية ومعارض للحرف اليدوية والمنتجات الريفية."
)
# The same story republished with background paragraphs added after it (its lead and headline kept).
WITH_BACKGROUND = (
    BASE + "\n"
    "يذكر أن المحافظة شهدت خلال الأعوام الماضية افتتاح عدد من المراكز الصحية الأولية، كما تشهد توسعة في "
    "شبكة الطرق المؤدية إلى المستشفيات القائمة، وسط مطالب من الأهالي بزيادة أعداد الأسرة وتخصصات العناية المركزة "
    "ورفع عدد سيارات الإسعاف في القرى والمراكز البعيدة عن المدينة."
)


def test_a_roundup_that_contains_a_story_is_not_its_republication():
    roundup, story = FP.fingerprint(ROUNDUP), FP.fingerprint(BASE)
    match = FP.compare(roundup, story)
    assert match.containment >= FP.containment and match.similarity < FP.threshold
    assert match.lead < FP.lead_agreement and not match.is_duplicate
    # With the lead check off, the containment bar alone would have merged them.
    assert Fingerprinter(lead_agreement=0.0).compare(roundup, story).is_duplicate


def test_a_republication_that_adds_paragraphs_keeps_the_lead_and_clusters():
    match = FP.compare(FP.fingerprint(WITH_BACKGROUND), FP.fingerprint(BASE))
    assert match.lead == 1.0 and match.is_duplicate


def test_a_reworded_first_sentence_keeps_enough_of_the_lead():
    """The lead is compared by words, not shingles: a newspaper that rewrites the agency's first sentence
    still republishes it."""
    reworded = BASE.replace("أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد",
                            "افتتحت وزارة الصحة اليوم مستشفى جديداً", 1)
    longer = reworded + "\n" + WITH_BACKGROUND.split("\n", 3)[3]
    match = FP.compare(FP.fingerprint(longer), FP.fingerprint(BASE))
    assert FP.lead_agreement <= match.lead < 1.0 and match.is_duplicate


@pytest.mark.parametrize("opening", ["كما أشار المتحدث إلى أن", "من جانبه أوضح المتحدث أن", "وأضاف المتحدث أن"])
def test_the_continuation_of_a_story_has_no_lead_and_matches_by_containment(opening):
    """A wire item's later part (it opens with a connective) is inside the whole story but not at its start."""
    tail = opening + " " + BASE.split("\n", 1)[1]
    piece = FP.fingerprint(tail)
    assert piece.lead == b""
    match = FP.compare(FP.fingerprint(ROUNDUP), piece)
    assert match.lead == 1.0 and match.containment >= FP.containment and match.is_duplicate
