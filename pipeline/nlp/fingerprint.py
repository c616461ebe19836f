"""Near-duplicate fingerprints: MinHash over word n-gram shingles of the matching form of a body.

A :class:`Fingerprint` holds three things, computed once per article (by Enrich):

* ``signature``: ``num_perm`` 32-bit MinHash values over the hashed word n-grams of the body once
  agency boilerplate (datelines, sign-offs, share bars, contact trailers) is stripped, so that a
  shared dateline such as ``الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس`` never makes two
  stories look alike;
* ``size``: the number of distinct shingles, which turns a Jaccard estimate into a containment
  estimate (a republication that trims a long story has a low Jaccard but a high containment);
* ``figures``: hashes of the figures of the body (numbers, month and weekday names) as a multiset.
  Templated reports (gold price, market close, weather) share almost every word and differ only in
  their figures, so a candidate is confirmed only when the figures of the shorter text are
  (nearly) all found in the longer one.

The MinHash is a vectorized numpy implementation: tokens are hashed with CRC-32, n-grams are combined
into 64-bit values and avalanched (MurmurHash3 finalizer), and each permutation is an affine map
``a*h + b mod 2**32`` (``a`` odd, hence a bijection) of the high 32 bits, as datasketch's ``affine32``
scheme does. Its estimates are as close to the exact Jaccard as datasketch's, and it is faster
(``wirepipe bench fingerprint`` measures both side by side).
This module is plain Python + numpy: no Beam, no Kafka.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple, Optional, Sequence, Union

import numpy as np

from pipeline.errors import ConfigError
from pipeline.nlp.normalize import normalize_word

__all__ = [
    "Fingerprint",
    "Fingerprinter",
    "Match",
    "strip_boilerplate",
    "dateline_date",
    "tokens",
    "figures",
    "estimate_jaccard",
    "figure_agreement",
    "Decision",
    "NearDupIndex",
]

# Default parameters, chosen by measurement on SaudiNewsNet's 133 labelled pairs (tests/gold/dedup_pairs.tsv,
# `wirepipe eval dedup --mode direct`, means over 5 permutation seeds): word 3-grams beat 2-, 4- and
# 5-grams (2/4-grams: 7 false pairs; 5-grams: recall 0.84); 32 bands of 4 rows lost every wire item
# kept inside a longer text (recall 0.62); Jaccard 0.6 / containment 0.75 gave precision 0.955 and
# recall 0.912 (0.5 / 0.7: 0.934 / 0.915). 256 permutations in 128 bands: 0.956 / 0.919 over 5 seeds,
# and on the default seed 0.954 / 0.921 against 0.963 / 0.888 with 128 in 64: the estimates of Jaccard
# and containment are less noisy for a wire item inside a 6x longer article, which is where 128 missed.
# It costs twice the signature state (1 KB an article) and leaves `wirepipe bench fingerprint` at about
# 1.5x datasketch's throughput with the same parameters.
DEFAULT_NUM_PERM = 256
DEFAULT_NGRAM = 3
# Bands of 2 rows: a pair becomes a candidate with probability 0.93 at J = 0.2 and 0.99 at J = 0.3
# (64 bands; more with 128), so republications that keep a wire item inside a longer text (low Jaccard,
# high containment) are found.
DEFAULT_BANDS = 128
DEFAULT_THRESHOLD = 0.6
DEFAULT_CONTAINMENT = 0.75
DEFAULT_FIGURE_AGREEMENT = 0.8
MAX_FIGURES = 64
# Containment is only trusted when the shorter text has this many shingles (a caption is in everything).
MIN_CONTAINMENT_SHINGLES = 20
# The lead: a text's first LEAD_WORDS words. A longer text that contains a shorter one but not its lead is
# a roundup that includes the story, not a republication of it (a republication that adds paragraphs keeps
# the story's lead and headline): a match by containment alone needs LEAD_AGREEMENT of the distinct words
# (of LEAD_MIN_LETTERS letters or more) of the longer text's first LEAD_PROBE_WORDS in the shorter's lead.
LEAD_WORDS = 60
LEAD_PROBE_WORDS = 40
LEAD_MIN_LETTERS = 3
DEFAULT_LEAD_AGREEMENT = 0.45
# A text that opens with a connective is the continuation of a story (a wire "addition", "من جانبه ..."):
# its lead is not a story's lead, and it gets none (no lead check). Matching forms; besides these, و before
# a verb or a particle of the entity word list (واضاف, وهنا) and a wire addition's mark in the first words.
_CONTINUATION_OPENERS = frozenset(
    "كما فيما بينما بدوره بدورها وبدوره وبدورها ايضا اولا ثانيا ثالثا رابعا خامسا سادسا سابعا ثامنا تاسعا عاشرا".split()
)
_CONTINUATION_PAIRS = frozenset(
    ("من جانبه", "من جانبها", "من جهته", "من جهتها", "من ناحيته", "من ناحيتها", "الي ذلك", "في سياق", "في حين",
     "يذكر ان", "الجدير بالذكر")
)

# Agency and outlet markers that appear in datelines and sign-offs, in matching form.
_AGENCIES = (
    r"واس|سانا|وام|قنا|بنا|كونا|عمان|وفا|سبا|رويترز|ا ?ف ?ب|فرانس برس|د ?ب ?ا|يو ?بي ?اي|اسوشيتد برس"
    r"|الاناضول|شينخوا|ام ?اي ?ان|سي ?ان ?ان|بي ?بي ?سي|عين اليوم|سبق|الوئام|واج|ومع|وكالات الانباء|وكالات|متابعات|ا ب ا"
)
_DASH = r"[-–—ـ:/]"
_HIJRI = r"محرم|صفر|ربيع (?:الاول|الثاني|الاخر)|جمادي (?:الاولي|الاخره|الثانيه)|رجب|شعبان|رمضان|شوال|ذو القعده|ذي القعده|ذو الحجه|ذي الحجه"
_GREGORIAN = (
    r"يناير|فبراير|مارس|ابريل|مايو|يونيو|يونيه|يوليو|يوليه|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر"
    r"|كانون الثاني|كانون الاول|شباط|اذار|نيسان|ايار|حزيران|تموز|اب|ايلول|تشرين الاول|تشرين الثاني"
)
_WEEKDAYS = r"السبت|الاحد|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه"

# Leading datelines, applied to the matching form (one pattern after the other, each at most once).
_LEADING = [
    # SPA: "الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس" (the م and واس forms vary).
    re.compile(
        r"^\s*[^\n\d]{0,40}?\d{1,2}\s*(?:" + _HIJRI + r")\s*\d{4}\s*ه?\s*(?:ا?لموافق)?\s*(?P<date>\d{1,2}\s*(?:"
        + _GREGORIAN + r")\s*\d{4})\s*م?\s*[.(]?\s*(?:واس)?\s*\)?\s*"
    ),
    # A whole first line that is a dateline or byline: "عين اليوم – جدة", "داليا ابوالعيش – عين اليوم",
    # "دمشق-سانا", "لندن (رويترز)".
    re.compile(r"^\s*(?:[^\n]{0,40}?(?:^|[\s(\[])(?:" + _AGENCIES + r")(?:$|[\s)\]" + _DASH[1:-1] + r"])[^\n]{0,30})\n"),
    # The same inline: "فهد العتيبي- سبق- جده: ", "عين اليوم – لندن واصل الذهب ...", "دمشق-سانا ...",
    # "لندن (رويترز) - ...", "القاهرة - ا ف ب - ...".
    re.compile(
        r"^\s*(?:[^\s\n.،]+\s?){0,3}?\s*(?:" + _DASH + r"|\()\s*(?:" + _AGENCIES + r")\s*(?:\)|" + _DASH
        + r")?(?:\s*" + _DASH + r")?(?:\s*[^\s\n.،:]+(?:\s[^\s\n.،:]+)?\s*:)?\s*"
    ),
    # "عين اليوم – لندن واصل ...": nothing marks the end of the place, so only one word is taken.
    re.compile(r"^\s*(?:" + _AGENCIES + r")\s*" + _DASH + r"\s*[^\s\n.،:]+\s*(?:" + _DASH + r"|:)?\s*"),
]
# Share bars and contact trailers, anywhere.
_ANYWHERE = [
    re.compile(r"شارك من خلال تويتر فيسبوك جوجل بلس اكتب رايك"),
    # A contact trailer: its whole line when the line is short, else from its first word to the line's end
    # (a body without line breaks is one long line: deleting the line deleted the article).
    re.compile(r"^[^\n]{0,80}(?:للتواصل|تبدا بالرمز|رابط الخبر بصحيفه)[^\n]{0,200}$", re.M),
    re.compile(r"(?:للتواصل|تبدا بالرمز|رابط الخبر بصحيفه)[^\n]{0,200}$", re.M),
    re.compile(r"^\s*\d+\s*-\s*(?:stc|mobily|zain)\s*$", re.M),
    # From word starts only: unanchored, \S+@ would rescan a long word from each of its characters.
    re.compile(r"(?<!\S)\S+@\S+|https?://\S+|www\.\S+"),
    re.compile(r"^\s*\.{2,}\s*المزيد\s*$", re.M),
    re.compile(r"^\s*\*\s*خدمه[^\n]*$", re.M),
]
# Trailing sign-offs, applied repeatedly at the end of the text.
_TRAILING = re.compile(
    r"(?:\s*/+\s*(?:انتهي|يتبع)\s*/+"  # SPA "// انتهى //", "// يتبع //"
    r"|\s*\d{1,2}\s*:\s*\d{2}\s*ت\s*[مغ](?:\s+n{4})?"  # SPA "20:26 ت م", "NNNN"
    r"|\s*[(\[]\s*(?:" + _AGENCIES + r")\s*[)\]]"  # "(واس)", "(رويترز)"
    r"|\s*" + _DASH + r"\s*(?:" + _AGENCIES + r")"  # "- ا ف ب"
    r"|(?<=[.!؟?”\"»)])\s*سمات(?:\s+[^\s.!؟?]+){1,12}"  # 3alyoum tag line glued to the last sentence
    r"|\s*[.،,]"
    r")\s*$"
)

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
_EXOTIC_DIGIT = re.compile("[٠-٩۰-۹٫]")
# SPA writes decimals reversed around a ر: "29ر0" is 0.29, "4 ر 124" is 124.4; newspapers reprint them as 0.29.
_SPA_DECIMAL = re.compile(r"(?<![\d.])(\d+) ?ر ?(\d+)(?![\d.])")
_SPACE = re.compile(r"\s+")
_TAIL_CHARS = 400
# Datelines sit in the first characters: matching only there bounds the leading patterns, whose word
# runs can split a long word many ways (a 2,000-character first word took a minute over the whole text).
_HEAD_CHARS = 160
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
# Single words that date a report: Gregorian (Egyptian and Levantine names) and Hijri months, weekdays.
# Levantine "آب" is left out: its matching form is "اب" (father).
_FIGURE_WORDS = frozenset(
    "يناير فبراير مارس ابريل مايو يونيو يونيه يوليو يوليه اغسطس سبتمبر اكتوبر نوفمبر ديسمبر "
    "كانون شباط اذار نيسان ايار حزيران تموز ايلول تشرين "
    "محرم صفر رجب شعبان رمضان شوال القعده الحجه "
    "السبت الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه".split()
)

# MurmurHash3 64-bit finalizer constants; multipliers for n-gram positions (large odd numbers).
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F,
     0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3, 0x589965CC75374CC3],
    dtype=np.uint64,
)


# Starts a band's key from its number (band b: (b + 1) * salt), so equal rows in two bands differ.
_BAND_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _S33)
    h = h * _M1
    h = h ^ (h >> _S33)
    h = h * _M2
    return h ^ (h >> _S33)


def strip_boilerplate(body: str) -> str:
    """Return the matching form of ``body`` without datelines, sign-offs, share bars and contact trailers."""
    return _strip(body)[0]


def _strip(body: str, matching: Optional[str] = None) -> tuple[str, Optional[str]]:
    """Return the stripped matching form and the date of the agency dateline, if there was one
    (``matching``: the body's matching form, when the caller has it)."""
    text = (normalize_word(body) if matching is None else matching).strip()
    if _EXOTIC_DIGIT.search(text):  # translate() is slow; most bodies use ASCII digits
        text = text.translate(_ARABIC_DIGITS)
    text = _SPA_DECIMAL.sub(r"\2.\1", text)
    for pattern in _ANYWHERE:
        text = pattern.sub(" ", text)
    text = text.strip()
    date = None
    for pattern in _LEADING:
        found = pattern.match(text[:_HEAD_CHARS])
        if found:
            date = date or found.groupdict().get("date")
            text = text[found.end():].lstrip()
    # Sign-offs sit in the last few hundred characters: matching only there keeps this linear.
    head, tail = text[:-_TAIL_CHARS], text[-_TAIL_CHARS:]
    while True:
        stripped = _TRAILING.sub("", tail)
        if stripped == tail:
            break
        tail = stripped
    text = head + tail
    return _SPACE.sub(" ", text).strip(), (_SPACE.sub(" ", date) if date else None)


def tokens(body: str) -> list[str]:
    """Return the word and number tokens of ``body`` after :func:`strip_boilerplate` (numbers kept whole)."""
    return _TOKEN.findall(strip_boilerplate(body))


def dateline_date(body: str) -> Optional[str]:
    """Return the Gregorian date of an agency dateline (``10 اغسطس 2015``, matching form), if any."""
    return _strip(body)[1]


def opens_as_continuation(words: Sequence[str]) -> bool:
    """Whether a text (its matching-form words) opens with a connective, as the continuation of a story does
    (``كما``, ``من جانبه``, ``واضاف``, a wire item's ``اضافه اولي``)."""
    if not words:
        return False
    first = words[0]
    return (first in _CONTINUATION_OPENERS or " ".join(words[:2]) in _CONTINUATION_PAIRS
            or "اضافه" in words[:3]
            or (first[:1] == "و" and first[1:] in _function_words()))


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """Matching forms of the verbs and particles of the entity word list and of the speech verbs."""
    from pipeline.nlp.entities.gazetteer import _resource_lines

    rows = [row[0] for row in _resource_lines("words.tsv") if len(row) == 2 and row[1] != "noun"]
    rows += [row[0] for row in _resource_lines("speech_verbs.txt")]
    return frozenset(w for w in map(normalize_word, rows) if len(w) >= 2)


def figures(words: Sequence[str]) -> list[str]:
    """Return the figures among ``words``: numbers and month/weekday names, in text order."""
    return [w for w in words if w[0].isdigit() or w in _FIGURE_WORDS]


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Return the MinHash estimate of the Jaccard similarity of two signatures of equal length."""
    if a.shape != b.shape:
        raise ValueError(f"signatures differ in length: {a.shape} vs {b.shape}")
    return float(np.count_nonzero(a == b)) / a.shape[0] if a.shape[0] else 0.0


def figure_agreement(a: Sequence[int], b: Sequence[int]) -> float:
    """Return the share of the shorter figure multiset found in the other (1.0 when either is empty).

    Figures are stored as a bottom-k sample of hashes (``MAX_FIGURES`` smallest), so the comparison is
    restricted to hashes below the smaller of the two samples' maxima, where both samples are complete.
    """
    if not a or not b:
        return 1.0
    limit = min(a[-1] if len(a) >= MAX_FIGURES else 1 << 64, b[-1] if len(b) >= MAX_FIGURES else 1 << 64)
    sa = {h for h in a if h <= limit}
    sb = {h for h in b if h <= limit}
    if not sa or not sb:
        return 1.0
    return len(sa & sb) / min(len(sa), len(sb))


@dataclass(frozen=True)
class Fingerprint:
    """MinHash signature, distinct-shingle count and figure hashes of one body."""

    signature: np.ndarray  # uint32, shape (num_perm,)
    size: int
    figures: tuple[int, ...]  # sorted hashes of the figure multiset, at most MAX_FIGURES
    date: int = 0  # hash of the agency dateline's date (0: no dated dateline)
    lead: bytes = b""  # 32-bit hashes of the lead's words in text order, uint32 (empty: no lead check)

    def to_list(self) -> list[int]:
        """Return the fingerprint as a flat list of ints:
        ``[size, n_figures + (n_lead << 16), date, *signature, *figures, *lead]``.

        This is the ``_fingerprint`` side field carried from Enrich to NearDup (and stripped by the sink);
        lists written before the lead existed (``n_lead`` 0) read back unchanged.
        """
        lead = np.frombuffer(self.lead, dtype=np.uint32).tolist()
        counts = len(self.figures) | (len(lead) << 16)
        return [self.size, counts, self.date, *self.signature.tolist(), *self.figures, *lead]

    @classmethod
    def from_list(cls, values: Sequence[int]) -> "Fingerprint":
        """Rebuild a fingerprint from :meth:`to_list` output."""
        if len(values) < 3:
            raise ValueError("a fingerprint list starts with [size, n_figures, date]")
        size, counts, date = int(values[0]), int(values[1]), int(values[2])
        n_figures, n_lead = counts & 0xFFFF, counts >> 16
        num_perm = len(values) - 3 - n_figures - n_lead
        if num_perm < 1:
            raise ValueError(f"fingerprint list too short: {len(values)} values for {n_figures} figures"
                             f" and {n_lead} lead shingles")
        signature = np.asarray(values[3 : 3 + num_perm], dtype=np.uint32)
        figures_end = 3 + num_perm + n_figures
        return cls(signature, size, tuple(int(v) for v in values[3 + num_perm : figures_end]), date,
                   np.asarray(values[figures_end:], dtype=np.uint32).tobytes())


@dataclass(frozen=True)
class Match:
    """The outcome of comparing two fingerprints."""

    similarity: float  # estimated Jaccard of the shingle sets
    containment: float  # estimated share of the smaller shingle set found in the larger
    figures: float  # share of the smaller figure multiset found in the other
    is_duplicate: bool
    lead: float = 1.0  # share of the longer text's lead found in the shorter's (1.0 when not checked)


class Fingerprinter:
    """Computes fingerprints and LSH band keys, and confirms candidate pairs.

    ``num_perm`` permutations are split into ``bands`` bands of ``num_perm // bands`` rows. A pair is a
    near-duplicate when its estimated Jaccard reaches ``threshold`` (or its estimated containment
    reaches ``containment``) and the figures of the shorter text agree with the other's at least at
    ``figure_agreement``.
    """

    def __init__(
        self,
        num_perm: int = DEFAULT_NUM_PERM,
        ngram: int = DEFAULT_NGRAM,
        bands: int = DEFAULT_BANDS,
        threshold: float = DEFAULT_THRESHOLD,
        containment: float = DEFAULT_CONTAINMENT,
        figure_agreement: float = DEFAULT_FIGURE_AGREEMENT,
        seed: int = 1,
        lead_agreement: float = DEFAULT_LEAD_AGREEMENT,
    ) -> None:
        if not isinstance(num_perm, int) or num_perm < 8:
            raise ConfigError(f"num_perm must be an int >= 8, got {num_perm!r}")
        if not isinstance(ngram, int) or not 1 <= ngram <= len(_POSITION_MULTIPLIERS):
            raise ConfigError(f"ngram must be an int from 1 to {len(_POSITION_MULTIPLIERS)}, got {ngram!r}")
        if not isinstance(bands, int) or bands < 1 or num_perm % bands:
            raise ConfigError(f"bands must be a positive divisor of num_perm={num_perm}, got {bands!r}")
        for name, value in (("threshold", threshold), ("containment", containment),
                            ("figure_agreement", figure_agreement)):
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"{name} must be in (0, 1], got {value!r}")
        if not 0.0 <= lead_agreement <= 1.0:
            raise ConfigError(f"lead_agreement must be in [0, 1] (0: no lead check), got {lead_agreement!r}")
        self.num_perm = num_perm
        self.ngram = ngram
        self.bands = bands
        self.rows = num_perm // bands
        self.threshold = threshold
        self.containment = containment
        self.figure_agreement = figure_agreement
        self.lead_agreement = lead_agreement
        self.seed = seed
        rng = np.random.default_rng(seed)
        # Affine permutations h -> a*h + b mod 2**32 with odd a (bijections), one row per permutation.
        self._a = (rng.integers(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1))[:, None]
        self._b = rng.integers(0, 1 << 32, num_perm, dtype=np.uint32)[:, None]

    # -- hashing ---------------------------------------------------------------------------------
    def shingle_hashes(self, words: Sequence[str]) -> np.ndarray:
        """Return the distinct 64-bit hashes of the word n-grams of ``words`` (all words if fewer)."""
        if not words:
            return np.empty(0, dtype=np.uint64)
        ids = np.array(list(map(zlib.crc32, map(str.encode, words))), dtype=np.uint64)
        n = min(self.ngram, len(words))
        count = len(words) - n + 1
        h = np.zeros(count, dtype=np.uint64)
        for j in range(n):
            h += ids[j : j + count] * _POSITION_MULTIPLIERS[j]
        return np.unique(_fmix64(h))

    def signature_of_hashes(self, hashes: np.ndarray) -> np.ndarray:
        """Return the MinHash signature (uint32, ``num_perm``) of a set of 64-bit shingle hashes."""
        out = np.full(self.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        # The high half of the avalanched 64-bit shingle hash; 32-bit arithmetic is about 3x faster than
        # 64-bit here at the same estimation error (measured by `wirepipe bench fingerprint`).
        high = (hashes >> _S32).astype(np.uint32)
        # Chunked so that a very long body does not allocate num_perm x shingles at once.
        for start in range(0, high.size, 4096):
            np.minimum(out, (self._a * high[None, start : start + 4096] + self._b).min(axis=1), out=out)
        return out

    def signature(self, body: str) -> np.ndarray:
        """Return the MinHash signature of a body (uint32 array of ``num_perm`` values)."""
        return self.signature_of_hashes(self.shingle_hashes(tokens(body)))

    def fingerprint(self, body: str, matching: Optional[str] = None) -> Fingerprint:
        """Return the :class:`Fingerprint` of a body: signature, shingle count, figures and dateline date
        (``matching``: the body's matching form, e.g. from the article's analysis)."""
        text, date = _strip(body, matching)
        words = _TOKEN.findall(text)
        hashes = self.shingle_hashes(words)
        return Fingerprint(
            self.signature_of_hashes(hashes), int(hashes.size), _figure_hashes(figures(words)),
            _hash56(date) if date else 0, self.lead(words),
        )

    @staticmethod
    def lead(words: Sequence[str]) -> bytes:
        """The lead of a text: a 32-bit hash of each of its first :data:`LEAD_WORDS` words, 0 for a word
        shorter than :data:`LEAD_MIN_LETTERS` (particles say nothing of the story); empty for a text that
        opens as the continuation of a story (:func:`opens_as_continuation`)."""
        if opens_as_continuation(words):
            return b""
        hashes = [zlib.crc32(w.encode()) or 1 if len(w) >= LEAD_MIN_LETTERS else 0 for w in words[:LEAD_WORDS]]
        return np.asarray(hashes, dtype=np.uint32).tobytes()

    def fingerprint_list(self, body: str, matching: Optional[str] = None) -> list[int]:
        """Return :meth:`fingerprint` as the flat int list carried in the ``_fingerprint`` side field."""
        return self.fingerprint(body, matching).to_list()

    # -- LSH -------------------------------------------------------------------------------------
    def band_keys(self, signature: np.ndarray) -> np.ndarray:
        """Return one 64-bit key per band (uint64); equal keys make candidates.

        A key is the band's rows and the band's number folded into one avalanched value, so that the
        same rows in two bands give two keys. An empty body (all-max signature) gets no keys, so empty
        texts never cluster. (Keys were ``"<band>:<hex>"`` strings: 128 of them an article, held in every
        shard's bucket table and in every indexed probe, were most of a carried article's memory.)
        """
        signature = np.ascontiguousarray(signature, dtype=np.uint32)
        if signature.shape != (self.num_perm,):
            raise ValueError(f"expected a signature of {self.num_perm} values, got shape {signature.shape}")
        if (signature == 0xFFFFFFFF).all():
            return np.empty(0, dtype=np.uint64)
        # Each band's rows are folded into one avalanched 64-bit value (vectorized over the bands).
        rows = signature.reshape(self.bands, self.rows).astype(np.uint64)
        folded = np.arange(1, self.bands + 1, dtype=np.uint64) * _BAND_SALT
        for j in range(self.rows):
            folded = (folded ^ rows[:, j]) * _POSITION_MULTIPLIERS[j % len(_POSITION_MULTIPLIERS)]
        return _fmix64(folded)

    # -- confirmation ----------------------------------------------------------------------------
    def compare(self, a: Fingerprint, b: Fingerprint) -> Match:
        """Compare two fingerprints and decide whether they are near-duplicates."""
        similarity = estimate_jaccard(a.signature, b.signature)
        containment, text_passes = self._text_bars(similarity, a.size, b.size)
        agree = figure_agreement(a.figures, b.figures)
        # Containment alone: the longer text must keep the shorter one's lead (else it is a roundup).
        lead = 1.0 if similarity >= self.threshold else self.lead_share(a, b)
        is_duplicate = (
            bool(text_passes)
            and agree >= self.figure_agreement
            and lead >= self.lead_agreement
            # Two dated agency reports of different days are two stories, whatever their text.
            and not (a.date and b.date and a.date != b.date)
        )
        return Match(similarity, float(containment), agree, is_duplicate, lead)

    def lead_share(self, a: Fingerprint, b: Fingerprint) -> float:
        """The share of the distinct words of the longer text's first :data:`LEAD_PROBE_WORDS` found in the
        shorter text's lead (1.0 when either has no lead). Words, not shingles: a republication may reword
        its first sentence, a roundup's lead is another story."""
        if not a.lead or not b.lead:
            return 1.0
        longer, shorter = (a, b) if (a.size, len(a.lead)) >= (b.size, len(b.lead)) else (b, a)
        probe = set(np.frombuffer(longer.lead, dtype=np.uint32)[:LEAD_PROBE_WORDS].tolist())
        probe.discard(0)
        if not probe:
            return 1.0
        return len(probe.intersection(np.frombuffer(shorter.lead, dtype=np.uint32).tolist())) / len(probe)

    def _text_bars(self, similarity, sizes, size: int, margin: float = 0.0):
        """Containment of the smaller shingle set in the larger, and whether the similarity or containment
        bar is passed (``margin`` lower), for one size or an array of them against ``size``."""
        sizes = np.asarray(sizes, dtype=np.float64)
        smaller = np.minimum(sizes, size)
        # |A ∩ B| = J (|A| + |B|) / (1 + J); containment of the smaller set in the larger.
        with np.errstate(divide="ignore", invalid="ignore"):
            containment = np.where(smaller > 0,
                                   np.minimum(1.0, similarity * (sizes + size) / ((1.0 + similarity) * smaller)), 0.0)
        passes = (smaller > 0) & ((similarity >= self.threshold - margin)
                                  | ((containment >= self.containment - margin) & (smaller >= MIN_CONTAINMENT_SHINGLES)))
        return containment, passes

    def text_bars(self, probe: Fingerprint, signatures: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """For each row of ``signatures`` (with its shingle count in ``sizes``), whether its text passes the
        similarity or containment bar of :meth:`compare` against ``probe``: a boolean mask.

        All rows at once in numpy (a templated story shares bands with every story of its template, and
        comparing them one by one made a stream of such stories quadratic in Python). A necessary
        condition only, with a small margin for rounding: :meth:`compare` still decides each row kept.
        """
        if signatures.shape[0] == 0 or probe.size <= 0:
            return np.zeros(signatures.shape[0], dtype=bool)
        if signatures.shape[1] != probe.signature.shape[0]:
            raise ValueError(f"signatures differ in length: {signatures.shape[1]} vs {probe.signature.shape[0]}")
        similarity = np.count_nonzero(signatures == probe.signature, axis=1) / signatures.shape[1]
        return self._text_bars(similarity, sizes, probe.size, margin=1e-9)[1]


def _figure_hashes(items: Iterable[str]) -> tuple[int, ...]:
    """Hash a multiset (the k-th repeat of a figure hashes apart) and keep the MAX_FIGURES smallest."""
    seen: dict[str, int] = {}
    out = []
    for item in items:
        k = seen.get(item, 0)
        seen[item] = k + 1
        out.append(_hash56(f"{item}#{k}"))
    return tuple(sorted(out)[:MAX_FIGURES])


def _hash56(text: str) -> int:
    """A stable 56-bit hash (fits a signed Avro long and never 0 in practice)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=7).digest(), "big") or 1


class _BandTable:
    """Band key -> row numbers, in numpy: a sorted run of (key, row) pairs, and the latest pairs in a tail
    (a dict for lookups, arrays for the merge) merged into the run once the tail holds a sixteenth of it.

    A dict entry a key (128 keys an article, nearly all of them unique) cost about 13 KB an indexed article
    with its key and row objects; a pair in the run costs 16 bytes. Lookups search the run (``searchsorted``
    of the sorted probe keys) and the tail's dict; a merge inserts the sorted tail into the run, one copy of
    the arrays, so each pair is copied a bounded number of times on average.
    """

    __slots__ = ("_keys", "_rows", "_tail", "_tail_keys", "_tail_rows", "_tail_count", "min_tail")

    def __init__(self, min_tail: int = 4096) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._rows = np.empty(0, dtype=np.int64)
        self._tail: dict[int, Union[int, list[int]]] = {}
        self._tail_keys = np.empty(min_tail, dtype=np.uint64)
        self._tail_rows = np.empty(min_tail, dtype=np.int64)
        self._tail_count = 0
        self.min_tail = min_tail

    def __len__(self) -> int:
        return int(self._keys.size) + self._tail_count

    def add(self, keys: np.ndarray, row: int) -> None:
        """File ``row`` under each of ``keys`` (uint64)."""
        keys = np.asarray(keys, dtype=np.uint64)
        count, n = self._tail_count, keys.size
        if count + n > self._tail_keys.size:
            grow = max(count + n, 2 * self._tail_keys.size)
            self._tail_keys = np.resize(self._tail_keys, grow)
            self._tail_rows = np.resize(self._tail_rows, grow)
        self._tail_keys[count : count + n] = keys
        self._tail_rows[count : count + n] = row
        self._tail_count = count + n
        tail = self._tail
        for key in keys.tolist():
            rows = tail.get(key)
            if rows is None:
                tail[key] = row
            elif type(rows) is int:
                tail[key] = [rows, row]
            else:
                rows.append(row)
        if self._tail_count >= max(self.min_tail, self._keys.size >> 4):
            self._merge()

    def rows(self, keys: np.ndarray) -> list:
        """The rows filed under any of ``keys`` (uint64; a row may appear more than once), as arrays,
        lists and ints."""
        keys = np.sort(np.asarray(keys, dtype=np.uint64))
        found: list = []
        run = self._keys
        if run.size and keys.size:
            lo = np.searchsorted(run, keys)
            hit = lo < run.size
            hit[hit] = run[lo[hit]] == keys[hit]
            for at, key in zip(lo[hit].tolist(), keys[hit].tolist()):
                end = at + 1
                while end < run.size and run[end] == key:  # a key filed more than once (rare)
                    end += 1
                found.append(self._rows[at:end])
        tail = self._tail
        if tail:
            for key in keys.tolist():
                rows = tail.get(key)
                if rows is not None:
                    found.append(rows)
        return found

    def _merge(self) -> None:
        n = self._tail_count
        order = np.argsort(self._tail_keys[:n], kind="stable")
        keys, rows = self._tail_keys[:n][order], self._tail_rows[:n][order]
        at = np.searchsorted(self._keys, keys, "right")
        self._keys = np.insert(self._keys, at, keys)
        self._rows = np.insert(self._rows, at, rows)
        self._tail = {}
        self._tail_count = 0


class CandidateIndex:
    """Indexed fingerprints in columns, with LSH buckets of row numbers: the near-duplicate search shared by
    :class:`NearDupIndex` and the Beam transform (``pipeline.transforms.neardup``).

    Each row holds an article's event time, id, story, fingerprint and a payload of the caller's. A
    probe's candidates are the rows filed under any of its band keys; they are gathered, limited to the
    horizon and screened by the text bars all at once in numpy, and only the survivors are compared in
    full (:meth:`Fingerprinter.compare`), earliest ``(event_ms, id)`` first. Templated stories share
    bands with every story of their template: handling candidates one by one in Python made a stream of
    them quadratic (an hour's soak of one template fell behind after 25 minutes).
    """

    def __init__(self, fingerprinter: Fingerprinter) -> None:
        self.fingerprinter = fingerprinter
        self._sizes = np.empty(16, dtype=np.int64)
        self._event_ms = np.empty(16, dtype=np.int64)
        self._ids: list[str] = []
        self._stories: list[str] = []
        self._fingerprints: list[Fingerprint] = []
        self.payloads: list[Any] = []
        self._buckets = _BandTable()

    def __len__(self) -> int:
        return len(self.payloads)

    def add(self, event_ms: int, article_id: str, story: str, fingerprint: Fingerprint, keys: Iterable[int],
            payload: Any) -> None:
        """File an article under its band ``keys`` (a row without keys is kept but never a candidate)."""
        row = len(self.payloads)
        if row == self._sizes.shape[0]:
            grow = max(16, row)
            self._sizes = np.concatenate([self._sizes, np.empty(grow, np.int64)])
            self._event_ms = np.concatenate([self._event_ms, np.empty(grow, np.int64)])
        self._sizes[row] = fingerprint.size
        self._event_ms[row] = event_ms
        self._ids.append(article_id)
        self._stories.append(story)
        self._fingerprints.append(fingerprint)
        self.payloads.append(payload)
        self._buckets.add(keys, row)

    def earliest_match(self, fingerprint: Fingerprint, keys: Iterable[int], order: tuple[int, str], story: str,
                       horizon_ms: int) -> tuple[Optional[Any], Optional[float], int]:
        """The near-duplicate decision for a probe with band ``keys``, ordered at ``(event_ms, id)``.

        Among the rows sharing a band key, the earliest ``(event_ms, id)`` strictly before ``order``, of
        another story and inside the horizon, that ``fingerprint`` republishes. Returns its payload (or
        None), the similarity, and how many rows were compared in full.
        """
        buckets = self._buckets.rows(keys)
        if not buckets:
            return None, None, 0
        filed = np.zeros(len(self.payloads), dtype=bool)
        for bucket in buckets:
            filed[bucket] = True
        rows = np.flatnonzero(filed)
        event_ms = order[0]
        times = self._event_ms[rows]
        rows = rows[(times >= event_ms - horizon_ms) & (times <= event_ms)]
        if not rows.size:
            return None, None, 0
        # The signatures are the fingerprints' own (a copy here was 8-11 KB an article over a worker's shards).
        signatures = np.stack([self._fingerprints[row].signature for row in rows.tolist()])
        rows = rows[self.fingerprinter.text_bars(fingerprint, signatures, self._sizes[rows])]
        eligible = []
        for row in rows.tolist():
            at = (int(self._event_ms[row]), self._ids[row])
            if at < order and self._stories[row] != story:
                eligible.append((at, row))
        eligible.sort()
        for compared, (_, row) in enumerate(eligible, 1):
            match = self.fingerprinter.compare(fingerprint, self._fingerprints[row])
            if match.is_duplicate:
                return self.payloads[row], match.similarity, compared
        return None, None, len(eligible)


class Decision(NamedTuple):
    """What near-duplicate detection decided for one article."""

    status: str  # UNIQUE or NEAR_DUPLICATE
    cluster_id: str  # id of the earliest article of the cluster (itself when UNIQUE)
    duplicate_of: Optional[str]  # the earliest earlier article it republishes
    similarity: Optional[float]  # estimated Jaccard to duplicate_of


@dataclass
class _Indexed:
    event_ms: int
    id: str
    story: str
    fingerprint: Fingerprint
    cluster_id: str
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))


class NearDupIndex:
    """An in-memory LSH index deciding republications for articles fed in ``(event_ms, id)`` order.

    It holds the articles of the last ``horizon_ms`` of event time. Each new article is compared with
    the indexed articles sharing a band key; among the confirmed matches the earliest ``(event_ms, id)``
    is the one it republishes, and it joins that article's cluster. The Beam transform
    (``pipeline.transforms.neardup``) takes the same decisions band by band, with the same
    :class:`CandidateIndex`; this class is the reference for evaluation and the benchmark.
    """

    def __init__(self, fingerprinter: Fingerprinter, horizon_ms: int = 7 * 24 * 3600 * 1000) -> None:
        if horizon_ms <= 0:
            raise ConfigError(f"horizon_ms must be positive, got {horizon_ms!r}")
        self.fingerprinter = fingerprinter
        self.horizon_ms = horizon_ms
        self._index = CandidateIndex(fingerprinter)
        self._expired = 0  # rows at the start of the index that left the horizon

    def __len__(self) -> int:
        return len(self._index) - self._expired

    def add(self, article_id: str, event_ms: int, fingerprint: Fingerprint, story_id: Optional[str] = None) -> Decision:
        """Index an article and return its :class:`Decision` (``story_id`` defaults to ``article_id``).

        Articles sharing a story id (updates of one story) are never near-duplicates of each other.
        """
        self._expire(event_ms - self.horizon_ms)
        keys = self.fingerprinter.band_keys(fingerprint.signature)
        story = story_id if story_id is not None else article_id
        best, similarity, _ = self._index.earliest_match(fingerprint, keys, (event_ms, article_id), story,
                                                         self.horizon_ms)
        if best is None:
            decision = Decision("UNIQUE", article_id, None, None)
        else:
            decision = Decision("NEAR_DUPLICATE", best.cluster_id, best.id, similarity)
        self._index.add(event_ms, article_id, story, fingerprint, keys,
                        _Indexed(event_ms, article_id, story, fingerprint, decision.cluster_id, keys))
        return decision

    def _expire(self, before_ms: int) -> None:
        """Count the rows that left the horizon (the search skips them) and drop them once they are half."""
        payloads = self._index.payloads
        while self._expired < len(payloads) and payloads[self._expired].event_ms < before_ms:
            self._expired += 1
        if self._expired and self._expired * 2 >= len(payloads):
            kept = payloads[self._expired:]
            self._index = CandidateIndex(self.fingerprinter)
            for entry in kept:
                self._index.add(entry.event_ms, entry.id, entry.story, entry.fingerprint, entry.keys, entry)
            self._expired = 0
