"""Records that move between stages. Avro-facing records are plain dicts shaped like schemas/*.avsc."""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

# Avro-shaped records are dicts; these aliases name them in signatures.
Source = dict  # schemas: io.wirepipe.Source {kind, path, line, topic, partition, offset}
WireArticle = dict  # schemas/wire_article.avsc
EnrichedArticle = dict  # schemas/enriched_article.avsc
Duplicate = dict  # schemas/duplicate.avsc
DeadLetter = dict  # schemas/dead_letter.avsc

# The three outputs every input record ends in exactly one of, and the schema of each. The kind is also
# the prefix of its file names and the ``kind`` of its SinkAcks.
ARTICLES, DUPLICATES, DEAD_LETTER = "articles", "duplicates", "dead-letter"
OUTPUT_SCHEMAS = {ARTICLES: "enriched_article", DUPLICATES: "duplicate", DEAD_LETTER: "dead_letter"}


def file_source(path: str, line: Optional[int] = None) -> Source:
    """Return a Source record for a file (line: 1-based JSONL line or Avro record index)."""
    return {"kind": "FILE", "path": path, "line": line, "topic": None, "partition": None, "offset": None}


def kafka_source(topic: str, partition: int, offset: int) -> Source:
    """Return a Source record for a Kafka topic record."""
    return {"kind": "KAFKA", "path": None, "line": None, "topic": topic, "partition": partition, "offset": offset}


def describe_source(source: Optional[Source], missing: str = "-") -> str:
    """Where a record came from, for people: ``path:line`` or ``topic/partition@offset``."""
    if not source:
        return missing
    if source.get("kind") == "KAFKA":
        return f"{source.get('topic')}/{source.get('partition')}@{source.get('offset')}"
    line = source.get("line")
    return f"{source.get('path') or missing}" + (f":{line}" if line is not None else "")


class RawRecord(NamedTuple):
    """One input record before parsing: bytes (or a dict decoded from Avro) and where it came from.

    Sources emit these; only Parse looks inside ``payload``, so a bad payload becomes a dead letter.
    """

    payload: Any  # bytes, or a dict for already-decoded inputs (.avro files, .txt articles)
    source: Source
    timestamp_ms: Optional[int] = None  # Kafka record timestamp (CreateTime or LogAppendTime)
    key: Optional[bytes] = None
    headers: tuple = ()  # Kafka headers as ((name, bytes), ...)
    error: Optional[tuple] = None  # (kind, message) when the source itself failed (bad .gz, unsupported file)
    fmt: str = "json"  # how Parse reads payload: "json" (bytes), "txt" (bytes of a .txt article), "record" (dict)
    raw_length: Optional[int] = None  # size of the whole input when payload holds only its first bytes
