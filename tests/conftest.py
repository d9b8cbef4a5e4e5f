"""Shared fixtures: a small clustered corpus whose right answers are obvious."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_corpus

from recommender.records import Article

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def corpus() -> list[Article]:
    return make_corpus()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "vdd_fr" / "articles.jsonl").is_file():
        pytest.skip(f"shared corpora not found at {SHARED_DATA}")
    return SHARED_DATA
