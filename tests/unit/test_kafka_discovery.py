"""Periodic partition discovery of the unbounded Kafka read, without a broker: which partitions are new,
where each starts, how a late partition joins the aligned watermark, and the argument checks."""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.utils.timestamp import MIN_TIMESTAMP, Duration, Timestamp

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.io.kafka import (
    KafkaConfig,
    KafkaWatermarkEstimator,
    NewPartitions,
    ReadFromKafka,
    StartPosition,
    find_new_partitions,
    first_offset,
)

CONFIG = KafkaConfig("127.0.0.1:9092")  # never contacted: building a transform does not connect
COMMITTED, EARLIEST, LATEST = StartPosition("committed"), StartPosition("earliest"), StartPosition("latest")
AT_TIME = StartPosition("timestamp", 1_764_000_000_000)


@pytest.mark.parametrize(
    "listed, seen, start, group, expected",
    [
        # The first listing: every partition, with the read's own start.
        ([("t", 1), ("t", 0)], None, LATEST, None,
         NewPartitions((("t", 0), ("t", 1)), LATEST, "latest", frozenset({("t", 0), ("t", 1)}))),
        ([("t", 0)], None, AT_TIME, "g", NewPartitions((("t", 0),), AT_TIME, "latest", frozenset({("t", 0)}))),
        # Later: only what was added, from the group's commit or else the earliest offset.
        ([("t", 0), ("t", 1), ("t", 2)], frozenset({("t", 0)}), LATEST, "g",
         NewPartitions((("t", 1), ("t", 2)), COMMITTED, "earliest", frozenset({("t", 0), ("t", 1), ("t", 2)}))),
        ([("t", 0), ("t", 1)], frozenset({("t", 0)}), AT_TIME, None,
         NewPartitions((("t", 1),), EARLIEST, "earliest", frozenset({("t", 0), ("t", 1)}))),
        ([("a", 0), ("b", 0), ("b", 1)], frozenset({("a", 0), ("b", 0)}), COMMITTED, "g",
         NewPartitions((("b", 1),), COMMITTED, "earliest", frozenset({("a", 0), ("b", 0), ("b", 1)}))),
        # Nothing new; a partition missing from one listing stays seen (it is not emitted twice).
        ([("t", 0), ("t", 1)], frozenset({("t", 0), ("t", 1)}), LATEST, "g",
         NewPartitions((), COMMITTED, "earliest", frozenset({("t", 0), ("t", 1)}))),
        ([("t", 0)], frozenset({("t", 0), ("t", 1)}), LATEST, "g",
         NewPartitions((), COMMITTED, "earliest", frozenset({("t", 0), ("t", 1)}))),
    ],
)
def test_find_new_partitions(listed, seen, start, group, expected):
    assert find_new_partitions(listed, seen, start, "latest", group) == expected


@pytest.mark.parametrize(
    "start, committed, at_time, missing_commit, expected",
    [
        (EARLIEST, 7, None, "earliest", 3),
        (LATEST, 7, None, "earliest", 10),
        (AT_TIME, None, 5, "earliest", 5),
        (AT_TIME, None, None, "earliest", 10),  # no record that recent: the end
        (COMMITTED, 7, None, "latest", 7),
        (COMMITTED, 1, None, "latest", 3),  # below the log start (retention): the log start
        (COMMITTED, 12, None, "earliest", 10),  # past the end (re-created topic): the end
        (COMMITTED, None, None, "latest", 10),
        (COMMITTED, None, None, "earliest", 3),
    ],
)
def test_first_offset_of_a_log_holding_3_to_10(start, committed, at_time, missing_commit, expected):
    assert first_offset(start, 3, 10, committed, at_time, missing_commit) == expected


@pytest.mark.parametrize("committed, expected", [(None, 0), (4, 4)])
def test_a_partition_added_later_starts_at_its_commit_or_else_its_earliest_offset(committed, expected):
    """Even when the read itself started at the latest offsets: nothing in a new partition has been read."""
    found = find_new_partitions([("t", 0), ("t", 1)], frozenset({("t", 0)}), LATEST, "latest", "g")
    assert first_offset(found.start, 0, 9, committed, None, found.missing_commit) == expected


def _aligned(read_id, partition, partitions):
    return KafkaWatermarkEstimator(KafkaWatermarkEstimator.initial_state(Duration(seconds=2), (read_id, partition, partitions)))


def test_a_partition_found_later_joins_the_aligned_watermark_where_it_is():
    from pipeline.io.kafka.watermarks import AlignedWatermarks

    first = (("t", 0), ("t", 1))
    p0, p1 = (_aligned("read-late", p, first) for p in first)
    p0.mark_idle(Timestamp(100))
    p1.mark_idle(Timestamp(100))
    p0.current_watermark()
    assert p1.current_watermark() == p0.current_watermark() == Timestamp(98)

    AlignedWatermarks.join("read-late", first, [("t", 2)])  # found by the watcher; not read yet
    p0.mark_idle(Timestamp(200))
    p1.mark_idle(Timestamp(200))
    p0.current_watermark()
    assert p1.current_watermark() == Timestamp(98)  # held where it was, not moved back to the minimum
    p2 = _aligned("read-late", ("t", 2), first + (("t", 2),))
    p2.observe_timestamp(Timestamp(50))  # its backlog is older: those records are late
    assert p2.current_watermark() == Timestamp(98)
    p2.observe_timestamp(Timestamp(150))
    assert p2.current_watermark() == p0.current_watermark() == Timestamp(148)
    p2.mark_idle(Timestamp(200))  # caught up: it holds nothing back any more
    assert p2.current_watermark() == p1.current_watermark() == Timestamp(198)


def test_a_partition_reporting_before_it_joined_does_not_move_the_watermark_back():
    first = (("t", 0),)
    p0 = _aligned("read-unjoined", ("t", 0), first)
    p0.mark_idle(Timestamp(100))
    assert p0.current_watermark() == Timestamp(98)
    p1 = _aligned("read-unjoined", ("t", 1), first + (("t", 1),))
    assert p1.current_watermark() == Timestamp(98)  # not MIN_TIMESTAMP
    p1.observe_timestamp(Timestamp(300))
    assert p1.current_watermark() == Timestamp(98)  # partition 0 is behind
    p0.mark_idle(Timestamp(400))
    assert p0.current_watermark() == Timestamp(298)


def test_a_watcher_that_finds_partitions_before_any_reports_holds_every_one():
    from pipeline.io.kafka.watermarks import AlignedWatermarks

    AlignedWatermarks.join("read-early", (("t", 0),), [("t", 1)])
    p0 = _aligned("read-early", ("t", 0), (("t", 0),))
    p0.mark_idle(Timestamp(100))
    assert p0.current_watermark() == MIN_TIMESTAMP  # partition 1 has reported nothing yet


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"discover_every_s": 0}, "positive number of seconds, got 0"),
        ({"discover_every_s": -5.0}, "positive number of seconds"),
        ({"discover_every_s": float("inf")}, "positive number of seconds"),
        ({"discover_every_s": "1m"}, "positive number of seconds, got '1m'"),
        ({"discover_every_s": True}, "positive number of seconds"),
        ({"discover_every_s": 30, "bounded": True}, "cannot be combined with bounded=True or idle_timeout_s"),
        ({"discover_every_s": 30, "idle_timeout_s": 5}, "cannot be combined with bounded=True or idle_timeout_s"),
    ],
)
def test_discover_every_s_is_checked_when_the_transform_is_built(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ReadFromKafka(CONFIG, "t", start="earliest", **kwargs)


def test_discovery_replaces_the_one_off_listing_in_the_graph():
    def labels(**kwargs):
        pipeline = beam.Pipeline()
        _ = pipeline | "Read" >> ReadFromKafka(CONFIG, "t", start="earliest", **kwargs)
        found = set()

        class Visitor(beam.pipeline.PipelineVisitor):
            def enter_composite_transform(self, node):
                found.add(node.full_label)

            def visit_transform(self, node):
                found.add(node.full_label)

        pipeline.visit(Visitor())
        return found

    watching = labels(discover_every_s=1.5)
    assert {"Read/Impulse", "Read/EveryInterval", "Read/WatchPartitions", "Read/ReadPartitions"} <= watching
    assert "Read/DiscoverPartitions" not in watching
    once = labels()
    assert {"Read/Impulse", "Read/DiscoverPartitions", "Read/ReadPartitions"} <= once
    assert not any("WatchPartitions" in label for label in once)


@pytest.mark.parametrize("mode", [["--stop-at-end"], ["--until-idle", "5s"]])
def test_cli_rejects_discovery_with_a_read_that_ends(mode, capsys, tmp_path):
    code = main(["run", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--out", str(tmp_path),
                 "--no-progress", "--discover-partitions", "30s", *mode])
    assert code == 2
    assert "--discover-partitions is for the endless stream" in capsys.readouterr().err


def test_cli_rejects_a_discovery_interval_that_is_not_a_duration(capsys, tmp_path):
    code = main(["run", "--bootstrap-servers", "127.0.0.1:9", "--topic", "t", "--out", str(tmp_path),
                 "--no-progress", "--discover-partitions", "often"])
    assert code == 2
    assert "expected a duration" in capsys.readouterr().err
