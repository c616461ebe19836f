"""What the project's own files say: the Makefile's install steps, pyproject's pins, `wirepipe run --help`."""
from __future__ import annotations

import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def makefile_no_deps_requirements() -> list[str]:
    """The requirements the Makefile installs with ``--no-deps`` (camel-tools): images and worker venvs match them."""
    return re.findall(r"pip install [^\n]*--no-deps '([^']+)'", (REPO / "Makefile").read_text())


def pyproject_pin(package: str) -> str:
    """The version pinned for ``package`` in pyproject.toml's dependencies (``2.77`` for ``apache-beam==2.77.*``)."""
    match = re.search(rf'"{re.escape(package)}==([0-9.]+?)(?:\.\*)?"', (REPO / "pyproject.toml").read_text())
    assert match, f"{package} is not pinned with == in pyproject.toml"
    return match.group(1)


@lru_cache(maxsize=None)
def run_options() -> frozenset[str]:
    """The options ``wirepipe run --help`` lists (``--topic``, ``--bootstrap-servers`` …)."""
    shown = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--help"], cwd=REPO, check=True,
                           capture_output=True, text=True, timeout=120).stdout
    return frozenset(re.findall(r"^  (--[a-z][a-z0-9-]*)", shown, re.M))  # the option list, not the prose
