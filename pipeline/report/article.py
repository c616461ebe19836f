"""One enriched article as HTML: headline, dateline, agency, time, the marked text and "who said what".

Every piece of article text goes through :func:`html.escape` (directly or in :func:`markup.mark`);
element ids (``ae-N`` for entity N, ``aq-N`` for quote N) are unique because the page shows one
article at a time.
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Callable, Optional

from pipeline.model import describe_source
from pipeline.report.markup import Span, mark

ENTITY_LABELS = {"PERSON": "شخص", "ORGANIZATION": "منظمة", "LOCATION": "مكان"}
ENTITY_CLASSES = {"PERSON": "per", "ORGANIZATION": "org", "LOCATION": "loc"}
QUOTE_LABELS = {"DIRECT": "اقتباس مباشر", "PARTIAL": "اقتباس جزئي", "INDIRECT": "كلام منقول"}
STATUS_LABELS = {"UNIQUE": "أصلي", "NEAR_DUPLICATE": "إعادة نشر", "UPDATE": "تحديث"}

#: Returns the report index of the article with an id, or None when it is not in the run's articles.
IndexOf = Callable[[str], Optional[int]]


def format_time(value: Optional[dt.datetime]) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM UTC``, or an em dash for none."""
    if value is None:
        return "—"
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def format_source(source: Optional[dict]) -> str:
    """Where a record came from: ``path:line`` or ``topic/partition@offset`` (an em dash for none)."""
    return describe_source(source, missing="—")


def esc(value) -> str:
    """``str(value)`` escaped for HTML text and attribute values; None is an em dash."""
    return "—" if value is None else html.escape(str(value))


def ltr(value, nowrap: bool = False) -> str:
    """A left-to-right run (a time, an id, a file path) isolated from the Arabic around it."""
    css = ' class="nw"' if nowrap else ""
    return f'<bdi dir="ltr"{css}>{esc(value)}</bdi>'


def article_link(index_of: IndexOf, article_id: Optional[str], text: Optional[str] = None) -> str:
    """A link to the article view of ``article_id``, or plain text when it is not among the articles."""
    label = esc(text if text is not None else article_id)
    position = index_of(article_id) if article_id else None
    return label if position is None else f'<a href="#article/{position}">{label}</a>'


def _spans(record: dict, field: str) -> list[Span]:
    # Attributes are kept few: a large run has hundreds of thousands of marks. The page's script makes
    # the hover text (type, canonical name, role; kind, speaker, verb) from them when the pointer comes.
    spans: list[Span] = []
    dateline = record.get("dateline")
    if field == "BODY" and dateline and dateline.get("end", 0) > dateline.get("start", 0):
        spans.append(Span(dateline["start"], dateline["end"], "span", "dl", {}, order=0))
    for number, quote in enumerate(record.get("quotes") or ()):
        if quote["field"] != field:
            continue
        speaker = quote.get("speaker") or {}
        attrs = {"data-q": str(number), "data-kind": quote["kind"], "data-start": str(quote["start"]),
                 "data-end": str(quote["end"])}
        if speaker.get("name"):
            attrs["data-speaker"] = speaker["name"]
        if speaker.get("entity_index") is not None:
            attrs["data-speaker-ref"] = f"ae-{speaker['entity_index']}"
        if quote.get("verb"):
            attrs["data-verb"] = quote["verb"]
        spans.append(Span(quote["start"], quote["end"], "span", f"q q-{quote['kind'].lower()}", attrs,
                          element_id=f"aq-{number}", order=1))
    for number, entity in enumerate(record.get("entities") or ()):
        if entity["field"] != field:
            continue
        attrs = {"data-canonical": entity["canonical"]}
        if entity.get("role"):
            attrs["data-role"] = entity["role"]
        spans.append(Span(entity["start"], entity["end"], "span", f"ent {ENTITY_CLASSES.get(entity['type'], 'other')}",
                          attrs, element_id=f"ae-{number}", order=2))
    return spans


def marked_field(record: dict, field: str) -> str:
    """The HEADLINE or BODY of ``record`` escaped, with its dateline, quotes and entities marked."""
    text = record.get(field.lower()) or ""
    return mark(text, _spans(record, field))


def _dedup_line(record: dict, index_of: IndexOf) -> str:
    dedup = record.get("dedup") or {}
    status = dedup.get("status") or "UNIQUE"
    line = f'<span class="status s-{esc(status.lower())}">{esc(STATUS_LABELS.get(status, status))}</span>'
    if status == "NEAR_DUPLICATE" and dedup.get("duplicate_of"):
        similarity = dedup.get("similarity")
        line += " من " + article_link(index_of, dedup["duplicate_of"])
        if similarity is not None:
            line += f" (تشابه {similarity:.2f})"
    elif status == "UPDATE":
        line += f" للنسخة الأولى المنشورة {ltr(format_time(dedup.get('first_version_published_at')))}"
    return line


def _who_said_what(record: dict) -> str:
    quotes = record.get("quotes") or []
    if not quotes:
        return '<p class="muted">لا اقتباسات.</p>'
    rows = []
    for number, quote in enumerate(quotes):
        speaker = quote.get("speaker") or {}
        name = speaker.get("name")
        if name and speaker.get("entity_index") is not None:
            who = f'<a class="who" href="#ae-{speaker["entity_index"]}">{esc(name)}</a>'
        elif name:
            who = f'<span class="who">{esc(name)}</span>'
        else:
            who = '<span class="who muted">قائل غير معروف</span>'
        mention = f' <span class="muted">(«{esc(speaker["mention"])}»)</span>' if speaker.get("mention") else ""
        verb = f' <span class="muted">{esc(quote["verb"])}</span>' if quote.get("verb") else ""
        rows.append(
            f'<li data-q="{number}">{who}{mention}{verb}: '
            f'<span class="kind k-{esc(quote["kind"].lower())}">{esc(QUOTE_LABELS.get(quote["kind"], quote["kind"]))}</span> '
            f'<a href="#aq-{number}">{esc(_clip(quote["text"], 90))}</a></li>')
    return "<ol class=\"wsw\">" + "".join(rows) + "</ol>"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def article_html(record: dict, index_of: IndexOf) -> str:
    """The article view of ``record``: header, metadata, marked text and the list of who said what."""
    dateline = record.get("dateline") or {}
    dateline_text = " · ".join(str(dateline[k]) for k in ("place", "agency", "date_text") if dateline.get(k)) or "—"
    meta = [
        ("الوكالة", esc(record.get("agency"))),
        ("النشر", ltr(format_time(record.get("published_at")))),
        ("سطر المصدر", esc(dateline_text)),
        ("الحالة", _dedup_line(record, index_of)),
        ("المعرف", ltr(record["id"])),
        ("المصدر", ltr(format_source(record.get("source")))),
    ]
    if record.get("url"):
        meta.append(("الرابط", ltr(record["url"])))
    meta_html = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in meta)
    paragraphs = marked_field(record, "BODY")
    return (
        f'<article class="art" data-id="{esc(record["id"])}">'
        f'<h2 class="headline">{marked_field(record, "HEADLINE") or "(بلا عنوان)"}</h2>'
        f'<dl class="meta">{meta_html}</dl>'
        f'<div class="body">{paragraphs}</div>'
        f'<h3>من قال ماذا</h3>{_who_said_what(record)}'
        '</article>'
    )


def index_entry(record: dict) -> list:
    """The compact row the page's list and filter use: headline, agency, time, status, entity names,
    speakers, entity and quote counts, id."""
    entities = list(dict.fromkeys(e["canonical"] for e in record.get("entities") or ()))
    speakers = list(dict.fromkeys(q["speaker"]["name"] for q in record.get("quotes") or () if q.get("speaker")))
    status = (record.get("dedup") or {}).get("status") or "UNIQUE"
    return [record.get("headline") or "", record.get("agency") or "", format_time(record.get("published_at")),
            STATUS_LABELS.get(status, status), "|".join(entities), "|".join(speakers),
            len(record.get("entities") or ()), len(record.get("quotes") or ()), record["id"]]
