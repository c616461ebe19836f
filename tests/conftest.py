"""Fixtures shared by every test: paths to the repository, its seeds and the read-only corpora."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import locations

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS = REPO_ROOT / "seeds"
SHARED_DATA = locations.shared_data()  # ../shared/data, or $WIREPIPE_SHARED_DATA
SHARED = SHARED_DATA.parent
SEED_TXT = SEEDS / "000_2ec8cf8ddaeb2913.txt"


def pytest_collection_modifyitems(config, items):
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"corpora not found at {SHARED_DATA}")
    for item in items:
        if "corpus" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only corpora directory (../shared/data)."""
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_article() -> tuple[str, str]:
    """(headline, body) of the seed article as the .txt reader makes them."""
    text = SEED_TXT.read_text(encoding="utf-8")
    headline, _, rest = text.partition("\n")
    return headline.strip(), rest.strip()
