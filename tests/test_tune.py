"""tune: a learned ranking chosen by cross-validation, stored as arrays, served by
related(), similar() and updates alike."""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import date_rule_index, make_corpus

from recommender import QueryConfig, RelatedIndex
from recommender.cli import main
from recommender.corpus.reader import write_articles
from recommender.learn.tune import tune

PLAIN = QueryConfig.plain()


@pytest.fixture(scope="module")
def dated_rule():
    """Editors link the stories published 1-20 days after the source: a rule of dates
    the formula cannot see (the similarity of these stories ignores dates)."""
    return date_rule_index(seed=3, days=20)


def hits(index, arts, k=5, extra=()):
    by_id = {a.id: a for a in [*arts, *extra]}
    good = total = 0
    for a in arts:
        for r in index.related(a.id, k=k, query=PLAIN):
            total += 1
            good += 1 <= (by_id[r.id].published - a.published).days <= 20
    return good / total


def test_the_learned_rule_orders_the_served_lists(dated_rule, tmp_path):
    index, arts = dated_rule
    tuned, report = tune(index, arts, n_folds=4)
    assert report.chosen in {"trees", "linear"}
    summary = report.cv.summary()
    assert summary[report.chosen]["mean"] > summary["formula"]["mean"] + 0.3
    assert hits(index, arts) < 0.6 and hits(tuned, arts) > 0.9  # the formula's lists, then
    assert index._parts.learned is None  # the given index is left as it was
    tuned.save(tmp_path / "tuned")
    loaded = RelatedIndex.load(tmp_path / "tuned")
    assert loaded.info()["learned"]["model"] == report.chosen
    assert [r.id for r in loaded.related(arts[3].id, k=5)] == \
        [r.id for r in tuned.related(arts[3].id, k=5)]
    before, after = tuned._parts.learned.adjacency, loaded._parts.learned.adjacency
    assert before.nnz > 0 and (before != after).nnz == 0  # the links it reads, kept
    # the model is arrays, read without unpickling: only the vectorizer is a joblib file
    joblib_files = sorted(p.name for p in (tmp_path / "tuned").glob("*.joblib"))
    assert joblib_files == ["vectorizer.joblib"]
    stored = np.load(tmp_path / "tuned" / "learned_value.npy", allow_pickle=False)
    assert stored.dtype == np.float64 and stored.size > 0


def test_similar_and_updates_use_the_learned_ranking(dated_rule):
    index, arts = dated_rule
    tuned, _ = tune(index, arts, n_folds=4)
    for a in arts[:10]:  # an indexed article searched as a draft: the same list
        assert [r.id for r in tuned.similar(a, k=5, query=PLAIN)] == \
            [r.id for r in tuned.related(a.id, k=5, query=PLAIN)]
    by_id = {a.id: a for a in arts}
    draft = dataclasses.replace(arts[40], id="draft-40")
    later = [r.id for r in tuned.similar(draft, k=3, query=PLAIN)]
    assert sum(1 <= (by_id[i].published - draft.published).days <= 20 for i in later) >= 2
    copy = dataclasses.replace(arts[7], id="copy-7", related=())
    tuned.add([copy])
    assert tuned._parts.learned is not None
    assert len(tuned._parts.learned.links_in) == tuned.table.n_rows
    assert hits(tuned, arts[:60], extra=[copy, *arts[60:]]) > 0.85


def test_too_few_links_keep_the_formula(tmp_path):
    arts = make_corpus(per_cluster=3)
    index = RelatedIndex.build(arts)
    same, report = tune(index, arts)
    assert same is index and report.chosen == "formula" and "at least" in report.reason
    write_articles(arts, tmp_path / "c.jsonl")
    index.save(tmp_path / "idx")
    before = (tmp_path / "idx" / "manifest.json").read_bytes()
    result = CliRunner().invoke(main, ["tune", os.fspath(tmp_path / "idx"),
                                       os.fspath(tmp_path / "c.jsonl"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["chosen"] == "formula" and doc["index"] is None
    assert (tmp_path / "idx" / "manifest.json").read_bytes() == before


def test_the_cli_writes_a_tuned_index_and_info_says_so(dated_rule, tmp_path):
    index, arts = dated_rule
    index.save(tmp_path / "idx")
    write_articles(arts, tmp_path / "c.jsonl")
    result = CliRunner().invoke(main, ["tune", os.fspath(tmp_path / "idx"),
                                       os.fspath(tmp_path / "c.jsonl"), "-o",
                                       os.fspath(tmp_path / "tuned"), "--folds", "4"])
    assert result.exit_code == 0, result.output
    assert "chosen: " in result.stdout and "MAP@10" in result.stdout
    card = (tmp_path / "tuned" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Learned ranking" in card and "formula:" in card
    info = CliRunner().invoke(main, ["info", os.fspath(tmp_path / "tuned")]).stdout
    assert "learned: " in info
    assert "formula (not tuned)" in CliRunner().invoke(
        main, ["info", os.fspath(tmp_path / "idx")]).stdout


def test_evaluating_a_tuned_index_on_its_own_links_warns_and_gives_the_cv_figures(
        dated_rule, tmp_path):
    index, arts = dated_rule
    tuned, report = tune(index, arts, n_folds=4)
    tuned.save(tmp_path / "tuned")
    write_articles(arts, tmp_path / "c.jsonl")
    result = CliRunner().invoke(main, ["evaluate", os.fspath(tmp_path / "tuned"),
                                       os.fspath(tmp_path / "c.jsonl"), "-q"])
    assert result.exit_code == 0, result.output
    assert "in-sample" in result.stderr
    assert f"{report.chosen} {report.cv.summary()[report.chosen]['mean']:.4f}" in result.stderr


def test_a_drafts_features_are_its_rows_features(dated_rule):
    """A draft is scored on the same columns as a row; only what needs a stored row
    (its rank among its candidates' rows, its own hub) is read another way."""
    from recommender.learn.features import (
        FEATURES,
        link_adjacency,
        pair_features,
        stored_in_degree,
    )
    from recommender.learn.tuned import Draft, draft_features

    index, arts = dated_rule
    parts = index._parts
    row = 11
    candidates = np.asarray(parts.graph.neighbors[row], dtype=np.int64)
    candidates = candidates[candidates >= 0]
    links_in = np.arange(parts.table.n_rows, dtype=np.float64) % 3
    in_degree = stored_in_degree(parts)
    ids = parts.table.ids
    links = {ids[int(c)]: [ids[int(d)] for d in candidates[::3]] for c in candidates[::2]}
    adjacency = link_adjacency(parts.table.n_rows, parts.table.positions, links)
    as_row = pair_features(parts, np.full(len(candidates), row), candidates, links_in,
                           in_degree, adjacency)
    x = parts.space.X[row]
    sims = as_row[:, FEATURES.index("similarity")]
    draft = Draft(x=x, date=parts.table.published[row],
                  section=int(parts.table.section_codes[row]),
                  tag_codes=parts.table.tags.row(row), hub=float(parts.graph.hubs[row]))
    as_draft = draft_features(parts, draft, candidates, sims, links_in, in_degree, adjacency)
    assert as_row[:, FEATURES.index("neighbour_links_count")].any()
    same = [i for i, name in enumerate(FEATURES) if name not in ("rank", "reverse_rank")]
    np.testing.assert_allclose(as_draft[:, same], as_row[:, same], rtol=1e-5, atol=1e-6)


def test_a_ranking_tuned_on_fewer_features_reads_only_those():
    """Indexes tuned before a feature existed name their features in the manifest; the
    model reads those columns, in that order."""
    from recommender.learn.cv import MODELS
    from recommender.learn.export import LearnedRanker
    from recommender.learn.features import FEATURES
    from recommender.learn.tuned import TunedRanking

    rng = np.random.default_rng(0)
    names = ["title", "similarity", "shared_tags"]
    full = rng.random((200, len(FEATURES)))
    columns = [FEATURES.index(n) for n in names]
    labels = full[:, columns[0]] + full[:, columns[2]] > 1.0
    model = MODELS["linear"]().fit(full[:, columns], labels)
    ranking = TunedRanking(LearnedRanker.from_estimator(model), np.zeros(5), np.zeros(5),
                           None, {"features": names})
    np.testing.assert_allclose(ranking.scores(full), model.predict_proba(full[:, columns])[:, 1],
                               rtol=1e-9)


def test_the_floor_reads_the_similarity_of_a_tuned_index_not_its_probability(dated_rule):
    """A learned score is the probability of a link, far below 0.01 for most candidates:
    flooring it as a similarity would empty the boxes into fallback filler."""
    index, arts = dated_rule
    tuned, _ = tune(index, arts, n_folds=4)
    low = 0
    for a in arts[:30]:
        items = tuned.related(a.id, k=10, curated_first=False)
        assert len(items) == 10 and {r.reason for r in items} == {"similar"}
        low += sum(r.score < tuned.query.min_score for r in items)
    assert low > 0  # the floor would have cut these


@pytest.mark.parametrize("date", ["2024-03-01", None])
@pytest.mark.parametrize("section", [-1, 0])
def test_a_drafts_candidate_columns_compiled_equal_numpy(dated_rule, date, section):
    from recommender.learn.tuned import candidate_columns, candidate_columns_numpy

    index, _ = dated_rule
    parts = index._parts
    n = parts.table.n_rows
    candidates = np.arange(n, dtype=np.int64)[::-1]
    links_in = np.arange(n, dtype=np.float64) % 4
    in_degree = np.arange(n, dtype=np.float64) % 5
    day = np.datetime64(date, "D") if date else np.datetime64("NaT", "D")
    np.testing.assert_allclose(
        candidate_columns(parts, day, section, candidates, links_in, in_degree),
        candidate_columns_numpy(parts, day, section, candidates, links_in, in_degree),
        rtol=1e-12, atol=1e-12)
