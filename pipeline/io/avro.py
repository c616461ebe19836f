"""Avro schemas of wirepipe, parsed once, and helpers to read Avro container files."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Iterator

import fastavro

#: Inside the package (a symlink to the top-level schemas/ in the source tree), so wheels carry them.
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
SCHEMA_NAMES = ("wire_article", "enriched_article", "duplicate", "dead_letter")


@functools.lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """Return the parsed schema ``schemas/NAME.avsc`` (e.g. ``enriched_article``)."""
    if name not in SCHEMA_NAMES:
        from pipeline.errors import ConfigError

        raise ConfigError(f"unknown schema {name!r}; expected one of {', '.join(SCHEMA_NAMES)}")
    with open(SCHEMA_DIR / f"{name}.avsc", encoding="utf-8") as fh:
        return fastavro.parse_schema(json.load(fh))


def read_avro(path: str | Path) -> Iterator[dict]:
    """Yield the records of an Avro container file."""
    with open(path, "rb") as fh:
        yield from fastavro.reader(fh)
