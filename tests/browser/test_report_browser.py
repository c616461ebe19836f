"""The report of a real replay, rendered by headless Chromium: the seed's quotes and people marked in the
DOM after the page's scripts ran, right to left, no script errors; a hostile article runs no script.
Screenshots (laptop and phone widths) go to .local/artifacts/ for a person to look at."""
from __future__ import annotations

import json
import re
import unicodedata

import pytest

from pipeline.report import write_report
from tests.browser.chromium import chromium, page_url, rendered_dom, screenshot
from tests.browser.devtools import Browser
from tests.browser.conftest import SEED_ID
from tests.conftest import REPO_ROOT, SHARED
from tests.e2e.helpers import replay

ARTIFACTS = REPO_ROOT / ".local" / "artifacts"
EXPECTED = SHARED / "seeds" / "000_2ec8cf8ddaeb2913.expected.json"
# The expected offsets index the whole .txt file; the body starts after the headline (33) and "\n\n".
BODY_OFFSET = 35


def _norm(text: str) -> str:
    """Compare names without diacritics, tatweel or alef variants."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub("[أإآ]", "ا", text.replace("ـ", "")).strip()


def _quotes(article) -> dict[int, dict]:
    """Marked quotes of the rendered article by number: kind, offsets, speaker, text of all their pieces."""
    quotes: dict[int, dict] = {}
    for piece in article.select("[data-q]"):
        if "q" not in piece.get("class", []):
            continue
        number = int(piece["data-q"])
        quote = quotes.setdefault(number, {"kind": piece["data-kind"], "start": int(piece["data-start"]),
                                           "end": int(piece["data-end"]), "speaker": piece.get("data-speaker"),
                                           "ref": piece.get("data-speaker-ref"), "text": ""})
        quote["text"] += piece.get_text()
    return quotes


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    shared = min(a_end, b_end) - max(a_start, b_start)
    return shared >= max(a_end - a_start, b_end - b_start) / 2


@pytest.mark.skipif(not EXPECTED.is_file(), reason=f"{EXPECTED} not found")
def test_seed_article_view_marks_the_expected_quotes_and_people(seed_report):
    html_path, position, result = seed_report
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    dom = rendered_dom(html_path, f"article/{position}")
    root = dom.find("html")
    assert root["dir"] == "rtl" and root["lang"] == "ar"
    assert root.get("data-ready") == "1", "the page's script did not finish"
    assert root["data-js-errors"] == "0", root.get("data-js-error-log")
    box = dom.select_one("#article")
    assert box["data-article"] == str(position)
    assert not dom.select_one("#view-article").has_attr("hidden")
    assert dom.select_one("#view-overview").has_attr("hidden")
    body_el = box.select_one(".body")
    body = body_el.get_text()
    record = result["articles"][[a["source"]["path"].endswith(".txt") and a["id"] == SEED_ID
                                 for a in result["articles"]].index(True)]
    assert body == record["body"], "the rendered body is not the article's text"

    quotes = _quotes(body_el)
    assert len(quotes) == len(record["quotes"])
    for number, quote in quotes.items():
        assert quote["text"] == body[quote["start"]:quote["end"]], f"quote {number} marks other text"
    for gold in expected["quotes"]:
        start, end = gold["start"] - BODY_OFFSET, gold["end"] - BODY_OFFSET
        assert body[start:end] == gold["text"]
        found = [q for q in quotes.values() if _overlap(q["start"], q["end"], start, end) and q["kind"] == gold["kind"]]
        assert found, f"expected {gold['kind']} quote not marked: {gold['text'][:40]}…"
        assert any(_norm(q["speaker"] or "") == _norm(gold["speaker"]) for q in found), gold["text"][:40]
    # Each attributed quote links to an element that is its speaker's mention.
    for quote in quotes.values():
        if quote["ref"]:
            mention = dom.find(id=quote["ref"])
            assert mention is not None and "per" in mention["class"]
            assert _norm(mention["data-canonical"]) == _norm(quote["speaker"])

    people = {(_norm(e["data-canonical"]), _norm(e["data-role"])) for e in box.select(".ent.per[data-role]")}
    for person in expected["entities"]["PERSON"]:
        assert (_norm(person["canonical"]), _norm(person["role"])) in people, person["canonical"]
    # Who said what: one line per quote, the speaker linking to the mention.
    rows = box.select("ol.wsw > li")
    assert len(rows) == len(quotes)
    assert {a["href"] for a in box.select("ol.wsw a.who")} <= {f"#{q['ref']}" for q in quotes.values() if q["ref"]}


def test_seed_report_filters_by_speaker_and_shows_stories_and_dead_letters(seed_report):
    html_path, _, result = seed_report
    dom = rendered_dom(html_path, "articles?f=speaker&q=" + "لافروف")
    assert dom.find("html")["data-js-errors"] == "0", dom.find("html").get("data-js-error-log")
    items = dom.select("#list > li")
    with_speaker = [a for a in result["articles"]
                    if any(q["speaker"] and "لافروف" in q["speaker"]["name"] for q in a["quotes"])]
    assert len(items) == len(with_speaker) == 2
    assert all(item.select_one("a.h").get_text() == "وزير الخارجية الروسي سيرغي لافروف" for item in items)

    dom = rendered_dom(html_path, "stories")
    assert not dom.select_one("#view-stories").has_attr("hidden")
    stories = dom.select("ol.stories > li.story")
    assert len(stories) == 2  # spa → Ain Alyoum republication; wafa → its exact copy
    text = " ".join(s.get_text(" ") for s in stories)
    assert "0.95" in text and "wafa-2025-11-03-0007" in text and "ainalyoum-2025-11-03-0002" in text
    updates = dom.select("ol.updates > li")
    assert len(updates) == 1 and len(updates[0].select("ol > li")) == 2

    dom = rendered_dom(html_path, "dead")
    rows = dom.select("table.dead tbody tr")
    assert len(rows) == result["metrics"]["dead_letter"] == 6
    assert any("seeds/demo/bad-bytes.jsonl:2" in row.get_text() and "\\xd8" in row.get_text() for row in rows)


@pytest.mark.parametrize("name, width, height, fragment", [
    ("overview-laptop", 1280, 1600, ""),
    ("article-laptop", 1280, 1400, "article/{position}"),
    ("article-phone", 390, 1800, "article/{position}"),
    ("overview-phone", 390, 2400, ""),
])
def test_screenshots(seed_report, name, width, height, fragment):
    html_path, position, _ = seed_report
    shot = screenshot(html_path, ARTIFACTS / f"report-{name}.png", fragment.format(position=position), width, height)
    # A PNG whose header says the window's size (device scale 1).
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")) == (width, height)


HOSTILE_HEADLINE = "</script><script>document.documentElement.setAttribute('data-pwned','headline')</script> عنوان"
HOSTILE_BODY = (
    "دمشق-سانا\nقال وزير الخارجية سيرغي لافروف: “<img src=x onerror=\"document.documentElement.setAttribute("
    "'data-pwned','img')\"> كلام”.\n<script>document.documentElement.setAttribute('data-pwned','body')</script>\n"
    "<!-- <script> --> <b>غامق</b> &amp; <a href=\"javascript:alert(1)\">رابط</a> </article><article x>"
)


def test_hostile_article_shows_as_text_and_runs_no_script(tmp_path):
    chromium()
    feed = tmp_path / "hostile.jsonl"
    record = {"id": "hostile-1</script>", "agency": "<i>SANA</i>", "headline": HOSTILE_HEADLINE,
              "body": HOSTILE_BODY, "published_at": "2025-11-03T06:15:00Z"}
    feed.write_bytes(json.dumps(record, ensure_ascii=False).encode() + b"\n"
                     + b'{"id": "bad", "body": "<script>alert(1)</script>\xff"}\n')
    out = tmp_path / "run"
    result = replay([feed], out)
    assert len(result["articles"]) == 1 and len(result["dead-letter"]) == 1
    html_path = out / "report.html"
    write_report(str(out), str(html_path))
    for fragment in ("", "article/0", "articles", "dead", "stories"):
        dom = rendered_dom(html_path, fragment)
        root = dom.find("html")
        assert root.get("data-ready") == "1", fragment
        assert not root.has_attr("data-pwned"), f"a script from the article ran ({fragment})"
        assert root["data-js-errors"] == "0", root.get("data-js-error-log")
        # Only the page's own scripts: two that run (with the nonce) and the data blocks.
        assert all(s.has_attr("nonce") or s.get("type") in ("application/json", "application/octet-stream")
                   for s in dom.find_all("script"))
        assert len([s for s in dom.find_all("script") if s.has_attr("nonce")]) == 2
        assert not dom.select("main img, main a[href^=javascript]")
        assert not [el for el in dom.select("main b, main i") if el.get_text() in ("غامق", "SANA")]
    dom = rendered_dom(html_path, "article/0")
    article = dom.select_one("#article")
    assert article.select_one(".headline").get_text() == HOSTILE_HEADLINE
    assert article.select_one(".body").get_text() == HOSTILE_BODY
    assert len(dom.select("#article article")) == 1
    assert "<i>SANA</i>" in article.select_one(".meta").get_text()
    dom = rendered_dom(html_path, "articles")
    assert dom.select_one("#list a.h").get_text() == HOSTILE_HEADLINE
    dom = rendered_dom(html_path, "dead")
    assert "<script>alert(1)</script>\\xff" in dom.select_one("table.dead code.raw").get_text()
    # The browser itself reports no console error, exception or blocked resource on the article.
    with Browser() as browser:
        browser.open(page_url(html_path, "article/0"))
        browser.wait_for("document.getElementById('article').getAttribute('data-article') === '0'")
        browser.hover("#article .body .ent.per")
        assert browser.evaluate("document.documentElement.hasAttribute('data-pwned')") is False
        assert browser.errors() == []
