"""Archived feeds: expand paths, directories and globs, and read them as :class:`RawRecord` s.

Formats: ``.txt`` (one article), ``.json`` (one object, or an array of objects), ``.jsonl``,
``.jsonl.gz`` (and any ``.gz`` of JSON lines) and ``.avro`` (schemas/wire_article.avsc or any record
schema with the same field names). A file that cannot be read is not an exception: it becomes one
RawRecord with ``error`` set, which Parse turns into a dead letter, and the replay goes on.
"""
from __future__ import annotations

import glob
import gzip
import io
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
DEFAULT_RAW_CAP_BYTES = 64 * 1024  # as parse.DEFAULT_RAW_CAP_BYTES: what a dead letter keeps


def is_supported(path: str) -> bool:
    """True when ``path`` has one of the archive suffixes."""
    return path.lower().endswith(SUFFIXES)


def expand_paths(patterns: Iterable[str]) -> list[str]:
    """Return the files named by paths, directories (recursive) and globs, sorted and without repeats.

    Files named explicitly are kept whatever their suffix (an unsupported one becomes a dead letter);
    in directories and globs only supported suffixes are taken and the others are logged. What cannot
    be walked (an unreadable directory, a symbolic link that loops or points nowhere) is kept too, so
    that reading it yields a dead letter that names it instead of a silent gap.
    """
    found: dict[str, None] = {}
    for pattern in patterns:
        if os.path.isfile(pattern):
            found[os.path.normpath(pattern)] = None
            continue
        if os.path.isdir(pattern):
            candidates = _walk(pattern)
        else:
            candidates = [p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p) or os.path.islink(p)]
            if not candidates:
                raise ConfigError(f"no such file, directory or matching glob: {pattern!r}")
        for path in sorted(candidates):
            if any(part.startswith(".") for part in Path(path).parts if part not in (".", "..")):
                continue
            if is_supported(path) or not os.path.isfile(path):
                found[os.path.normpath(path)] = None
            else:
                log.info("skipping %s: not one of %s", path, ", ".join(SUFFIXES))
    return sorted(found)


def _walk(top: str) -> list[str]:
    """Every file below ``top``, following links to directories once; what cannot be walked is listed too."""
    out: list[str] = []
    seen = {os.path.realpath(top)}

    def failed(error: OSError) -> None:
        out.append(error.filename or top)

    for folder, dirs, files in os.walk(top, onerror=failed, followlinks=True):
        for name in list(dirs):
            path = os.path.join(folder, name)
            real = os.path.realpath(path)
            if real in seen or not os.path.isdir(real):
                dirs.remove(name)
                if os.path.islink(path):
                    out.append(path)  # a link back into the tree: read() names the loop
            else:
                seen.add(real)
        out.extend(os.path.join(folder, name) for name in files)
    return out


def iter_raw_records(paths: Iterable[str]) -> Iterator[RawRecord]:
    """Yield the raw records of every file in ``paths`` (already expanded), in file order."""
    for path in paths:
        yield from read_file(path)


def read_file(path: str) -> Iterator[RawRecord]:
    """Yield the raw records of one archive file; read failures become RawRecords with ``error``."""
    lower = path.lower()
    try:
        if os.path.islink(path) and not os.path.exists(path):
            yield _file_error(path, "unreadable_file", "a symbolic link to nothing (or a link loop)")
        elif os.path.isdir(path):
            if os.path.islink(path):
                yield _file_error(path, "unreadable_directory", "a symbolic link back into the tree (a loop); not followed")
            else:
                yield _file_error(path, "unreadable_directory", "cannot list the directory (permission denied?)")
        elif lower.endswith(".txt"):
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


def _lines(fh, path: str) -> Iterator[RawRecord]:
    # Any line end (\n, \r\n, or a lone \r from old Mac tools) ends a record.
    number = 0
    for chunk in fh:
        for line in chunk.splitlines() if b"\r" in chunk else (chunk,):
            number += 1
            if line.strip():
                yield RawRecord(line.rstrip(b"\r\n"), file_source(path, number))


def _read_gzip(path: str) -> Iterator[RawRecord]:
    line = 0
    raw = open(path, "rb")
    try:
        with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            for record in _lines(fh, path):
                line = record.source["line"]
                yield record
    except (OSError, EOFError, zlib.error) as exc:
        # What is lost is the compressed rest from about where the stream broke, not the file's start.
        at = min(raw.tell(), os.path.getsize(path))
        raw.seek(max(0, at - _PEEK))
        rest = raw.read(DEFAULT_RAW_CAP_BYTES)
        size = os.path.getsize(path) - max(0, at - _PEEK)
        yield RawRecord(rest, file_source(path, line + 1), raw_length=size, error=(
            "unreadable_gzip",
            f"gzip stream unreadable after line {line} (near compressed byte {at} of {os.path.getsize(path)}); "
            f"the rest of the file cannot be decompressed: {exc}"))
    finally:
        raw.close()


def _read_json(path: str) -> Iterator[RawRecord]:
    data = _read_bytes(path)
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        yield RawRecord(data, file_source(path, 1))  # Parse reports the precise error
        return
    if isinstance(value, list):
        for index, item in enumerate(value, start=1):
            yield RawRecord(item, file_source(path, index), fmt="record")
    else:
        yield RawRecord(value, file_source(path, 1), fmt="record")


_AVRO_ERRORS = (ValueError, EOFError, StopIteration, MemoryError, OverflowError, zlib.error, KeyError, TypeError,
                IndexError, fastavro.read.SchemaResolutionError)


def _read_avro(path: str) -> Iterator[RawRecord]:
    """Records of an Avro container file, block by block: a damaged block is one dead letter (its bytes),
    and reading goes on at the next block's sync marker."""
    data = _read_bytes(path)
    head = io.BytesIO(data)
    try:
        fastavro.reader(head)
    except _AVRO_ERRORS as exc:
        yield _file_error(path, "unreadable_avro", f"not an Avro container file (header unreadable): {exc}", line=1)
        return
    header_end = head.tell()
    header, sync = data[:header_end], data[header_end - 16:header_end]
    index = 0
    start = header_end
    while start < len(data):
        found = data.find(sync, start)
        end = len(data) if found < 0 else found + 16
        block = data[start:end]
        try:
            records = list(fastavro.reader(io.BytesIO(header + block)))
        except _AVRO_ERRORS as exc:
            yield RawRecord(block[:DEFAULT_RAW_CAP_BYTES], file_source(path, index + 1), raw_length=len(block), error=(
                "unreadable_avro",
                f"Avro block at byte {start} (after record {index}) is damaged and skipped: {type(exc).__name__}: {exc}"))
        else:
            for record in records:
                index += 1
                yield RawRecord(record, file_source(path, index), fmt="record")
        start = end


def _file_error(path: str, kind: str, message: str, line: int | None = None) -> RawRecord:
    try:
        with open(path, "rb") as fh:
            peek = fh.read(_PEEK)
        size = os.path.getsize(path)
    except OSError:
        peek, size = b"", 0
    return RawRecord(peek, file_source(path, line), error=(kind, message), raw_length=size)
