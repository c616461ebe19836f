"""Which Kafka offsets may be committed: only those whose records are durable in every sink they go to.

Pure bookkeeping (no Beam, no Kafka). The reader reports each stretch of offsets it claimed, with how
many records it emitted there (:class:`ReadRange`; offsets without records, from compaction or
transaction markers, are part of a stretch but carry nothing). Each sink reports the offsets whose
records it has made durable (:class:`SinkAck`: a file renamed into place, a send acknowledged by the
output topic). A record is done when every sink of its output kind has it; the commit point of a
partition moves over a stretch only when all of the stretch's records are done, so a commit never
covers a record that could still be lost — whatever order the stretches, records and acks arrive in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, NamedTuple, Optional


class ReadRange(NamedTuple):
    """Offsets ``[start, stop)`` of one partition, claimed in one call of the reader, with ``records`` emitted.

    ``read_start`` is where the read of this partition began (the first stretch's ``start``), so the
    ledger knows where its commit point starts even when a later stretch reaches it first.
    """

    topic: str
    partition: int
    read_start: int
    start: int
    stop: int
    records: int


class SinkAck(NamedTuple):
    """``sink`` has made the records at ``offsets`` of one partition durable; they are of output ``kind``."""

    topic: str
    partition: int
    sink: str
    kind: str
    offsets: tuple


@dataclass
class PartitionLedger:
    """The commit bookkeeping of one partition (see the module docstring).

    ``required`` maps each output kind to the names of the sinks a record of that kind must reach.
    """

    required: Mapping[str, frozenset]
    position: Optional[int] = None  # the next offset to commit: everything before it is done
    ranges: dict = field(default_factory=dict)  # start -> (stop, records) of stretches at or after position
    acks: dict = field(default_factory=dict)  # offset -> set of sinks that have it, while some are missing
    done: set = field(default_factory=set)  # offsets at or after position whose records are in every sink

    def add_range(self, read: ReadRange) -> None:
        """Record a stretch the reader claimed (a repeat of one already known changes nothing)."""
        if self.position is None:
            self.position = read.read_start
        if read.stop > read.start and read.stop > self.position:
            self.ranges[read.start] = (read.stop, read.records)

    def add_ack(self, ack: SinkAck) -> None:
        """Record that a sink holds some of this partition's records (repeats are harmless)."""
        needed = self.required.get(ack.kind)
        if needed is None:
            raise ValueError(f"no sinks are configured for output kind {ack.kind!r}; expected one of {sorted(self.required)}")
        for offset in ack.offsets:
            if (self.position is not None and offset < self.position) or offset in self.done:
                continue
            have = self.acks.setdefault(offset, set())
            have.add(ack.sink)
            if have >= needed:
                del self.acks[offset]
                self.done.add(offset)

    def advance(self) -> Optional[int]:
        """Move the commit point over every complete stretch at it; return the new point if it moved."""
        if self.position is None:
            return None
        moved = False
        while self.position in self.ranges:
            stop, records = self.ranges[self.position]
            if records and sum(1 for offset in self.done if self.position <= offset < stop) < records:
                break
            del self.ranges[self.position]
            self.done = {offset for offset in self.done if offset >= stop}
            self.position = stop
            moved = True
        if moved:
            self.acks = {offset: sinks for offset, sinks in self.acks.items() if offset >= self.position}
        return self.position if moved else None

    @property
    def pending(self) -> int:
        """How many records past the commit point are not in all their sinks yet (known to the ledger)."""
        return sum(records for _, records in self.ranges.values()) - len(self.done)


def required_sinks(sinks: Mapping[str, Iterable[str]]) -> dict[str, frozenset]:
    """``{kind: frozenset(sink names)}`` from ``{kind: sink names}``, checked: every kind needs one sink."""
    required = {kind: frozenset(names) for kind, names in sinks.items()}
    empty = sorted(kind for kind, names in required.items() if not names)
    if empty:
        raise ValueError(f"output kind(s) {', '.join(empty)} have no sink; every kind needs at least one")
    return required
