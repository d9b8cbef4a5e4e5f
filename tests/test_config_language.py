"""``language`` means the same from Python, TOML, the environment and ``--set``:
None or "auto" detects each article's language, "none" is the language-neutral analyzer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from recommender.analysis import languages as languages_module
from recommender.analysis import register_language
from recommender.config.build import BuildConfig
from recommender.config.layers import parse_assignments, resolve_config
from recommender.errors import ConfigError, CorpusError, RecommenderError
from recommender.records import Article
from recommender.vectorize.vectorizer import ArticleVectorizer

EN = Article(id="en-1", title="The ambassador", body="The director general received the "
             "ambassador of the United States in Morocco, and they spoke of the week.")
Source = Callable[[str | None, Path], BuildConfig]


def from_python(value: str | None, _tmp: Path) -> BuildConfig:
    return BuildConfig(language=value)


def from_toml(value: str | None, tmp: Path) -> BuildConfig:
    path = tmp / "build.toml"  # TOML has no null: None is a missing key
    path.write_text("n_neighbors = 5\n" + (f'language = "{value}"\n' if value else ""),
                    encoding="utf-8")
    return resolve_config(toml=path)


def from_environment(value: str | None, _tmp: Path) -> BuildConfig:
    return resolve_config(environ={"RECOMMENDER_LANGUAGE": value or ""})


def from_set(value: str | None, _tmp: Path) -> BuildConfig:
    return resolve_config(overrides=parse_assignments([f"language={value or ''}"]))


SOURCES = [from_python, from_toml, from_environment, from_set]
# value -> (stored language, analyzer of an English article without a language field)
MEANINGS = {None: (None, "en"), "auto": (None, "en"), "AUTO": (None, "en"),
            "none": ("none", "none"), "fr": ("fr", "fr")}


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.__name__)
@pytest.mark.parametrize("value", list(MEANINGS))
def test_language_has_one_meaning_from_every_source(
    source: Source, value: str | None, tmp_path: Path
) -> None:
    stored, analyzer = MEANINGS[value]
    config = source(value, tmp_path)
    assert config.language == stored
    vectorizer = ArticleVectorizer(language=config.language, max_df=1.0)
    assert vectorizer.article_language(EN) == analyzer
    terms = set(vectorizer.fit([EN]).get_feature_names_out())
    assert terms == set(ArticleVectorizer(language=analyzer, max_df=1.0).fit([EN])
                        .get_feature_names_out())
    if analyzer != "fr":  # the neutral analyzer keeps stop words and does not stem
        assert ("the" in terms, "receiv" in terms) == (analyzer == "none", analyzer == "en")


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.__name__)
def test_unknown_language_is_rejected_from_every_source(source: Source, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"got language='xx'; registered: en, fr, none "
                                          r"\('auto' detects .*register_language\(\)"):
        source("xx", tmp_path)


def test_errors_name_the_layer_that_set_the_language(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^environment: .*'null'.*RECOMMENDER_LANGUAGE"):
        from_environment("null", tmp_path)  # text is taken as it is: "null" is no language
    with pytest.raises(ConfigError, match=r"build.toml: .*language='de'"):
        from_toml("de", tmp_path)
    with pytest.raises(ConfigError, match="expected text or None for language, got 3"):
        BuildConfig(language=3)  # type: ignore[arg-type]


def test_none_survives_every_round_trip(tmp_path: Path) -> None:
    config = BuildConfig(language="none")
    assert BuildConfig.from_dict(config.to_dict()).language == "none"  # index manifest
    (tmp_path / "b.toml").write_text(config.to_toml(), encoding="utf-8")
    assert BuildConfig.from_toml(tmp_path / "b.toml") == config
    assert config.replace(tag_weight=0.3).language == "none"
    assert BuildConfig(language="auto") == BuildConfig() == BuildConfig(language=" Auto ")
    assert "language" not in BuildConfig(language="auto").to_toml()


@pytest.fixture
def scratch_language() -> Iterator[None]:
    before = dict(languages_module._REGISTRY)
    yield
    languages_module._REGISTRY.clear()
    languages_module._REGISTRY.update(before)


def test_a_registered_language_is_accepted_everywhere(scratch_language: None) -> None:
    with pytest.raises(ConfigError, match="language='it'"):
        BuildConfig(language="it")
    register_language("it", frozenset({"il", "della"}), "italian")
    assert BuildConfig(language="it").language == "it"
    assert resolve_config(environ={"RECOMMENDER_LANGUAGE": "it-IT"}).language == "it-IT"


def test_auto_in_the_vectorizer_or_an_article_counts_as_none() -> None:
    fr = Article(id="fr-1", title="Rabat", body="Le directeur a reçu l’ambassadeur des "
                 "États-Unis au Maroc pour une semaine de la coopération.")
    auto = Article(id="fr-2", title=fr.title, body=fr.body, language="auto")
    assert ArticleVectorizer(language="auto").article_language(fr) == "fr"  # detected
    assert ArticleVectorizer(language="auto").article_language(auto) == "fr"
    assert ArticleVectorizer(language="none").article_language(auto) == "none"  # default
    assert ArticleVectorizer(language="auto").article_language(
        Article(id="x", title="t", language="none")) == "none"


def test_an_unknown_article_language_names_the_article() -> None:
    article = Article(id="de-7", title="Der Botschafter", language="de")
    vectorizer = ArticleVectorizer(max_df=1.0)
    with pytest.raises(CorpusError, match=r"^article 'de-7': language field: unknown language "
                                          r"'de'; available: en, fr, none .*register_language"):
        vectorizer.fit_transform([article])
    with pytest.raises(RecommenderError, match="article 'de-7'"):
        vectorizer.fit([EN, article])
