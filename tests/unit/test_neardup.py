"""NearDup on Beam: republications are linked to the earliest copy whatever the arrival order, updates
keep their status, dropped republications point at an article in the main output, and shard state is
cleared after the horizon (TestStream advancing the watermark)."""
from __future__ import annotations

import pickle
import random

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to

from pipeline import dedup
from pipeline.errors import ConfigError
from pipeline.model import file_source
from pipeline.nlp.fingerprint import Fingerprinter
from pipeline.nlp.normalize import content_hash
from pipeline.transforms.neardup import DUPLICATES, FINGERPRINT_FIELD, NearDup

FNAPI = "apache_beam.runners.portability.fn_api_runner.FnApiRunner"
HOUR = 3600 * 1000
FP = Fingerprinter()

STORY = (
    "أعلنت هيئة الطيران المدني اليوم تشغيل صالة جديدة في مطار الملك عبدالعزيز بجدة بطاقة استيعابية تبلغ "
    "30 مليون مسافر سنوياً، وأوضح المتحدث باسم الهيئة أن الصالة تضم 46 بوابة للرحلات الدولية والداخلية.\n"
    "وأضاف أن التشغيل سيكون تدريجياً خلال الأشهر الثلاثة المقبلة بدءاً برحلات شركتين وطنيتين، على أن "
    "تنتقل بقية شركات الطيران إلى الصالة الجديدة قبل نهاية العام.\n"
    "وأشار إلى أن المشروع يتضمن محطة قطار تربط المطار بوسط المدينة ومواقف تتسع لثمانية آلاف سيارة."
)
OTHER = (
    "وقعت وزارة التعليم اتفاقية مع ثلاث جامعات لتأهيل 5 آلاف معلم في مجالات العلوم والرياضيات خلال العام "
    "الدراسي المقبل، وذلك ضمن برنامج يهدف إلى تطوير مهارات التدريس ورفع نتائج الطلاب في الاختبارات الدولية.\n"
    "وبين وكيل الوزارة أن البرنامج يشمل دورات حضورية وأخرى عن بعد، إضافة إلى زيارات ميدانية للمدارس."
)


def article(id_, body, published_at, status="UNIQUE", fingerprint=True):
    record = {
        "id": id_, "body": body, "headline": None, "agency": None, "url": None, "published_at": published_at,
        "ingested_at": published_at + HOUR, "content_hash": content_hash(body), "source": file_source("t.jsonl", 1),
        "extra": {},
        "dedup": {"status": status, "cluster_id": id_, "duplicate_of": None, "similarity": None,
                  "first_version_hash": None, "first_version_published_at": None},
    }
    if fingerprint:
        record[FINGERPRINT_FIELD] = FP.fingerprint_list(body)
    return record


FEED = [
    article("spa-1", "جدة 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس\n" + STORY + "\n// انتهى //", 10 * HOUR),
    article("paper-a", "عين اليوم – جدة\n" + STORY.rsplit("\n", 1)[0], 12 * HOUR),  # trimmed ending
    article("paper-b", STORY.replace("أ", "ا") + "\nيذكر أن المطار استقبل العام الماضي 31 مليون مسافر.", 11 * HOUR),
    article("paper-c", STORY, 30 * HOUR, fingerprint=False),  # no side field: fingerprinted from the body
    article("edu-1", OTHER, 10 * HOUR),
    article("edu-1", OTHER + "\nوأكد أن التسجيل يبدأ الأسبوع المقبل.", 14 * HOUR, status="UPDATE"),
]
EXPECTED = [
    ("spa-1", "UNIQUE", "spa-1", None),
    ("paper-b", "NEAR_DUPLICATE", "spa-1", "spa-1"),
    ("paper-a", "NEAR_DUPLICATE", "spa-1", "spa-1"),
    ("paper-c", "NEAR_DUPLICATE", "spa-1", "spa-1"),
    ("edu-1", "UNIQUE", "edu-1", None),
    ("edu-1", "UPDATE", "edu-1", None),  # a new version of a story is not a republication of it
]


def _summary(record):
    return record["id"], record["dedup"]["status"], record["dedup"]["cluster_id"], record["dedup"]["duplicate_of"]


def _stamped(feed):
    return [beam.window.TimestampedValue(a, dedup.event_ms(a) / 1000) for a in feed]


SHARDS = [1, 8]  # one shard decides itself; several answer a Decide step


@pytest.mark.parametrize("shards", SHARDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_earliest_copy_is_the_cluster_head_whatever_the_arrival_order(seed, shards):
    feed = list(FEED)
    random.Random(seed).shuffle(feed)
    with TestPipeline(runner=FNAPI) as p:
        out = p | beam.Create(_stamped(feed)) | beam.Map(lambda a: a) | NearDup(shards=shards)
        assert_that(out["main"] | beam.Map(_summary), equal_to(EXPECTED), label="Main")
        assert_that(out[DUPLICATES], equal_to([]), label="NoDrops")


@pytest.mark.parametrize("shards", SHARDS)
def test_arrival_in_reverse_event_order_on_a_stream(shards):
    """The republications arrive first; the source comes last but is older: it heads the cluster."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    spa, paper_b, paper_a = FEED[0], FEED[2], FEED[1]
    stream = (
        TestStream()
        .advance_watermark_to(0)
        .add_elements(_stamped([paper_a]))
        .add_elements(_stamped([paper_b]))
        .add_elements(_stamped([spa]))
        .advance_watermark_to(13 * 3600)
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        out = p | stream | NearDup(shards=shards)
        assert_that(out["main"] | beam.Map(_summary), equal_to(EXPECTED[:3]))


@pytest.mark.parametrize("shards", SHARDS)
def test_drop_near_duplicates_routes_them_to_the_duplicates_output(shards):
    with TestPipeline(runner=FNAPI) as p:
        out = p | beam.Create(_stamped(FEED[:3])) | NearDup(drop_near_duplicates=True, shards=shards)
        assert_that(out["main"] | beam.Map(_summary), equal_to([EXPECTED[0]]), label="Main")
        dropped = out[DUPLICATES] | beam.Map(lambda d: (d["id"], d["kind"], d["duplicate_of"]))
        assert_that(dropped, equal_to([("paper-a", "NEAR", "spa-1"), ("paper-b", "NEAR", "spa-1")]), label="Dups")


def test_templated_reports_of_two_days_stay_apart():
    def report(day, close, change):
        return (f"أغلق مؤشر سوق الأسهم السعودية تعاملات اليوم {day} عند مستوى {close} نقطة بتغير قدره {change} في المئة، "
                "وبلغت قيمة التداولات أربعة مليارات ريال، وتصدر قطاع المصارف قائمة القطاعات الأكثر نشاطاً.")
    feed = [article("mon", report("الاثنين", "8834.82", "1.56"), 10 * HOUR),
            article("tue", report("الثلاثاء", "8758.64", "0.87"), 34 * HOUR)]
    with TestPipeline(runner=FNAPI) as p:
        out = p | beam.Create(_stamped(feed)) | NearDup()
        assert_that(out["main"] | beam.Map(_summary),
                    equal_to([("mon", "UNIQUE", "mon", None), ("tue", "UNIQUE", "tue", None)]))


@pytest.mark.parametrize("shards", SHARDS)
def test_shard_state_is_cleared_after_the_horizon(shards):
    """Inside the horizon a copy is linked; one horizon after the newest article the shards are cleared
    (an expire timer per shard): a copy arriving then is a new story, even a late one whose event time
    is inside the horizon of the first (the next test is the control: without the expiry it is linked)."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    day = 86400
    first = article("first", STORY, 1000 * 1000)
    inside = article("inside", "عين اليوم – جدة\n" + STORY, 3000 * 1000)
    # Late (behind the watermark) but inside the horizon of "first": only the cleared state keeps them apart.
    late = article("late", STORY + "\nيذكر أن الصالة القديمة ستغلق للصيانة.", 4000 * 1000)
    stream = (
        TestStream()
        .advance_watermark_to(0)
        .add_elements(_stamped([first]))
        .advance_watermark_to(2000)
        .add_elements(_stamped([inside]))
        .advance_watermark_to(day + 5000)  # the expire timers (day + 3001 s) fire
        .add_elements(_stamped([late]))
        .advance_watermark_to(day + 6000)
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        out = p | stream | NearDup(horizon_s=day, shards=shards)
        assert_that(out["main"] | beam.Map(_summary),
                    equal_to([("first", "UNIQUE", "first", None), ("inside", "NEAR_DUPLICATE", "first", "first"),
                              ("late", "UNIQUE", "late", None)]))


@pytest.mark.parametrize("shards", SHARDS)
def test_within_the_horizon_a_late_copy_is_still_linked(shards):
    """The control for the test above: without the expiry, the same late copy joins its story."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    first = article("first", STORY, 1000 * 1000)
    late = article("late", STORY + "\nيذكر أن الصالة القديمة ستغلق للصيانة.", 4000 * 1000)
    stream = (
        TestStream()
        .advance_watermark_to(0)
        .add_elements(_stamped([first]))
        .advance_watermark_to(5000)
        .add_elements(_stamped([late]))
        .advance_watermark_to(6000)
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        out = p | stream | NearDup(horizon_s=86400, shards=shards)
        assert_that(out["main"] | beam.Map(_summary),
                    equal_to([("first", "UNIQUE", "first", None), ("late", "NEAR_DUPLICATE", "first", "first")]))


@pytest.mark.parametrize("kwargs", [{"horizon_s": 0}, {"threshold": 0.9, "fingerprinter": FP}])
def test_bad_options_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        NearDup(**kwargs)


class _Bag:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)

    def read(self):
        return list(self.items)

    def clear(self):
        self.items = []


class _Cell:
    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def write(self, value):
        self.value = value

    def clear(self):
        self.value = None


class _Timer:
    def set(self, timestamp):
        self.at = timestamp


def _shard_flush(fn, state, probes, upto_ms, answers=True):
    """One flush of shard "0" as the runner drives it: probes held, then drained at ``upto_ms``; its answers
    (or, ``answers=False``, all it yields)."""
    pending, chunks, token = state
    for probe in probes:
        pending.add(probe)
    out = fn._drain("0", upto_ms, pending, chunks, token, _Timer(), _Timer())
    return [answer for _, (_, answer) in out] if answers else list(out)


def _probes(feed, with_articles=False):
    """The probes of one shard holding every band key; as a shard of several gets them (no article) unless
    ``with_articles``."""
    from pipeline.transforms.neardup import _KeyByShardFn

    out = []
    for item in feed:
        for tagged in _KeyByShardFn(FP, 1).process(item):
            if isinstance(tagged, beam.pvalue.TaggedOutput):
                probe = tagged.value[1]
                out.append(probe if with_articles else probe._replace(article=None))
    return out


def test_one_shard_decides_the_articles_its_probes_carry_and_indexes_only_the_probes():
    from pipeline.transforms.neardup import _Decider, _MatchInShardFn

    probes = _probes(FEED[:3], with_articles=True)
    fn = _MatchInShardFn(FP, 7 * 24 * HOUR, decider=_Decider(False))
    fn.setup()
    state = (_Bag(), _Bag(), _Cell())
    decided = [stamped.value for stamped in _shard_flush(fn, state, probes, 13 * HOUR, answers=False)]
    assert sorted(map(_summary, decided)) == sorted(EXPECTED[:3])
    assert [entry.probe.article for entry in pickle_entries(state[1])] == [None, None, None]


def test_a_shard_reads_its_index_from_state_when_its_memory_is_not_current():
    """The index a worker keeps in memory is used only under the token in state: another worker (an
    empty cache) or a failed bundle (state rolled back, memory not) reads the bag instead."""
    import copy

    from pipeline.transforms.neardup import _MatchInShardFn

    spa, paper_a, paper_b = _probes(FEED[:3])
    fn = _MatchInShardFn(FP, 7 * 24 * HOUR)
    fn.setup()
    state = (_Bag(), _Bag(), _Cell())
    assert _shard_flush(fn, state, [spa], 10 * HOUR)[0].of_id is None

    fn.setup()  # another worker: nothing in memory; the original comes from the bag
    assert _shard_flush(fn, state, [paper_b], 11 * HOUR)[0].of_id == "spa-1"

    before = copy.deepcopy(state)
    _shard_flush(fn, state, [paper_a], 12 * HOUR)  # this bundle fails: the runner drops its writes
    state = before
    rolled_back_index = fn._index("0", state[1], state[2])
    assert [entry.probe.id for entry in rolled_back_index.entries] == ["spa-1", "paper-b"]
    assert _shard_flush(fn, state, [paper_a], 12 * HOUR)[0].of_id == "spa-1"
    assert len(pickle_entries(state[1])) == 3


def pickle_entries(chunks):
    import pickle

    return [entry for blob in chunks.read() for entry in pickle.loads(blob)]


def test_an_article_matched_in_several_shards_takes_the_earliest_head_whatever_the_answer_order():
    from pipeline.transforms.neardup import _Answer, _Decider

    article = {"id": "c", "published_at": 3_000, "ingested_at": 9_000, "dedup": {"status": "UNIQUE"}}
    answers = [_Answer("b", 2_000, 2_000, "a2", 1_500, 0.7), _Answer("b", 2_000, 2_000, "a1", 1_000, 0.7), _Answer()]
    decided = {tuple(next(iter(_Decider(False).outputs(article, order))).value["dedup"].items())
               for order in (answers, answers[::-1], answers[1:] + answers[:1])}
    assert len(decided) == 1
    dedup_marks = dict(decided.pop())
    assert (dedup_marks["duplicate_of"], dedup_marks["cluster_id"]) == ("b", "a1")


def test_a_seeded_shard_keeps_a_reference_to_its_carried_file_in_state_and_reads_the_entries_back(tmp_path):
    """A chunk of a replay in chunks starts its shards from the entries earlier chunks left (one file a
    shard): state holds where they are, not another copy, and a worker with nothing in memory finds them."""
    from pipeline.chunks import NEAR, Carried
    from pipeline.io import carry
    from pipeline.transforms.neardup import _Indexed, _SeededMatchInShardFn

    spa, _, paper_b = _probes(FEED[:3])
    carried = _Indexed(spa, spa.id, spa.event_ms)
    carry.save(carry.shard_file(str(tmp_path), "0"), [Carried(NEAR, "0", spa.event_ms, spa.id, carried)])
    fn = _SeededMatchInShardFn(FP, 7 * 24 * HOUR, str(tmp_path))
    fn.setup()
    pending, chunks, token, seeded = _Bag(), _Bag(), _Cell(), _Cell()
    fn.process(("0", paper_b), paper_b.event_ms, pending, _Timer(), chunks, token, seeded)
    assert len(chunks.read()) == 1 and len(chunks.read()[0]) < len(pickle.dumps(carried)) / 4

    fn.setup()  # another worker: nothing in memory; the carried original comes from its file
    out = list(fn._drain("0", 11 * HOUR, pending, chunks, token, _Timer(), _Timer()))
    assert [answer.of_id for _, (_, answer) in (o for o in out if isinstance(o, tuple))] == ["spa-1"]
    assert [o.value.id for o in out if isinstance(o, beam.pvalue.TaggedOutput)] == ["paper-b"], "handed out"
    assert [entry.probe.id for entry in pickle_entries(chunks)] == ["spa-1", "paper-b"]


def test_an_entry_kept_by_the_previous_version_with_string_band_keys_still_meets_its_copy():
    """State written by wirepipe 0.1.0 holds band keys as "<band>:<hex>" strings: after an upgrade such an
    entry is filed under its article's keys of today, so the next copy still finds it."""
    from pipeline.transforms.neardup import _Indexed, _Probe, _ShardIndex

    original = FP.fingerprint(STORY)
    old_keys = tuple(f"{band}:{value:x}" for band, value in enumerate(FP.band_keys(original.signature).tolist()))
    old = _Indexed(_Probe(10 * HOUR, "spa-1", 10 * HOUR, "spa-1\x1fh\x1f1", original, old_keys[:16]), "spa-1", 10 * HOUR)
    index = _ShardIndex(FP, [old])
    copy = FP.fingerprint(STORY + "\nيذكر أن المطار استقبل العام الماضي 31 مليون مسافر.")
    best, similarity, _ = index.search.earliest_match(copy, FP.band_keys(copy.signature), (11 * HOUR, "paper-b"),
                                                      "paper-b", 7 * 24 * HOUR)
    assert best is old and similarity > 0.6
