"""Widened candidate lists: a site whose editors keep linking a few help articles that
share little text with the stories gets those articles added to every list, learned,
stored and served."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import make_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender import BuildConfig, QueryConfig, RelatedIndex
from recommender.cli import main
from recommender.corpus.reader import write_articles
from recommender.learn.cv import LINKED, cross_validate
from recommender.learn.features import ALL_FEATURES, FEATURES, most_linked, with_list_features
from recommender.learn.tune import split_ranking, tune

PLAIN = QueryConfig.plain()
HELP = {"fr": "aide-fr", "en": "help-en"}


def _help_site():
    """150 stories in 5 clusters, each linking the two before it in its cluster and its
    language's help article, which shares one word with each cluster and little else."""
    stories = make_corpus(per_cluster=30, seed=5)
    helps = [
        dataclasses.replace(stories[0], id=HELP["fr"], title="Aide aux lecteurs",
                            body="compte abonnement modération commentaire règles charte "
                                 "sécheresse football train", tags=("Aide",),
                            section="aide", language="fr", related=(),
                            published=dt.date(2020, 1, 1)),
        dataclasses.replace(stories[-1], id=HELP["en"], title="Help for readers",
                            body="account subscription moderation comment rules charter "
                                 "inflation rover", tags=("Help",), section="help",
                            language="en", related=(), published=dt.date(2020, 1, 1)),
    ]
    arts = [dataclasses.replace(a, related=(*a.related, HELP[a.language])) for a in stories]
    arts += helps
    return RelatedIndex.build(arts, BuildConfig(n_neighbors=8), query=PLAIN), arts


@pytest.fixture(scope="module")
def help_site():
    index, arts = _help_site()
    tuned, report = tune(index, arts, n_folds=4, widen=6)
    return index, arts, tuned, report


def test_lists_are_widened_when_the_stored_rows_miss_the_links_and_it_pays(help_site):
    index, arts, tuned, report = help_site
    cv = report.cv
    assert cv.recall_at_k < 0.8 and cv.widened == 6
    assert cv.recall_widened > cv.recall_at_k + 0.25  # the help articles are now candidates
    summary = cv.summary()
    assert summary[f"linear{LINKED}"]["mean"] > summary["linear"]["mean"] + 0.1
    assert report.chosen.endswith(LINKED)
    info = tuned.info()["learned"]
    assert info["linked_candidates"] == 6 and info["ranking"] == report.chosen


def test_a_widened_ranking_serves_the_added_articles_and_respects_filters(help_site,
                                                                           tmp_path):
    index, arts, tuned, _ = help_site
    stories = [a for a in arts if a.id not in HELP.values()]
    shown = sum(HELP[a.language] in [r.id for r in tuned.related(a.id, k=5)]
                for a in stories)
    formula = sum(HELP[a.language] in [r.id for r in index.related(a.id, k=5)]
                  for a in stories)
    assert formula < 0.1 * len(stories) and shown > 0.8 * len(stories)
    rules = QueryConfig(curated_first=False)  # same language: an added article is filtered too
    assert all(HELP["en"] not in [r.id for r in tuned.related(a.id, k=5, query=rules)]
               for a in stories if a.language == "fr")
    draft = dataclasses.replace(stories[3], id="draft", related=())
    assert HELP["fr"] in [r.id for r in tuned.similar(draft, k=5)]
    only_eau = [r.id for r in tuned.similar(draft, k=5, sections=("eau",))]
    assert only_eau and HELP["fr"] not in only_eau  # a filter applies to added ones too
    tuned.save(tmp_path / "tuned")
    loaded = RelatedIndex.load(tmp_path / "tuned")
    for a in stories[::17]:
        assert [r.id for r in loaded.related(a.id, k=5)] == \
            [r.id for r in tuned.related(a.id, k=5)]
    assert [r.id for r in loaded.similar(draft, k=5)] == \
        [r.id for r in tuned.similar(draft, k=5)]


def test_stored_rows_that_hold_the_links_are_not_widened():
    arts = make_corpus(per_cluster=12, seed=1)
    index = RelatedIndex.build(arts, BuildConfig(n_neighbors=10), query=PLAIN)
    cv = cross_validate(index, arts, n_folds=3, models=("linear",))
    assert cv.recall_at_k >= 0.8 and cv.widened == 0 and cv.recall_widened is None
    assert set(cv.summary()) == {"formula", "linear"}


def test_list_features_compare_each_pair_with_its_own_list():
    features = np.array([[1.0] * len(FEATURES), [3.0] * len(FEATURES),
                         [0.0] * len(FEATURES), [2.0] * len(FEATURES)])
    features[:, 1] = [0.0, 0.0, 0.0, 0.0]  # a column whose largest is 0
    out = with_list_features(features, np.array([7, 7, 2, 2]))
    assert out.shape == (4, len(ALL_FEATURES))
    col = {name: i for i, name in enumerate(ALL_FEATURES)}
    name = FEATURES[0]
    np.testing.assert_allclose(out[:, col[f"{name}/of_list_max"]], [1 / 3, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(out[:, col[f"{name}/minus_list_mean"]], [-1.0, 1.0, -1.0, 1.0])
    np.testing.assert_array_equal(out[:, col[f"{FEATURES[1]}/of_list_max"]], 0.0)
    np.testing.assert_array_equal(out[:, : len(FEATURES)], features)


def test_most_linked_takes_the_most_linked_live_rows_per_section():
    links_in = np.array([0, 5, 2, 5, 1, 9, 3], dtype=float)
    sections = np.array([0, 0, 0, 1, 1, 1, 0])
    alive = np.array([True, True, True, True, True, False, True])
    assert {k: v.tolist() for k, v in most_linked(links_in, sections, alive, 2).items()} == \
        {0: [1, 6], 1: [3, 4]}
    assert most_linked(links_in, None, alive, 3)[-1].tolist() == [1, 3, 6]
    assert most_linked(np.zeros(3), None, np.ones(3, bool), 2)[-1].tolist() == []


def test_ranking_names_say_the_model_and_the_widening():
    assert split_ranking("trees") == ("trees", 0)
    assert split_ranking(f"linear{LINKED}", 50) == ("linear", 50)
    with pytest.raises(ValueError, match="unknown model"):
        split_ranking("forest")


@settings(max_examples=40, deadline=None)
@given(groups=st.lists(st.integers(0, 4), min_size=1, max_size=30), seed=st.integers(0, 9))
def test_list_features_match_a_per_list_computation(groups, seed):
    rng = np.random.default_rng(seed)
    features = rng.random((len(groups), len(FEATURES))) * rng.integers(0, 2, len(FEATURES))
    groups = np.array(groups)
    out = with_list_features(features, groups)
    m = len(FEATURES)
    for g in np.unique(groups):
        mine = groups == g
        largest, mean = features[mine].max(axis=0), features[mine].mean(axis=0)
        ratio = np.where(largest > 0, features[mine] / np.where(largest > 0, largest, 1), 0)
        np.testing.assert_allclose(out[mine, m::2], ratio)
        np.testing.assert_allclose(out[mine, m + 1::2], features[mine] - mean)
    one = np.zeros(len(groups), dtype=np.int64)
    np.testing.assert_allclose(with_list_features(features, None),
                               with_list_features(features, one))


def test_the_cli_widens_on_request_and_says_so(tmp_path):
    index, arts = _help_site()
    index.save(tmp_path / "idx")
    write_articles(arts, tmp_path / "c.jsonl")
    args = ["tune", os.fspath(tmp_path / "idx"), os.fspath(tmp_path / "c.jsonl"), "-o",
            os.fspath(tmp_path / "tuned"), "--folds", "3", "--linked-candidates"]
    result = CliRunner().invoke(main, [*args, "6", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["linked_candidates"] == 6 and doc["recall_widened"] > doc["recall_at_k"]
    assert doc["chosen"].endswith(LINKED) and f"linear{LINKED}" in doc["cv_map10"]
    off = json.loads(CliRunner().invoke(main, [*args, "0", "--json"]).stdout)
    assert off["linked_candidates"] == 0 and f"linear{LINKED}" not in off["cv_map10"]
