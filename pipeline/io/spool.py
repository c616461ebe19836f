"""The raw records of a replay in chunks, spooled once to local disk so that each chunk reads only its own.

The chunk plan's first pass reads every input record to date it (pipeline/chunks.py); it writes each
record here as it goes, one pickle each, and the plan keeps the record's offset. A chunk's pipeline
then reads its records by offset (:class:`ReadSpool`), instead of reading, and for a ``.gz``
decompressing, every input file again and keeping its own share: 16 chunks of the 16-day SaudiNewsNet
file decompressed it 16 times. Records keep their source (file and line), so outputs are unchanged.
The spool lives in the replay's state folder and goes with it; the local runner, the only one that
replays in chunks, runs its workers on this machine, so they see the same disk.
"""
from __future__ import annotations

import os
import pickle
from typing import Iterable, Iterator

import apache_beam as beam

from pipeline import progress
from pipeline.errors import ConfigError
from pipeline.model import RawRecord


class SpoolWriter:
    """Appends records to the spool file ``path``; :meth:`write` returns where each starts."""

    def __init__(self, path: str):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        self.path = path
        self._fh = open(path, "wb")

    def write(self, record: RawRecord) -> int:
        """Append ``record``; return its offset in the spool (what :func:`read_spool` takes)."""
        offset = self._fh.tell()
        pickle.dump(record, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        return offset

    def close(self) -> None:
        """Flush and close the file."""
        self._fh.close()

    def __enter__(self) -> "SpoolWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_spool(path: str, offsets: Iterable[int]) -> Iterator[RawRecord]:
    """The records of the spool ``path`` that start at ``offsets``, in offset (reading) order."""
    with open(path, "rb") as fh:
        for offset in sorted(offsets):
            fh.seek(offset)
            yield pickle.load(fh)


class _ReadSpoolFn(beam.DoFn):
    def __init__(self, offsets: tuple):
        self.offsets = offsets

    def process(self, path: str):
        for raw in read_spool(path, self.offsets):
            progress.advance("read")
            yield raw


class ReadSpool(beam.PTransform):
    """The records at ``offsets`` of the spool file ``path`` (see :class:`SpoolWriter`), as RawRecords."""

    def __init__(self, path: str, offsets: Iterable[int]):
        super().__init__()
        if not path:
            raise ConfigError("ReadSpool needs a spool file")
        self.path = path
        self.offsets = tuple(sorted(offsets))

    def expand(self, pbegin):
        return pbegin | "SpoolFile" >> beam.Create([self.path]) | "ReadSpooled" >> beam.ParDo(_ReadSpoolFn(self.offsets))
