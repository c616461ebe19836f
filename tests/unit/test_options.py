"""JobConfig: one option per thing it drives, each defaulting from the dedup horizon, checked once."""
import pytest

from pipeline.cli import build_parser
from pipeline.commands._options import job_config
from pipeline.errors import ConfigError
from pipeline.options import JobConfig, parse_duration


def test_the_near_dup_horizon_and_file_lateness_default_to_the_dedup_horizon():
    config = JobConfig(dedup_horizon_s=3600)
    assert config.near_dup_horizon_s == 3600 and config.file_lateness_s == 3600
    apart = JobConfig(dedup_horizon_s=3600, near_dup_horizon_s=600, file_lateness_s=0)
    assert (apart.dedup_horizon_s, apart.near_dup_horizon_s, apart.file_lateness_s) == (3600, 600, 0)


@pytest.mark.parametrize("field, value, message", [
    ("dedup_horizon_s", 0, "dedup horizon"),
    ("near_dup_horizon_s", -1, "near-duplicate horizon"),
    ("file_lateness_s", -5, "file lateness"),
    ("near_dup_threshold", 1.5, "threshold"),
    ("near_dup_shards", 0, "shards"),
    ("near_dup_shards", 2.5, "shards"),
])
def test_each_horizon_is_checked_with_its_own_name(field, value, message):
    with pytest.raises(ConfigError, match=message):
        JobConfig(**{field: value})


def test_the_command_line_sets_each_horizon_apart(tmp_path):
    args = build_parser().parse_args(["replay", "seeds", "--out", str(tmp_path), "--dedup-horizon", "2d",
                                      "--near-dup-horizon", "12h"])
    config = job_config(args)
    assert config.dedup_horizon_s == parse_duration("2d")
    assert config.near_dup_horizon_s == parse_duration("12h")
    assert config.file_lateness_s == parse_duration("2d")


def test_near_dup_shards_are_the_runners_unless_given(tmp_path):
    from pipeline.jobs import for_runner
    from pipeline.transforms.neardup import DEFAULT_SHARDS

    assert for_runner(JobConfig(), one_machine=True).near_dup_shards == 1
    assert for_runner(JobConfig(), one_machine=False).near_dup_shards == DEFAULT_SHARDS
    args = build_parser().parse_args(["replay", "seeds", "--out", str(tmp_path), "--near-dup-shards", "4"])
    assert for_runner(job_config(args), one_machine=True).near_dup_shards == 4


@pytest.mark.parametrize("one_machine,local,one_key", [
    (True, True, True),     # the local runner: every key's state in this process
    (True, False, False),   # Prism: a key per content hash and per id, as on the distributed runners
    (False, False, False),  # Flink, Dataflow
])
def test_dedup_is_on_one_key_on_the_local_runner_only(one_machine, local, one_key):
    from pipeline.jobs import for_runner

    assert for_runner(JobConfig(), one_machine=one_machine, local=local).dedup_one_key is one_key
    assert for_runner(JobConfig(dedup_one_key=False), one_machine=True, local=True).dedup_one_key is False


def test_the_runners_that_keep_every_key_on_this_machine():
    from pipeline.runners import on_one_machine

    assert on_one_machine(["--runner=FnApiRunner"])
    assert on_one_machine(["--runner=PrismRunner", "--prism_location=/x/prism"])
    assert not on_one_machine(["--runner=FlinkRunner", "--flink_master=host:8081"])
    assert not on_one_machine(["--runner=DataflowRunner"])
