"""Term forms: how each index term reads, so explanations show words, not stems."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender import BuildConfig, RelatedIndex
from recommender.analysis import get_analyzer
from recommender.records import Article
from recommender.vectorize.vectorizer import ArticleVectorizer

# words whose inflections share a stem, so the form a term keeps depends on which came first
_INFLECTED = [("barrage", "barrages"), ("sécheresse", "sécheresses"), ("l'eau", "eau", "d'eau"),
              ("pluie", "pluies"), ("réservoir", "réservoirs"), ("l'État", "États-Unis"),
              ("aujourd'hui",), ("agriculteur", "agriculteurs"), ("irrigué", "irriguée")]


def _inflected_corpus(n: int, seed: int = 0) -> list[Article]:
    rng = random.Random(seed)
    return [Article(id=str(i), language="fr", tags=(rng.choice(["Eau", "Climat"]),),
                    title=" ".join(rng.choice(w) for w in rng.sample(_INFLECTED, 3)),
                    body=" ".join(rng.choice(w) for w in rng.choices(_INFLECTED, k=30)))
            for i in range(n)]


def _forms(vec: ArticleVectorizer) -> dict[str, str]:
    return {term: vec.term_form(i) for term, i in vec.vocabulary_.items()}


def test_forms_are_words_of_the_text_not_stems():
    docs = [Article(id="a", title="L'eau des barrages", body="La sécheresse menace.",
                    language="fr"),
            Article(id="b", title="Sécheresses", body="Aujourd'hui, l'État agit.", language="fr")]
    vec = ArticleVectorizer(max_df=1.0).fit(docs)
    forms = _forms(vec)
    assert forms["eau"] == "eau"  # elision gone
    assert forms["barrag"] == "barrages"
    assert forms["secheress"] == "sécheresse"  # accents kept, the first form met wins
    assert forms["etat"] == "état"  # lower-cased
    assert forms["aujourdhui"] == "aujourd'hui"  # an inner apostrophe stays
    assert len(vec.term_forms_) == len(vec.vocabulary_)


def test_bigram_forms_join_their_words_forms():
    docs = [Article(id="a", title="Barrages à sec", body="la sécheresse des barrages",
                    language="fr")]
    vec = ArticleVectorizer(max_df=1.0, bigrams=True).fit(docs)
    forms = _forms(vec)
    assert forms["secheress barrag"] == "sécheresse barrages"
    assert forms["barrag"] == "barrages"
    # stored as the term (millions of bigrams would cost a fit seconds), joined when asked
    assert vec.term_forms_[vec.vocabulary_["secheress barrag"]] == "secheress barrag"


def test_a_bigram_word_outside_the_vocabulary_reads_as_its_term():
    """max_df may drop a word yet keep a bigram holding it."""
    docs = [Article(id=str(i), title=f"barrages {w}", language="fr")
            for i, w in enumerate(["pleins", "vides", "pleins"])]
    vec = ArticleVectorizer(max_df=2, bigrams=True).fit(docs)
    assert "barrag" not in vec.vocabulary_
    assert vec.term_form(vec.vocabulary_["barrag plein"]) == "barrag pleins"


@pytest.mark.parametrize("bigrams", [False, True])
def test_parallel_fit_gives_the_serial_forms(monkeypatch, bigrams):
    """Workers meet a stem first in different inflections; the parent keeps the form of
    the chunk that gave the term its id, as a single pass does."""
    import recommender.vectorize.counting as counting

    monkeypatch.setattr(counting, "_CHUNK", 3)
    docs = _inflected_corpus(40)
    serial = ArticleVectorizer(max_df=1.0, bigrams=bigrams).fit(docs)
    parallel = ArticleVectorizer(max_df=1.0, bigrams=bigrams, n_jobs=2).fit(docs)
    assert parallel.vocabulary_ == serial.vocabulary_
    assert parallel.term_forms_ == serial.term_forms_
    ids = range(len(serial.vocabulary_))
    assert list(map(parallel.term_form, ids)) == list(map(serial.term_form, ids))
    assert serial.term_form(serial.vocabulary_["barrag"]) in {"barrage", "barrages"}


@given(st.lists(st.sampled_from(["L'eau", "barrages", "sécheresse", "le", "pluies", "x2",
                                 "Aujourd'hui", "jusqu'à", "qu'aujourd'hui", "États-Unis",
                                 "rates", "the", "mortgage's", "don't", "O'Brien", "3,5"]),
                min_size=1, max_size=30),
       st.sampled_from(["fr", "en"]))
def test_a_form_analyses_back_to_its_term(words, language):
    analyze = get_analyzer(language)
    docs = [Article(id="a", title=" ".join(words), language=language)]
    vec = ArticleVectorizer(max_df=1.0).fit(docs)
    for term, i in vec.vocabulary_.items():
        assert analyze.index_terms(vec.term_form(i)) == [term]


def test_a_vectorizer_without_forms_shows_its_terms():
    """A vectorizer fitted before forms existed (unpickled from an old index)."""
    docs = [Article(id="a", title="Les barrages", language="fr")]
    vec = ArticleVectorizer(max_df=1.0).fit(docs)
    del vec.term_forms_
    assert vec.term_form(vec.vocabulary_["barrag"]) == "barrag"


def test_forms_survive_save_and_load_as_arrays(tmp_path):
    from recommender.store.plain import load_plain

    index = RelatedIndex.build(_inflected_corpus(30), BuildConfig(max_df=1.0, n_neighbors=3))
    index.save(tmp_path / "idx")
    assert (tmp_path / "idx" / "term_forms_blob.npy").is_file()
    assert "term_forms_" not in load_plain(tmp_path / "idx" / "vectorizer.joblib")
    assert hasattr(index.vectorizer, "term_forms_")  # saving left the live one whole
    loaded = RelatedIndex.load(tmp_path / "idx")
    assert loaded.space.n_text_features == len(index.vectorizer.vocabulary_)
    assert loaded.space._stored_vocabularies is not None  # forms read lazily, too
    assert loaded.vectorizer.term_forms_ == index.vectorizer.term_forms_
    assert isinstance(loaded.vectorizer.term_forms_, list)
    loaded.save(tmp_path / "again")  # written back as read
    again = RelatedIndex.load(tmp_path / "again").vectorizer
    assert again.term_forms_ == index.vectorizer.term_forms_


def test_the_golden_index_has_forms():
    """Format 3 stores forms: the golden index reads its words, not stems."""
    golden = Path(__file__).parent / "data" / "golden-index"
    vec = RelatedIndex.load(golden).vectorizer
    assert len(vec.term_forms_) == len(vec.vocabulary_)
    assert any(form != term for form, term in zip(vec.term_forms_, sorted(
        vec.vocabulary_, key=vec.vocabulary_.__getitem__), strict=True))
