"""A fitted :class:`ArticleVectorizer` as plain data, and back.

An index stores its vectorizer with joblib (users asked for that format), but what the
file holds is a dict of settings, numbers, strings and float arrays: no class of ours is
pickled, so reading it back needs no code but numpy's, and
:func:`recommender.store.plain.load_plain` can refuse anything else before it runs.
The vocabularies and term forms are stored beside it as string arrays (see
:mod:`recommender.index.space`), not in this state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from recommender.vectorize.vectorizer import ArticleVectorizer

#: bumped when the keys below change; a reader refuses a state it does not know
STATE_VERSION = 1
#: learned float arrays of the state, one value per term (``idf_``) or tag (``tag_idf_``)
_ARRAYS = ("idf_", "tag_idf_")
_DTYPES = ("float32", "float64")
_PLAIN = (type(None), bool, int, float, str)


def vectorizer_state(vectorizer: ArticleVectorizer) -> dict[str, Any]:
    """The fitted state of ``vectorizer`` as plain values (its vocabularies excluded)."""
    check_is_fitted(vectorizer, "idf_")
    params = vectorizer.get_params(deep=False)
    params["dtype"] = np.dtype(params["dtype"]).name
    return {
        "state_version": STATE_VERSION,
        "params": {name: _plain(name, value) for name, value in params.items()},
        **{name: np.ascontiguousarray(getattr(vectorizer, name), dtype=np.float64)
           for name in _ARRAYS},
        "n_documents_": int(vectorizer.n_documents_),
        "main_language_": str(vectorizer.main_language_),
    }


def vectorizer_from_state(state: object, *, source: str = "vectorizer state") -> ArticleVectorizer:
    """The vectorizer ``state`` describes, without its vocabularies (the caller sets them).

    Every key and type is checked: a state edited or written by something else raises
    ``ValueError`` naming ``source`` and the key.
    """
    if not isinstance(state, Mapping):
        raise ValueError(f"{source}: expected a dict, got {type(state).__name__}")
    expected = {"state_version", "params", *_ARRAYS, "n_documents_", "main_language_"}
    if set(state) != expected:
        raise ValueError(f"{source}: expected the keys {sorted(expected)}, got {sorted(state)}")
    if state["state_version"] != STATE_VERSION:
        raise ValueError(f"{source}: state_version {state['state_version']!r}, this version "
                         f"reads {STATE_VERSION}")
    params = state["params"]
    known = ArticleVectorizer().get_params(deep=False).keys()
    if not isinstance(params, Mapping) or set(params) != set(known):
        raise ValueError(f"{source}: params must name exactly {sorted(known)}")
    values = {name: _plain(name, value) for name, value in params.items()}
    if values["dtype"] not in _DTYPES:
        raise ValueError(f"{source}: params.dtype must be one of {_DTYPES}, "
                         f"got {values['dtype']!r}")
    values["dtype"] = getattr(np, values["dtype"])
    vectorizer = ArticleVectorizer(**values)
    for name in _ARRAYS:
        array = state[name]
        if not isinstance(array, np.ndarray) or array.dtype != np.float64 or array.ndim != 1:
            raise ValueError(f"{source}: {name} must be a 1-d float64 array")
        setattr(vectorizer, name, array)
    n_documents, language = state["n_documents_"], state["main_language_"]
    if not isinstance(n_documents, int) or isinstance(n_documents, bool) or n_documents < 1:
        raise ValueError(f"{source}: n_documents_ must be an integer >= 1, got {n_documents!r}")
    if not isinstance(language, str):
        raise ValueError(f"{source}: main_language_ must be a string, got {language!r}")
    vectorizer.n_documents_ = n_documents
    vectorizer.main_language_ = language
    return vectorizer


def _plain(name: str, value: object) -> Any:
    """``value`` if it is None, a bool, int, float or str (numpy scalars become Python's)."""
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, _PLAIN):
        raise ValueError(f"vectorizer setting {name}: expected a plain value, got "
                         f"{type(value).__name__}")
    return value
