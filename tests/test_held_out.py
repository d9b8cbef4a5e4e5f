"""The formula against a learned ranking on held-out links, per protocol."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import date_rule_index

import recommender.learn.held_out as held_out_module
from recommender.cli import main
from recommender.corpus.reader import write_articles
from recommender.learn.folds import query_folds
from recommender.learn.held_out import compare_held_out
from recommender.learn.tune import tune


@pytest.fixture(scope="module")
def dated_rule():
    return date_rule_index(seed=3, days=20)


def test_each_fold_learns_only_from_links_that_never_touch_it(dated_rule, monkeypatch):
    index, arts = dated_rule
    seen: list[tuple[set[str], dict[str, list[str]]]] = []
    real = held_out_module.fit_ranking

    def spy(ix, links, model, pairs=None, info=None, held_out=()):
        seen.append((set(held_out), {s: list(t) for s, t in links.items()}))
        return real(ix, links, model, pairs, info, held_out)

    monkeypatch.setattr(held_out_module, "fit_ranking", spy)
    result = compare_held_out(index, arts, model="linear", n_folds=3,
                              protocols=("indexed", "cold"))
    queries = [a.id for a in arts if a.related]
    folds = [set(f) for f in query_folds(queries, 3, 0)]
    assert len(seen) == 6  # per fold: the whole index, and the index built without the fold
    for held, links in seen:
        assert held in folds
        assert not held & set(links)
        assert not held & {t for targets in links.values() for t in targets}
        assert links  # and it did learn from something
    summary = result.summary()
    for protocol in ("indexed", "cold"):
        assert summary[protocol]["formula"]["queries"] == summary[protocol]["tuned"]["queries"]
        assert summary[protocol]["tuned"]["queries"] > 0.9 * len(queries)


def test_a_rule_learned_on_other_links_lifts_every_protocol_that_can_score(dated_rule):
    """The editors' date rule is learned from the other folds' links and ranks the
    held-out articles' candidates better than the formula, by id and cold. These editors
    link only newer stories, so as of each story's date nothing is left to score: that
    protocol is reported as skipped, not as a zero."""
    index, arts = dated_rule
    result = compare_held_out(index, arts, model="trees", n_folds=3)
    summary = result.summary()
    for protocol in ("indexed", "cold"):
        formula, tuned = summary[protocol]["formula"], summary[protocol]["tuned"]
        assert tuned["MAP@10"] > formula["MAP@10"] + 0.2, (protocol, formula, tuned)
        assert len(result.map_per_fold[protocol]["tuned"]) == 3
    assert "as-of-date" not in summary and "unreachable" in result.skipped["as-of-date"]
    assert any(line.startswith("| as-of-date | skipped") for line in result.table())


def test_a_tuned_index_is_refused_it_no_longer_holds_the_formula(dated_rule):
    index, arts = dated_rule
    tuned, _ = tune(index, arts, n_folds=3)
    with pytest.raises(ValueError, match="untuned"):
        compare_held_out(tuned, arts)


def test_evaluate_report_of_a_tuned_index_shows_both_rankings_per_protocol(dated_rule,
                                                                           tmp_path):
    index, arts = dated_rule
    tuned, report = tune(index, arts, n_folds=3)
    tuned.save(tmp_path / "tuned")
    corpus = tmp_path / "corpus.jsonl"
    write_articles(arts, corpus)
    result = CliRunner().invoke(main, ["evaluate", str(tmp_path / "tuned"), str(corpus),
                                       "--report", str(tmp_path / "report"), "--folds", "3",
                                       "-q", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    summary = document["held_out"]["summary"]
    assert set(summary) == {"indexed", "cold"}  # as-of-date: every link is to a newer story
    assert "as-of-date" in document["held_out"]["skipped"]
    assert document["held_out"]["model"] == report.chosen
    for protocol in summary.values():
        assert protocol["tuned"]["MAP@10"] > protocol["formula"]["MAP@10"]
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "Formula against the learned ranking" in markdown and "| cold |" in markdown
    stored = json.loads((tmp_path / "report" / "report.json").read_text())
    assert stored["held_out"]["summary"] == summary
