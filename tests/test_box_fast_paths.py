"""The read path's fast paths give the answers of the plain code they stand in for.

``related()`` under the default rules pays for every numpy call on a ten-item row, so the
box uses a broadcast comparison for membership in a few positions (``searcher.members``),
tests the fallback's newest-first order a few rows at a time, reads all kept rows' copies
in one gather, reads a full stored row without a mask and builds records through their
slots; a draft's candidates are re-scored against a dense copy of its row. Each is
switched back to the plain version here and every box compared.
"""

from __future__ import annotations

import numpy as np
import pytest
from boxes_corpus import stories
from hypothesis import given
from hypothesis import strategies as st

from recommender import records
from recommender.config.build import BuildConfig
from recommender.corpus.reader import read_articles
from recommender.demo import demo_corpus_path
from recommender.index import answers
from recommender.index.graph import NeighbourGraph
from recommender.index.related_index import RelatedIndex
from recommender.query.config import QueryConfig
from recommender.records import Article
from recommender.search import searcher

RULES = [
    QueryConfig(),
    QueryConfig.plain(),
    QueryConfig(min_score=0.2, dedupe=0.5),
    QueryConfig(only_older=True, max_age_days=400),
    QueryConfig(published_after="2024-01-01", fallback=("latest",)),
    QueryConfig(same_language=False, fallback=("section_latest",), dedupe=0.3),
    QueryConfig(half_life_days=30, tags_none=("Sport",)),
    QueryConfig(diversity=0.3),
]


class _LoopCopyCheck(answers._CopyCheck):
    """The copy check as it was first written: each kept row read on its own."""

    def __init__(self, parts, threshold, kept):  # type: ignore[no-untyped-def]
        self.graph = parts.graph
        self.threshold = threshold
        self.kept: set[int] = set()
        self.copies_of_kept: set[int] = set()
        for p in kept.tolist():
            self._keep(p, self._close(p))


def _plain_row(graph: NeighbourGraph, position: int):  # type: ignore[no-untyped-def]
    stored = graph.neighbors[position]
    positions = stored[stored >= 0]
    n = len(positions)
    return positions, graph.scores[position][:n], graph.similarity[position][:n]


@pytest.fixture(scope="module")
def indexes() -> list[RelatedIndex]:
    # the demo corpus (editor links, two languages) with short rows (K=4, the floor sends
    # boxes to the fallback), and the box stories (a wire copy, a translation, dates)
    demo = read_articles(demo_corpus_path())
    return [RelatedIndex.build(demo, BuildConfig(n_neighbors=4)),
            RelatedIndex.build(stories(), BuildConfig(n_neighbors=3))]


def _every_box(index: RelatedIndex) -> list[list[records.Related]]:
    out = []
    for rules in RULES:
        for k in (2, 5, 10):
            for i in index.ids:
                out.append(index.related(i, k=k, query=rules))
            for i in index.ids[:3]:  # drafts: the title of an indexed story, a new id
                out.append(index.similar(Article(id=f"new-{i}", title=index.title(i)), k=k,
                                         query=rules))
    return out


def test_boxes_equal_the_plain_code(indexes: list[RelatedIndex],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searcher, "_DENSE_FROM", 0)  # every query row read densely
    fast = [_every_box(index) for index in indexes]
    assert any(r.reason == "fallback" for boxes in fast for box in boxes for r in box)
    assert any(r.reason == "curated" for boxes in fast for box in boxes for r in box)
    monkeypatch.setattr(searcher, "_SMALL_SET", -1)  # every membership through np.isin
    monkeypatch.setattr(answers, "_FALLBACK_CHUNKS", (4096,))  # as before: 4096 at a time
    monkeypatch.setattr(answers, "_CopyCheck", _LoopCopyCheck)
    monkeypatch.setattr(NeighbourGraph, "row", _plain_row)
    monkeypatch.setattr(records, "_TWIN_MATCHES", False)  # records through __init__
    monkeypatch.setattr(searcher, "_DENSE_FROM", 10**12)  # every query row by search
    monkeypatch.setattr(searcher, "_FEW_ROWS", -1)  # every row_dots through gather_products
    plain = [_every_box(index) for index in indexes]
    assert fast == plain


@given(st.lists(st.integers(-3, 40), max_size=30),
       st.lists(st.integers(-3, 40), max_size=40))
def test_members_is_isin(values: list[int], wanted: list[int]) -> None:
    v, w = np.array(values, dtype=np.int64), np.array(wanted, dtype=np.int64)
    assert np.array_equal(searcher.members(v, w), np.isin(v, w))


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 576, 5000, 13_000])
def test_fallback_chunks_cover_the_order_once(n: int) -> None:
    chunks = answers._chunks(n)
    covered = [i for start, end in chunks for i in range(start, end)]
    assert covered == list(range(n))
    assert [end - start for start, end in chunks][:3] == \
        [min(s, max(n - a, 0)) for s, a in ((64, 0), (512, 64), (4096, 576))][:len(chunks)]


@given(st.lists(st.tuples(st.integers(0, 60), st.floats(0, 1, width=32)), max_size=40),
       st.sets(st.integers(0, 60), max_size=30),
       st.lists(st.floats(0, 1, width=32), min_size=30, max_size=30))
def test_dense_products_equal_searched(entries, query_columns, query_values) -> None:
    cols = np.array([c for c, _ in entries], dtype=np.int32)
    data = np.array([v for _, v in entries], dtype=np.float32)
    columns = np.array(sorted(query_columns), dtype=np.int32)
    values = np.array(query_values[:len(columns)], dtype=np.float32)
    searched = searcher._entry_products(cols, data, columns, values, 61)
    old = searcher._DENSE_FROM
    try:
        searcher._DENSE_FROM = 0
        dense = searcher._entry_products(cols, data, columns, values, 61)
        again = searcher._entry_products(cols, data, columns, values, 61)  # buffer cleared
    finally:
        searcher._DENSE_FROM = old
    assert np.array_equal(dense, searched) and np.array_equal(again, searched)
    assert not np.signbit(dense).any()


def test_few_row_dots_equal_gathered(indexes: list[RelatedIndex]) -> None:
    X = indexes[0].space.X
    rng = np.random.default_rng(0)
    for q in rng.choice(X.shape[0], 20, replace=False):
        x = X[int(q)]
        for m in (0, 1, 3, 16):
            rows = rng.choice(X.shape[0], m, replace=False).astype(np.int64)
            few = searcher._few_row_dots(X, rows, x.indices, x.data)
            gathered = searcher.gather_products(X, rows, x.indices, x.data)
            summed = np.bincount(gathered.row_of, weights=gathered.products,
                                 minlength=m).astype(np.float32)
            assert np.array_equal(few, summed)
