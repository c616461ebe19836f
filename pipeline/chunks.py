"""A replay in event-time chunks: the plan over an archive's records, and the state one chunk hands the next.

Beam's local runner keeps each stage's whole output in memory, so one pipeline over a whole archive
needs memory in proportion to the archive. A chunked replay runs one pipeline per chunk of at most
``max_records`` records, chunks in event-time order. Dedup and near-dup decide in event-time order
within a horizon, from small per-key state (:class:`~pipeline.dedup.First`, the near-dup shards'
indexes); each chunk's stateful steps hand out what they add to that state (:class:`Carried`), and
the next chunk's steps take in, before its own records, the part still inside the horizon. The
decisions are those of one pipeline over the whole archive: a record's decision depends only on the
state built by the records before it in ``(event time, id)`` order, and a chunk never splits one
event time.

How it runs (pipeline/jobs.py): a first pass reads every record and its date (:func:`dated_records`, no
parsing of bodies), spools the record to local disk (pipeline/io/spool.py) and :func:`plan_chunks` splits
their spool positions; each chunk then runs in a forked process of its own (so what it took goes back to
the system), which keeps the state carried so far inside the horizons (:func:`carry_forward`), writes it
to files (pipeline/io/carry.py: the dedup firsts flow in as elements, each near-dup shard reads its own
file into its state) and reads only its own records from the spool. A replay that fails keeps that
folder (the plan, the spool, the carried state, which chunks finished); run again into the same
directory, the same replay resumes at the first chunk that did not finish, whose output files it replaces.

Records with no usable date (none, unreadable, a date after the replay started) get the time they
are read as their event time, after every dated record: they come last, in reading order. Records that
cannot be read at all (a damaged file) go there too; each record is in exactly one chunk.
"""
from __future__ import annotations

from typing import Any, Hashable, Iterable, Iterator, Mapping, NamedTuple, Optional

from pipeline.errors import ConfigError
from pipeline.io.archive import iter_raw_records
from pipeline.model import RawRecord
from pipeline.parse import published_time

# A chunk's peak memory grows with its size (about 0.25 MB an article of SaudiNewsNet, over some 0.4 GB of
# libraries and models), and with the state carried in (about 44 KB an article inside the horizon, most
# of it the near-dup shards' indexes: some 0.48 GB for the 10,800 articles of a 7-day horizon of that
# corpus). 2,000 keeps a chunk under a one-pipeline replay of 3,386 articles; a chunk's own cost (a
# process, the models loaded, the carried state read and its shard indexes rebuilt) is about 10 CPU-seconds
# with the horizon full.
DEFAULT_CHUNK_RECORDS = 2000
#: Kinds of carried state: the exact-dedup and update steps' firsts, the near-dup shards' entries.
EXACT, VERSION, NEAR = "exact", "version", "near"


class Carried(NamedTuple):
    """One key's state of a stateful step, handed from a chunk to the next (``state`` is the step's own
    value; ``event_ms`` and ``id`` order it among the next chunk's records)."""

    kind: str
    key: str
    event_ms: int
    id: str
    state: Any


class Chunk(NamedTuple):
    """The records of one chunk: their ``positions`` (as given to :func:`plan_chunks`: offsets in the
    replay's spool), in reading order. ``start_ms`` is the earliest event time, None for the read-time
    chunks."""

    positions: tuple
    size: int
    start_ms: Optional[int]


def dated_records(paths: Iterable[str]) -> Iterator[tuple[RawRecord, Optional[int]]]:
    """Every record of the files ``paths`` in reading order, with its ``published_at`` as Parse will date it."""
    for raw in iter_raw_records(paths):
        try:
            published = published_time(raw)
        except Exception:  # a parser bug: Parse makes the record a dead letter, in a read-time chunk
            published = None
        yield raw, published


def plan_chunks(index: Iterable[tuple[Hashable, Optional[int]]], max_records: int, now_ms: int) -> list[Chunk]:
    """Split the records of ``index``, ``(position, published_at)`` in reading order (positions growing
    with it), into chunks of at most ``max_records`` in event-time order (more only when that many
    records share one time); records with no date or a date at or after ``now_ms`` (when the replay
    starts) come last, in reading order."""
    check_chunk_records(max_records)
    dated, undated = [], []
    for position, published in index:
        if published is None or published >= now_ms:
            undated.append(position)
        else:
            dated.append((published, position))
    dated.sort(key=lambda entry: entry[0])
    chunks: list[Chunk] = []
    current: list = []
    start_ms = last_ms = None
    for published, position in dated:
        if len(current) >= max_records and published != last_ms:  # never split one event time
            chunks.append(_chunk(current, start_ms))
            current = []
        if not current:
            start_ms = published
        current.append(position)
        last_ms = published
    if current:
        chunks.append(_chunk(current, start_ms))
    for start in range(0, len(undated), max_records):
        chunks.append(_chunk(undated[start:start + max_records], None))
    return chunks


def check_chunk_records(max_records: int) -> None:
    """Raise ConfigError unless ``max_records`` is a positive int."""
    if not isinstance(max_records, int) or isinstance(max_records, bool) or max_records < 1:
        raise ConfigError(f"records per chunk must be a positive whole number, got {max_records!r}")


def _chunk(positions: list, start_ms: Optional[int]) -> Chunk:
    return Chunk(tuple(sorted(positions)), len(positions), start_ms)


def carry_forward(items: Iterable[Carried], start_ms: int, horizons_ms: Mapping[str, int]) -> Iterator[Carried]:
    """The carried state a chunk starting at ``start_ms`` still needs: what is inside its kind's horizon."""
    return (item for item in items if item.event_ms >= start_ms - horizons_ms[item.kind])
