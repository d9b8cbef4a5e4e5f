"""Property tests of the stages after the reader: analyzers, vectorizer, metrics.

Any Unicode text through any analyzer gives tokens without an error, the same tokens
every time; every block of a vectorized row (text, title, tags) has norm sqrt(weight) or
is empty, so a row is unit-norm when all its blocks are filled; every metric of any
ranking lies in [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.analysis import available_languages, get_analyzer, normalize_tag
from recommender.evaluation.metrics import mean_metrics, ranking_metrics
from recommender.records import Article
from recommender.vectorize.vectorizer import ArticleVectorizer

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# every code point but lone surrogates, which the reader refuses before analysis
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
WORDY = st.lists(st.sampled_from(["eau", "barrage", "l'eau", "Sécheresse", "RABAT", "crue",
                                  "match", "stade", "2024", "é", "ﬁ", "İ", "ß", "—"]) | TEXT,
                 max_size=12).map(" ".join)
LANGUAGES = st.sampled_from([*available_languages(), "none"])


@FUZZ
@given(language=LANGUAGES, text=TEXT | WORDY)
def test_analyzers_take_any_text_and_are_deterministic(language: str, text: str) -> None:
    analyzer = get_analyzer(language)
    tokens = analyzer(text)
    assert all(isinstance(t, str) and t for t in tokens)
    assert analyzer(text) == tokens  # the cache gives what the first call gave
    fresh = type(analyzer)(language)
    assert fresh(text) == tokens  # so does a new analyzer (another process, a load)
    normalize_tag(text)


ARTICLES = st.lists(
    st.builds(lambda title, body, tags: (title, body, tuple(tags)),
              WORDY, WORDY | st.just(""), st.lists(WORDY, max_size=3)),
    min_size=1, max_size=8,
)


#: float32's smallest subnormal: how closely a value under 1e-38 is held
SUBNORMAL_STEP = float(np.finfo(np.float32).smallest_subnormal)


@FUZZ
@given(docs=ARTICLES, tag_weight=st.floats(0, 1), share=st.floats(0, 1))
def test_vectorized_blocks_are_unit_norm_or_empty(
    docs: list[tuple[str, str, tuple[str, ...]]], tag_weight: float, share: float
) -> None:
    articles = [Article(id=str(i), title=t, body=b, tags=g, language="fr")
                for i, (t, b, g) in enumerate(docs)]
    title_match = (1 - tag_weight) * share
    vectorizer = ArticleVectorizer(tag_weight=tag_weight, title_match_weight=title_match,
                                   max_df=1.0)
    X = vectorizer.fit_transform(articles).tocsr()
    assert X.shape[0] == len(articles)
    assert np.isfinite(X.data).all()
    weights = vectorizer.block_weights()
    v = vectorizer.n_text_features_
    edges = {"text": (0, v), "title": (v, 2 * v), "tags": (2 * v, X.shape[1])}
    for name, (start, stop) in edges.items():
        # float64: a tiny weight's squares (3e-45) are float32 subnormals, 10% off; and
        # a value below 1e-38 is itself a float32 subnormal, held to within 1.4e-45
        block = X[:, start:stop].astype(np.float64)
        norms = np.sqrt(np.asarray(block.multiply(block).sum(axis=1)).ravel())
        for norm in norms:
            assert norm == 0 or math.isclose(norm, math.sqrt(weights[name]), rel_tol=1e-3,
                                             abs_tol=SUBNORMAL_STEP), (name, norm, weights[name])
    again = vectorizer.transform(articles)
    assert (again != X).nnz == 0  # deterministic


IDS = st.sampled_from("abcdefghij")


@FUZZ
@given(ranked=st.lists(IDS, max_size=15),
       relevant=st.sets(IDS, min_size=1, max_size=6)
       | st.dictionaries(IDS, st.floats(0.01, 1e6, allow_nan=False), min_size=1, max_size=6),
       ks=st.lists(st.integers(1, 20), min_size=1, max_size=3))
def test_metrics_of_any_ranking_lie_in_the_unit_interval(
    ranked: list[str], relevant: set[str] | dict[str, float], ks: list[int]
) -> None:
    values = ranking_metrics(ranked, relevant, ks=ks)
    assert all(0.0 <= x <= 1.0 and math.isfinite(x) for x in values.values()), values
    assert ranking_metrics(ranked, relevant, ks=ks) == values
    mean = mean_metrics([values, values])
    assert all(math.isclose(mean[key], values[key]) for key in values)


@FUZZ
@given(ranked=st.lists(IDS, max_size=5), k=st.integers(-3, 0))
def test_metrics_refuse_what_has_no_meaning_with_a_value_error(ranked: list[str], k: int) -> None:
    """A query without known related items, or a cutoff below 1: an error, not a number."""
    with pytest.raises(ValueError, match="relevant is empty"):
        ranking_metrics(ranked, set())
    with pytest.raises(ValueError, match=f"expected k >= 1, got k={k}"):
        ranking_metrics(ranked, {"a"}, ks=[k])
