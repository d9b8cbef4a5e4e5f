"""The committed golden index (``tests/data/golden-index``, made by ``make_golden.py``):
this version reads it and answers as it did when it was written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from recommender import BuildConfig, IndexFormatError, RelatedIndex
from recommender.corpus import read_articles
from recommender.demo import demo_corpus_path
from recommender.store.directory import FORMAT_VERSION

DATA = Path(__file__).parent / "data"


def test_the_golden_index_loads_and_answers_as_written():
    index = RelatedIndex.load(DATA / "golden-index")
    expected = json.loads((DATA / "golden-answers.json").read_text())
    got = {i: [[r.id, round(r.score, 6)] for r in index.related(i, k=3)] for i in index.ids}
    assert got == expected


def test_a_rebuild_gives_the_golden_neighbours():
    """Same articles, same settings: the engine still finds what it found then."""
    index = RelatedIndex.load(DATA / "golden-index")
    articles = read_articles(demo_corpus_path())[: len(index)]
    rebuilt = RelatedIndex.build(articles, BuildConfig(n_neighbors=index.n_neighbors))
    for a in articles:
        assert [r.id for r in rebuilt.related(a.id, k=3)] == \
            [r.id for r in index.related(a.id, k=3)]


def test_the_golden_index_is_of_the_current_format(tmp_path):
    """A format change must come with a new golden index (and a note on what old indexes
    get): bumping FORMAT_VERSION makes this fail until make_golden.py is run again."""
    manifest = json.loads((DATA / "golden-index" / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    older = tmp_path / "older"
    shutil.copytree(DATA / "golden-index", older)
    manifest["format_version"] = FORMAT_VERSION - 1
    (older / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexFormatError, match="rebuild the index"):
        RelatedIndex.load(older)
