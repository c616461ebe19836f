"""The report page: one self-contained, right-to-left HTML file of a run.

Overview, stories and dead letters are HTML written here. Articles are too many for one DOM on a large
run: the page carries a compact index (one JSON row per article) and each article's HTML, already
escaped and marked up by :mod:`pipeline.report.article`, in gzip-compressed base64 blocks of ``CHUNK``
articles (marked-up Arabic compresses about fourfold; the browser's DecompressionStream unpacks a block
when one of its articles is opened). A little script pages through the index and filters it.
"""
from __future__ import annotations

import base64
import codecs
import datetime as dt
import gzip
import html
import json
import os
import secrets
import unicodedata
from importlib import resources
from typing import Optional
from urllib.parse import quote

from pipeline import __version__
from pipeline.report import charts, summary
from pipeline.report.article import (ENTITY_CLASSES, ENTITY_LABELS, QUOTE_LABELS, article_html, esc, format_source,
                                     format_time, index_entry, ltr)
from pipeline.report.run import Run

CHUNK = 100              # articles per compressed block (unpacked when one of its articles is opened)
PAGE = 50                # articles per page of the list
MAX_STORIES = 500        # lines in the stories view; the rest are counted
MAX_DEAD_LETTERS = 500   # rows in the dead-letters view; the rest are counted
RAW_PREVIEW_BYTES = 160  # first bytes of a dead letter's raw input shown

_FORMATS = {"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
_UNITS = {"hour": "الساعة", "day": "اليوم", "month": "الشهر", "year": "السنة"}
_ENTITY_TITLES = {"PERSON": "أبرز الأشخاص", "ORGANIZATION": "أبرز المنظمات", "LOCATION": "أبرز الأماكن"}


def _asset(name: str) -> str:
    return resources.files("pipeline").joinpath("resources", "report", name).read_text(encoding="utf-8")


def script_json(value) -> str:
    """``value`` as JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or
    ``&`` can close the element or open a comment (``</script>``, ``<!--`` in article text)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def article_block(pieces: list[str]) -> str:
    """Articles' HTML as one base64 gzip block; each piece starts with ``<article `` (text in them is
    escaped, so that is the only place the string can occur, and the page splits the block there)."""
    for piece in pieces:
        if not piece.startswith("<article "):
            raise ValueError("an article's HTML must start with '<article '")
    data = gzip.compress("".join(pieces).encode("utf-8"), compresslevel=6, mtime=0)
    return base64.b64encode(data).decode("ascii")


def raw_preview(raw: bytes, limit: int = RAW_PREVIEW_BYTES) -> str:
    """The first ``limit`` bytes of a raw input as safe visible text: invalid UTF-8 as ``\\xNN``, and
    control and bidi-override characters (which could reorder or hide the text) as ``\\uNNNN``."""
    # Incremental: a character cut in two by the limit is left out, not shown as stray \xNN bytes.
    text = codecs.getincrementaldecoder("utf-8")(errors="backslashreplace").decode(bytes(raw[:limit]), final=False)
    shown = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") and char != " ":
            shown.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\u{ord(char):04x}"))
        else:
            shown.append(char)
    return "".join(shown) + ("…" if len(raw) > limit else "")


def _filter_link(field: str, name: str) -> str:
    return f"#articles?f={field}&q={quote(name)}"


def _overview(run: Run) -> str:
    counts = summary.counters(run)
    line, holds = summary.accounting_line(counts)
    duplicates = counts["exact_duplicate"] + counts.get("near_duplicate_dropped", 0)
    tiles = [("مقروءة", counts["read"]), ("مكتوبة", counts["written"]), ("مكررة", duplicates),
             ("رسائل ميتة", counts["dead_letter"]), ("إعادات نشر", counts.get("near_duplicate", 0)),
             ("تحديثات", counts.get("updates", 0)), ("كيانات", counts.get("entities", 0)),
             ("اقتباسات", counts.get("quotes", 0))]
    tiles_html = "".join(f'<div class="tile" data-counter="{i}"><b>{value:,}</b><span>{label}</span></div>'
                         for i, (label, value) in enumerate(tiles))
    accounting = (f'<p class="accounting {"ok" if holds else "broken"}" dir="ltr">read = dead_letter + exact_duplicate '
                  f'+ near_duplicate_dropped + written: <bdi>{esc(line)}</bdi> — {"holds" if holds else "BROKEN"}</p>')
    if run.metrics is None:
        accounting += '<p class="muted">لا ملف metrics.json: الأرقام محسوبة من الملفات.</p>'
    unit, buckets = summary.per_time(run.articles)
    agencies = summary.per_agency(run.articles)[:15]
    figures = [
        charts.bar_chart(agencies, "المقالات حسب الوكالة", [_filter_link("agency", a) if a != "—" else None for a, _ in agencies]),
        charts.histogram([(f"{at.strftime(_FORMATS[unit])} UTC", count) for at, count in buckets],
                         f"المقالات حسب {_UNITS[unit]} (UTC)"),
    ]
    if unit != "hour" and buckets:  # a longer run: also the hours of the day its articles came at
        figures.append(charts.histogram([(f"{hour:02d}:00 UTC", count) for hour, count in summary.per_hour_of_day(run.articles)],
                                        "المقالات حسب ساعة اليوم (UTC)"))
    for kind, items in summary.top_entities(run.articles).items():
        figures.append(charts.bar_chart(items, f"{_ENTITY_TITLES[kind]} (عدد المقالات)",
                                        [_filter_link("entity", name) for name, _ in items]))
    speakers = summary.top_speakers(run.articles)
    figures.append(charts.bar_chart(speakers, "أبرز المتحدثين (عدد الاقتباسات)",
                                    [_filter_link("speaker", name) for name, _ in speakers]))
    return (f'<section id="view-overview" class="view"><h2>نظرة عامة</h2><div class="tiles">{tiles_html}</div>'
            f'{accounting}<div class="charts">{"".join(figures)}</div></section>')


def _copy_line(record: dict, position: Optional[int]) -> str:
    """One republication: kind, agency, time, similarity, headline (a link when it is an article)."""
    label = esc(record.get("headline") or record["id"])
    if "dedup" in record:  # an article kept in the main output (each version of an id is its own article)
        similarity = (record.get("dedup") or {}).get("similarity")
        kind = "إعادة نشر"
    else:
        similarity = record.get("similarity")
        kind = "نسخة مطابقة" if record.get("kind") == "EXACT" else "إعادة نشر (محذوفة)"
    link = label if position is None else f'<a href="#article/{position}">{label}</a>'
    figure = f"{similarity:.2f}" if similarity is not None else "—"
    return (f'<li><span class="kind">{kind}</span> <b>{esc(record.get("agency"))}</b> '
            f'<span class="muted">{ltr(format_time(record.get("published_at")))}</span> '
            f'<span class="sim" title="التشابه">{ltr("≈ " + figure)}</span> {link} <span class="muted">{ltr(record["id"], nowrap=True)}</span></li>')


def _stories(run: Run, position_of: dict[int, int]) -> str:
    clusters = summary.stories(run)
    rows = []
    for story in clusters[:MAX_STORIES]:
        head = story.head
        if head is not None:
            title = f'<a href="#article/{position_of[id(head)]}">{esc(head.get("headline") or head["id"])}</a>'
            head_meta = f'<b>{esc(head.get("agency"))}</b> <span class="muted">{ltr(format_time(head.get("published_at")))}</span>'
        else:
            title, head_meta = esc(story.head_id), '<span class="muted">(الأصل ليس بين المقالات)</span>'
        copies = [_copy_line(copy, position_of.get(id(copy))) for copy in story.copies]
        rows.append(f'<li class="story"><div>{head_meta} {title} <span class="count">+{len(story.copies)}</span></div>'
                    f'<ul>{"".join(copies)}</ul></li>')
    more = (f'<p class="muted">و{len(clusters) - MAX_STORIES:,} قصة أخرى لا تظهر هنا.</p>'
            if len(clusters) > MAX_STORIES else "")
    update_rows = []
    for versions in summary.updates(run.articles)[:MAX_STORIES]:
        items = "".join(
            f'<li><a href="#article/{position_of[id(v)]}">{esc(v.get("headline") or v["id"])}</a> '
            f'<span class="muted">{ltr(format_time(v.get("published_at")))}</span></li>' for v in versions)
        update_rows.append(f'<li>{ltr(versions[0]["id"])} <b>{esc(versions[0].get("agency"))}</b><ol>{items}</ol></li>')
    updates_html = f'<ol class="updates">{"".join(update_rows)}</ol>' if update_rows else '<p class="muted">لا تحديثات.</p>'
    stories_html = f'<ol class="stories">{"".join(rows)}</ol>' if rows else '<p class="muted">لا إعادات نشر.</p>'
    return (f'<section id="view-stories" class="view"><h2>القصص: إعادات النشر ({len(clusters):,})</h2>'
            f'{stories_html}{more}<h2>تحديثات القصص</h2>{updates_html}</section>')


def _dead_letters(run: Run) -> str:
    rows = []
    for letter in run.dead_letters[:MAX_DEAD_LETTERS]:
        raw = letter.get("raw") or b""
        rows.append(
            f'<tr><td><b>{esc(letter.get("error_kind"))}</b><br><span class="muted" dir="auto">{esc(letter.get("error_message"))}</span></td>'
            f'<td>{esc(letter.get("stage"))}</td><td>{ltr(format_source(letter.get("source")))}</td>'
            f'<td>{ltr(letter.get("id"))}</td>'
            f'<td><code class="raw" dir="ltr">{esc(raw_preview(raw))}</code>'
            f'<br><span class="muted">{letter.get("raw_length", len(raw)):,} بايت</span></td></tr>')
    more = (f'<p class="muted">و{len(run.dead_letters) - MAX_DEAD_LETTERS:,} رسالة أخرى: '
            f'<code dir="ltr">wirepipe inspect {esc(run.out_dir)}/dead-letter-*.avro</code></p>'
            if len(run.dead_letters) > MAX_DEAD_LETTERS else "")
    table = ('<div class="scroll"><table class="dead"><thead><tr><th>السبب</th><th>المرحلة</th><th>المصدر</th>'
             f'<th>المعرف</th><th>أول البايتات</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
             if rows else '<p class="muted">لا رسائل ميتة.</p>')
    return (f'<section id="view-dead" class="view"><h2>الرسائل الميتة ({len(run.dead_letters):,})</h2>'
            f'{table}{more}</section>')


def _articles_view() -> str:
    legend = " ".join([f'<span class="ent {ENTITY_CLASSES[kind]}">{label}</span>' for kind, label in ENTITY_LABELS.items()]
                      + [f'<span class="q q-{kind.lower()}">{label}</span>' for kind, label in QUOTE_LABELS.items()])
    options = "".join(f'<option value="{value}">{label}</option>' for value, label in
                      (("all", "الكل"), ("entity", "كيان"), ("speaker", "متحدث"), ("agency", "وكالة")))
    return ('<section id="view-articles" class="view"><h2>المقالات</h2>'
            '<form id="filter" class="filter" role="search"><select id="filter-field" aria-label="حقل البحث">'
            f'{options}</select><input id="filter-q" type="search" placeholder="ابحث عن كيان أو متحدث أو وكالة" '
            'aria-label="بحث"></form><p id="list-info" class="muted"></p><ol id="list" class="list"></ol>'
            '<nav id="pager" class="pager"></nav></section>'
            '<section id="view-article" class="view"><p><a href="#articles" id="back">→ قائمة المقالات</a></p>'
            f'<p class="legend">{legend} <span class="muted">(مرر المؤشر على الاسم أو الاقتباس للتفاصيل، '
            'وانقر الاقتباس لرؤية قائله)</span></p>'
            '<div id="article"></div>'
            '</section>')


def build_report(run: Run, title: Optional[str] = None, generated_at: Optional[dt.datetime] = None) -> str:
    """Return the report of ``run`` as one self-contained HTML document (no network access needed)."""
    position_of = {id(article): number for number, article in enumerate(run.articles)}
    first_of: dict[str, int] = {}
    for number, article in enumerate(run.articles):
        first_of.setdefault(article["id"], number)
    index_of = first_of.get
    title = title or f"wirepipe: {os.path.basename(os.path.abspath(run.out_dir))}"
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    nonce = base64.b64encode(secrets.token_bytes(12)).decode("ascii")
    index = [index_entry(article) for article in run.articles]
    blocks = []
    for start in range(0, len(run.articles), CHUNK):
        chunk = [article_html(article, index_of) for article in run.articles[start:start + CHUNK]]
        blocks.append(f'<script type="application/octet-stream" id="wp-chunk-{start // CHUNK}">{article_block(chunk)}</script>')
    labels = {**{ENTITY_CLASSES[k]: v for k, v in ENTITY_LABELS.items()},
              **{k.lower(): v for k, v in QUOTE_LABELS.items()}, "unknown": "قائل غير معروف"}
    # Scripts run only with this page's nonce: nothing that slipped into the markup could run, and the
    # page cannot fetch anything.
    policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src data:; "
              "base-uri 'none'; form-action 'none'")
    nav = "".join(f'<a href="#{target}" data-view="{target}">{label}</a>' for target, label in
                  (("overview", "نظرة عامة"), ("articles", f"المقالات ({len(run.articles):,})"),
                   ("stories", "القصص"), ("dead", f"الرسائل الميتة ({len(run.dead_letters):,})")))
    return (
        '<!DOCTYPE html>\n'
        f'<html lang="ar" dir="rtl" data-chunk="{CHUNK}" data-page="{PAGE}">'
        '<head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title>'
        # First script: record errors of everything after it in an attribute a test (or a person) can read.
        f'<script nonce="{nonce}">{_asset("errors.js")}</script>'
        f'<style>{_asset("report.css")}</style></head>'
        f'<body><header><h1>{esc(title)}</h1><p class="muted" dir="ltr">{esc(run.out_dir)} · '
        f'wirepipe {esc(__version__)} · {esc(format_time(generated_at))}</p><nav class="tabs">{nav}</nav></header>'
        f'<main>{_overview(run)}{_articles_view()}{_stories(run, position_of)}{_dead_letters(run)}</main>'
        f'<script type="application/json" id="wp-index">{script_json(index)}</script>'
        f'<script type="application/json" id="wp-labels">{script_json(labels)}</script>'
        f'{"".join(blocks)}'
        f'<script nonce="{nonce}">{_asset("report.js")}</script>'
        '</body></html>\n'
    )
