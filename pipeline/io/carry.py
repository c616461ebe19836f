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
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional

import apache_beam as beam

from pipeline.chunks import Carried
from pipeline.errors import ConfigError


_BATCH = 1000  # items a pickle: files are written and read a batch at a time, never held whole


def save(path: str, items: Iterable[Carried]) -> int:
    """Write ``items`` to ``path`` atomically, a batch at a time; return how many were written."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
    count = 0
    with open(temp, "wb") as fh:
        for batch in _batches(items):
            pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
            count += len(batch)
    os.replace(temp, path)
    return count


def load(path: str) -> Iterator[Carried]:
    """The items of one file written by :func:`save`, a batch at a time."""
    with open(path, "rb") as fh:
        while True:
            try:
                batch = pickle.load(fh)
            except EOFError:
                return
            yield from batch


def load_dir(directory: str) -> Iterator[Carried]:
    """Every item written by :class:`WriteCarried` into ``directory`` (none when it does not exist)."""
    if not os.path.isdir(directory):
        return
    for name in sorted(os.listdir(directory)):
        if name.endswith(".pickle"):
            yield from load(os.path.join(directory, name))


def shard_file(folder: str, key: str) -> str:
    """The file of the carried near-dup entries of the shard ``key`` in ``folder``."""
    return os.path.join(folder, f"{key}.pickle")


def load_shard(folder: str, key: str) -> Iterator[Carried]:
    """The carried entries of the shard ``key`` in ``folder`` (none when it has no file)."""
    path = shard_file(folder, key)
    return load(path) if os.path.exists(path) else iter(())


def save_split(items: Iterable[Carried], path_of: Callable[[Carried], str]) -> int:
    """Write each item to the file ``path_of(item)``, a batch at a time; return how many were written."""
    handles: dict[str, Any] = {}
    batches: dict[str, list] = {}
    count = 0
    try:
        for item in items:
            path = path_of(item)
            batch = batches.setdefault(path, [])
            batch.append(item)
            count += 1
            if len(batch) == _BATCH:
                _dump_to(handles, path, batch)
                batches[path] = []
        for path, batch in batches.items():
            if batch:
                _dump_to(handles, path, batch)
    finally:
        for handle in handles.values():
            handle.close()
    return count


def _dump_to(handles: dict, path: str, batch: list) -> None:
    if path not in handles:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        handles[path] = open(path, "wb")
    pickle.dump(batch, handles[path], protocol=pickle.HIGHEST_PROTOCOL)


def _batches(items: Iterable[Carried]) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class CarriedIn(NamedTuple):
    """What one chunk's pipeline starts from: the file of the dedup firsts (written by :func:`save`) and the
    folder of near-dup shard files (:func:`shard_file`)."""

    firsts_file: str
    shards_folder: Optional[str]


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
