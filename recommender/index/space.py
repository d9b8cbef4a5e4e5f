"""The vector space: the fitted vectorizer, every article's row ``X`` and its searcher.

``X.T`` and the pruned search postings belong to the searcher and are built on first use
(``related()`` never needs them; ``similar()``, exact answers and updates do).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.records import Article
from recommender.search.searcher import Searcher, SearchSettings
from recommender.store.strings import pack_strings, unpack_strings
from recommender.vectorize.state import vectorizer_from_state, vectorizer_state
from recommender.vectorize.vectorizer import ArticleVectorizer

#: the vectorizer's learned vocabularies, stored as string arrays, not in its pickle
_VOCABULARIES = ("vocabulary_", "tag_vocabulary_")
#: how each term reads (a list by term id), stored and read like the vocabularies
_FORMS = "term_forms_"


class VectorSpace:
    """What maps articles to vectors and finds the nearest rows among them."""

    def __init__(self, vectorizer: ArticleVectorizer, X: sp.csr_matrix,
                 settings: SearchSettings, *, XT: sp.csr_matrix | None = None,
                 stored_vocabularies: dict[str, np.ndarray] | None = None) -> None:
        self._vectorizer = vectorizer
        self._stored_vocabularies = stored_vocabularies
        self.X = X
        self.searcher = Searcher(X, settings, XT=XT)

    @property
    def vectorizer(self) -> ArticleVectorizer:
        """The fitted vectorizer; a loaded index reads its vocabularies (and term forms) on
        first use, as ``related()`` never needs them (1M articles: 130k terms to turn into
        a dict). The forms stay a list: no dict to build."""
        stored = self._stored_vocabularies
        if stored is not None:
            strings = {name: unpack_strings(stored[f"{name}blob"], stored[f"{name}offsets"])
                       for name in (*_VOCABULARIES, _FORMS)}
            for name in _VOCABULARIES:
                terms = strings[name]
                setattr(self._vectorizer, name, dict(zip(terms, range(len(terms)), strict=True)))
            setattr(self._vectorizer, _FORMS, strings[_FORMS])
            self._stored_vocabularies = None
        return self._vectorizer

    @property
    def n_tags(self) -> int:
        """Distinct tags of the vocabulary (without reading a stored vocabulary)."""
        if self._stored_vocabularies is not None:
            return len(self._stored_vocabularies["tag_vocabulary_offsets"]) - 1
        return len(self._vectorizer.tag_vocabulary_)

    @property
    def n_text_features(self) -> int:
        """Distinct terms of the vocabulary (the text and title blocks have as many)."""
        if self._stored_vocabularies is not None:
            return len(self._stored_vocabularies["vocabulary_offsets"]) - 1
        # not ``n_text_features_``: its check_is_fitted costs ~25 us, paid per draft
        return len(self._vectorizer.vocabulary_)

    @property
    def idf(self) -> np.ndarray:
        """IDF of each text term (without reading a stored vocabulary)."""
        return np.asarray(self._vectorizer.idf_)

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    def vectorize(self, articles: Sequence[Article]) -> sp.csr_matrix:
        """Rows of articles outside the index, over its vocabulary."""
        return self.vectorizer.transform(articles).astype(self.X.dtype)

    def vectorize_one(self, article: Article) -> sp.csr_matrix:
        return self.vectorizer.transform_one(article)

    def appended(self, rows: sp.csr_matrix) -> VectorSpace:
        """A new space with ``rows`` below ``X`` (its transpose built at once: an update
        searches it right away)."""
        X = sp.vstack([self.X, rows], format="csr")
        return VectorSpace(self.vectorizer, X, self.searcher.settings, XT=X.T.tocsr(),
                           stored_vocabularies=self._stored_vocabularies)

    def to_arrays(self) -> dict[str, np.ndarray]:
        X = self.X
        arrays = {"matrix_data": X.data, "matrix_indices": X.indices, "matrix_indptr": X.indptr}
        if self._stored_vocabularies is not None:  # as loaded: write them back unread
            return {**arrays, **self._stored_vocabularies}
        for name in _VOCABULARIES:
            vocabulary: dict[str, int] = getattr(self._vectorizer, name)
            blob, offsets = pack_strings(sorted(vocabulary, key=vocabulary.__getitem__))
            arrays[f"{name}blob"], arrays[f"{name}offsets"] = blob, offsets
        forms: list[str] | None = getattr(self._vectorizer, _FORMS, None)
        if forms is not None:
            arrays[f"{_FORMS}blob"], arrays[f"{_FORMS}offsets"] = pack_strings(forms)
        return arrays

    def objects(self) -> dict[str, Any]:
        """The vectorizer's state to store with joblib, as plain data: settings and IDF
        arrays, without its vocabularies and forms (they are string arrays)."""
        return {"vectorizer": vectorizer_state(self._vectorizer)}

    @classmethod
    def from_stored(cls, arrays: dict[str, np.ndarray], objects: dict[str, Any],
                    n_features: int, settings: SearchSettings) -> VectorSpace:
        n_rows = len(arrays["matrix_indptr"]) - 1
        X = sp.csr_matrix(
            (arrays["matrix_data"], arrays["matrix_indices"], arrays["matrix_indptr"]),
            shape=(n_rows, n_features),
        )
        stored = {f"{name}{part}": arrays[f"{name}{part}"]
                  for name in (*_VOCABULARIES, _FORMS) for part in ("blob", "offsets")}
        vectorizer = vectorizer_from_state(objects["vectorizer"], source="vectorizer.joblib")
        return cls(vectorizer, X, settings, stored_vocabularies=stored)
