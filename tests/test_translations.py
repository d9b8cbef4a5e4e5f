"""An original and its translations are never each other's related stories."""

from __future__ import annotations

import pytest
from helpers import make_corpus, plain_build

from recommender import BuildConfig, RelatedIndex
from recommender.records import Article

ORIGINAL = Article(id="fr-barrage", language="fr", tags=("Maroc", "Sécheresse", "Barrage"),
                   title="Le barrage Al Massira presque vide",
                   body="Le barrage Al Massira, deuxième réservoir du Maroc, est presque vide "
                        "après six ans de sécheresse.")
ENGLISH = Article(id="en-barrage", language="en", translation_of="fr-barrage",
                  tags=("Maroc", "Sécheresse", "Barrage"),
                  title="The Al Massira dam is almost empty",
                  body="The Al Massira dam, Morocco's second reservoir, is almost empty after "
                       "six years of drought.")
SPANISH = Article(id="es-barrage", language="none", translation_of="fr-barrage",
                  tags=("Maroc", "Sécheresse", "Barrage"),
                  title="La presa Al Massira casi vacía",
                  body="La presa Al Massira, segundo embalse de Marruecos, está casi vacía.")
GROUP = {"fr-barrage", "en-barrage", "es-barrage"}


@pytest.fixture(scope="module")
def corpus() -> list[Article]:
    return [ORIGINAL, ENGLISH, SPANISH, *make_corpus(per_cluster=6, seed=9)]


def _ids(results) -> set[str]:
    return {r.id for r in results}


@pytest.mark.parametrize("n_neighbors", [3, 20])  # 3: the translations fill the stored row
def test_translations_are_never_related(corpus, n_neighbors):
    index = plain_build(corpus, BuildConfig(n_neighbors=n_neighbors))
    plain = plain_build([a for a in corpus if a.id != "es-barrage"] +
                               [Article(id="es-barrage", title=SPANISH.title, body=SPANISH.body,
                                        tags=SPANISH.tags, language="none")],
                               BuildConfig(n_neighbors=n_neighbors))
    assert "es-barrage" in _ids(plain.related("en-barrage", k=3))  # they would be, ungrouped
    for member in GROUP:
        got = index.related(member, k=3)
        assert len(got) == 3 and not _ids(got) & GROUP, member
    draft = Article(id="draft", title="Al Massira", tags=("Barrage",), language="fr",
                    translation_of="fr-barrage")
    assert not _ids(index.similar(draft, k=5)) & GROUP
    untied = Article(id="draft", title="Al Massira", tags=("Barrage",), language="fr")
    assert _ids(index.similar(untied, k=5)) & GROUP  # a draft of its own may show them


def test_groups_survive_save_load_and_grow_with_add(corpus, tmp_path):
    base = [a for a in corpus if a.id not in {"fr-barrage", "es-barrage"}]
    index = plain_build(base, BuildConfig(n_neighbors=10))
    index.add([ORIGINAL])  # the original arrives after its English translation
    assert "en-barrage" not in _ids(index.related("fr-barrage", k=10))
    index.add([SPANISH])  # a second translation joins the group
    assert not _ids(index.related("es-barrage", k=10)) & GROUP
    index.save(tmp_path / "idx")
    loaded = RelatedIndex.load(tmp_path / "idx")
    for member in GROUP:
        assert loaded.related(member, k=5) == index.related(member, k=5)
        assert not _ids(loaded.related(member, k=5)) & GROUP
