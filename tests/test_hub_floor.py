"""The hub floor: a story close to nothing is not lifted above clearly more similar ones."""

from __future__ import annotations

import numpy as np
import pytest

from recommender import BuildConfig, QueryConfig, RelatedIndex, read_articles
from recommender.demo import demo_corpus_path


@pytest.fixture(scope="module")
def demo():
    if not demo_corpus_path().is_file():
        pytest.skip("bundled demo corpus missing")
    return read_articles(demo_corpus_path())


def order(index: RelatedIndex, source: str) -> list[str]:
    return [r.id for r in index.related(source, k=6, query=QueryConfig.plain())]


def test_the_book_fair_no_longer_outranks_a_closer_police_story(demo):
    # under a DGSN story the book fair (similarity 0.086, close to nothing: a low hub
    # score) came before a DGSN story of similarity 0.102
    without = order(RelatedIndex.build(demo, BuildConfig(hub_floor_quantile=0.0)),
                    "fr-dgsn-usa-5")
    assert without.index("fr-salon-livre-rabat") < without.index("fr-dgsn-usa-3")
    floored = RelatedIndex.build(demo)
    assert floored.config.hub_floor_quantile == 0.25
    got = order(floored, "fr-dgsn-usa-5")
    assert got.index("fr-dgsn-usa-3") < got.index("fr-salon-livre-rabat")


def test_the_floor_is_the_quantile_of_the_hub_scores_and_survives_save_and_add(demo, tmp_path):
    index = RelatedIndex.build(demo[:-5])
    best_first = -np.sort(-np.asarray(index.graph.similarity, dtype=np.float64), axis=1)
    raw = index.ranking.hubs(best_first)  # rows are stored in ranking order
    assert index.graph.hub_floor > 0
    assert (index.graph.hubs >= index.graph.hub_floor - 1e-6).all()
    index.save(tmp_path / "idx")
    loaded = RelatedIndex.load(tmp_path / "idx")
    assert loaded.graph.hub_floor == pytest.approx(index.graph.hub_floor)
    loaded.add(demo[-5:])
    assert (loaded.graph.hubs >= index.graph.hub_floor - 1e-6).all()
    assert index.graph.hub_floor == pytest.approx(np.quantile(raw, 0.25), abs=1e-3)
    assert raw.min() < index.graph.hub_floor  # some stories were raised
