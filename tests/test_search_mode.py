"""query_terms="auto": exact below a size, pruned from it; decided at build, kept after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import clean_environment, make_corpus

import recommender.config.build as build_module
from recommender import BuildConfig, RelatedIndex
from recommender.cli import main
from recommender.config.build import AUTO_PRUNED_FROM, AUTO_QUERY_TERMS
from recommender.config.layers import resolve_config
from recommender.corpus.reader import write_articles
from recommender.errors import ConfigError


def test_auto_is_the_default_and_is_decided_by_size():
    config = BuildConfig()
    assert config.query_terms == "auto" and config.search_mode == "auto"
    small = config.for_archive(AUTO_PRUNED_FROM - 1)
    large = config.for_archive(AUTO_PRUNED_FROM)
    assert small.query_terms is None and small.search_mode == "exact"
    assert large.query_terms == AUTO_QUERY_TERMS and large.search_mode == "pruned"
    # the other fields are untouched; a config that says exact or a number stays as it is
    assert large.replace(query_terms="auto") == config
    for fixed in (BuildConfig(query_terms=None), BuildConfig(query_terms=7)):
        assert fixed.for_archive(10**9) is fixed and fixed.for_archive(1) is fixed


@pytest.mark.parametrize(("written", "stored"), [
    ("auto", "auto"), (" AUTO ", "auto"), ("exact", None), ("none", None), ("", None),
    (None, None), ("25", 25), (25, 25)])
def test_every_spelling_means_one_value(written, stored):
    assert BuildConfig(query_terms=written).query_terms == stored
    assert BuildConfig.from_dict({"query_terms": written}, source="env").query_terms == stored


@pytest.mark.parametrize("bad", ["lots", 0, -3, True, 2.5])
def test_bad_query_terms_name_the_choices(bad):
    with pytest.raises(ConfigError, match=r"expected query_terms >= 1, 'auto' or 'exact'"):
        BuildConfig(query_terms=bad)


@pytest.mark.parametrize("value", ["auto", None, 12])
def test_toml_round_trip_keeps_the_mode(tmp_path: Path, value):
    path = tmp_path / "build.toml"
    path.write_text(BuildConfig(query_terms=value).to_toml(), encoding="utf-8")
    assert BuildConfig.from_toml(path).query_terms == value


def test_environment_spells_exact(monkeypatch: pytest.MonkeyPatch):
    config = resolve_config(toml=None, environ={"RECOMMENDER_QUERY_TERMS": "exact"},
                            overrides={})
    assert config.query_terms is None


def test_build_decides_and_the_saved_index_keeps_it(tmp_path: Path, monkeypatch):
    arts = make_corpus(per_cluster=4)
    small = RelatedIndex.build(arts)
    assert small.config.query_terms is None and not small.space.searcher.settings.pruned
    # a threshold below this corpus's size: the same default config now prunes
    monkeypatch.setattr(build_module, "AUTO_PRUNED_FROM", len(arts))
    large = RelatedIndex.build(arts)
    assert large.config.query_terms == AUTO_QUERY_TERMS
    assert large.space.searcher.settings.pruned
    assert large.info()["config"]["query_terms"] == AUTO_QUERY_TERMS
    large.save(tmp_path / "idx")
    monkeypatch.setattr(build_module, "AUTO_PRUNED_FROM", 10**9)  # the rule may change
    again = RelatedIndex.load(tmp_path / "idx")
    assert again.config.query_terms == AUTO_QUERY_TERMS and again.space.searcher.settings.pruned


def test_build_summary_and_info_show_the_search(tmp_path: Path, monkeypatch):
    corpus = tmp_path / "corpus.jsonl"
    write_articles(make_corpus(per_cluster=4), corpus)
    clean_environment(monkeypatch)
    runner = CliRunner()
    built = runner.invoke(main, ["build", os.fspath(corpus), "-o", os.fspath(tmp_path / "i"),
                                 "-q"], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    assert "search" in built.stdout and "exact (every shared term)" in built.stdout
    pruned = runner.invoke(main, ["build", os.fspath(corpus), "-o", os.fspath(tmp_path / "p"),
                                  "-q", "--set", "query_terms=9", "--json"],
                           catch_exceptions=False)
    assert '"search": "pruned"' in pruned.stdout
    shown = runner.invoke(main, ["info", os.fspath(tmp_path / "p")], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "pruned (query_terms=9, query_max_df=1.0, index_terms=60" in shown.stdout
