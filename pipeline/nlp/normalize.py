"""Arabic text normalization for matching and hashing, built on camel-tools' utilities.

The matching form is never shown to users and never used for offsets: spans always index the
original text. Two bodies that differ only in diacritics, tatweel, alef/yaa/teh-marbuta forms,
presentation forms, Latin case or white space have the same matching form and the same hash.
"""
from __future__ import annotations

import hashlib
import re

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import (
    normalize_alef_ar,
    normalize_alef_maksura_ar,
    normalize_teh_marbuta_ar,
    normalize_unicode,
)

__all__ = ["normalize", "normalize_word", "content_hash", "matching_hash", "TATWEEL"]

TATWEEL = "\u0640"
# Bidi and zero-width marks that wire copy carries (U+200E/F, U+202A-E, U+2066-9, BOM).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")


def normalize_word(text: str) -> str:
    """Return the matching form of a word or phrase (no white-space folding)."""
    text = normalize_unicode(text)
    text = _INVISIBLE.sub("", text).replace(TATWEEL, "")
    text = dediac_ar(text)
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    text = normalize_teh_marbuta_ar(text)
    return text.lower()


def normalize(text: str) -> str:
    """Return the matching form of a text: :func:`normalize_word` plus folded white space."""
    return _SPACE.sub(" ", normalize_word(text)).strip()


def content_hash(body: str) -> str:
    """Return the hex SHA-256 of the body's matching form: equal for exact republications."""
    return matching_hash(normalize(body))


def matching_hash(matching: str) -> str:
    """Return the hex SHA-256 of a text already in its matching form (see :func:`content_hash`)."""
    return hashlib.sha256(matching.encode("utf-8")).hexdigest()
