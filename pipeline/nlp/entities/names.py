"""Person-name lexicon: Arabic-script given names and surnames with how often Wikidata uses them,
and the full names of people Wikidata knows (سيرغي لافروف, نوري المالكي).

The names come from the index that the PyPI package ``arabic-name-romanizer`` ships
(``resources/names.sqlite3``, MIT; built from Wikidata person labels, CC0, and the Algerian name
transcription corpus, CC0). Only its data file is read, with sqlite3: the package's ONNX model is
never loaded. The words are normalized with camel-tools (our matching form) at first use and cached
as JSON under ``$WIREPIPE_CACHE``. The CRF uses the counts as features; the word lists are too
noisy (كريم, سلام, امين are names and common words) to mark persons on their own. Full names of two
words or more are precise enough for the rules (on the held-out part of ANERcorp's train split
they raise PERSON recall from 0.46 to 0.51 without losing precision).
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pipeline.errors import ResourceMissingError
from pipeline.nlp.entities.gazetteer import _ARABIC_NAME_RE, Gazetteer, _phrase_key, cache_dir
from pipeline.nlp.normalize import normalize_word

__all__ = ["PersonNames", "count_bucket", "full_name_index"]

log = logging.getLogger(__name__)

_PACKAGE = "arabic_name_romanizer"
_INDEX = "resources/names.sqlite3"
#: Bump when the way the names are collected changes, so stale caches are rebuilt.
NAMES_VERSION = 4
#: Full names shorter than this (in words) are not kept: one word is no evidence of a person.
_MIN_FULL_NAME_WORDS = 2


def count_bucket(n: int) -> str:
    """A coarse log-scale bucket of a count (``0`` … ``4``) for categorical CRF features."""
    return "0" if n <= 0 else "1" if n < 3 else "2" if n < 20 else "3" if n < 200 else "4"


@dataclass(frozen=True)
class PersonNames:
    """Given-name and surname counts by matching-form word, and full names as matching-form word tuples."""

    given: dict[str, int]
    surname: dict[str, int]
    full_names: frozenset[tuple[str, ...]] = frozenset()

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "PersonNames":
        """Read the cached lists, building them from the package's index on first use (~2 s)."""
        try:
            from importlib.metadata import version

            pkg_version = version("arabic-name-romanizer")
        except Exception as exc:  # PackageNotFoundError: a dependency missing from the install
            raise ResourceMissingError(
                "the person-name lexicon needs the PyPI package arabic-name-romanizer "
                "(a dependency in pyproject.toml): pip install arabic-name-romanizer") from exc
        stamp = f"{NAMES_VERSION}-{pkg_version}"
        path = cache_dir() / "person-names.json"
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if cached.get("version") == stamp:
                return cls(cached["given"], cached["surname"], frozenset(tuple(n) for n in cached["full"]))
        except (OSError, ValueError, KeyError):
            pass
        given, surname, full = _read_index()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": stamp, "given": given, "surname": surname,
                                       "full": sorted(full)}, ensure_ascii=False),
                           encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:  # a read-only home still works, only slower at start-up
            log.warning("could not cache the person names at %s: %s", path, exc)
        return cls(given, surname, full)


@lru_cache(maxsize=1)
def full_name_index() -> Gazetteer:
    """The full names of :meth:`PersonNames.load` as a longest-match index of PERSON entries."""
    return Gazetteer.from_phrases(PersonNames.load().full_names, "PERSON")


def _read_index() -> tuple[dict[str, int], dict[str, int], frozenset[tuple[str, ...]]]:
    index = resources.files(_PACKAGE).joinpath(_INDEX)
    with resources.as_file(index) as db_path:
        if not os.path.isfile(db_path):
            raise ResourceMissingError(f"{_PACKAGE} is installed without its name index {_INDEX}")
        # Read-only URI: the package directory may not be writable.
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT arabic_key, role, count FROM units WHERE role IN ('given', 'surname')").fetchall()
            full_rows = con.execute("SELECT DISTINCT arabic_key FROM full_names").fetchall()
        finally:
            con.close()
    given: Counter[str] = Counter()
    surname: Counter[str] = Counter()
    for key, role, count in rows:
        target = given if role == "given" else surname
        # Wikidata's Arabic-script labels include Persian and Urdu spellings (گ ھ ی): not Arabic copy.
        if not _ARABIC_NAME_RE.match(key):
            continue
        for word in key.split():
            form = normalize_word(word)
            if len(form) >= 2:
                target[form] += int(count)
    full = set()
    for (key,) in full_rows:
        if _ARABIC_NAME_RE.match(key):
            words = _phrase_key(key)  # as the tokenizer sees it: جان-بيير is three tokens
            if len(words) >= _MIN_FULL_NAME_WORDS and all(len(w) >= 2 for w in words):
                full.add(words)
    return dict(given), dict(surname), frozenset(full)
