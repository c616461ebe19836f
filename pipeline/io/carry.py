"""Carried dedup state on local disk, between the pipelines of a replay in chunks (see pipeline/chunks.py).

A chunk's pipeline writes the state its stateful steps add (one pickle file per bundle) and reads,
as one file, what the replay hands it from the chunks before. The files live under the output
directory's hidden state directory and are removed when the replay ends; the local runner, the only
one that replays in chunks, runs its workers in this process, so they see the same disk.
"""
from __future__ import annotations

import os
import pickle
import uuid
from typing import Iterable

import apache_beam as beam

from pipeline.chunks import Carried
from pipeline.errors import ConfigError


def save(path: str, items: Iterable[Carried]) -> None:
    """Write ``items`` to ``path`` atomically."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
    with open(temp, "wb") as fh:
        pickle.dump(list(items), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temp, path)


def load(path: str) -> list[Carried]:
    """The items of one file written by :func:`save`."""
    with open(path, "rb") as fh:
        return pickle.load(fh)


def load_dir(directory: str) -> list[Carried]:
    """Every item written by :class:`WriteCarried` into ``directory`` (none when it does not exist)."""
    if not os.path.isdir(directory):
        return []
    return [item for name in sorted(os.listdir(directory)) if name.endswith(".pickle")
            for item in load(os.path.join(directory, name))]


class _WriteFn(beam.DoFn):
    def __init__(self, directory: str):
        self.directory = directory

    def start_bundle(self) -> None:
        self.items: list[Carried] = []

    def process(self, item: Carried):
        self.items.append(item)

    def finish_bundle(self) -> None:
        if self.items:
            save(os.path.join(self.directory, f"{uuid.uuid4().hex}.pickle"), self.items)
        self.items = []


class WriteCarried(beam.PTransform):
    """Carried items → pickle files in ``directory`` (read back with :func:`load_dir`)."""

    def __init__(self, directory: str):
        super().__init__()
        if not directory:
            raise ConfigError("WriteCarried needs a directory")
        self.directory = directory

    def expand(self, items):
        return items | "SaveCarried" >> beam.ParDo(_WriteFn(self.directory))


def _timestamped(path: str):
    for item in load(path):
        yield beam.window.TimestampedValue(item, item.event_ms / 1000.0)


class ReadCarried(beam.PTransform):
    """The items of the file ``path`` (written by :func:`save`), each timestamped with its event time."""

    def __init__(self, path: str):
        super().__init__()
        if not path:
            raise ConfigError("ReadCarried needs a file")
        self.path = path

    def expand(self, pbegin):
        return pbegin | "CarriedFile" >> beam.Create([self.path]) | "LoadCarried" >> beam.FlatMap(_timestamped)
