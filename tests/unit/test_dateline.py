"""Datelines of Arabic wire copy: place, agency and date, with offsets into the body."""
from __future__ import annotations

import pytest

from pipeline.nlp.dateline import find_dateline

CASES = [
    ("دمشق-سانا\nقال الوزير", "دمشق", "سانا", None),
    ("دمشق - سانا: قال الوزير", "دمشق", "سانا", None),
    ("الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس /  نظم المجلس", "الرياض", "واس",
     "25 شوال 1436 هـ الموافق 10 اغسطس 2015 م"),
    ("أبهــا 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس /  نفذت", "أبهــا", "واس", "25 شوال 1436 هـ الموافق 10 أغسطس 2015 م"),
    ("الأحساء25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس / تقيم", "الأحساء", "واس", "25 شوال 1436 هـ الموافق 10 أغسطس 2015 م"),
    (" عين اليوم – لندن\nواصل الذهب تعافيه", "لندن", "عين اليوم", None),
    ("رام الله 3-11-2025 وفا- قال", "رام الله", "وفا", "3-11-2025"),
    ("القاهرة (رويترز) - قالت مصادر", "القاهرة", "رويترز", None),
    ("دبي - أ ف ب: أعلنت الشركة", "دبي", "أ ف ب", None),
    ("الرياض ـ الرياضية /  كرم الاتحاد", "الرياض", "الرياضية", None),
    ("الكويت - 3 - 11 (كونا) -- قال وزير", "الكويت", "كونا", "3 - 11"),
    ("عين اليوم – الرياض\nأعلنت الأمانة", "الرياض", "عين اليوم", None),
]


@pytest.mark.parametrize("body,place,agency,date", CASES)
def test_datelines(body, place, agency, date):
    found = find_dateline(body)
    assert found is not None
    assert (found.place, found.agency, found.date_text) == (place, agency, date)
    assert body[found.start:found.end].strip().startswith(body.strip()[:2])


@pytest.mark.parametrize("body", [
    "قال وزير الخارجية الروسي سيرغي لافروف إن",
    "وقال لافروف خلال مؤتمر - سانا",
    "أكدت وزارة الصحة تسجيل 4 حالات",
    "",
])
def test_no_dateline(body):
    assert find_dateline(body) is None


def test_byline_is_not_a_place():
    found = find_dateline(" رغد عشميل – عين اليوم\nأكدت اللجنة", is_place=lambda name: name in {"جدة", "لندن"})
    assert found is not None and found.place is None and found.agency == "عين اليوم"
    found = find_dateline(" عين اليوم – جدة\nأكدت اللجنة", is_place=lambda name: name in {"جدة", "لندن"})
    assert found.place == "جدة"
