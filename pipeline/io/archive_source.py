"""ReadArchive: the Beam source over archived feeds (files are read on the workers)."""
from __future__ import annotations

from typing import Mapping, Optional

import apache_beam as beam

from pipeline import progress
from pipeline.errors import ConfigError
from pipeline.io.archive import read_file


class _ReadFileFn(beam.DoFn):
    def __init__(self, select: Optional[Mapping[str, frozenset]] = None):
        self.select = select

    def process(self, path: str):
        wanted = None if self.select is None else self.select[path]
        for ordinal, raw in enumerate(read_file(path)):
            if wanted is None or ordinal in wanted:
                progress.advance("read")
                yield raw


class ReadArchive(beam.PTransform):
    """Expanded file paths → RawRecords, one file per element so files spread over workers.

    With ``select`` (a file → the ordinals, in reading order, of the records to read; see
    :class:`pipeline.chunks.Chunk`), only those records of the files it names are read.
    """

    def __init__(self, paths: list[str], select: Optional[Mapping[str, frozenset]] = None):
        super().__init__()
        if not paths:
            raise ConfigError("ReadArchive needs at least one file")
        if select is not None and set(paths) - set(select):
            raise ConfigError(f"select names no records of {sorted(set(paths) - set(select))}")
        self.paths = list(paths)
        self.select = dict(select) if select is not None else None

    def expand(self, pbegin):
        return (
            pbegin
            | "ListFiles" >> beam.Create(self.paths)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFiles" >> beam.ParDo(_ReadFileFn(self.select))
        )
