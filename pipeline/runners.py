"""The local runner: Beam's FnApiRunner, for batch replays and bounded or until-idle Kafka reads.

The DirectRunner would first try to download Prism (not reachable here) and then fall back, so
local runs name the FnApiRunner directly. Other runners (Prism, Flink, Dataflow) are chosen with
``--runner=…`` and get the arguments untouched.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from typing import Any, Callable, Optional, Sequence

LOCAL_RUNNER = "apache_beam.runners.portability.fn_api_runner.FnApiRunner"


def with_default_runner(beam_args: Sequence[str]) -> list[str]:
    """Return ``beam_args`` with ``--runner`` set to the local runner unless one is given."""
    args = list(beam_args)
    if not any(arg.startswith("--runner") for arg in args):
        args.append(f"--runner={LOCAL_RUNNER}")
    return args


# Beam's portable runners use --job_server_timeout (default 300 s) as the gRPC deadline of the streams
# that follow a running job's state and messages: at 300 s they end with DEADLINE_EXCEEDED, the driver
# raises, and the LOOPBACK workers in its process die with it (an endless stream on Prism stopped
# after 5 minutes). Streams are meant to run for months.
STREAMING_JOB_SERVER_TIMEOUT_S = 10 * 365 * 24 * 3600


# Prism splits a bundle that makes no measurable progress for a while, stateful stages included, and a
# split of a bundle that carries timers drops them (apache/beam#35771; Prism 2.77 logs "Unexpected split
# on a bundle with timers"): records buffered in dedup's state behind such a timer were never written,
# and the re-run residual wrote others twice. The Kafka reader checkpoints by itself and refuses
# fractional splits anyway, so nothing is lost by turning Prism's dynamic splitting off.
PRISM_NO_SPLIT = "prism_disable_sdf_split"


def with_portable_defaults(beam_args: Sequence[str]) -> list[str]:
    """``beam_args`` for a portable runner: a job-server timeout long enough for an endless stream, unless
    one is given, and, on Prism, no dynamic splits (see :data:`PRISM_NO_SPLIT`)."""
    args = list(beam_args)
    if not any(arg.startswith(("--job_server_timeout", "--job-server-timeout")) for arg in args):
        args.append(f"--job_server_timeout={STREAMING_JOB_SERVER_TIMEOUT_S}")
    if is_prism(args) and not any(PRISM_NO_SPLIT in arg for arg in args):
        args.append(f"--experiments={PRISM_NO_SPLIT}")
    return args


def is_prism(beam_args: Sequence[str]) -> bool:
    """True when ``beam_args`` choose the Prism runner."""
    runners = [arg.split("=", 1)[1] for arg in beam_args if arg.startswith("--runner=")]
    return any("prism" in runner.lower() for runner in runners)


def on_one_machine(beam_args: Sequence[str]) -> bool:
    """True when ``beam_args`` choose a runner that keeps every key on this machine: the local FnApiRunner
    or Prism (the distributed runners, Flink and Dataflow, spread keys over workers)."""
    return is_local(beam_args) or is_prism(beam_args)


def is_local(beam_args: Sequence[str]) -> bool:
    """True when ``beam_args`` choose the local FnApiRunner."""
    return f"--runner={LOCAL_RUNNER}" in beam_args or "--runner=FnApiRunner" in beam_args


def prepare_local_runner() -> None:
    """Turn off the in-process worker's state cache.

    Its cache weighs every state value with objsize, which walks the globals of every loaded module
    on each call: with camel-tools, Beam and the gazetteers loaded, that was half the time of a
    replay (measured with cProfile on SaudiNewsNet: 44 s → 22 s). State lives in the same process
    anyway, so nothing is lost by not caching it.
    """
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    worker_handlers.STATE_CACHE_SIZE_MB = 0


PRISM_BUILD_HINT = ("build it with `go install github.com/apache/beam/sdks/v2/go/cmd/prism@v2.77.0` (about 2.5 min; "
                    "`make test` puts it in .local/bin/prism), then pass its path or set $PRISM_LOCATION")


def find_prism(given: Optional[str] = None) -> str:
    """The Prism runner binary: ``given``, $PRISM_LOCATION, ``prism`` on PATH, or $(go env GOPATH)/bin/prism.

    Raises ResourceMissingError saying how to build it when none is executable.
    """
    from pipeline.errors import ResourceMissingError

    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise ResourceMissingError(f"{given!r} is not an executable Prism binary; {PRISM_BUILD_HINT}")
    candidates = [os.environ.get("PRISM_LOCATION"), shutil.which("prism")]
    if shutil.which("go"):
        gopath = subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True).stdout.strip()
        candidates.append(os.path.join(gopath, "bin", "prism") if gopath else None)
    found = next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)
    if found is None:
        raise ResourceMissingError(f"the Prism runner binary was not found; {PRISM_BUILD_HINT}")
    return found


def run_forked(function: Callable[..., Any], *args: Any, progress_every_s: float = 0.5) -> Any:
    """Return ``function(*args)``, run in a forked child process (its result must pickle).

    The memory the call takes goes back to the system when the child ends: the local runner's buffers,
    the allocator's high-water mark, caches filled on the way. The child's :mod:`~pipeline.progress`
    counts reach this process as they grow. A failure in the child raises :class:`ReplayError` here.
    """
    import multiprocessing
    import traceback

    from pipeline import progress
    from pipeline.errors import ReplayError

    def child(conn) -> None:
        stop = threading.Event()

        def report() -> None:
            while not stop.wait(progress_every_s):
                conn.send(("progress", progress.take()))

        reporter = threading.Thread(target=report, daemon=True)
        reporter.start()
        try:
            result = function(*args)
            outcome = ("done", result)
        except BaseException as exc:  # the parent raises it: nothing is lost in the child
            outcome = ("failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        stop.set()
        reporter.join()
        conn.send(("progress", progress.take()))
        conn.send(outcome)
        conn.close()

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=child, args=(sender,), name="wirepipe-chunk")
    process.start()
    sender.close()
    try:
        while True:
            try:
                kind, value = receiver.recv()
            except EOFError:
                process.join()
                raise ReplayError(f"the process running {function.__name__} ended with exit code {process.exitcode} "
                                  "before it reported (killed? out of memory?)") from None
            if kind == "progress":
                progress.add(value)
            elif kind == "done":
                return value
            else:
                raise ReplayError(f"{function.__name__} failed in its process: {value}")
    finally:
        receiver.close()
        if process.is_alive():
            process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()
