"""Arabic text normalization for matching and hashing, built on camel-tools' utilities.

The matching form is never shown to users and never used for offsets: spans always index the
original text. Two bodies that differ only in diacritics, tatweel, alef/yaa/teh-marbuta forms,
presentation forms, Latin case or white space have the same matching form and the same hash.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from camel_tools.utils.charsets import AR_DIAC_CHARSET
from camel_tools.utils.normalize import _UNICODE_CHAR_FIX

__all__ = ["fold", "fold_word", "normalize", "normalize_word", "content_hash", "matching_hash", "TATWEEL", "DIACRITICS"]

TATWEEL = "\u0640"
#: Harakat, tanween, shadda, sukun, dagger alef and tatweel.
DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"
# The letter variants merged for matching, one character for one character (camel-tools' alef,
# alef-maksura and teh-marbuta normalizations): a folded text keeps the offsets of the original.
_FOLD_PAIRS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ة", "ه"))
_NO_DIACRITICS = {ord(c): None for c in DIACRITICS}
# Bidi and zero-width marks that wire copy carries (U+200E/F, U+202A-E, U+2066-9, BOM, soft hyphen).
_INVISIBLE = [*map(chr, range(0x200B, 0x2010)), *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)),
              "\ufeff", "\u00ad"]
_SPACE = re.compile(r"\s+")

# normalize_word from camel-tools' own data, without its per-character Python (CharMapper): camel-tools'
# character fixes (﷼ → ريال) as a str.translate table, applied only when such a character is there;
# NFKC; one regex deleting the invisible marks, tatweel and camel-tools' Arabic diacritics; the letter
# folding. 3.5x faster than the camel-tools functions composed on SaudiNewsNet bodies (a translate
# table for the deletions was 2x slower than the regex: translate is slow on non-ASCII text), and equal
# to them (tests/unit/test_normalize_camel.py, on every article of the corpus).
_CHAR_FIX = str.maketrans(dict(_UNICODE_CHAR_FIX._charmap))
_CHAR_FIX_RE = re.compile("[" + "".join(sorted(_UNICODE_CHAR_FIX._charmap)) + "]")
_DROPPED = "[" + re.escape("".join(sorted({*_INVISIBLE, TATWEEL, *AR_DIAC_CHARSET}))) + "]"
# A run written [d][d]* rather than [d]+: a pattern that opens with a class lets the regex engine skip to the
# class's characters instead of trying every position (the deletion 2.3x faster on the two-day bodies).
_DROPPED_RE = re.compile(_DROPPED + _DROPPED + "*")


def fold(text: str) -> str:
    """Merge letter variants one for one (أ إ آ ٱ → ا, ى → ي, ة → ه): the one folding every matcher
    shares (quotes, entities, hashing). Chained ``str.replace``: much faster than ``str.translate``."""
    for a, b in _FOLD_PAIRS:
        if a in text:
            text = text.replace(a, b)
    return text


@lru_cache(maxsize=1 << 16)  # pure; the quote speakers fold the same names and words again and again
def fold_word(text: str) -> str:
    """A lexicon word's matching spelling: :func:`fold` without diacritics or tatweel."""
    return fold(text).translate(_NO_DIACRITICS)


def normalize_word(text: str) -> str:
    """Return the matching form of a word or phrase (no white-space folding): camel-tools'
    normalize_unicode, dediac_ar and alef, alef-maksura and teh-marbuta normalization, without
    invisible marks and tatweel, lower-cased."""
    if _CHAR_FIX_RE.search(text):
        text = text.translate(_CHAR_FIX)
    return fold(_DROPPED_RE.sub("", unicodedata.normalize("NFKC", text))).lower()


def normalize(text: str) -> str:
    """Return the matching form of a text: :func:`normalize_word` plus folded white space."""
    return _SPACE.sub(" ", normalize_word(text)).strip()


def content_hash(body: str) -> str:
    """Return the hex SHA-256 of the body's matching form: equal for exact republications."""
    return matching_hash(normalize(body))


def matching_hash(matching: str) -> str:
    """Return the hex SHA-256 of a text already in its matching form (see :func:`content_hash`)."""
    return hashlib.sha256(matching.encode("utf-8")).hexdigest()
