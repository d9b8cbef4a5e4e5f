"""ArticleVectorizer: the scikit-learn contract and the similarity identity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.preprocessing import normalize

from recommender.records import Article
from recommender.vectorize.vectorizer import ArticleVectorizer


def _blocks(vec: ArticleVectorizer, articles: list[Article]):
    X = vec.transform(articles).toarray().astype(np.float64)
    b = vec.feature_blocks()
    return X, X[:, b["text"]], X[:, b["title"]], X[:, b["tags"]]


def test_fit_returns_self_and_learns_state(corpus):
    vec = ArticleVectorizer(language="fr")
    assert vec.fit(corpus) is vec
    assert vec.vocabulary_ and len(vec.idf_) == len(vec.vocabulary_)
    names = vec.get_feature_names_out()
    assert len(names) == vec.transform(corpus[:1]).shape[1]
    assert any(n.startswith("tag:") for n in names)


def test_transform_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ArticleVectorizer().transform([Article(id="a", title="x")])


def test_clone_keeps_parameters():
    vec = ArticleVectorizer(tag_weight=0.2, title_weight=2.0, bigrams=True)
    cloned = clone(vec)
    assert cloned.get_params() == vec.get_params()


def test_rows_are_unit_length_and_float32(corpus):
    X = ArticleVectorizer().fit_transform(corpus)
    assert X.dtype == np.float32
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


@pytest.mark.parametrize(("w", "wt"), [(0.0, 0.0), (0.25, 0.0), (0.5, 0.2), (1.0, 0.0),
                                       (0.0, 1.0), (0.1, 0.3)])
def test_dot_product_is_weighted_sum_of_cosines(corpus, w, wt):
    vec = ArticleVectorizer(tag_weight=w, title_match_weight=wt).fit(corpus)
    X, T, H, G = _blocks(vec, corpus)
    text = normalize(T) @ normalize(T).T
    title = normalize(H) @ normalize(H).T
    tags = normalize(G) @ normalize(G).T
    np.testing.assert_allclose(X @ X.T, (1 - w - wt) * text + wt * title + w * tags, atol=1e-5)


def test_title_block_is_title_only(corpus):
    vec = ArticleVectorizer(title_match_weight=0.5).fit(corpus)
    a = corpus[0]
    same_title = Article(id="t", title=a.title, body="rien à voir ici", language=a.language)
    _, _, H, _ = _blocks(vec, [a, same_title])
    np.testing.assert_allclose(normalize(H)[0], normalize(H)[1], atol=1e-6)


def test_weights_over_one_rejected(corpus):
    with pytest.raises(ValueError, match="title_match_weight=0.8"):
        ArticleVectorizer(tag_weight=0.5, title_match_weight=0.8).fit(corpus)


def test_text_cosine_matches_independent_tfidf(corpus):
    """The text block is the TF-IDF a reader would compute by hand from the counts."""
    vec = ArticleVectorizer(title_weight=1.0, sublinear_tf=False, max_df=1.0).fit(corpus)
    from recommender.analysis import get_analyzer

    n = len(corpus)
    vocab = vec.vocabulary_
    counts = np.zeros((n, len(vocab)))
    for i, a in enumerate(corpus):
        analyze = get_analyzer(a.language)
        for tok in analyze(a.title) + analyze(a.body):
            counts[i, vocab[tok]] += 1
    df = (counts > 0).sum(axis=0)
    idf = np.log((1 + n) / (1 + df)) + 1
    expected = normalize(counts * idf)
    _, T, _, _ = _blocks(vec, corpus)
    np.testing.assert_allclose(normalize(T), expected, atol=1e-5)


def test_unknown_words_and_tags_are_ignored(corpus):
    vec = ArticleVectorizer().fit(corpus)
    x = vec.transform([Article(id="new", title="zzzqqq", tags=("jamais-vu",))])
    assert x.nnz == 0


def test_max_features_keeps_most_frequent(corpus):
    vec = ArticleVectorizer(max_features=5, max_df=1.0).fit(corpus)
    assert len(vec.vocabulary_) == 5


def test_bigrams_add_pairs(corpus):
    uni = ArticleVectorizer().fit(corpus)
    bi = ArticleVectorizer(bigrams=True).fit(corpus)
    assert any(" " in t for t in bi.vocabulary_)
    assert not any(" " in t for t in uni.vocabulary_)


def test_empty_fit_raises():
    with pytest.raises(ValueError, match="got 0"):
        ArticleVectorizer().fit([])


words = st.sampled_from(["eau", "barrage", "pluie", "train", "gare", "stade", "match", "nasa"])


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.lists(words, min_size=1, max_size=8),
                       st.lists(st.sampled_from(["A", "B", "C"]), max_size=3)),
             min_size=2, max_size=8),
    st.floats(0, 1),
    st.floats(0, 1),
)
def test_scores_lie_in_unit_interval(docs, w, share):
    arts = [Article(id=str(i), title=" ".join(t), tags=tuple(g), language="fr")
            for i, (t, g) in enumerate(docs)]
    wt = (1 - w) * share
    X = ArticleVectorizer(tag_weight=w, title_match_weight=wt, max_df=1.0).fit_transform(arts)
    S = (X @ X.T).toarray()
    assert S.min() >= -1e-6 and S.max() <= 1 + 1e-5


def test_parallel_fit_equals_serial(corpus, monkeypatch):
    import recommender.vectorize.counting as vectorize

    monkeypatch.setattr(vectorize, "_CHUNK", 7)  # several chunks on a small corpus
    serial = ArticleVectorizer().fit(corpus)
    parallel = ArticleVectorizer(n_jobs=2)
    Xp = parallel.fit_transform(corpus)
    assert parallel.vocabulary_ == serial.vocabulary_
    assert parallel.term_forms_ == serial.term_forms_
    np.testing.assert_allclose(parallel.idf_, serial.idf_)
    assert (Xp != serial.transform(corpus)).nnz == 0


@pytest.mark.parametrize(("w", "wt", "sublinear"), [(0.1, 0.2, True), (0.0, 0.0, False),
                                                     (0.5, 0.5, True)])
def test_transform_one_equals_transform(corpus, w, wt, sublinear):
    vec = ArticleVectorizer(tag_weight=w, title_match_weight=wt, sublinear_tf=sublinear,
                            title_weight=2.0).fit(corpus)
    drafts = list(corpus[:12]) + [
        Article(id="x", title="zzz inconnu", body="", tags=("Eau", "jamais-vu"), language="fr"),
        Article(id="y", title="", body="", tags=(), language="en"),
    ]
    for art in drafts:
        expected = vec.transform([art])
        got = vec.transform_one(art)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.toarray(), expected.toarray(), atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    dense=st.lists(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0, 5.0]), min_size=5, max_size=5),
                   min_size=1, max_size=7),
    columns=st.lists(st.integers(0, 4), unique=True, max_size=5),
)
def test_select_columns_equals_fancy_indexing(dense, columns):
    import scipy.sparse as sp

    from recommender.vectorize.weighting import select_columns as _select_columns

    m = sp.csr_matrix(np.array(dense, dtype=np.float32))
    cols = np.array(columns, dtype=np.int64)
    got = _select_columns(m, cols)
    assert got.has_sorted_indices
    np.testing.assert_array_equal(got.toarray(), m.toarray()[:, cols])


@settings(max_examples=60, deadline=None)
@given(
    dense=st.lists(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0, 7.0]), min_size=4, max_size=4),
                   min_size=1, max_size=9),
    log=st.booleans(),
    rows_per_slice=st.integers(1, 4),
)
def test_weighted_unit_rows_matches_dense_arithmetic(dense, log, rows_per_slice):
    """Slices of rows give the same rows as the whole matrix at once (empty rows too)."""
    import scipy.sparse as sp

    from recommender.vectorize.weighting import weighted_unit_rows as _weighted_unit_rows

    counts = np.array(dense)
    weights = np.array([1.0, 2.5, 0.5, 3.0])
    got = _weighted_unit_rows(sp.csr_matrix(counts.astype(np.float32)), weights, 0.64, log,
                              np.float32, rows_per_slice=rows_per_slice).toarray()
    tf = np.where(counts > 0, 1.0 + np.log(np.where(counts > 0, counts, 1.0)), 0.0) if log \
        else counts
    want = normalize(tf * weights) * 0.8
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_fit_reads_a_generator_once(corpus):
    """A build streams its corpus: a one-shot generator fits exactly like the list."""
    vec = ArticleVectorizer()
    X_gen = vec.fit_transform(a for a in corpus)
    X_list = ArticleVectorizer().fit_transform(corpus)
    assert (X_gen != X_list).nnz == 0
    with pytest.raises(ValueError, match="at least 1 article"):
        ArticleVectorizer().fit_transform(iter(()))


def test_parallel_fits_in_a_row_do_not_share_worker_vocabularies(corpus, monkeypatch):
    """Workers keep vocabularies between chunks of one fit, never into the next fit."""
    import recommender.vectorize.counting as vectorize

    monkeypatch.setattr(vectorize, "_CHUNK", 5)
    halves = [list(corpus[: len(corpus) // 2]), list(corpus[len(corpus) // 2:])]
    for part in (halves[0], halves[1], list(corpus)):
        parallel = ArticleVectorizer(n_jobs=2)
        Xp = parallel.fit_transform(part)
        serial = ArticleVectorizer().fit(part)
        assert parallel.vocabulary_ == serial.vocabulary_
        assert parallel.term_forms_ == serial.term_forms_
        assert (Xp != serial.transform(part)).nnz == 0


def _round_trip(obj):
    import pickle

    return pickle.loads(pickle.dumps(obj))  # noqa: S301 - bytes this test just made


def test_pickle_round_trip_keeps_the_fitted_state(corpus):
    vec = ArticleVectorizer().fit(corpus)
    again = _round_trip(vec)
    assert again.vocabulary_ == vec.vocabulary_
    assert again.tag_vocabulary_ == vec.tag_vocabulary_
    assert (again.transform(corpus) != vec.transform(corpus)).nnz == 0


@given(st.lists(st.sampled_from(["L'eau", "barrages", "sécheresse", "le", "de", "pluies",
                                 "Aujourd'hui", "rates", "the", "mortgage", "x2", "États-Unis"]),
                max_size=30),
       st.sampled_from(["fr", "en"]))
def test_numbered_raw_tokens_equal_plain_analysis(words, language):
    """The counting loop's fast path (raw tokens numbered, resolved in a batch, expanded
    with numpy) gives the ids a plain dict gives to the analyzer's terms, in first-seen
    order; a fixed vocabulary drops unknown terms."""
    from recommender.analysis import get_analyzer
    from recommender.vectorize.tokens import RawTokens
    from recommender.vectorize.vocabulary import GrowingVocabulary

    analyze = get_analyzer(language)
    text = " ".join(words)

    def fast_ids(vocabulary: dict[str, int], grow: bool) -> list[int]:
        raw = RawTokens()
        half = len(words) // 2  # two rows, resolved together
        rows = [analyze.tokenize(" ".join(words[:half])), analyze.tokenize(" ".join(words[half:]))]
        numbers = [raw.numbering(analyze)[t] for row in rows for t in row]
        raw.resolve(vocabulary, grow)
        indptr = np.array([0, len(rows[0]), len(numbers)])
        ids, ptr = raw.expand(np.array(numbers, dtype=np.int32), indptr)
        assert ptr[0] == 0 and ptr[-1] == len(ids)
        return ids.tolist()

    vocabulary = GrowingVocabulary()
    fast = fast_ids(vocabulary, grow=True)
    plain: dict[str, int] = {}
    expected = [plain.setdefault(term, len(plain)) for term in analyze(text)]
    assert fast == expected and dict(vocabulary) == plain and vocabulary.order == list(plain)
    # each new term learnt how it read: a form that analyses back to the term
    forms = [vocabulary.forms.get(i, term) for i, term in enumerate(vocabulary.order)]
    assert [analyze.index_terms(form) for form in forms] == [[t] for t in plain]
    fixed = {term: i for i, term in enumerate(sorted(plain)[::2])}
    assert fast_ids(fixed, grow=False) == [fixed[t] for t in analyze(text) if t in fixed]


def test_raw_tokens_of_several_terms_expand_in_order():
    """A raw token may give several terms (or none): the numpy expansion keeps them in
    order and cuts rows where the tokens were cut."""
    from recommender.analysis import get_analyzer
    from recommender.vectorize.tokens import RawTokens

    class Splitting:  # an analyzer whose tokens read as their letters, vowels dropped
        language = "xx"

        def index_values_of(self, tokens: list[str]) -> list[str]:
            return [" ".join(c for c in t if c not in "aeiou") for t in tokens]

        def surface(self, token: str) -> str:
            return token

    raw, fake = RawTokens(), Splitting()
    rows = [["abc", "e", "db"], [], ["e", "abc"]]
    numbers = [raw.numbering(fake)[t] for row in rows for t in row]  # type: ignore[arg-type]
    vocabulary: dict[str, int] = {}
    raw.resolve(vocabulary, grow=False)
    assert raw.ids == [(), (), ()]
    raw, vocabulary = RawTokens(), {"b": 0, "c": 1, "d": 2}
    numbers = [raw.numbering(fake)[t] for row in rows for t in row]  # type: ignore[arg-type]
    raw.resolve(vocabulary, grow=False)
    ids, ptr = raw.expand(np.array(numbers, dtype=np.int32), np.array([0, 3, 3, 5]))
    assert ids.tolist() == [0, 1, 2, 0, 0, 1] and ptr.tolist() == [0, 4, 4, 6]
    assert get_analyzer("en").index_terms_of(["the", "rates", "rate"]) == [[], ["rate"], ["rate"]]


def test_a_tiny_site_keeps_the_words_its_stories_share():
    """max_df=0.5 of two stories is one document: every shared word would go."""
    from recommender import RelatedIndex

    arts = [Article("1", "Sécheresse et barrages", body="La sécheresse vide les barrages."),
            Article("2", "Barrages à sec", body="Les barrages sont à sec après la sécheresse.")]
    index = RelatedIndex.build(arts)
    assert {"secheress", "barrag"} <= set(index.vectorizer.vocabulary_)
    assert index.related("1", k=1, fallback=())[0].similarity > 0.2


_TRICKY = [
    Article(id="t1", title="L’été 2024 — 3,5 millions d’euros", language="fr",
            body="Aujourd'hui, l''eau du « barrage » coûte 20 000 € ; cœur de l'œuvre… "
                 "Les États-Unis et l'ONU_2 : 1.000.000 de m³, ½ prix."),
    Article(id="t2", title="It's the company's 2nd quarter", language="en",
            body="Rates rose 0,25 points; don't panic — 'quoted' words and Москва, Ωmega."),
    Article(id="t3", title="x", body="", tags=("Été",), language="fr"),
]


@pytest.mark.parametrize("params", [{}, {"bigrams": True}, {"stem": False, "stop_words": False},
                                    {"max_features": 40}, {"language": "fr"}])
def test_fast_counting_paths_give_the_plain_paths_matrices(params, monkeypatch):
    """The byte tokenizer and the batched resolve of new raw tokens change no vocabulary,
    form, IDF or matrix: a fit with both switched off (regex tokens, one token at a time)
    gives the same, under several settings."""
    import recommender.vectorize.counting as counting
    import recommender.vectorize.tokens as tokens
    from recommender.analysis import Analyzer
    from recommender.corpus import read_articles
    from recommender.demo import demo_corpus_path

    articles = read_articles(demo_corpus_path()) + _TRICKY
    monkeypatch.setattr(counting, "_CHUNK", 50)  # several resolves per fit
    fast = ArticleVectorizer(**params)
    X = fast.fit_transform(articles)
    assert any(isinstance(k, bytes) for k in Analyzer("fr").token_keys(articles[0].body))
    monkeypatch.setattr(tokens, "_BATCH", 10**9)
    monkeypatch.setattr(Analyzer, "token_keys", Analyzer.tokenize)
    plain = ArticleVectorizer(**params)
    Xp = plain.fit_transform(articles)
    assert plain.vocabulary_ == fast.vocabulary_ and plain.term_forms_ == fast.term_forms_
    assert np.array_equal(plain.idf_, fast.idf_)
    assert plain.tag_vocabulary_ == fast.tag_vocabulary_
    assert Xp.shape == X.shape and (Xp != X).nnz == 0
    assert (plain.transform(_TRICKY) != fast.transform(_TRICKY)).nnz == 0
