"""``wirepipe bench latency``: its arithmetic on fixed times, its records through the real Parse, and one
short end-to-end run (`wirepipe run` on Prism against the real broker) when Prism is available."""
from __future__ import annotations

import argparse
import json
import os
import stat

import pytest

from pipeline.runners import find_prism
from tests.integration.kafka_helpers import prism_or_none
from pipeline.benchmarks import latency
from pipeline.errors import ResourceMissingError
from pipeline.model import RawRecord, kafka_source
from pipeline.parse import parse_record


@pytest.mark.parametrize(("event_ms", "window_ms", "end_ms"), [
    (1_764_000_000_000, 1000, 1_764_000_001_000),  # on a boundary: the window starting there
    (1_764_000_000_999, 1000, 1_764_000_001_000),
    (1_764_000_001_250, 1000, 1_764_000_002_000),
    (1_764_000_001_250, 60_000, 1_764_000_060_000),
])
def test_window_end_is_the_end_of_the_epoch_aligned_window(event_ms, window_ms, end_ms):
    assert latency.window_end_ms(event_ms, window_ms) == end_ms


def test_summary_splits_each_latency_at_the_window_end():
    produced = {"a": 100.2, "b": 100.9, "c": 101.5}  # epoch seconds
    seen = {"a": 103.0, "b": 103.0}  # "c" never reached a file
    ingested = {"a": 100_250, "b": 101_400}
    summary = latency.summarize(produced, seen, ingested, window_ms=1000)
    assert (summary["records_seen"], summary["records_missing"], summary["missing_ids"]) == (2, 1, ["c"])
    assert (summary["latency_ms"]["min"], summary["latency_ms"]["max"]) == (2100, 2800)
    assert (summary["breakdown_ms"]["window"]["min"], summary["breakdown_ms"]["window"]["max"]) == (100, 800)
    assert summary["breakdown_ms"]["after_window_end"]["max"] == 2000
    assert summary["p50_ms_by_tenth"] == [2800, 2100]  # in produce order: "a" then "b"
    assert summary["output_per_s"] == round(2 / (103.0 - 100.2), 1)
    assert (summary["breakdown_ms"]["read"]["min"], summary["breakdown_ms"]["read"]["max"]) == (50, 500)


def test_benchmark_records_parse_with_produce_time_and_distinct_content():
    templates = latency.load_templates()
    produced_ms = 1_764_000_123_456
    articles = []
    for i in range(3 * len(templates)):  # more stories than templates: bodies must stay distinct
        record = latency.make_record(templates, "t1", i, produced_ms + i)
        raw = RawRecord(payload=json.dumps(record, ensure_ascii=False).encode(), source=kafka_source("bench", 0, i), fmt="json")
        articles.append(parse_record(raw))
    assert [a["published_at"] for a in articles] == [produced_ms + i for i in range(len(articles))]
    assert len({a["id"] for a in articles}) == len(articles)
    assert len({a["content_hash"] for a in articles}) == len(articles)  # else exact dedup would drop repeats
    assert all("ال" in a["body"] for a in articles)


def test_missing_prism_names_how_to_build_it(tmp_path):
    not_executable = tmp_path / "prism"
    not_executable.write_text("#!/bin/sh\n")
    not_executable.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with pytest.raises(ResourceMissingError, match="go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0"):
        find_prism(str(not_executable))


PRISM = prism_or_none()


@pytest.mark.kafka
@pytest.mark.slow
@pytest.mark.skipif(PRISM is None, reason="Prism runner binary not found (set PRISM_LOCATION)")
def test_short_run_finds_every_record_in_a_file_and_stops_the_job(kafka_bootstrap):
    parser = argparse.ArgumentParser()
    latency.add_arguments(parser)
    args = parser.parse_args(["--records", "30", "--rate", "15/s", "--window", "1s", "--partitions", "2",
                              "--prism-location", PRISM, "--bootstrap-servers", kafka_bootstrap])
    result = latency.run(args)
    assert result["records_missing"] == 0, result["missing_ids"]
    assert result["records_seen"] == 30
    lat = result["latency_ms"]
    # A record's file can only appear after its window has ended.
    assert 0 < lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"]
    assert result["breakdown_ms"]["after_window_end"]["min"] > 0
    assert result["output_records_by_kind"]["articles"] >= 30  # plus the warm-up records
    assert result["records_lost_on_disk"] == 0, result["lost_on_disk_ids"]
    assert result["job_stop"]["processes_left"] is False


def test_watcher_reads_a_file_renamed_onto_an_existing_name_and_counts_what_it_lost(tmp_path):
    import fastavro

    schema = fastavro.parse_schema({"type": "record", "name": "R", "fields": [{"name": "id", "type": "string"}]})
    name = "articles-2026-11-29T03:40:07-2026-11-29T03:40:08-00000-of-00001.avro"

    def publish(ids):  # as fileio does: write aside, then rename into place
        staged = tmp_path / ".temp" / name
        staged.parent.mkdir(exist_ok=True)
        with open(staged, "wb") as fh:
            fastavro.writer(fh, schema, [{"id": i} for i in ids])
        os.replace(staged, tmp_path / name)

    watcher = latency.OutputWatcher(str(tmp_path))
    publish(["خبر-1", "خبر-2"])
    assert watcher.poll() == 1
    assert watcher.poll() == 0  # unchanged: not read again
    publish(["خبر-3"])  # a later pane of the same window
    assert watcher.poll() == 1
    assert set(watcher.seen) == {"خبر-1", "خبر-2", "خبر-3"}
    assert (watcher.files, watcher.replaced) == (2, 1)
    assert watcher.lost_on_disk() == ["خبر-1", "خبر-2"]
