"""``wirepipe compare OUT_A OUT_B``: do two runs' output folders hold the same records?

Speed work must change no output: a replay of the same input before and after a change is compared here,
record by record and field by field, for each output kind. The times of the run (``ingested_at``, a dead
letter's ``failed_at``) are left out; records are matched by id, source and content hash, so the order in
which files and records were written does not matter.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from pipeline.errors import ConfigError
from pipeline.io.avro import read_avro
from pipeline.model import ARTICLES, DEAD_LETTER, DUPLICATES, describe_source
from pipeline.report.run import output_files

KINDS = (ARTICLES, DUPLICATES, DEAD_LETTER)
#: Fields that say when the run read or failed a record, not what it wrote.
RUN_TIMES = ("ingested_at", "failed_at")


def register(subparsers) -> None:
    """Add ``wirepipe compare`` to the CLI."""
    parser = subparsers.add_parser(
        "compare",
        help="do two output folders hold the same records (all fields but the run's times)?",
        description=(
            "Compare the articles, duplicates and dead letters of two output folders record by record: every "
            "field but ingested_at and failed_at, records matched by id, source and content hash. Prints one "
            "line a kind and exits 1 when any record differs."
        ),
    )
    parser.add_argument("first", help="output folder (OUT of a replay or run)")
    parser.add_argument("second", help="the other output folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the comparison of ``args.first`` and ``args.second``; 0 when they hold the same records."""
    result = compare_folders(Path(args.first), Path(args.second))
    for kind, row in result.items():
        print(f"{kind}: {row['first']} and {row['second']} records, {row['differ']} keys differ"
              + (f" (e.g. {', '.join(row['examples'])})" if row["examples"] else ""))
    return 0 if all(row["differ"] == 0 for row in result.values()) else 1


def compare_folders(first: Path, second: Path) -> dict:
    """Per output kind: the record counts of both folders, how many record keys differ, and a few of them."""
    for folder in (first, second):
        if not folder.is_dir():
            raise ConfigError(f"not an output folder: {folder}")
    return {kind: differences(_records(first, kind), _records(second, kind)) for kind in KINDS}


def differences(first: Iterable[dict], second: Iterable[dict]) -> dict:
    """Compare two collections of records of one kind (as :func:`record_key` and :func:`comparable` see them)."""
    a, b = _index(first), _index(second)
    differ = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    return {"first": sum(map(Counter.total, a.values())), "second": sum(map(Counter.total, b.values())),
            "differ": len(differ), "examples": differ[:3]}


def record_key(record: dict) -> str:
    """What matches a record across runs: its id, its source and its content hash."""
    return f"{record.get('id')} {describe_source(record.get('source'))} {record.get('content_hash') or ''}".strip()


def comparable(record: dict) -> str:
    """The record as JSON, without the run's times."""
    return json.dumps({k: v for k, v in record.items() if k not in RUN_TIMES}, sort_keys=True, default=str,
                      ensure_ascii=False)


def _index(records: Iterable[dict]) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for record in records:
        out.setdefault(record_key(record), Counter())[comparable(record)] += 1
    return out


def _records(folder: Path, kind: str) -> Iterable[dict]:
    for path in output_files(str(folder), kind):
        yield from read_avro(path)
