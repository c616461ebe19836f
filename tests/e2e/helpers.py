"""Helpers for end-to-end tests: run the real CLI and read its Avro output back with fastavro."""
from __future__ import annotations

import glob
import json
import os
from pathlib import Path

import fastavro

from pipeline.cli import main

KINDS = ("articles", "duplicates", "dead-letter")


def replay(paths, out: Path, *extra: str) -> dict:
    """Run ``wirepipe replay`` and return ``{kind: [records]}`` plus ``metrics``."""
    code = main(["replay", *map(str, paths), "--out", str(out), "--no-progress", *extra])
    assert code == 0, f"wirepipe replay exited {code}"
    return read_outputs(out)


def read_records(out: Path) -> dict:
    """Read every ``<kind>-*.avro`` in ``out``: ``{kind: [records]}``."""
    result = {}
    for kind in KINDS:
        records = []
        for path in sorted(glob.glob(os.path.join(out, f"{kind}-*.avro"))):
            with open(path, "rb") as fh:
                records.extend(fastavro.reader(fh))
        result[kind] = records
    return result


def read_outputs(out: Path) -> dict:
    """Read every ``<kind>-*.avro`` in ``out`` and ``metrics.json``."""
    result = read_records(out)
    with open(os.path.join(out, "metrics.json"), encoding="utf-8") as fh:
        result["metrics"] = json.load(fh)
    return result


def source_key(record: dict) -> tuple:
    """Where a record came from: (path, line) or (topic, partition, offset)."""
    s = record["source"]
    return (s["path"], s["line"]) if s["kind"] == "FILE" else (s["topic"], s["partition"], s["offset"])


def assert_accounting(result: dict, expected_inputs: set | None = None) -> None:
    """The invariant holds, and each input record appears in exactly one output."""
    m = result["metrics"]
    assert m["read"] == m["dead_letter"] + m["exact_duplicate"] + m["near_duplicate_dropped"] + m["written"]
    assert m["written"] == len(result["articles"])
    assert m["exact_duplicate"] + m["near_duplicate_dropped"] == len(result["duplicates"])
    assert m["dead_letter"] == len(result["dead-letter"])
    seen = [source_key(r) for kind in KINDS for r in result[kind]]
    assert len(seen) == len(set(seen)) == m["read"], "an input record is missing or appears twice"
    if expected_inputs is not None:
        assert set(seen) == expected_inputs
