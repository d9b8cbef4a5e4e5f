"""An index's parts to and from its directory (the files are :mod:`recommender.store`'s)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from recommender.config.build import BuildConfig
from recommender.errors import IndexFormatError, IndexIntegrityError
from recommender.index.articles import ArticleTable
from recommender.index.graph import NeighbourGraph
from recommender.index.parts import IndexParts
from recommender.index.space import VectorSpace
from recommender.query.config import QueryConfig
from recommender.search.searcher import SearchSettings
from recommender.store import directory


def counts(parts: IndexParts) -> dict[str, int]:
    """The counts the manifest records."""
    table, space = parts.table, parts.space
    return {
        "articles": len(table), "stored_rows": table.n_rows,
        "features": space.n_features,
        "text_features": space.n_text_features,
        "tags": space.n_tags,
        "sections": len(table.section_names), "languages": len(table.language_names),
        "n_neighbors": parts.graph.n_neighbors,
        "matrix_nnz": int(space.X.nnz),
    }


def save(config: BuildConfig, parts: IndexParts, path: str | os.PathLike[str], *,
         model_card: str | None = None, query: QueryConfig | None = None) -> Path:
    """Every part's arrays, the vectorizer and the manifest (with the default query),
    written atomically."""
    arrays = {**parts.graph.to_arrays(), **parts.space.to_arrays(), **parts.table.to_arrays()}
    info = {"config": config.to_dict(), "query": (query or QueryConfig()).to_dict(),
            "counts": counts(parts)}
    if parts.learned is not None:  # the learned ranking: arrays and what tuning measured
        arrays.update(parts.learned.to_arrays())
        info["learned"] = parts.learned.info
    texts = {"MODEL_CARD.md": model_card} if model_card is not None else None
    return directory.write_index(path, arrays, parts.space.objects(), info, texts)


def load(path: str | os.PathLike[str], *, mmap: bool = True,
         verify: bool = True) -> tuple[BuildConfig, IndexParts, QueryConfig]:
    """The config, parts and default query of an index directory, checked before
    anything is unpickled."""
    stored = directory.read_index(path, mmap=mmap, verify=verify)
    # plain ndarray views of the mapped files: same memory, without np.memmap's
    # per-slice overhead (and accepted by compiled kernels that reject memmaps)
    a = {name: np.asarray(array) for name, array in stored.arrays.items()}
    manifest = stored.manifest
    try:
        config = BuildConfig.from_dict(manifest["config"], source=f"{path}/manifest.json")
        query = QueryConfig.from_dict(manifest["query"], source=f"{path}/manifest.json query")
        space = VectorSpace.from_stored(a, stored.objects, int(manifest["counts"]["features"]),
                                        SearchSettings.from_config(config))
        learned = None
        if manifest.get("learned"):
            from recommender.learn.tuned import TunedRanking

            learned = TunedRanking.from_arrays(manifest["learned"], a)
        parts = IndexParts(ArticleTable.from_arrays(a), NeighbourGraph.from_arrays(a), space,
                           learned)
    except (KeyError, ValueError, TypeError) as exc:
        raise IndexFormatError(f"{path}: index files are inconsistent ({exc!r}); "
                               "rebuild the index") from None
    if not parts.table.n_rows == parts.graph.neighbors.shape[0] == space.X.shape[0]:
        raise IndexFormatError(f"{path}: index files are inconsistent (row counts differ "
                               "between the arrays); rebuild the index")
    _check_counts(path, manifest.get("counts"), counts(parts))
    return config, parts, query


def _check_counts(path: str | os.PathLike[str], recorded: object, found: dict[str, int]) -> None:
    """The manifest's counts are those of the files: a count edited together with the
    manifest's digest is still caught here (a setting cannot be, without a key)."""
    if not isinstance(recorded, dict):
        raise IndexIntegrityError(f"{path}/manifest.json has no counts table; rebuild the index")
    for name, value in found.items():
        if recorded.get(name) != value:
            raise IndexIntegrityError(
                f"{path}/manifest.json: counts.{name} is {recorded.get(name)!r} but the index "
                f"files hold {value}: the manifest was edited; rebuild the index")
