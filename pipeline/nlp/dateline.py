"""Datelines: the place, agency and date that open a wire story.

Openings handled (spaces and dash kinds vary): ``دمشق-سانا``, ``دبي - أ ف ب``, ``القاهرة (رويترز) -``,
``الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس``, ``رام الله 3-11-2025 وفا``,
``عين اليوم – لندن`` and a byline instead of a place, ``رغد عشميل – عين اليوم`` (place None).
Only the first line of the body is searched, so cost stays flat whatever the article length.
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple, Optional

from pipeline.nlp.normalize import fold, normalize

__all__ = ["Dateline", "find_dateline", "AGENCIES"]

# Agency names as they appear in Arabic openings; matching is on the normalized form.
AGENCIES = (
    "واس", "سانا", "وفا", "كونا", "وام", "قنا", "بنا", "العمانية", "بترا", "الأناضول", "سبأ", "واج", "ومع",
    "تاب", "رويترز", "أ ف ب", "أ.ف.ب", "ا ف ب", "فرانس برس", "د ب أ", "د.ب.أ", "يو بي آي", "شينخوا",
    "أسوشيتد برس", "أ ب", "إرنا", "نوفوستي", "تاس", "سبوتنيك", "عين اليوم", "الرياضية", "الاقتصادية",
    "المدينة", "عكاظ", "اليوم", "الوطن", "الجزيرة", "الشرق الأوسط", "الرياض", "سبق", "الوئام", "خاص",
)
# Outlets named after a place: on the left of "X - Y" they are the place.
_PLACE_NAMED = ("الرياض", "المدينة", "الجزيرة")


def _alternation(names) -> str:
    escaped = (re.escape(normalize(a)).replace(r"\ ", r"\s*").replace(r"\.", r"\.?") for a in names)
    return "|".join(sorted(escaped, key=len, reverse=True))


_AGENCY_RE = _alternation(AGENCIES)
_AGENCY_ONLY_RE = _alternation(a for a in AGENCIES if a not in _PLACE_NAMED)
_DASH = r"[-–—ـ−]"
_MONTH_DATE = r"\d{1,2}\s*[^\d\s/]+(?:\s+[^\d\s/]+)?\s+\d{4}\s*(?:هـ|ه|م)?"
_HIJRI_GREG = rf"{_MONTH_DATE}\s*(?:الموافق\s*{_MONTH_DATE})?"
_NUMERIC = r"\d{1,4}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{2,4})?"
_PLACE = r"[^\d\n/:()«»\"“”\-–—−]{2,40}?"

_PATTERNS = (
    # الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس /   |   رام الله 3-11-2025 وفا-
    # الكويت - 3 - 11 (كونا) --
    re.compile(rf"^\s*(?P<place>{_PLACE})\s*(?:{_DASH}\s*)?(?P<date>{_HIJRI_GREG}|{_NUMERIC})\s*(?:\(\s*)?(?P<agency>{_AGENCY_RE})\s*\)?\s*(?:{_DASH}+|/|:)?"),
    # القاهرة (رويترز) -
    re.compile(rf"^\s*(?P<place>{_PLACE})\s*\(\s*(?P<agency>{_AGENCY_RE})\s*\)\s*(?:{_DASH}|:)?"),
    # دمشق-سانا   |   لندن - أ ف ب:
    re.compile(rf"^\s*(?!(?:{_AGENCY_ONLY_RE})\s*{_DASH})(?P<place>{_PLACE})\s*{_DASH}\s*(?P<agency>{_AGENCY_RE})(?=[\s/:,،.]|$)\s*(?:/|:)?"),
    # عين اليوم – جدة   |   وفا - رام الله
    re.compile(rf"^\s*(?P<agency>{_AGENCY_RE})\s*{_DASH}\s*(?P<place>{_PLACE})(?=\s*(?:[/:\n]|$))\s*(?:/|:)?"),
)


class Dateline(NamedTuple):
    """A dateline found at the start of a body; ``start``/``end`` index the body."""

    place: Optional[str]
    agency: Optional[str]
    date_text: Optional[str]
    start: int
    end: int

    def to_record(self) -> dict:
        """Return the Avro Dateline record."""
        return self._asdict()


def find_dateline(body: str, is_place: Optional[Callable[[str], bool]] = None) -> Optional[Dateline]:
    """Return the dateline opening ``body``, or None.

    ``is_place`` (e.g. a gazetteer lookup) rejects bylines standing where a place would be;
    without it a short name is taken as the place.
    """
    first_line_end = body.find("\n", len(body) - len(body.lstrip()))
    head = body if first_line_end < 0 else body[:first_line_end]
    # Matching runs on a same-length view of the head, so match offsets index the body itself.
    view = _same_length_view(head[:300])
    for pattern in _PATTERNS:
        match = pattern.match(view)
        if not match:
            continue
        place = head[match.start("place") : match.end("place")].strip(" \t،,-–—") if match.group("place") else None
        if place and len(place.split()) > 3:
            continue  # a sentence, not a dateline
        if place and is_place is not None and not is_place(place):
            place = None  # a byline stands where the place would be
        agency = head[match.start("agency") : match.end("agency")].strip()
        date = match.groupdict().get("date")
        date_text = head[match.start("date") : match.end("date")].strip() if date else None
        start = len(head) - len(head.lstrip())
        return Dateline(place or None, agency or None, date_text, start, match.end())
    return None


def _same_length_view(text: str) -> str:
    # Alef/yaa/teh-marbuta forms folded, and tatweel inside a word made a letter (between spaces it
    # is a dash): one character for one, so offsets in the view are offsets in the text.
    return _TATWEEL_IN_WORD.sub(lambda m: "ا" * len(m.group()), fold(text))


_TATWEEL_IN_WORD = re.compile(r"(?<=\S)ـ+(?=\S)")
