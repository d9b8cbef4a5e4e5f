"""A draft's term ids by raw token (DraftTerms) and its compiled counts, against the
analyzer and numpy paths they replace."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.analysis import Analyzer, get_analyzer
from recommender.compiled import AVAILABLE
from recommender.records import Article
from recommender.vectorize import draft_terms
from recommender.vectorize.draft_terms import (
    _UNSEEN,
    DraftTerms,
    PackedTokens,
    merged_counts,
    merged_counts_numpy,
)
from recommender.vectorize.vectorizer import ArticleVectorizer
from recommender.vectorize.vocabulary import known_ids

WORDS = ["l'eau", "barrages", "barrage", "Sécheresse", "le", "the", "dams", "dam", "été",
         "aujourd'hui", "qu'il", "x", "2024", "inconnu", "NEVER-SEEN", "rivières", "rivière",
         "cœur", "ÀÉ", "3,5", "Ελλάδα", "naïve"]


@pytest.fixture(scope="module")
def vocabulary() -> dict[str, int]:
    analyze = get_analyzer("fr")
    terms = sorted({t for w in WORDS[:8] for t in analyze(w)})
    return {t: i for i, t in enumerate(terms)}


@settings(max_examples=80, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=40),
       language=st.sampled_from(["fr", "en"]))
def test_ids_equal_the_analyzer_path(vocabulary, words, language):
    analyze = get_analyzer(language)
    terms = DraftTerms(vocabulary)
    text = " ".join(words)
    expected = known_ids(vocabulary, analyze(text))
    first = terms.ids(analyze, text)  # learns the tokens
    again = terms.ids(analyze, text)  # reads them
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(again, expected)


def test_a_full_table_starts_afresh(vocabulary, monkeypatch):
    monkeypatch.setattr(DraftTerms, "MAX_TOKENS", 4)
    analyze = get_analyzer("fr")
    terms = DraftTerms(vocabulary)
    for text in ["l'eau barrages", "dams été 2024 rivières", "Sécheresse barrage le x"]:
        np.testing.assert_array_equal(terms.ids(analyze, text),
                                      known_ids(vocabulary, analyze(text)))
        assert len(terms._tables["fr"]) <= 4
    assert terms.remember(analyze, ["eau"]) >= 0


def test_remember_fills_half_the_table(vocabulary, monkeypatch):
    monkeypatch.setattr(DraftTerms, "MAX_TOKENS", 6)
    analyze = get_analyzer("fr", stop_words=False)  # no stop words to remember first
    terms = DraftTerms(vocabulary)
    assert terms.remember(analyze, ["barrages", "eau", "barrages", "dams", "été"]) == 3
    assert terms.remember(analyze, ["rivière"]) == 0  # half full: room left for drafts
    assert set(terms._tables["fr"]) == {b"barrages", b"eau", b"dams"}  # the byte keys
    text = "barrages cœur Ελλάδα barrage"
    np.testing.assert_array_equal(terms.ids(analyze, text),
                                  known_ids(vocabulary, analyze(text)))


@settings(max_examples=150, deadline=None)
@given(title=st.lists(st.integers(0, 30), max_size=25),
       body=st.lists(st.integers(0, 30), max_size=60),
       weight=st.sampled_from([0.0, 0.3, 1.0, 1.7, 2.0, 3.3]))
def test_merged_counts_equal_numpy(title, body, weight):
    t, b, w = np.array(title, np.int64), np.array(body, np.int64), np.float32(weight)
    got = merged_counts(t, b, w)
    expected = merged_counts_numpy(t, b, w)
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


def test_vectorizer_pickles_without_its_tables(corpus):
    vec = ArticleVectorizer().fit(corpus)
    draft = Article(id="d", title="Barrages et sécheresse", body="L'eau manque.",
                    language="fr")
    row = vec.transform_one(draft)
    assert "_draft_terms" in vec.__dict__
    copy = pickle.loads(pickle.dumps(vec))  # noqa: S301 - our own object, as joblib sends it
    assert "_draft_terms" not in copy.__dict__ and "_draft_terms" in vec.__dict__
    assert (copy.transform_one(draft) != row).nnz == 0


def test_bigrams_keep_the_analyzer_path(corpus):
    vec = ArticleVectorizer(bigrams=True, max_df=1.0).fit(corpus)
    draft = corpus[0]
    assert (vec.transform_one(draft) != vec.transform([draft])).nnz == 0
    assert "_draft_terms" not in vec.__dict__


def test_remember_starts_with_the_stop_words(vocabulary):
    analyze = get_analyzer("fr")
    terms = DraftTerms(vocabulary)
    terms.remember(analyze, ["barrages"])
    table = terms._tables["fr"]
    assert b"le" in table and b"barrages" in table
    assert table[b"le"] == -1  # a stop word gives no term


_byte = st.sampled_from(b"ab\xe9'0")
_NO_SPACE = bytes.maketrans(b" \t\n\r\x0b\x0c", b"______")  # tokens hold no whitespace
_key = st.binary(min_size=1, max_size=14).map(lambda b: b.translate(_NO_SPACE)) | \
    st.lists(_byte, min_size=1, max_size=12).map(bytes)


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(_key, max_size=60, unique=True), extra=st.lists(_key, max_size=40),
       data=st.data())
def test_packed_lookup_is_the_dictionary(keys, extra, data):
    """Byte for byte: keys, their prefixes and extensions (beyond the 8 bytes a slot
    holds too), unknown keys; str keys are left out of the snapshot."""
    table: dict[str | bytes, int] = {k: i - 2 for i, k in enumerate(keys)}
    table["str key"] = 7
    packed = PackedTokens.of(table)
    near = [k[:-1] for k in keys if len(k) > 1] + [k + b"a" for k in keys]
    pool = keys + extra + near
    tokens = data.draw(st.lists(st.sampled_from(pool), max_size=80)) if pool else []
    expected = [table.get(t, _UNSEEN) for t in tokens]
    assert packed.lookup(tokens).tolist() == expected


@pytest.mark.skipif(not AVAILABLE, reason="the packed table is built with numba only")
def test_ids_read_the_packed_table_and_what_was_learned_since(vocabulary, monkeypatch):
    analyze = get_analyzer("fr")
    terms = DraftTerms(vocabulary)
    terms.remember(analyze, ["barrages", "eau", "barrage"])
    table, packed = terms._tables["fr"], terms._packed["fr"]
    assert packed.table is table and packed.lookup([b"barrages", b"le", b"zz"]).tolist() == [
        table[b"barrages"], -1, _UNSEEN]

    def check(text: str) -> None:
        np.testing.assert_array_equal(terms.ids(analyze, text),
                                      known_ids(vocabulary, analyze(text)))

    with monkeypatch.context() as patch:
        patch.setattr(Analyzer, "token_keys", None)  # a byte text is never split in Python
        for text in ["barrages l'eau", "rivières barrage rivière été", "Sécheresse 2024 x"]:
            check(text)  # remembered, learned since, both
    assert b"rivieres" in table or b"rivi\xe8res" in table
    monkeypatch.setattr(DraftTerms, "MAX_TOKENS", len(table) + 1)
    check("dams inconnu naïve cœur")  # the table is full: it starts afresh
    assert terms._tables["fr"] is not table and "fr" not in terms._packed
    check("barrages rivières dams")


def test_a_hash_match_is_not_enough():
    """A slot whose hash matches but whose bytes differ (a collision, made here by
    editing the snapshot) gives no id: the prefix and the tail are compared too."""
    key = b"abcdefghijk"  # over the 8 bytes a slot holds
    packed = PackedTokens.of({key: 5})
    text = np.frombuffer(key, dtype=np.uint8)
    assert draft_terms._probe(text, packed.blob, packed.slots)[0].tolist() == [5]
    tail = packed.blob.copy()
    tail[9] = ord("X")
    assert draft_terms._probe(text, tail, packed.slots)[0].tolist() == [_UNSEEN]
    head = packed.slots.copy()
    head[head[:, draft_terms._LENGTH] >= 0, draft_terms._PREFIX] += 1
    assert draft_terms._probe(text, packed.blob, head)[0].tolist() == [_UNSEEN]


_spaces = st.sampled_from([b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"  \n"])


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(_key, min_size=1, max_size=30, unique=True), data=st.data())
def test_lookup_data_reads_the_tokens_split_gives(keys, data):
    """Tokens between any ASCII whitespace (``bytes.split()``'s), leading and trailing
    runs included; each token's place in the text and its id."""
    table: dict[str | bytes, int] = {k: i for i, k in enumerate(keys[: len(keys) // 2 + 1])}
    packed = PackedTokens.of(table)
    tokens = data.draw(st.lists(st.sampled_from(keys), max_size=40))
    gaps = data.draw(st.lists(_spaces, min_size=len(tokens) + 1, max_size=len(tokens) + 1))
    text = gaps[0] + b"".join(t + g for t, g in zip(tokens, gaps[1:], strict=True))
    ids, starts, ends = packed.lookup_data(text)
    assert [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)] == \
        text.split() == tokens
    assert ids.tolist() == [table.get(t, _UNSEEN) for t in tokens]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab é'’-0.,5 \n\tΩÀ_")), max_size=60))
def test_token_data_splits_into_the_token_keys(text):
    from recommender.analysis.tokenizer import token_data, token_keys

    data = token_data(text)
    keys = token_keys(text)
    if data is None:
        assert all(isinstance(k, str) for k in keys)
    else:
        assert data.split() == keys
