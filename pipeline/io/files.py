"""Avro file sinks: one ``WriteToFiles`` for articles, duplicates and dead letters.

Beam's fileio writes each file under a temporary directory and moves it into place when the
bundle (or, in streaming, the window pane) is committed, so a file appears complete or not at all.
Names: ``DIR/<kind>-<window start>-<window end>-<shard>-of-<n>-<token>.avro`` (no window part in
batch). fileio leaves the pane out of its names, so a late pane of a window would be moved over the
file of an earlier pane and lose it (seen on Prism); the random token per file prevents that. A
retried move can then leave a second copy of a file instead of overwriting it: at least once.
"""
from __future__ import annotations

import uuid

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


_NAMING = fileio.destination_prefix_naming(suffix=".avro")


def _unique_naming(window, pane, shard_index, total_shards, compression, destination) -> str:
    name = _NAMING(window, pane, shard_index, total_shards, compression, destination)
    return f"{name[: -len('.avro')]}-{uuid.uuid4().hex[:10]}.avro"


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
            file_naming=_unique_naming,
            shards=self.shards,
        )
