"""Records: the positional fast path builds what keyword construction builds."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.records import Related, box_records, related_records

_rows = st.lists(st.tuples(st.text(min_size=1), st.floats(0, 1), st.text(),
                           st.none() | st.floats(0, 1)), max_size=12)


@given(_rows)
def test_related_records_equal_keyword_construction(rows):
    ids, scores, titles, sims = (list(c) for c in zip(*rows, strict=True)) if rows else \
        ([], [], [], [])
    expected = [Related(id=i, score=s, title=t, similarity=m)
                for i, s, t, m in zip(ids, scores, titles, sims, strict=True)]
    assert related_records(ids, scores, titles, sims) == expected


def test_fast_records_are_frozen_related_records() -> None:
    built = box_records(["a", "b"], [0.5, 0.0], ["A", "B"], [0.5, None],
                        ["curated", "fallback"])
    assert [type(r) for r in built] == [Related, Related]
    assert built[1] == Related(id="b", score=0.0, title="B", reason="fallback")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built[0].score = 1.0  # type: ignore[misc]
    assert hash(built[0]) == hash(Related("a", 0.5, "A", 0.5, "curated"))
    assert pickle.loads(pickle.dumps(built)) == built  # noqa: S301 - our own bytes
    assert dataclasses.replace(built[0], title="C").title == "C"
