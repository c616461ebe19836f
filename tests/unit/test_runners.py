"""Runner arguments: what a portable runner gets by default, and what the user's own arguments keep."""
from pipeline import runners


def test_prism_gets_a_long_job_server_timeout_and_no_dynamic_splits():
    args = runners.with_portable_defaults(["--runner=PrismRunner", "--environment_type=LOOPBACK"])
    assert f"--job_server_timeout={runners.STREAMING_JOB_SERVER_TIMEOUT_S}" in args
    assert f"--experiments={runners.PRISM_NO_SPLIT}" in args


def test_the_users_own_choices_are_kept():
    given = ["--runner=PrismRunner", "--job_server_timeout=60", f"--experiments={runners.PRISM_NO_SPLIT},other"]
    assert runners.with_portable_defaults(given) == given


def test_other_portable_runners_keep_their_splits():
    args = runners.with_portable_defaults(["--runner=FlinkRunner"])
    assert not any(runners.PRISM_NO_SPLIT in arg for arg in args)
    assert runners.is_prism(["--runner=apache_beam.runners.portability.prism_runner.PrismRunner"])
    assert not runners.is_prism([f"--runner={runners.LOCAL_RUNNER}"])
