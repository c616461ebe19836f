"""The built wheel carries what the pipeline reads at run time (schemas, curated lists), so a worker
that installs the wheel (Dataflow ``--extra_package``, a Flink image) runs without the source tree."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import fastavro
import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_2ec8cf8ddaeb2913.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
                   check=True, cwd=out, timeout=300)
    (path,) = out.glob("wirepipe-*.whl")
    return path


def test_wheel_carries_schemas_and_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in sorted((REPO / "schemas").rglob("*.avsc")):
        member = "pipeline/schemas/" + schema.relative_to(REPO / "schemas").as_posix()
        assert member in names, f"{member} missing from {wheel.name}"
        assert zipfile.ZipFile(wheel).read(member) == schema.read_bytes()
    for resource in sorted((REPO / "pipeline" / "resources").rglob("*.*")):
        assert resource.relative_to(REPO).as_posix() in names


def test_replay_runs_from_the_unpacked_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = tmp_path / "out"
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pipeline;"
        "assert pipeline.__file__.startswith(sys.argv[1]), pipeline.__file__;"
        "from pipeline.cli import main; sys.exit(main(['replay', sys.argv[2], '--out', sys.argv[3], '--no-progress']))"
    )
    # Run outside the source tree, so nothing can be found relative to it.
    subprocess.run([sys.executable, "-c", code, str(site), str(SEED), str(out)], check=True, cwd=tmp_path,
                   timeout=300, capture_output=True)
    (articles,) = out.glob("articles-*.avro")
    with open(articles, "rb") as fh:
        records = list(fastavro.reader(fh))
    assert len(records) == 1
    headline, rest = SEED.read_text(encoding="utf-8").split("\n", 1)
    assert records[0]["headline"] == headline
    assert records[0]["body"] == rest.strip()
    assert any(e["type"] == "PERSON" for e in records[0]["entities"])
