"""Read a run's output directory (the Avro files and ``metrics.json`` a replay or ``wirepipe run`` writes)."""
from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field
from typing import Optional

from pipeline.errors import ConfigError
from pipeline.io.avro import read_avro
from pipeline.model import ARTICLES, DEAD_LETTER, DUPLICATES, OUTPUT_SCHEMAS as KIND_SCHEMAS


class ReportError(ConfigError):
    """The output directory given to ``wirepipe report`` is missing, empty, or holds damaged files."""


# Errors fastavro raises on a damaged header or block (bad magic, truncated data, bad schema JSON).
_AVRO_READ_ERRORS = (ValueError, EOFError, OSError, KeyError, IndexError, TypeError, StopIteration)


@dataclass
class Run:
    """Everything a run wrote: its records by output kind and its counters (``metrics.json``, if any)."""

    out_dir: str
    articles: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    dead_letters: list[dict] = field(default_factory=list)
    metrics: Optional[dict] = None


def output_files(out_dir: str, kind: str) -> list[str]:
    """Return the sorted ``<kind>-*.avro`` files of ``out_dir`` (``kind`` as in KIND_SCHEMAS)."""
    if kind not in KIND_SCHEMAS:
        raise ValueError(f"unknown output kind {kind!r}; expected one of {', '.join(KIND_SCHEMAS)}")
    return sorted(glob.glob(os.path.join(glob.escape(out_dir), f"{kind}-*.avro")))


def load_run(out_dir: str) -> Run:
    """Read every output file of ``out_dir``; raise ReportError if it holds no wirepipe output."""
    if not os.path.isdir(out_dir):
        raise ReportError(f"{out_dir}: not a directory (expected the --out directory of a run)")
    records: dict[str, list[dict]] = {}
    for kind in KIND_SCHEMAS:
        records[kind] = []
        for path in output_files(out_dir, kind):
            try:
                records[kind].extend(read_avro(path))
            except _AVRO_READ_ERRORS as exc:
                raise ReportError(f"{path}: damaged Avro file: {exc}") from exc
    metrics_path = os.path.join(out_dir, "metrics.json")
    metrics = None
    if os.path.exists(metrics_path):
        try:
            with open(metrics_path, encoding="utf-8") as fh:
                metrics = json.load(fh)
        except (OSError, ValueError) as exc:
            raise ReportError(f"{metrics_path}: unreadable: {exc}") from exc
    if metrics is None and not any(records.values()):
        raise ReportError(f"{out_dir}: holds no articles-*.avro, duplicates-*.avro, dead-letter-*.avro "
                          "or metrics.json (expected the --out directory of a run)")
    # Publication order, then id: the order an editor reads a wire in.
    records[ARTICLES].sort(key=_time_key)
    return Run(out_dir=out_dir, articles=records[ARTICLES], duplicates=records[DUPLICATES],
               dead_letters=records[DEAD_LETTER], metrics=metrics)


def _time_key(record: dict) -> tuple:
    published = record.get("published_at") or record.get("ingested_at")
    return (published is None, published.timestamp() if published else 0.0, record["id"])
