"""Records: the positional fast path builds what keyword construction builds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from recommender.records import Related, related_records

_rows = st.lists(st.tuples(st.text(min_size=1), st.floats(0, 1), st.text(),
                           st.none() | st.floats(0, 1)), max_size=12)


@given(_rows)
def test_related_records_equal_keyword_construction(rows):
    ids, scores, titles, sims = (list(c) for c in zip(*rows, strict=True)) if rows else \
        ([], [], [], [])
    expected = [Related(id=i, score=s, title=t, similarity=m)
                for i, s, t, m in zip(ids, scores, titles, sims, strict=True)]
    assert related_records(ids, scores, titles, sims) == expected
