"""Where files outside the package are: the shared corpora, the gold sets, the local broker script, the demo feed.

One definition for the commands, benchmarks and evaluation. Each is looked for under the directory the
command runs in (the project's root, as in the README), then beside the source tree of an editable
install; an environment variable overrides it. Nothing here is needed by the job itself, which reads
only its package resources: a wheel-installed worker never looks here.
"""
from __future__ import annotations

import os
from pathlib import Path

SHARED_DATA_ENV = "WIREPIPE_SHARED_DATA"  # the corpora (../shared/data beside the project)
GOLD_DIR_ENV = "WIREPIPE_GOLD_DIR"  # the labelled sets (tests/gold in the project)
_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def project_path(relative: str) -> Path:
    """``relative`` (a path in the project, like ``deploy/local/kafka.sh``) under the working directory
    when it is there, else under the source tree of an editable install (it may not exist)."""
    here = Path(os.path.abspath(Path.cwd() / relative))
    return here if here.exists() else Path(os.path.abspath(_SOURCE_ROOT / relative))


def shared_data(*parts: str) -> Path:
    """A path under the shared corpora: ``$WIREPIPE_SHARED_DATA``, else ``../shared/data`` beside the project."""
    base = os.environ.get(SHARED_DATA_ENV)
    root = Path(os.path.abspath(base)) if base else project_path("../shared/data")
    return root.joinpath(*parts)


def gold_dir() -> Path:
    """The labelled sets: ``$WIREPIPE_GOLD_DIR``, else ``tests/gold`` in the project."""
    base = os.environ.get(GOLD_DIR_ENV)
    return Path(base) if base else project_path("tests/gold")


SAUDINEWSNET_TWO_DAYS = "saudinewsnet/saudinewsnet_2015-08-10_11.jsonl"
SAUDINEWSNET_16_DAYS = "saudinewsnet/saudinewsnet_2015-07-21_to_08-09.jsonl.gz"
