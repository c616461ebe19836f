"""What changes when the SDK workers run in other processes or on other machines."""
from __future__ import annotations

import os

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.io.archive import expand_paths
from pipeline.io.kafka.watermarks import runs_in_process
from pipeline.options import worker_path

FN_API = "--runner=apache_beam.runners.portability.fn_api_runner.FnApiRunner"


@pytest.mark.parametrize("args,in_process", [
    ([FN_API], True),
    ([FN_API, "--direct_num_workers=2", "--direct_running_mode=multi_threading"], True),
    ([FN_API, "--direct_num_workers=2", "--direct_running_mode=multi_processing"], False),
    (["--runner=PrismRunner"], True),  # Prism's default environment is LOOPBACK
    (["--runner=PrismRunner", "--environment_type=LOOPBACK"], True),
    # Prism starts one SDK worker per environment: every partition is read in that one process.
    (["--runner=PrismRunner", "--environment_type=EXTERNAL", "--environment_config=localhost:50000"], True),
    (["--runner=PrismRunner", "--environment_type=PROCESS", '--environment_config={"command": "boot"}'], True),
    (["--runner=FlinkRunner", "--flink_master=jobmanager:8081"], False),
    (["--runner=PortableRunner", "--job_endpoint=localhost:8099"], False),
])
def test_watermark_table_is_shared_only_where_every_partition_is_read_in_one_process(args, in_process):
    """The Kafka reader's process-wide watermark table: with workers in several processes, a partition
    read elsewhere would hold each table's minimum, and so the watermark, forever. Without it Prism
    moves the watermark past a partition still reading (the worker-pool tests missed exact repeats)."""
    assert runs_in_process(beam.Pipeline(options=PipelineOptions(args))) is in_process


@pytest.mark.parametrize("given,expected", [
    ("gs://bucket/wirepipe/out", "gs://bucket/wirepipe/out"),
    ("s3://bucket/out", "s3://bucket/out"),
    ("/data/out", "/data/out"),
])
def test_worker_path_keeps_urls_and_absolute_paths(given, expected):
    assert worker_path(given) == expected


def test_relative_paths_become_absolute_for_workers(tmp_path, monkeypatch):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "سانا.jsonl").write_text('{"id": "1", "body": "دمشق-سانا"}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert worker_path("out") == str(tmp_path / "out")
    assert worker_path("feeds/../feeds/x.jsonl") == str(tmp_path / "feeds" / "x.jsonl")
    # What the replay hands to its workers (expand_paths, then worker_path).
    assert [worker_path(p) for p in expand_paths(["feeds"])] == [os.path.join(tmp_path, "feeds", "سانا.jsonl")]
