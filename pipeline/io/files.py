"""Avro file sinks: ``(kind, AvroRecord)`` pairs → one Avro container file per kind, window and pane.

Records come encoded (by CheckRecords, which had to encode them to know they fit their schema) and are
written into the files' blocks as they are.

Each file is written under ``DIR/.temp-<run>/``, flushed to disk and renamed into place, so a file
appears complete or not at all; only then are its records reported durable (a
:class:`~pipeline.offsets.SinkAck` per Kafka partition, for the offset commits that follow the sinks).
Names: ``DIR/<kind>-<window start>-<window end>-<pane>-<run>.avro`` (``<kind>-<pane>-<run>.avro`` in
batch). The run id keeps a restarted job from writing over the files of the run before it within the
same window; the pane index keeps a late pane from writing over an earlier one. A retried write of
the same pane writes the same name again, with the same records.
"""
from __future__ import annotations

import io
import os
import uuid
from typing import Iterable, Iterator, NamedTuple, Optional

import apache_beam as beam
from apache_beam.transforms.window import IntervalWindow
from fastavro.write import Writer

from pipeline.errors import ConfigError
from pipeline.io.avro import load_schema
from pipeline.model import OUTPUT_SCHEMAS
from pipeline.offsets import SinkAck

FILE_SINK = "files"  # the sink's name in SinkAcks
_TIME = "%Y-%m-%dT%H:%M:%S"


# A block is closed once its records hold this many bytes (fastavro's own default for the records it encodes).
_BLOCK_BYTES = 16_000


class AvroRecord(NamedTuple):
    """An output record encoded by its kind's schema (Avro binary, as records lie in a container file's
    blocks), with what the sink needs of the record besides: its source (the Kafka acks) and the time it
    was read (``ingested_at``, a dead letter's ``failed_at``: the streaming job's file windows)."""

    avro: bytes
    source: Optional[dict]
    read_ms: Optional[int]

    @classmethod
    def of(cls, record: dict, avro: bytes) -> "AvroRecord":
        """``record``, encoded as ``avro``."""
        return cls(avro, record.get("source"), record.get("ingested_at") or record.get("failed_at"))


def file_name(kind: str, window, pane_index: int, run_id: str) -> str:
    """The final name of the file of ``kind`` for one window pane of run ``run_id``."""
    if isinstance(window, IntervalWindow):
        span = f"{window.start.to_utc_datetime().strftime(_TIME)}-{window.end.to_utc_datetime().strftime(_TIME)}-"
    else:
        span = ""
    return f"{kind}-{span}{pane_index:05d}-{run_id}.avro"


def write_avro_file(path: str, schema: dict, records: Iterable[AvroRecord]) -> list[Optional[dict]]:
    """Write ``records`` (encoded by ``schema``) to ``path`` atomically (temporary file, fsync, rename); return
    the sources written."""
    folder, name = os.path.split(path)
    temp_dir = os.path.join(folder, ".temp-files")
    os.makedirs(temp_dir, exist_ok=True)
    temp = os.path.join(temp_dir, f"{name}.{uuid.uuid4().hex[:8]}")
    sources = []
    with open(temp, "wb") as fh:
        writer = Writer(fh, schema, codec="deflate")
        block: list[bytes] = []
        size = 0
        for record in records:
            block.append(record.avro)
            size += len(record.avro)
            sources.append(record.source)
            if size >= _BLOCK_BYTES:
                writer.write_block(_Block(block))
                block, size = [], 0
        if block:
            writer.write_block(_Block(block))
        writer.flush()
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temp, path)
    return sources


class _Block:
    """Encoded records as fastavro's ``Writer.write_block`` reads a block: their bytes, and how many."""

    def __init__(self, encoded: list[bytes]):
        self.num_records = len(encoded)
        self.bytes_ = io.BytesIO(b"".join(encoded))


def kafka_acks(sources: Iterable[Optional[dict]], sink: str, kind: str) -> Iterator[SinkAck]:
    """One SinkAck per Kafka partition among ``sources`` (file sources need none)."""
    by_partition: dict[tuple[str, int], list[int]] = {}
    for source in sources:
        if source and source.get("kind") == "KAFKA":
            by_partition.setdefault((source["topic"], source["partition"]), []).append(source["offset"])
    for (topic, partition), offsets in by_partition.items():
        yield SinkAck(topic, partition, sink, kind, tuple(offsets))


class _WriteFileFn(beam.DoFn):
    def __init__(self, out_dir: str, run_id: str, acks: bool):
        self.out_dir = out_dir
        self.run_id = run_id
        self.acks = acks

    def setup(self) -> None:
        self.schemas = {kind: load_schema(schema) for kind, schema in OUTPUT_SCHEMAS.items()}

    def process(self, element, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        kind, records = element
        path = os.path.join(self.out_dir, file_name(kind, window, pane.index, self.run_id))
        sources = write_avro_file(path, self.schemas[kind], records)
        if self.acks:
            yield from kafka_acks(sources, FILE_SINK, kind)


class WriteAvroFiles(beam.PTransform):
    """Writes ``(kind, AvroRecord)`` pairs (kinds of :data:`~pipeline.model.OUTPUT_SCHEMAS`) to ``out_dir``.

    With ``acks``, the result holds the SinkAcks of the Kafka records written (see the module docstring).
    """

    def __init__(self, out_dir: str, run_id: Optional[str] = None, acks: bool = False):
        super().__init__()
        if not out_dir:
            raise ConfigError("an output directory is required for Avro files")
        if run_id is not None and not run_id.replace("-", "").isalnum():
            raise ConfigError(f"run_id must be letters, digits and dashes (it is part of file names), got {run_id!r}")
        self.out_dir = out_dir
        self.run_id = run_id or uuid.uuid4().hex[:10]
        self.acks = acks

    def expand(self, tagged):
        return (
            tagged
            | "GroupByKind" >> beam.GroupByKey()
            | "WriteAvro" >> beam.ParDo(_WriteFileFn(self.out_dir, self.run_id, self.acks))
        )
