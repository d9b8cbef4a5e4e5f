"""Shared fixtures: a small clustered corpus whose right answers are obvious."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import make_corpus
from hypothesis import settings

from recommender.records import Article

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# CI runs the property tests on fixed examples (.ci/run sets HYPOTHESIS_PROFILE=ci), so a
# landing never depends on a random draw; a developer's run draws new ones each time, and
# hypothesis prints the seed of any failure it finds.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def corpus() -> list[Article]:
    return make_corpus()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "vdd_fr" / "articles.jsonl").is_file():
        pytest.skip(f"shared corpora not found at {SHARED_DATA}")
    return SHARED_DATA
