"""``wirepipe inspect FILE...``: print the records of wirepipe's Avro files, as aligned lines or JSON lines.

The record type (article, duplicate, dead letter, wire article) is taken from the schema name in each
file's header, so any file the pipeline writes (or a ``.avro`` input feed) can be inspected.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import glob
import itertools
import json
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, TextIO

import fastavro
from rich.cells import cell_len

from pipeline.errors import ConfigError
from pipeline.io.avro import read_avro
from pipeline.model import describe_source

AVRO_MAGIC = b"Obj\x01"
# Rows are aligned within blocks of this many records, so that a huge file streams in bounded memory.
ALIGN_BLOCK = 500
HEADLINE_WIDTH = 60
MESSAGE_WIDTH = 100

# Errors fastavro raises on a damaged header or block (bad magic, truncated data, bad schema JSON).
_AVRO_READ_ERRORS = (ValueError, EOFError, OSError, KeyError, IndexError, TypeError, StopIteration)


class InspectError(ConfigError):
    """A file given to ``wirepipe inspect`` is missing, not an Avro container file, or damaged."""


def register(subparsers) -> None:
    """Add ``wirepipe inspect`` to the CLI."""
    parser = subparsers.add_parser(
        "inspect",
        help="print the records of Avro files (articles, duplicates, dead letters)",
        description=(
            "Print the records of wirepipe Avro files: one aligned line per record, or one JSON object "
            "per line with --json (bytes as base64, timestamps as ISO-8601). A directory stands for "
            "the .avro files in it; a quoted glob pattern for its matches."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="Avro container file or directory")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument("--limit", type=_non_negative_int, default=None, metavar="N",
                        help="print at most N records in all (default: all)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the records of ``args.files``; return exit code 0."""
    paths = resolve_paths(args.files)
    headers = [(path, _schema_name(path)) for path in paths]  # fail on a bad file before printing anything
    if not args.json:
        for path, schema_name in headers:
            _layout(path, schema_name)
    remaining = args.limit
    out = sys.stdout
    for path, schema_name in headers:
        if remaining is not None and remaining <= 0:
            break
        records = _records(path, remaining)
        if args.json:
            printed = write_json_lines(records, out)
        else:
            printed = write_table(path, schema_name, records, out)
        if remaining is not None:
            remaining -= printed
    return 0


def resolve_paths(names: Iterable[str]) -> list[Path]:
    """Expand directories to their ``.avro`` files and glob patterns to their matches; raise InspectError
    for a path that does not exist."""
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.avro") if p.is_file())
            if not found:
                raise InspectError(f"{path}: directory holds no .avro files")
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        elif path.exists():
            raise InspectError(f"{path}: not a regular file")
        elif any(char in name for char in "*?["):  # a quoted pattern, as replay accepts
            found = sorted(Path(p) for p in glob.glob(name) if Path(p).is_file())
            if not found:
                raise InspectError(f"{name}: no file matches")
            paths.extend(found)
        else:
            raise InspectError(f"{path}: no such file")
    return paths


def _schema_name(path: Path) -> str:
    """Return the full name of the writer schema of an Avro container file (e.g. io.wirepipe.Duplicate)."""
    try:
        with open(path, "rb") as fh:
            if fh.read(len(AVRO_MAGIC)) != AVRO_MAGIC:
                raise InspectError(f"{path}: not an Avro container file (no 'Obj\\x01' magic bytes)")
            fh.seek(0)
            schema = fastavro.reader(fh).writer_schema
    except OSError as exc:
        raise InspectError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except _AVRO_READ_ERRORS as exc:
        raise InspectError(f"{path}: damaged Avro header: {exc}") from exc
    name = schema.get("name") if isinstance(schema, dict) else None
    return str(name or (schema.get("type") if isinstance(schema, dict) else schema))


def _records(path: Path, limit: Optional[int]) -> Iterator[dict]:
    """Yield up to ``limit`` records of ``path``; a damaged block raises InspectError after the good ones."""
    count = 0
    try:
        for record in itertools.islice(read_avro(path), limit):
            count += 1
            yield record
    except _AVRO_READ_ERRORS as exc:
        raise InspectError(f"{path}: damaged Avro data after record {count}: {exc}") from exc


# --- JSON lines -------------------------------------------------------------------------------------

def to_json_value(value):
    """Return ``value`` (a decoded Avro datum) as JSON-serializable data: bytes base64, times ISO-8601."""
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def write_json_lines(records: Iterable[dict], out: TextIO) -> int:
    """Write one JSON object per record; return how many were written."""
    count = 0
    for record in records:
        out.write(json.dumps(to_json_value(record), ensure_ascii=False, sort_keys=False))
        out.write("\n")
        count += 1
    return count


# --- aligned lines ----------------------------------------------------------------------------------

def _clip(text: Optional[str], width: int) -> str:
    if not text:
        return "-"
    text = " ".join(str(text).split())  # one line: newlines in headlines or messages would break rows
    return text if len(text) <= width else text[: width - 1] + "…"


def _time(value) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    return "-" if value is None else str(value)


def _dedup(dedup: Optional[dict], article_id: str) -> str:
    if not dedup:
        return "-"
    parts = [str(dedup.get("status"))]
    if dedup.get("duplicate_of"):
        similarity = dedup.get("similarity")
        parts.append(f"of {dedup['duplicate_of']}" + (f" ({similarity:.2f})" if similarity is not None else ""))
    cluster = dedup.get("cluster_id")
    if cluster and cluster not in (article_id, dedup.get("duplicate_of")):
        parts.append(f"cluster {cluster}")
    return " ".join(parts)


def _dateline(dateline: Optional[dict]) -> str:
    if not dateline:
        return "-"
    parts = [dateline.get(key) for key in ("place", "agency", "date_text")]
    return " · ".join(part for part in parts if part) or "-"


def _article_row(r: dict) -> tuple[str, ...]:
    return (r["id"], _time(r.get("published_at")), _dedup(r.get("dedup"), r["id"]), _dateline(r.get("dateline")),
            str(len(r.get("entities") or ())), str(len(r.get("quotes") or ())), _clip(r.get("headline"), HEADLINE_WIDTH))


def _duplicate_row(r: dict) -> tuple[str, ...]:
    return (r["id"], str(r.get("kind")), r.get("duplicate_of") or "-", f"{r.get('similarity', 1.0):.2f}",
            _time(r.get("published_at")), _clip(r.get("headline"), HEADLINE_WIDTH))


def _dead_letter_row(r: dict) -> tuple[str, ...]:
    return (str(r.get("error_kind")), str(r.get("stage")), describe_source(r.get("source")), r.get("id") or "-",
            str(r.get("raw_length")), _clip(r.get("error_message"), MESSAGE_WIDTH))


def _wire_row(r: dict) -> tuple[str, ...]:
    return (r["id"], _time(r.get("published_at")), r.get("agency") or "-", str(len(r.get("body") or "")),
            _clip(r.get("headline"), HEADLINE_WIDTH))


# Schema full name → (label, column titles, row function).
LAYOUTS: dict[str, tuple[str, tuple[str, ...], Callable[[dict], tuple[str, ...]]]] = {
    "io.wirepipe.EnrichedArticle": (
        "articles", ("ID", "PUBLISHED", "DEDUP", "DATELINE", "ENTITIES", "QUOTES", "HEADLINE"), _article_row),
    "io.wirepipe.Duplicate": (
        "duplicates", ("ID", "KIND", "DUPLICATE_OF", "SIMILARITY", "PUBLISHED", "HEADLINE"), _duplicate_row),
    "io.wirepipe.DeadLetter": (
        "dead letters", ("ERROR_KIND", "STAGE", "SOURCE", "ID", "RAW_LENGTH", "MESSAGE"), _dead_letter_row),
    "io.wirepipe.WireArticle": (
        "wire articles", ("ID", "PUBLISHED", "AGENCY", "BODY_CHARS", "HEADLINE"), _wire_row),
}


def _layout(path: Path, schema_name: str) -> tuple[str, tuple[str, ...], Callable[[dict], tuple[str, ...]]]:
    if schema_name not in LAYOUTS:
        raise InspectError(
            f"{path}: records of type {schema_name} have no table layout (expected one of "
            f"{', '.join(sorted(LAYOUTS))}); use --json to print them")
    return LAYOUTS[schema_name]


def _aligned(rows: list[tuple[str, ...]]) -> Iterator[str]:
    # cell_len counts terminal cells (Arabic diacritics take none), so columns line up on screen.
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell + " " * (width - cell_len(cell)) for cell, width in zip(row[:-1], widths)]
        yield "  ".join(cells + [row[-1]])


def write_table(path: Path, schema_name: str, records: Iterable[dict], out: TextIO) -> int:
    """Write a header line for ``path`` and one aligned line per record; return how many records."""
    label, titles, row = _layout(path, schema_name)
    out.write(f"== {path} ({label}, {schema_name})\n")
    count = 0
    iterator = iter(records)
    while True:
        rows: list[tuple[str, ...]] = []
        damaged: Optional[InspectError] = None
        try:
            rows.extend(row(record) for record in itertools.islice(iterator, ALIGN_BLOCK))
        except InspectError as exc:  # print the good records before the damaged block, then fail
            damaged = exc
        if rows:
            for line in _aligned([titles] + rows if count == 0 else rows):
                out.write(line.rstrip() + "\n")
            count += len(rows)
        if damaged is not None:
            raise damaged
        if len(rows) < ALIGN_BLOCK:
            break
    out.write(f"-- {count} record{'s' if count != 1 else ''}\n")
    return count


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value
