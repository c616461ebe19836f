"""The SaudiNewsNet articles a gold set points into, read by id from the shared corpora (the gold files hold
ids and offsets; the text stays in ``../shared/data``). One reader for every evaluation and for training."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from pipeline.errors import ConfigError, InputError
from pipeline.locations import SAUDINEWSNET_16_DAYS, SAUDINEWSNET_TWO_DAYS, shared_data

__all__ = ["DEFAULT_CORPORA", "gold_ids", "load_articles"]

#: Where gold ids are looked up: the two days of the first gold sets and the 16 days before them.
DEFAULT_CORPORA = (shared_data(SAUDINEWSNET_TWO_DAYS), shared_data(SAUDINEWSNET_16_DAYS))
_LEADING_ID = re.compile(r'\{"id": "([^"\\]+)"')


def gold_ids(paths) -> list[str]:
    """The article ids of gold files (JSON lines with an ``id``), in file order: the articles whose text a
    training step leaves out."""
    out: list[str] = []
    for path in paths:
        out += [json.loads(line)["id"] for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def load_articles(paths, ids: set[str]) -> dict[str, dict]:
    """The corpus articles whose id is in ``ids``, from one path or several (``.jsonl`` or ``.jsonl.gz``);
    a file is read only while ids are still missing."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: dict[str, dict] = {}
    for path in paths:
        if not ids - found.keys():
            break
        opener = gzip.open if str(path).endswith(".gz") else open
        try:
            with opener(path, "rt", encoding="utf-8") as fh:
                for line in fh:
                    # the id leads each line: skip the JSON parse of the articles not asked for
                    m = _LEADING_ID.match(line)
                    if m and m.group(1) not in ids:
                        continue
                    row = json.loads(line)
                    if row.get("id") in ids:
                        found[row["id"]] = row
        except OSError as exc:
            raise ConfigError(f"cannot read corpus {path}: {exc}") from exc
    missing = ids - found.keys()
    if missing:
        names = ", ".join(str(p) for p in paths)
        raise InputError("gold", f"{len(missing)} gold ids are not in {names}: {sorted(missing)[:5]}")
    return found
