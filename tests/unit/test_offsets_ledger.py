"""The commit ledger: a partition's commit point moves only over stretches whose records are in every sink."""
from __future__ import annotations

import itertools
import random

import pytest

from pipeline.offsets import PartitionLedger, ReadRange, SinkAck, required_sinks

REQUIRED = required_sinks({"articles": ["files", "topic:out"], "duplicates": ["files"], "dead-letter": ["files"]})


def rng(start, stop, records, read_start=0):
    return ReadRange("t", 0, read_start, start, stop, records)


def ack(sink, kind, *offsets):
    return SinkAck("t", 0, sink, kind, tuple(offsets))


def test_commit_waits_for_every_sink_of_the_kind():
    ledger = PartitionLedger(REQUIRED)
    ledger.add_range(rng(0, 3, 3))
    ledger.add_ack(ack("files", "articles", 0, 1))
    ledger.add_ack(ack("files", "duplicates", 2))
    assert ledger.advance() is None  # articles 0 and 1 are not in the topic yet
    ledger.add_ack(ack("topic:out", "articles", 0))
    assert ledger.advance() is None
    ledger.add_ack(ack("topic:out", "articles", 1))
    assert ledger.advance() == 3 and ledger.pending == 0


def test_gaps_and_empty_stretches_move_the_commit_point():
    ledger = PartitionLedger(REQUIRED)
    ledger.add_range(rng(0, 10, 2))  # offsets 0..9 claimed, 2 records (compaction left gaps)
    ledger.add_range(rng(10, 12, 0))  # transaction markers only
    ledger.add_ack(ack("files", "dead-letter", 7))
    ledger.add_ack(ack("files", "duplicates", 3))
    assert ledger.advance() == 12


def test_a_later_stretch_never_commits_past_an_earlier_incomplete_one():
    ledger = PartitionLedger(REQUIRED)
    ledger.add_range(rng(5, 8, 3, read_start=5))
    ledger.add_ack(ack("files", "duplicates", 5, 6, 7))
    assert ledger.advance() == 8
    ledger.add_range(rng(12, 14, 2, read_start=5))  # arrives before the stretch [8, 12)
    ledger.add_ack(ack("files", "duplicates", 12, 13))
    assert ledger.advance() is None and ledger.position == 8
    ledger.add_range(rng(8, 12, 1, read_start=5))
    assert ledger.advance() is None  # offset 9 (its one record) is not done
    ledger.add_ack(ack("files", "dead-letter", 9))
    assert ledger.advance() == 14


def test_the_first_stretch_to_arrive_need_not_be_the_first_read():
    ledger = PartitionLedger(REQUIRED)
    ledger.add_range(rng(4, 6, 2, read_start=0))
    ledger.add_ack(ack("files", "duplicates", 4, 5))
    assert ledger.advance() is None and ledger.position == 0


@pytest.mark.parametrize("seed", range(20))
def test_any_arrival_order_gives_the_same_commit(seed):
    """Shuffled stretches, acks and repeats (retried bundles): the result is the end, and never beyond what is done."""
    random.seed(seed)
    ranges, acks, kinds = [], [], {}
    offset = 0
    for _ in range(15):
        stop = offset + random.randint(0, 6)
        records = [o for o in range(offset, stop) if random.random() < 0.8]
        ranges.append(rng(offset, stop, len(records)))
        for o in records:
            kind = kinds[o] = random.choice(["articles", "duplicates", "dead-letter"])
            acks.extend(ack(sink, kind, o) for sink in REQUIRED[kind])
        offset = stop
    events = ranges + acks + random.sample(acks, k=len(acks) // 4)
    random.shuffle(events)
    ledger = PartitionLedger(REQUIRED)
    seen_acks = set()
    for event in events:
        (ledger.add_range if isinstance(event, ReadRange) else ledger.add_ack)(event)
        if isinstance(event, SinkAck):
            seen_acks.add((event.sink, event.offsets[0]))
        moved = ledger.advance()
        if moved is not None:
            # Every record below the commit point has all its acks.
            for o, kind in kinds.items():
                if o < moved:
                    assert all((sink, o) in seen_acks for sink in REQUIRED[kind])
    assert ledger.position == offset and ledger.pending == 0


def test_unknown_kind_and_kind_without_sink_are_errors():
    ledger = PartitionLedger(REQUIRED)
    with pytest.raises(ValueError, match="no sinks"):
        ledger.add_ack(ack("files", "other", 1))
    with pytest.raises(ValueError, match="no sink"):
        required_sinks({"articles": ["files"], "duplicates": []})
