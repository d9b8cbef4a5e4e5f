"""The evaluation harness: links, protocols, sweeps, reports and the evaluate command."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import make_corpus, plain_build
from sklearn.metrics.pairwise import cosine_similarity

from recommender.cli.evaluate import evaluate_command
from recommender.config.build import BuildConfig
from recommender.corpus.reader import read_articles, write_articles
from recommender.errors import ConfigError, CorpusError, RecommenderError
from recommender.evaluation import harness
from recommender.evaluation import sweep as sweep_module
from recommender.evaluation.harness import evaluate, evaluate_per_query
from recommender.evaluation.links import Link, links_from_articles, read_links
from recommender.evaluation.report import write_report
from recommender.evaluation.sweep import SweepResult, parse_sweep_option, sweep
from recommender.index.related_index import RelatedIndex
from recommender.query.config import QueryConfig
from recommender.records import Article

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
HAND_CONFIG = BuildConfig(tag_weight=0.0, max_df=1.0, stem=False, stop_words=False,
                          title_weight=1.0)


@pytest.fixture(scope="module")
def hand() -> tuple[RelatedIndex, list[Article]]:
    """Four articles whose rankings are a: b c d and c: a b d (checked below)."""
    arts = [Article(id="a", title="pomme poire cerise"),
            Article(id="b", title="pomme poire cerise fraise"),
            Article(id="c", title="pomme poire kiwi"),
            Article(id="d", title="pomme banane mangue")]
    index = plain_build(arts, HAND_CONFIG)  # the metrics by hand read the plain ranking
    assert [r.id for r in index.related("a", k=3)] == ["b", "c", "d"]
    assert [r.id for r in index.related("c", k=3)] == ["a", "b", "d"]
    return index, arts


@pytest.fixture(scope="module")
def clustered() -> tuple[RelatedIndex, list[Article]]:
    arts = make_corpus(per_cluster=8)
    # the synthetic stories draw on 8 words each: many look like copies to the default
    # dedupe, so the harness is tested on the plain ranking
    return plain_build(arts), arts


# -- the harness by hand --------------------------------------------------------------------


def test_metrics_match_a_hand_computation(hand):
    index, _ = hand
    links = [Link("a", "c"), Link("a", "d"), Link("c", "b")]
    m = evaluate(index, links, k=3, ks=(1, 2), latency=False)
    # a -> ranked b c d, relevant {c, d}: AP@3 = (1/2 + 2/3) / 2 = 7/12, RR = 1/2
    # c -> ranked a b d, relevant {b}:    AP@3 = 1/2,                 RR = 1/2
    assert m["MAP@3"] == pytest.approx((7 / 12 + 1 / 2) / 2)
    assert m["MRR"] == pytest.approx(0.5)
    assert m["P@1"] == 0.0
    assert m["P@2"] == pytest.approx(0.5)
    assert m["R@2"] == pytest.approx((1 / 2 + 1) / 2)
    assert m["R@3"] == pytest.approx(1.0)
    ndcg_a = (1 / math.log2(3) + 1 / 2) / (1 + 1 / math.log2(3))
    ndcg_c = (1 / math.log2(3)) / 1
    assert m["nDCG@3"] == pytest.approx((ndcg_a + ndcg_c) / 2)
    assert m["queries"] == 2 and m["links"] == 3 and m["links_used"] == 3
    assert m["coverage"] == pytest.approx(1.0)  # {b,c,d} | {a,b,d} is the whole index


def test_diversity_is_one_minus_cosine_of_the_index_vectors(hand):
    index, _ = hand
    m = evaluate(index, [Link("a", "c")], k=3, ks=(3,), latency=False)
    cos = cosine_similarity(index.vectors(["b", "c", "d"]))
    expected = np.mean([1 - cos[0, 1], 1 - cos[0, 2], 1 - cos[1, 2]])
    assert m["diversity"] == pytest.approx(expected)
    assert 0.0 < m["diversity"] < 1.0


def test_missing_self_and_duplicate_links_are_counted_not_dropped(hand):
    index, _ = hand
    links = [Link("a", "c"), Link("a", "a"), Link("a", "zzz"), Link("ghost", "b"),
             Link("a", "c", 2.0), Link("c", "b")]
    m = evaluate(index, links, k=3, ks=(3,), latency=False)
    assert (m["links"], m["links_self"], m["links_missing"], m["links_duplicate"],
            m["links_used"]) == (6, 1, 2, 1, 2)
    parts = ("links_used", "links_self", "links_missing", "links_duplicate",
             "links_unreachable", "links_sampled_out")
    assert sum(m[p] for p in parts) == m["links"]
    assert m["queries"] == 2  # ghost has no usable link, so it is not a query


def test_graded_links_change_ndcg_but_not_precision_or_recall(hand):
    index, _ = hand
    flat = evaluate(index, [Link("a", "c"), Link("a", "d")], k=3, ks=(3,), latency=False)
    graded = evaluate(index, [Link("a", "c"), Link("a", "d", 3.0)], k=3, ks=(3,),
                      latency=False)
    for key in ("P@3", "R@3", "MAP@3", "MRR"):
        assert graded[key] == flat[key]
    # ranked b c d: DCG = 1/log2(3) + 3/log2(4); ideal = 3 + 1/log2(3)
    ideal = 3 + 1 / math.log2(3)
    assert graded["nDCG@3"] == pytest.approx((1 / math.log2(3) + 1.5) / ideal)
    assert graded["nDCG@3"] != pytest.approx(flat["nDCG@3"])


def test_latency_percentiles_are_reported_on_request(hand):
    index, arts = hand
    links = [Link("a", "c")]
    with_latency = evaluate(index, links, k=3, ks=(3,))
    assert with_latency["latency_p50_ms"] >= 0 and "latency_p99_ms" in with_latency
    assert not any(key.startswith("latency") for key in
                   evaluate(index, links, k=3, ks=(3,), latency=False))


def test_articles_give_their_related_links_in_order():
    arts = [Article(id="x", title="t", related=("z", "y")), Article(id="y", title="t")]
    assert links_from_articles(arts) == [Link("x", "z"), Link("x", "y")]


def test_bad_arguments_name_the_value_and_remedy(hand, clustered):
    index, arts = hand
    with pytest.raises(ValueError, match="unknown protocol 'warm'"):
        evaluate(index, [Link("a", "c")], protocol="warm")
    with pytest.raises(ValueError, match="pass articles="):
        evaluate(index, [Link("a", "c")], protocol="cold")
    with pytest.raises(ValueError, match="k >= 1"):
        evaluate(index, [Link("a", "c")], k=0)
    with pytest.raises(RecommenderError, match="no query left to score.*1 with an id missing"):
        evaluate(index, [Link("a", "nope")])
    with pytest.raises(ValueError, match="n_folds >= 2"):
        evaluate(index, [Link("a", "c")], articles=arts, protocol="cold", n_folds=1)
    big, big_arts = clustered
    with pytest.raises(RecommenderError, match="indexed id"):
        evaluate(big, big_arts[:10], protocol="cold")


def test_max_queries_samples_with_a_seed(clustered):
    index, arts = clustered
    one = evaluate_per_query(index, arts, max_queries=10, seed=3, latency=False)
    two = evaluate_per_query(index, arts, max_queries=10, seed=3, latency=False)
    assert [q.id for q in one.queries] == [q.id for q in two.queries]
    assert one.metrics["queries"] == 10
    m = one.metrics
    assert m["links_used"] + m["links_sampled_out"] == m["links"] > m["links_used"]


# -- protocols ------------------------------------------------------------------------------


def test_indexed_protocol_scores_the_clustered_corpus_well(clustered):
    index, arts = clustered
    result = evaluate_per_query(index, arts, k=10, latency=False)
    m = result.metrics
    assert m["queries"] == 35 and m["links"] == m["links_used"] == 65
    assert m["R@10"] == 1.0 and m["Hit@10"] == 1.0  # a cluster has 7 other members
    section = {a.id: a.section for a in arts}
    for row in result.queries:
        assert {section[r] for r in row.ranked[:7]} == {section[row.id]}
    by_id = {q.id: q for q in result.queries}
    assert set(by_id["eau-3"].relevant) == {"eau-1", "eau-2"}
    assert "eau-3" not in by_id["eau-3"].ranked


def test_cold_protocol_holds_each_fold_out_of_a_fresh_index(clustered, monkeypatch):
    index, arts = clustered
    built: list[set[str]] = []
    real_build = RelatedIndex.build

    def spy(articles, config=None, **kwargs):
        articles = list(articles)
        built.append({a.id for a in articles})
        assert config == index.config
        return real_build(articles, config, **kwargs)

    monkeypatch.setattr(harness.RelatedIndex, "build", spy)
    result = evaluate_per_query(index, arts, protocol="cold", n_folds=3, latency=False)
    m = result.metrics
    everything = set(index.ids)
    held = [everything - ids for ids in built]
    queries = {a.id for a in arts if a.related}
    assert len(built) == 3 and set().union(*held) == queries
    assert sum(len(h) for h in held) == len(queries)  # folds are disjoint
    fold_of = {q: n for n, h in enumerate(held) for q in h}
    expected_unreachable = sum(1 for a in arts for t in a.related
                               if fold_of.get(t) == fold_of[a.id])
    assert m["links_unreachable"] == expected_unreachable > 0
    assert m["links_used"] + m["links_unreachable"] == m["links"]
    assert m["queries"] + m["queries_skipped"] == len(queries)
    for row in result.queries:
        assert not set(row.relevant) & held[fold_of[row.id]]
        assert not set(row.ranked) & held[fold_of[row.id]]
    assert m["R@10"] > 0.8


def test_cold_leave_one_out_reaches_every_target(clustered):
    index, arts = clustered
    m = evaluate(index, arts, protocol="cold", n_folds=1000, latency=False)
    assert m["links_unreachable"] == 0 and m["queries"] == 35


def test_as_of_date_only_recommends_older_articles(clustered):
    index, arts = clustered
    by_id = {a.id: a for a in arts}
    forward = [Link(a.id, b.id) for a, b in zip(arts, arts[1:], strict=False)
               if a.section == b.section]  # each article -> the next week's
    links = links_from_articles(arts) + forward
    result = evaluate_per_query(index, links, articles=arts, protocol="as-of-date",
                                latency=False)
    m = result.metrics
    assert m["links_unreachable"] == len(forward)
    assert m["links_used"] == 65 and m["queries"] == 35
    assert m["queries_skipped"] == 5  # the first article of each cluster links only forward
    for row in result.queries:
        day = by_id[row.id].published
        assert row.ranked and all(by_id[r].published < day for r in row.ranked)


def test_as_of_date_skips_undated_queries_and_targets():
    arts = make_corpus(per_cluster=4)
    undated = Article(id="eau-x", title="Sécheresse barrage pluie", tags=("Eau",),
                      section="eau", related=("eau-0", "eau-1"))
    no_date_target = Article(id="eau-y", title="Sécheresse nappe", tags=("Eau",),
                             section="eau", related=())
    arts = [*arts, undated, no_date_target]
    index = RelatedIndex.build(arts)
    links = [*links_from_articles(arts), Link("eau-3", "eau-y")]
    m = evaluate(index, links, articles=arts, protocol="as-of-date", latency=False)
    assert m["links_unreachable"] == 3  # two of the undated query, one undated target
    assert m["queries_skipped"] == 1


# -- links files ----------------------------------------------------------------------------


def test_read_links_from_csv_tsv_and_jsonl(tmp_path):
    (tmp_path / "l.csv").write_text("Source,target,grade,note\na,b,2,x\n\nc, d ,,y\n",
                                    encoding="utf-8")
    (tmp_path / "l.tsv").write_text("target\tsource\nb\ta\n", encoding="utf-8")
    (tmp_path / "l.jsonl").write_text('{"source": 1, "target": "b", "grade": 0.5}\n\n'
                                      '{"source": "c", "target": "d"}\n', encoding="utf-8")
    assert read_links(tmp_path / "l.csv") == [Link("a", "b", 2.0), Link("c", "d", 1.0)]
    assert read_links(tmp_path / "l.tsv") == [Link("a", "b")]
    assert read_links(tmp_path / "l.jsonl") == [Link("1", "b", 0.5), Link("c", "d")]


@pytest.mark.parametrize(("name", "text", "match"), [
    ("bad.csv", "source,target,grade\na,b,1\nc,d,zero\n",
     r"bad.csv, line 3, field 'grade'.*'zero'"),
    ("neg.csv", "source,target,grade\na,b,-1\n", r"line 2, field 'grade'.*'-1'"),
    ("cols.csv", "source,dest\na,b\n", r"cols.csv, line 1: missing column 'target'"),
    ("short.csv", "source,target\na\n", r"line 2, field 'target': missing value"),
    ("empty.csv", "source,target\n ,b\n", r"line 2, field 'source': expected a non-empty id"),
    ("bad.jsonl", '{"source": "a", "target": "b"}\n{"source": "a",\n',
     r"bad.jsonl, line 2, column \d+: invalid JSON: .*; expected one object a line"),
    ("field.jsonl", '{"source": "a"}\n', r"line 1: missing field 'target'"),
    ("grade.jsonl", '{"source": "a", "target": "b", "grade": true}\n',
     r"line 1, field 'grade'.*True"),
    ("list.jsonl", '["a", "b"]\n', r"line 1: expected a JSON object, got \['a', 'b'\] \(list\)"),
])
def test_read_links_errors_name_file_line_and_field(tmp_path, name, text, match):
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(CorpusError, match=match):
        read_links(tmp_path / name)


def test_read_links_missing_file_and_bad_link():
    with pytest.raises(CorpusError, match="does-not-exist.csv' does not exist"):
        read_links("does-not-exist.csv")
    with pytest.raises(ValueError, match="grade > 0, got grade=0"):
        Link("a", "b", 0)


# -- sweep ----------------------------------------------------------------------------------


def test_sweep_ranks_by_map_and_writes_a_loadable_best_config(tmp_path):
    arts = make_corpus(per_cluster=6)
    results = sweep(arts, BuildConfig(), {"tag_weight": [0.0, 0.8], "title_weight": ["1", 3]},
                    k=5, ks=(5,))
    assert len(results) == 4
    maps = [r.metrics["MAP@5"] for r in results]
    assert maps == sorted(maps, reverse=True)
    assert {(r.changes["tag_weight"], r.changes["title_weight"]) for r in results} == {
        (0.0, 1.0), (0.0, 3.0), (0.8, 1.0), (0.8, 3.0)}
    best = results[0]
    assert best.config == BuildConfig().replace(**best.changes) and best.build_seconds > 0
    index = RelatedIndex.build(arts, best.config)
    assert best.metrics["MAP@5"] == evaluate(index, arts, k=5, ks=(5,))["MAP@5"]
    (tmp_path / "best.toml").write_text(best.config.to_toml(), encoding="utf-8")
    assert BuildConfig.from_toml(tmp_path / "best.toml") == best.config


def test_sweep_reuses_identical_configs_and_keeps_grid_order_on_ties(monkeypatch):
    arts = make_corpus(per_cluster=4)
    calls = []
    real_build = RelatedIndex.build

    def counting(articles, config=None, **kwargs):
        calls.append(config)
        return real_build(articles, config, **kwargs)

    monkeypatch.setattr(sweep_module.RelatedIndex, "build", counting)
    results = sweep(arts, BuildConfig(), {"block_mib": [64, 32, 128],
                                          "tag_weight": [0.3, 0.30]})
    assert len(calls) == 1  # block_mib changes no result; 0.3 == 0.30
    assert [r.changes["block_mib"] for r in results] == [64, 64, 32, 32, 128, 128]
    assert len({r.metrics["MAP@10"] for r in results}) == 1


def test_sweep_rejects_unknown_fields_and_empty_values():
    with pytest.raises(ConfigError, match="unknown sweep setting.*tag_wieght.*valid settings "
                                          "are language, title_weight"):
        sweep(make_corpus(2), BuildConfig(), {"tag_wieght": [0.1]})
    with pytest.raises(ConfigError, match="non-empty list"):
        sweep(make_corpus(2), BuildConfig(), {"tag_weight": []})
    # limits are checked on every grid point before anything is built
    with pytest.raises(ConfigError, match=r"sweep point tag_weight=2:.*tag_weight <= 1"):
        sweep([], BuildConfig(), {"tag_weight": [0.5, 2]})


def test_parse_sweep_option_coerces_like_the_config():
    assert parse_sweep_option("tag-weight=0, 0.5,1") == ("tag_weight", [0.0, 0.5, 1.0])
    assert parse_sweep_option("min_df=1,0.01") == ("min_df", [1, 0.01])
    # "none" is the language-neutral analyzer, as from Python; "auto" (None) detects
    assert parse_sweep_option("language=none,fr") == ("language", ["none", "fr"])
    with pytest.raises(ConfigError, match=r"--sweep 'bigrams=maybe'.*true or false"):
        parse_sweep_option("bigrams=maybe")
    with pytest.raises(ConfigError, match=r"--sweep 'n_neighbors=10,1.5'.*whole number.*1.5"):
        parse_sweep_option("n_neighbors=10,1.5")
    with pytest.raises(ConfigError, match=r"unknown setting 'speed'.*valid settings"):
        parse_sweep_option("speed=1,2")
    with pytest.raises(ConfigError, match="expected FIELD=V1,V2"):
        parse_sweep_option("tag_weight")


# -- reports --------------------------------------------------------------------------------


def _sweep_results() -> list[SweepResult]:
    base = BuildConfig()
    rows = []
    for i, (tw, bg) in enumerate([(0.0, False), (0.5, False), (0.0, True), (0.5, True)]):
        metrics = {"MAP@10": 0.5 - i / 10, "nDCG@10": 0.6, "MRR": 0.7, "R@10": 0.8}
        rows.append(SweepResult(base.replace(tag_weight=tw, bigrams=bg),
                                {"tag_weight": tw, "bigrams": bg}, metrics, 1.5))
    return rows


def test_report_writes_json_and_markdown(tmp_path, hand, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    index, _ = hand
    ev = evaluate_per_query(index, [Link("a", "c"), Link("c", "b")], k=3, ks=(1, 3))
    paths = write_report(tmp_path / "out", ev.metrics, per_query=ev, sweep=_sweep_results(),
                         title="Hand corpus", k=10)
    assert sorted(p.name for p in paths) == ["report.json", "report.md"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.json", "report.md"]
    doc = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert doc["metrics"] == ev.metrics and doc["title"] == "Hand corpus"
    assert [q["id"] for q in doc["per_query"]] == ["a", "c"]
    assert doc["sweep"][0]["rank"] == 1 and doc["sweep"][0]["config"]["tag_weight"] == 0.0
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Hand corpus")
    assert f"| 3 | {ev.metrics['P@3']:.4f} |" in md
    assert "| 1 | tag_weight=0.0 bigrams=False | 0.5000 |" in md
    assert "| a |" in md  # hardest queries


def test_report_draws_plots_with_matplotlib(tmp_path, hand):
    pytest.importorskip("matplotlib")
    index, _ = hand
    m = evaluate(index, [Link("a", "c"), Link("c", "b")], k=3, ks=(1, 2, 3))
    paths = write_report(tmp_path, m, sweep=_sweep_results(), k=10)
    names = sorted(p.name for p in paths)
    assert names == ["metrics_at_k.png", "report.json", "report.md", "sweep.png"]
    for name in ("metrics_at_k.png", "sweep.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one_param = [SweepResult(r.config, {"tag_weight": r.changes["tag_weight"]}, r.metrics, 1.0)
                 for r in _sweep_results()[:2]]
    write_report(tmp_path / "bars", m, sweep=one_param, k=10)
    assert (tmp_path / "bars" / "sweep.png").stat().st_size > 1000


# -- command line ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli")
    arts = make_corpus(per_cluster=6)
    write_articles(arts, root / "corpus.jsonl")
    RelatedIndex.build(arts).save(root / "idx")
    return root / "idx", root / "corpus.jsonl"


def test_cli_prints_a_table_and_json_matching_the_library(saved):
    idx, corpus = saved
    runner = CliRunner()
    table = runner.invoke(evaluate_command, [str(idx), str(corpus), "-k", "5,10", "-q"])
    assert table.exit_code == 0, table.output
    assert "queries" in table.stdout and "MAP" in table.stdout and "nDCG" in table.stdout
    result = runner.invoke(evaluate_command, [str(idx), str(corpus), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    expected = evaluate(RelatedIndex.load(idx), read_articles(corpus), k=10, ks=(5, 10))
    assert doc["metrics"]["MAP@10"] == pytest.approx(expected["MAP@10"])
    assert doc["protocol"] == "indexed" and doc["k"] == 10


def test_cli_cold_protocol_links_file_and_report(saved, tmp_path):
    idx, corpus = saved
    (tmp_path / "links.csv").write_text("source,target\neau-1,eau-0\neau-2,missing\n",
                                        encoding="utf-8")
    result = CliRunner().invoke(evaluate_command, [
        str(idx), str(corpus), "--links", str(tmp_path / "links.csv"), "--protocol", "cold",
        "--folds", "2", "-k", "3", "--json", "--report", str(tmp_path / "rep")])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics["links"] == 2 and metrics["links_missing"] == 1 and "MAP@3" in metrics
    assert (tmp_path / "rep" / "report.json").is_file()
    assert (tmp_path / "rep" / "report.md").is_file()


def test_cli_sweep_writes_the_best_config(saved, tmp_path):
    idx, corpus = saved
    best = tmp_path / "best.toml"
    result = CliRunner().invoke(evaluate_command, [
        str(idx), str(corpus), "--sweep", "tag_weight=0,0.6", "--best-config", str(best)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["rank", "changes", "MAP@10"]
    assert lines[1].split()[0] == "1" and len(lines) >= 3
    assert f"best configuration written to {best}" in result.stdout
    config = BuildConfig.from_toml(best)
    assert config.tag_weight == float(lines[1].split()[1].split("=")[1])
    base = RelatedIndex.load(idx).config
    assert config.replace(tag_weight=base.tag_weight) == base


def test_cli_errors(saved, tmp_path):
    idx, corpus = saved
    runner = CliRunner()
    missing = runner.invoke(evaluate_command, [str(tmp_path / "none"), str(corpus)])
    assert missing.exit_code == 1 and "Error:" in missing.output
    assert len(missing.output.strip().splitlines()) == 1
    bad_k = runner.invoke(evaluate_command, [str(idx), str(corpus), "-k", "five"])
    assert bad_k.exit_code == 2 and "e.g. -k 5,10" in bad_k.output
    bad_sweep = runner.invoke(evaluate_command, [str(idx), str(corpus), "--sweep", "speed=1"])
    assert bad_sweep.exit_code == 1 and "valid settings" in bad_sweep.output
    no_links = runner.invoke(evaluate_command, [str(idx), str(corpus), "--links", "nope.csv"])
    assert no_links.exit_code == 1 and "nope.csv" in no_links.output


# -- the real corpus ------------------------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "vdd_fr" / "articles.jsonl").is_file(),
                    reason="shared corpus vdd_fr not found")
def test_three_protocols_on_vdd_fr():
    arts = read_articles(SHARED / "vdd_fr" / "articles.jsonl")
    index = RelatedIndex.build(arts, n_jobs=1)
    indexed = evaluate(index, arts, k=10)
    assert indexed["queries"] == 2066 and indexed["links_missing"] == 0
    assert indexed["MAP@10"] > 0.25 and indexed["R@10"] > 0.45  # measured 0.35 / 0.56
    cold = evaluate(index, arts, k=10, protocol="cold", n_folds=2, max_queries=400)
    assert cold["queries"] + cold["queries_skipped"] == 400
    assert cold["links_unreachable"] > 0 and cold["MAP@10"] > 0.2
    dated = evaluate(index, arts, k=10, protocol="as-of-date")
    assert dated["links_unreachable"] > 0 and dated["MAP@10"] > 0.2
    for m in (indexed, cold, dated):
        assert m["links"] == sum(m[key] for key in (
            "links_used", "links_self", "links_missing", "links_duplicate",
            "links_unreachable", "links_sampled_out"))


def test_evaluation_never_shows_the_graded_links_first():
    arts = make_corpus(per_cluster=8)
    index = plain_build(arts)
    with pytest.raises(ValueError, match="curated_first"):
        evaluate(index, arts, k=10, latency=False, query=QueryConfig(curated_first=True))
    # the default: the index's rules without editor links first, so not a perfect score
    # (with them first every query would hit its links at the top)
    index.query = QueryConfig(curated_first=True, min_score=0.0, dedupe=None,
                              same_language=False, fallback=())
    assert evaluate(index, arts, k=2, ks=(2,), latency=False)["P@2"] < 1.0
    linked = next(a for a in arts if len(a.related) >= 2)
    assert [r.id for r in index.related(linked.id, k=2)] == list(linked.related[:2])
