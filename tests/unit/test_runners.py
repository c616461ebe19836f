"""Runner arguments: what a portable runner gets by default, and what the user's own arguments keep."""
import os

import pytest

from pipeline import runners
from pipeline.errors import ReplayError


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


def _count_and_return(items, value):
    from pipeline import progress

    for _ in range(items):
        progress.advance("read")
    return {"value": value, "pid": os.getpid()}


def _fail():
    raise RuntimeError("broken chunk")


def _die():
    os._exit(3)


def test_run_forked_returns_the_childs_result_and_hands_its_progress_over():
    from pipeline import progress

    with progress.display(False):
        result = runners.run_forked(_count_and_return, 7, "x", progress_every_s=0.01)
        assert progress.snapshot() == {"read": 7}
    assert result["value"] == "x" and result["pid"] != os.getpid()


@pytest.mark.parametrize("function, message", [(_fail, "RuntimeError: broken chunk"), (_die, "exit code 3")])
def test_run_forked_raises_what_went_wrong_in_the_child(function, message):
    with pytest.raises(ReplayError, match=message):
        runners.run_forked(function)
