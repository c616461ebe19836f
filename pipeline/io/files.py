"""Avro file sinks: one ``WriteToFiles`` for articles, duplicates and dead letters.

Beam's fileio writes each file under a temporary directory and moves it into place when the
bundle (or, in streaming, the window pane) is committed, so a file appears complete or not at all.
Names: ``DIR/<kind>-<window>-<pane>-<shard>-of-<n>.avro`` (the window part is empty in batch).
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.io import fileio
from fastavro.write import Writer

from pipeline.errors import ConfigError
from pipeline.io.avro import load_schema

# Output kind → schema name; the kind is also the file name prefix.
KIND_SCHEMAS = {"articles": "enriched_article", "duplicates": "duplicate", "dead-letter": "dead_letter"}


class _AvroSink(fileio.FileSink):
    """Writes the records of one output kind into an Avro container file (deflate)."""

    def __init__(self, kind: str):
        self.schema = load_schema(KIND_SCHEMAS[kind])
        self._writer = None

    def open(self, fh) -> None:
        self._writer = Writer(fh, self.schema, codec="deflate")

    def write(self, element) -> None:
        self._writer.write(element[1])

    def flush(self) -> None:
        self._writer.flush()


def _sink_for(kind: str) -> _AvroSink:
    return _AvroSink(kind)


class WriteAvroFiles(beam.PTransform):
    """Writes ``(kind, record)`` pairs to ``out_dir/<kind>-*.avro``; kinds are the keys of KIND_SCHEMAS."""

    def __init__(self, out_dir: str, shards: int = 1):
        super().__init__()
        if not out_dir:
            raise ConfigError("an output directory is required for Avro files")
        if shards < 1:
            raise ConfigError(f"shards must be at least 1, got {shards}")
        self.out_dir = out_dir
        self.shards = shards

    def expand(self, tagged):
        return tagged | "WriteAvro" >> fileio.WriteToFiles(
            path=self.out_dir,
            destination=lambda element: element[0],
            sink=_sink_for,
            file_naming=fileio.destination_prefix_naming(suffix=".avro"),
            shards=self.shards,
        )
