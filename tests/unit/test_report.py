"""The report's pure parts: nested, escaped marks; safe embedding; figures and stories of a real replay."""
from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import re

import pytest

from pipeline.cli import main
from pipeline.report import ReportError, build_report, load_run
from pipeline.report import summary
from pipeline.report.markup import Span, mark
from pipeline.report.page import article_block, raw_preview, script_json
from tests.conftest import SEEDS
from tests.e2e.helpers import replay

UTC = dt.timezone.utc


def _span(start, end, name, order=0):
    return Span(start, end, "span", name, {"data-n": name}, element_id=f"id-{name}", order=order)


TEXT = "قال لافروف إن «موسكو لا تزال على اتصال» مع واشنطن"
QUOTE = (TEXT.index("موسكو"), TEXT.index("»"))


@pytest.mark.parametrize("text, spans, expected", [
    ("لا شيء", [], "لا شيء"),
    ("<b>غامق</b> & \"x\"", [], "&lt;b&gt;غامق&lt;/b&gt; &amp; \"x\""),
    # An entity inside a quote nests.
    (TEXT, [_span(*QUOTE, "q"), _span(QUOTE[0], QUOTE[0] + 5, "e", 1)],
     'قال لافروف إن «<span class="q" id="id-q" data-n="q"><span class="e" id="id-e" data-n="e">موسكو</span>'
     ' لا تزال على اتصال</span>» مع واشنطن'),
    # Same span twice: order decides which is outside.
    (TEXT, [_span(4, 10, "inner", 2), _span(4, 10, "outer", 1)],
     'قال <span class="outer" id="id-outer" data-n="outer"><span class="inner" id="id-inner" data-n="inner">'
     'لافروف</span></span> إن «موسكو لا تزال على اتصال» مع واشنطن'),
    # Crossing spans: the inner one is closed at the outer's end and continues after it, without its id.
    ("ابجدهوز", [_span(0, 4, "a"), _span(2, 6, "b")],
     '<span class="a" id="id-a" data-n="a">اب<span class="b" id="id-b" data-n="b">جد</span></span>'
     '<span class="b cont" data-n="b">هو</span>ز'),
    # Spans outside the text or empty are left out; markup in the text is escaped inside marks too.
    ("<i>", [_span(0, 3, "a"), _span(2, 9, "out"), _span(1, 1, "empty")],
     '<span class="a" id="id-a" data-n="a">&lt;i&gt;</span>'),
])
def test_mark(text, spans, expected):
    assert mark(text, spans) == expected


def test_mark_attribute_values_are_escaped():
    span = Span(0, 3, "span", "e", {"data-canonical": '"><script>x</script>'})
    assert mark("abc", [span]) == '<span class="e" data-canonical="&quot;&gt;&lt;script&gt;x&lt;/script&gt;">abc</span>'


def test_script_json_cannot_close_its_element():
    value = ["</script><script>alert(1)</script>", "<!-- x -->", "a & b"]
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_article_block_round_trip_and_split():
    pieces = ['<article class="art">لافروف &lt;/script&gt;</article>', '<article class="art">ثانية</article>']
    data = gzip.decompress(base64.b64decode(article_block(pieces))).decode("utf-8")
    assert ["<article " + p for p in data.split("<article ")[1:]] == pieces
    with pytest.raises(ValueError):
        article_block(["<div>not an article</div>"])


@pytest.mark.parametrize("raw, expected", [
    (b'{"id": "x"}', '{"id": "x"}'),
    (b"\xd8 \xff\xfe\xc3\x28", "\\xd8 \\xff\\xfe\\xc3("),
    ("سطر\nو\u202eمعكوس\u2066".encode(), "سطر\\nو\\u202eمعكوس\\u2066"),
    (b"a" * 200, "a" * 160 + "…"),
    ("ن".encode() * 100, "ن" * 80 + "…"),
    (b"a" + "ن".encode() * 100, "a" + "ن" * 79 + "…"),  # the character cut at byte 160 is left out
])
def test_raw_preview_is_visible_and_cannot_reorder_text(raw, expected):
    assert raw_preview(raw) == expected


def _at(day, hour):
    return dt.datetime(2025, 11, day, hour, 20, tzinfo=UTC)


@pytest.mark.parametrize("times, unit, counts", [
    ([], "hour", []),
    ([_at(3, 6), _at(3, 6), _at(3, 9)], "hour", [2, 0, 0, 1]),
    ([_at(3, 6), _at(20, 9)], "day", [1] + [0] * 16 + [1]),
    ([_at(3, 6), dt.datetime(2017, 10, 20, tzinfo=UTC)], "year", [1, 0, 0, 0, 0, 0, 0, 0, 1]),
])
def test_per_time_picks_a_unit_with_few_buckets(times, unit, counts):
    got_unit, buckets = summary.per_time([{"published_at": t} for t in times] + [{"published_at": None}])
    assert got_unit == unit and [count for _, count in buckets] == counts


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed-run")
    replay([SEEDS], out)
    return load_run(str(out))


def test_seed_run_figures(seed_run):
    counts = summary.counters(seed_run)
    assert summary.accounting_line(counts) == ("21 = 6 + 1 + 0 + 14", True)
    assert summary.per_agency(seed_run.articles)[0] == ("SANA", 6)
    people = dict(summary.top_entities(seed_run.articles)["PERSON"])
    assert people["سيرغي لافروف"] == people["إبراهيم الجعفري"] == 2  # the seed as .txt and as .jsonl
    speakers = dict(summary.top_speakers(seed_run.articles))
    assert speakers["سيرغي لافروف"] == sum(
        1 for a in seed_run.articles for q in a["quotes"] if q["speaker"] and q["speaker"]["name"] == "سيرغي لافروف")


def test_seed_run_stories_and_updates(seed_run):
    stories = {s.head_id: s for s in summary.stories(seed_run)}
    assert set(stories) == {"spa-2025-11-03-0001", "wafa-2025-11-03-0001"}
    republished = stories["spa-2025-11-03-0001"]
    assert republished.head["agency"] == "SPA"
    assert [(c["id"], round(c["dedup"]["similarity"], 2)) for c in republished.copies] == [("ainalyoum-2025-11-03-0002", 0.95)]
    exact = stories["wafa-2025-11-03-0001"].copies
    assert [(c["id"], c["kind"]) for c in exact] == [("wafa-2025-11-03-0007", "EXACT")]
    (versions,) = summary.updates(seed_run.articles)
    assert [v["dedup"]["status"] for v in versions] == ["UNIQUE", "UPDATE"]
    assert versions[0]["published_at"] < versions[1]["published_at"]


def test_counters_without_metrics_json_come_from_the_records(seed_run):
    from dataclasses import replace

    counted = summary.counters(replace(seed_run, metrics=None))
    for name in ("read", "dead_letter", "exact_duplicate", "written", "updates", "near_duplicate", "entities", "quotes"):
        assert counted[name] == seed_run.metrics[name], name


def test_page_is_self_contained_and_right_to_left(seed_run):
    page = build_report(seed_run)
    assert page.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl"')
    # Nothing is fetched: no src or external href, and the policy forbids it anyway.
    assert not re.search(r'\ssrc=|<link|@import|url\(', page)
    assert not re.search(r'href="(?!#)', page)
    assert "content=\"default-src &#x27;none&#x27;;" in page
    blocks = re.findall(r'<script type="application/octet-stream" id="wp-chunk-\d+">([^<]*)</script>', page)
    articles = gzip.decompress(base64.b64decode(blocks[0])).decode().split("<article ")[1:]
    assert len(articles) == len(seed_run.articles) == 14


def test_load_run_errors(tmp_path):
    with pytest.raises(ReportError, match="not a directory"):
        load_run(str(tmp_path / "missing"))
    with pytest.raises(ReportError, match="holds no articles"):
        load_run(str(tmp_path))
    (tmp_path / "articles-0.avro").write_bytes(b"Obj\x01 broken")
    with pytest.raises(ReportError, match="damaged Avro file"):
        load_run(str(tmp_path))


def test_report_command(seed_run, tmp_path, capsys):
    target = tmp_path / "sub" / "r.html"
    assert main(["report", seed_run.out_dir, "--html", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"report: {target}" in out and "14 articles, 1 duplicates, 6 dead letters" in out
    assert target.read_text(encoding="utf-8").count('id="wp-chunk-') == 1
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_per_hour_of_day_counts_every_hour():
    hours = summary.per_hour_of_day([{"published_at": _at(3, 6)}, {"published_at": _at(20, 6)},
                                     {"published_at": _at(4, 23)}, {"published_at": None}])
    assert len(hours) == 24 and hours[6] == (6, 2) and hours[23] == (23, 1) and sum(c for _, c in hours) == 3
