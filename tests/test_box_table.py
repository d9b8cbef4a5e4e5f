"""The table of default boxes (box_table) against the general path it stands in for:
the same records, field for field, for every article it holds a box of."""

from __future__ import annotations

import dataclasses

import pytest
from boxes_corpus import stories
from helpers import date_rule_index
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender import RelatedIndex
from recommender.index import answers
from recommender.index.box_table import BOX_SIZE, BoxTable, covers
from recommender.query.config import QueryConfig

_TAGS = ["Eau", "sécheresse", "Agriculture", "Sport", "Water", "nowhere"]
_SECTIONS = ["économie", "Sport", "Régions", "Economy"]
covered_rules = st.builds(
    QueryConfig,
    min_score=st.sampled_from([0.0, 0.01, 0.05, 0.3]),
    only_older=st.booleans(),
    max_age_days=st.sampled_from([None, 30.0, 400.0]),
    same_language=st.booleans(),
    language=st.sampled_from([None, None, "fr"]),
    sections=st.lists(st.sampled_from(_SECTIONS), max_size=2).map(tuple),
    tags_any=st.lists(st.sampled_from(_TAGS), max_size=2).map(tuple),
    tags_none=st.lists(st.sampled_from(_TAGS), max_size=1).map(tuple),
    exclude=st.lists(st.sampled_from([a.id for a in stories()]), max_size=2).map(tuple),
    dedupe=st.sampled_from([None, 0.9, 0.5, 0.2]),
    curated_first=st.booleans(),
    fallback=st.sampled_from([(), ("latest",), ("section_latest", "latest")]),
)


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return RelatedIndex.build(stories())


def assert_table_matches(index: RelatedIndex, rules: QueryConfig) -> int:
    """Every box the table holds equals the general path's; returns how many it held."""
    table = BoxTable.compute(index._parts, rules)
    assert table is not None
    held = 0
    for article_id in index.ids:
        row = index.position(article_id)
        for k in range(1, BOX_SIZE + 1):
            if k <= table.counts[row]:
                assert table.records(row, k) == index.related(article_id, k, query=rules), \
                    (article_id, k)
                held += 1
    return held


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=covered_rules)
def test_every_box_of_the_table_is_the_general_paths(index, rules):
    assert_table_matches(index, rules)


def test_the_default_rules_hold_most_boxes(corpus):
    index = RelatedIndex.build(corpus)
    rules = QueryConfig()
    held = assert_table_matches(index, rules)
    table = BoxTable.compute(index._parts, rules)
    assert table is not None
    assert (table.counts >= 5).mean() > 0.5  # most boxes of 5 are read from the table
    assert held > len(index) * 5
    assert_table_matches(index, QueryConfig(dedupe=0.3, only_older=True))


def test_editor_links_come_first_in_the_table(index):
    table = BoxTable.compute(index._parts, QueryConfig())
    assert table is not None
    fills = table.reasons == 2
    assert fills.any() and (fills.argmax(axis=1) < table.counts)[fills.any(axis=1)].any()
    linked = [a for a in stories() if a.related and a.related[0] in index]
    assert any(table.reasons[index.position(a.id), 0] == 0 and table.lengths[index.position(a.id)]
               for a in linked)
    for a in linked:
        row = index.position(a.id)
        if table.counts[row] >= 1 and table.lengths[row] and table.reasons[row, 0] == 0:
            assert table.records(row, 1)[0].reason == "curated"


def test_a_learned_ranking_is_held_too():
    index, arts = date_rule_index(seed=3, days=20)
    from recommender.learn.tune import tune

    tuned, _ = tune(index, arts, n_folds=3)
    assert tuned._parts.learned is not None
    assert assert_table_matches(tuned, QueryConfig()) > 0
    assert assert_table_matches(tuned, QueryConfig(min_score=0.3, dedupe=0.5)) >= 0


def test_rules_the_passes_do_not_cover_have_no_table(index):
    for rules in (QueryConfig(half_life_days=30.0), QueryConfig(diversity=0.3),
                  QueryConfig(explain=True)):
        assert not covers(rules) and BoxTable.compute(index._parts, rules) is None


def held_source(index: RelatedIndex, k: int) -> str:
    """An article whose box of ``k`` the table holds."""
    table = index._boxes
    assert table is not None
    return next(i for i in index.ids if table.counts[index.position(i)] >= k)


def test_related_reads_the_table_after_warm_and_only_under_the_default_rules(
        corpus, monkeypatch):
    index = RelatedIndex.build(corpus)
    before = {i: index.related(i, k=5) for i in index.ids}
    index.warm()
    source = held_source(index, 5)

    def refuse(*args, **kwargs):
        raise AssertionError("the general path ran")

    monkeypatch.setattr(answers, "box", refuse)
    assert index.related(source, k=5) == before[source]  # from the table
    with pytest.raises(AssertionError, match="general path"):
        index.related(source, k=5, min_score=0.2)  # other rules: the general path
    with pytest.raises(AssertionError, match="general path"):
        index.related(source, k=BOX_SIZE + 1)
    monkeypatch.undo()
    assert {i: index.related(i, k=5) for i in index.ids} == before


def test_changes_compute_the_table_again(corpus):
    index = RelatedIndex.build(corpus)
    index.warm()
    source = held_source(index, 3)
    shown = [r.id for r in index.related(source, k=3)]
    index.remove([shown[0]])
    assert index._boxes is not None and index._boxes.parts is index._parts
    assert shown[0] not in [r.id for r in index.related(source, k=3)]
    index.query = QueryConfig(min_score=0.2, curated_first=False)
    assert index._boxes.query is index.query
    assert index.related(source, k=3) == index.related(source, k=3, query=index.query)
    article = dataclasses.replace(corpus[0], id="new-one", related=())
    index.add([article])
    assert index._boxes.parts is index._parts and "new-one" in index
    assert assert_table_matches(index, index.query) > 0


@pytest.fixture(scope="module")
def trimmed(corpus) -> RelatedIndex:
    """A larger index with three articles removed (dead rows the table must skip)."""
    index = RelatedIndex.build(corpus)
    index.remove([corpus[3].id, corpus[17].id, corpus[33].id])
    return index


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=covered_rules)
def test_every_box_of_a_trimmed_index_is_the_general_paths(trimmed, rules):
    assert_table_matches(trimmed, rules)


def test_held_answers_only_in_its_range(trimmed):
    table = BoxTable.compute(trimmed._parts, QueryConfig())
    assert table is not None
    some = trimmed.ids[0]
    assert table.held("no-such-id", 3) is None and table.held(some, 0) is None
    assert table.held(some, BOX_SIZE + 1) is None
    assert table.held(some, 1) == trimmed.related(some, 1, query=QueryConfig())
