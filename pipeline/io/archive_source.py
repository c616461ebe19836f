"""ReadArchive: the Beam source over archived feeds (files are read on the workers)."""
from __future__ import annotations

import apache_beam as beam

from pipeline import progress
from pipeline.errors import ConfigError
from pipeline.io.archive import read_file


class _ReadFileFn(beam.DoFn):
    def process(self, path: str):
        for raw in read_file(path):
            progress.advance("read")
            yield raw


class ReadArchive(beam.PTransform):
    """Expanded file paths → RawRecords, one file per element so files spread over workers."""

    def __init__(self, paths: list[str]):
        super().__init__()
        if not paths:
            raise ConfigError("ReadArchive needs at least one file")
        self.paths = list(paths)

    def expand(self, pbegin):
        return (
            pbegin
            | "ListFiles" >> beam.Create(self.paths)
            | "SpreadFiles" >> beam.Reshuffle()
            | "ReadFiles" >> beam.ParDo(_ReadFileFn())
        )
