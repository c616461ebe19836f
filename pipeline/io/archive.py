"""Archived feeds: expand paths, directories and globs, and read them as :class:`RawRecord` s.

Formats: ``.txt`` (one article), ``.json`` (one object, or an array of objects), ``.jsonl``,
``.jsonl.gz`` (and any ``.gz`` of JSON lines) and ``.avro`` (schemas/wire_article.avsc or any record
schema with the same field names). A file that cannot be read is not an exception: it becomes one
RawRecord with ``error`` set, which Parse turns into a dead letter, and the replay goes on.
"""
from __future__ import annotations

import glob
import gzip
import json
import logging
import os
import zlib
from pathlib import Path
from typing import Iterable, Iterator

import fastavro

from pipeline.errors import ConfigError
from pipeline.model import RawRecord, file_source

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".json", ".jsonl", ".jsonl.gz", ".json.gz", ".gz", ".avro")
_PEEK = 4096  # bytes kept from a file that cannot be read at all


def is_supported(path: str) -> bool:
    """True when ``path`` has one of the archive suffixes."""
    return path.lower().endswith(SUFFIXES)


def expand_paths(patterns: Iterable[str]) -> list[str]:
    """Return the files named by paths, directories (recursive) and globs, sorted and without repeats.

    Files named explicitly are kept whatever their suffix (an unsupported one becomes a dead letter);
    in directories and globs only supported suffixes are taken and the others are logged.
    """
    found: dict[str, None] = {}
    for pattern in patterns:
        if os.path.isfile(pattern):
            found[os.path.normpath(pattern)] = None
            continue
        if os.path.isdir(pattern):
            candidates = [str(p) for p in Path(pattern).rglob("*") if p.is_file()]
        else:
            candidates = [p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p)]
            if not candidates:
                raise ConfigError(f"no such file, directory or matching glob: {pattern!r}")
        for path in sorted(candidates):
            if any(part.startswith(".") for part in Path(path).parts if part not in (".", "..")):
                continue
            if is_supported(path):
                found[os.path.normpath(path)] = None
            else:
                log.info("skipping %s: not one of %s", path, ", ".join(SUFFIXES))
    return sorted(found)


def iter_raw_records(paths: Iterable[str]) -> Iterator[RawRecord]:
    """Yield the raw records of every file in ``paths`` (already expanded), in file order."""
    for path in paths:
        yield from read_file(path)


def read_file(path: str) -> Iterator[RawRecord]:
    """Yield the raw records of one archive file; read failures become RawRecords with ``error``."""
    lower = path.lower()
    try:
        if lower.endswith(".txt"):
            yield RawRecord(_read_bytes(path), file_source(path, 1), fmt="txt")
        elif lower.endswith(".jsonl"):
            with open(path, "rb") as fh:
                yield from _lines(fh, path)
        elif lower.endswith(".gz"):
            yield from _read_gzip(path)
        elif lower.endswith(".json"):
            yield from _read_json(path)
        elif lower.endswith(".avro"):
            yield from _read_avro(path)
        else:
            yield _file_error(path, "unsupported_file", f"unsupported file type; expected one of {', '.join(SUFFIXES)}")
    except OSError as exc:
        yield _file_error(path, "unreadable_file", f"cannot read file: {exc}")


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _lines(fh, path: str, first: int = 1) -> Iterator[RawRecord]:
    for number, line in enumerate(fh, start=first):
        if line.strip():
            yield RawRecord(line.rstrip(b"\r\n"), file_source(path, number))


def _read_gzip(path: str) -> Iterator[RawRecord]:
    line = 0
    try:
        with gzip.open(path, "rb") as fh:
            for record in _lines(fh, path):
                line = record.source["line"]
                yield record
    except (OSError, EOFError, zlib.error) as exc:
        yield _file_error(path, "unreadable_gzip", f"gzip stream unreadable after line {line}: {exc}", line=line + 1)


def _read_json(path: str) -> Iterator[RawRecord]:
    data = _read_bytes(path)
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        yield RawRecord(data, file_source(path, 1))  # Parse reports the precise error
        return
    if isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield RawRecord(item, file_source(path, index), fmt="record")
    else:
        yield RawRecord(value, file_source(path, 1), fmt="record")


def _read_avro(path: str) -> Iterator[RawRecord]:
    index = 0
    try:
        with open(path, "rb") as fh:
            for index, record in enumerate(fastavro.reader(fh), start=1):
                yield RawRecord(record, file_source(path, index), fmt="record")
    except (ValueError, EOFError, StopIteration, fastavro.read.SchemaResolutionError) as exc:
        yield _file_error(path, "unreadable_avro", f"Avro file unreadable after record {index}: {exc}", line=index + 1)


def _file_error(path: str, kind: str, message: str, line: int | None = None) -> RawRecord:
    try:
        with open(path, "rb") as fh:
            peek = fh.read(_PEEK)
        size = os.path.getsize(path)
    except OSError:
        peek, size = b"", 0
    return RawRecord(peek, file_source(path, line), error=(kind, message), raw_length=size)
