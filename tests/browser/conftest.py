"""The report of the seed replay, built once for the browser tests."""
from __future__ import annotations

import pytest

from pipeline.report import write_report
from tests.browser.chromium import chromium
from tests.conftest import SEEDS
from tests.e2e.helpers import replay

SEED_ID = "000_2ec8cf8ddaeb2913"


@pytest.fixture(scope="session")
def seed_report(tmp_path_factory):
    """(report path, list position of the seed article read from its .txt file, replay result)."""
    chromium()  # skip early, before the replay, without a browser
    out = tmp_path_factory.mktemp("seed-run")
    result = replay([SEEDS], out)
    html_path = out / "report.html"
    run = write_report(str(out), str(html_path))
    position = next(n for n, a in enumerate(run.articles)
                    if a["id"] == SEED_ID and a["source"]["path"].endswith(".txt"))
    return html_path, position, result
