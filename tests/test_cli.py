"""The ``recommender`` command line, run through click's CliRunner on real files."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from helpers import clean_environment, make_corpus

from recommender.cli import demo as _cli_demo
from recommender.cli import main
from recommender.cli.output import ProgressBars, format_table
from recommender.config.build import BuildConfig
from recommender.config.layers import parse_assignments, resolve_config
from recommender.corpus.reader import write_articles
from recommender.demo import DEMO_QUERIES, demo_corpus_path, pick_queries
from recommender.errors import ConfigError
from recommender.index.related_index import RelatedIndex
from recommender.store.model_card import CorpusFile, render_model_card


def run(*args: str | os.PathLike[str], input: str | None = None,
        env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, [os.fspath(a) for a in args], input=input, env=env,
                              catch_exceptions=False)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    """Exit 1, nothing on stdout, one ``Error: ...`` line naming every fragment."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch, columns=100)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    write_articles(make_corpus(), path)
    return path


@pytest.fixture(scope="module")
def index_dir(corpus_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("models") / "site"
    result = CliRunner().invoke(main, ["build", os.fspath(corpus_file), "-o", os.fspath(target),
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    return target


def snapshot(directory: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(directory.iterdir())}


# -- help and version ---------------------------------------------------------------------


# the commands load on demand, so ask the group for them rather than read main.commands
COMMANDS = main.list_commands(click.Context(main))


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMANDS]])
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    # a help text beyond the usage line and the options
    assert len(result.stdout.split("Options:")[0].strip().splitlines()) >= 3


def test_commands_are_the_documented_ones() -> None:
    assert set(COMMANDS) == {"build", "related", "similar", "info", "evaluate", "demo",
                             "update", "tune", "serve"}


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("recommender ")


def test_python_dash_m_runs_the_same_command() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "recommender", "--help"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Usage: recommender" in done.stdout


# -- build ----------------------------------------------------------------------------------


def test_build_prints_a_summary_and_writes_the_index(corpus_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "idx"
    result = run("build", corpus_file, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no progress bars when stderr is not a terminal
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines()
                  if line and not line.startswith(("size", "corpus")))
    assert fields["articles"] == "40"
    assert fields["index"] == os.fspath(target)
    assert "seconds" in fields and "neighbours" in fields["seconds"]
    assert (target / "manifest.json").is_file()
    card = (target / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "corpus.jsonl" in card and "not evaluated yet" in card
    assert len(RelatedIndex.load(target)) == 40


def test_build_json_summary(corpus_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "idx"
    result = run("build", corpus_file, "-o", target, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["articles"] == 40
    assert summary["path"] == os.fspath(target)
    assert set(summary["seconds"]) == {"read", "vectorize", "neighbours", "save"}
    assert summary["bytes_on_disk"] == sum(f.stat().st_size for f in target.iterdir())
    assert summary["corpus"][0]["articles"] == 40
    assert len(summary["corpus"][0]["sha256"]) == 64
    # the config as the build decided it: 40 articles are searched exactly
    assert summary["config"] == BuildConfig().for_archive(40).to_dict()
    assert summary["search"] == "exact" and summary["config"]["query_terms"] is None


def test_build_defaults_to_models_slash_corpus_stem(
    corpus_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", os.fspath(corpus_file), "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "models/corpus/manifest.json").is_file()


def test_build_reads_several_files_and_csv(tmp_path: Path) -> None:
    arts = make_corpus(per_cluster=4)
    write_articles(arts[:10], tmp_path / "a.jsonl")
    lines = ["id,title,tags"] + [f"{a.id},{a.title},{'|'.join(a.tags)}" for a in arts[10:]]
    (tmp_path / "b.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(tmp_path / "b.csv", tmp_path / "b.txt")
    result = run("build", tmp_path / "a.jsonl", tmp_path / "b.csv", "-o", tmp_path / "i", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["articles"] == len(arts)
    assert [f["articles"] for f in summary["corpus"]] == [10, len(arts) - 10]
    # an unknown extension needs --format, and the error says so in command-line terms
    assert_one_line_error(run("build", tmp_path / "b.txt", "-o", tmp_path / "i"),
                          "b.txt", "use --format jsonl", "--format csv")
    result = run("build", tmp_path / "b.txt", "-o", tmp_path / "i", "--format", "csv", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["articles"] == len(arts) - 10


def test_duplicate_ids_across_files_name_both_files(tmp_path: Path) -> None:
    arts = make_corpus(per_cluster=2)
    write_articles(arts, tmp_path / "one.jsonl")
    write_articles(arts[:1], tmp_path / "two.jsonl")
    result = run("build", tmp_path / "one.jsonl", tmp_path / "two.jsonl", "-o", tmp_path / "i")
    assert_one_line_error(result, "two.jsonl", "one.jsonl", repr(arts[0].id))


def test_config_precedence_toml_env_set_option(corpus_file: Path, tmp_path: Path) -> None:
    toml = tmp_path / "build.toml"
    toml.write_text("title_weight = 2\ntag_weight = 0.1\nn_neighbors = 7\nmin_df = 1\n"
                    "bigrams = true\n", encoding="utf-8")
    env: dict[str, str | None] = {"RECOMMENDER_TAG_WEIGHT": "0.2",
                                  "RECOMMENDER_N_NEIGHBORS": "8",
                                  "RECOMMENDER_MIN_DF": "2"}
    result = run("build", corpus_file, "-o", tmp_path / "idx", "--config", toml, "--json",
                 "--set", "min_df=3", "--set", "n_neighbors=11", "--n-neighbors", "9", env=env)
    assert result.exit_code == 0, result.output
    config = json.loads(result.stdout)["config"]
    assert config["title_weight"] == 2.0  # TOML over the default
    assert config["bigrams"] is True  # TOML over the default
    assert config["tag_weight"] == 0.2  # environment over TOML
    assert config["min_df"] == 3  # --set over the environment
    assert config["n_neighbors"] == 9  # a named option over --set
    stored = json.loads(run("info", tmp_path / "idx", "--json").stdout)["config"]
    assert stored == config


def test_named_options_reach_the_config(corpus_file: Path, tmp_path: Path) -> None:
    result = run("build", corpus_file, "-o", tmp_path / "idx", "--json", "--tag-weight", "0.5",
                 "--title-weight", "1", "--same-section", "--language", "fr")
    config = json.loads(result.stdout)["config"]
    assert (config["tag_weight"], config["title_weight"]) == (0.5, 1.0)
    assert (config["same_section"], config["language"]) == (True, "fr")


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["--language", "auto"], None, None),
    (["--set", "language=none"], None, "none"),
    ([], {"RECOMMENDER_LANGUAGE": "none"}, "none"),
    ([], {"RECOMMENDER_LANGUAGE": "auto"}, None),
])
def test_language_auto_detects_and_none_is_the_neutral_analyzer(
    corpus_file: Path, tmp_path: Path, args: list[str], env: dict[str, str | None] | None,
    expected: str | None,
) -> None:
    result = run("build", corpus_file, "-o", tmp_path / "idx", "--json", *args, env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["language"] == expected
    stored = RelatedIndex.load(tmp_path / "idx").config.language
    assert stored == expected


@pytest.mark.parametrize("args", [["--language", "xx"], ["--set", "language=xx"]])
def test_unknown_language_option_exits_1_with_one_line(
    corpus_file: Path, tmp_path: Path, args: list[str]
) -> None:
    result = run("build", corpus_file, "-o", tmp_path / "idx", *args)
    assert_one_line_error(result, "command line", "language='xx'", "registered: en, fr, none",
                          "'auto' detects")
    assert not (tmp_path / "idx").exists()


def test_unknown_article_language_exits_1_with_one_line(tmp_path: Path) -> None:
    corpus = tmp_path / "de.jsonl"
    corpus.write_text('{"id": "fr-1", "title": "Le barrage", "language": "fr"}\n'
                      '{"id": "de-1", "title": "Der Botschafter", "language": "xx"}\n',
                      encoding="utf-8")
    result = run("build", corpus, "-o", tmp_path / "idx")
    assert_one_line_error(result, "article 'de-1'", "unknown language 'xx'",
                          "available: en, fr, none")
    assert not (tmp_path / "idx").exists()


def test_unknown_environment_setting_is_warned_about(corpus_file: Path, tmp_path: Path) -> None:
    result = run("build", corpus_file, "-o", tmp_path / "idx", "-q",
                 env={"RECOMMENDER_TAG_WEIGTH": "0.9"})
    assert result.exit_code == 0
    assert "RECOMMENDER_TAG_WEIGTH" in result.stderr and "RECOMMENDER_TAG_WEIGHT" in result.stderr


@pytest.mark.parametrize(("args", "env", "fragments"), [
    (["--tag-weight", "2"], None, ["tag_weight=2"]),
    (["--set", "tag_weight"], None, ["FIELD=VALUE", "'tag_weight'"]),
    (["--set", "colour=red"], None, ["unknown setting 'colour'"]),
    ([], {"RECOMMENDER_TAG_WEIGHT": "lots"}, ["'lots'", "RECOMMENDER_TAG_WEIGHT"]),
    (["--config", "missing.toml"], None, ["missing.toml", "does not exist"]),
])
def test_bad_settings_exit_1_with_the_value(
    corpus_file: Path, tmp_path: Path, args: list[str], env: dict[str, str | None] | None,
    fragments: list[str],
) -> None:
    result = run("build", corpus_file, "-o", tmp_path / "idx", *args, env=env)
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "idx").exists()


def test_jobs_zero_is_a_usage_error(corpus_file: Path, tmp_path: Path) -> None:
    result = run("build", corpus_file, "-o", tmp_path / "idx", "--jobs", "0")
    assert result.exit_code == 2
    assert "--jobs" in result.stderr and "got 0" in result.stderr


def test_bad_corpus_leaves_the_existing_index_untouched(
    corpus_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "idx"
    assert run("build", corpus_file, "-o", target, "-q").exit_code == 0
    before = snapshot(target)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "title": "ok"}\n{"id": "b", "title": }\n', encoding="utf-8")
    result = run("build", bad, "-o", target)
    assert_one_line_error(result, "bad.jsonl, line 2", "invalid JSON")
    assert snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no temp dirs
        ".idx.lock", ".idx.versions", "bad.jsonl", "idx"]
    assert len(list((tmp_path / ".idx.versions").iterdir())) == 1


def test_encoding_error_suggests_the_option(tmp_path: Path) -> None:
    corpus = tmp_path / "latin.jsonl"
    corpus.write_bytes('{"id": "a", "title": "Café au lait"}\n'.encode("cp1252"))
    result = run("build", corpus, "-o", tmp_path / "idx")
    assert_one_line_error(result, "latin.jsonl, line 1", "--encoding cp1252")
    result = run("build", corpus, "-o", tmp_path / "idx", "--encoding", "cp1252", "--json")
    assert result.exit_code == 0, result.output
    assert RelatedIndex.load(tmp_path / "idx").title("a") == "Café au lait"


def test_missing_corpus_and_non_index_output(corpus_file: Path, tmp_path: Path) -> None:
    assert_one_line_error(run("build", tmp_path / "nope.jsonl", "-o", tmp_path / "i"),
                          "nope.jsonl", "does not exist")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "keep.txt").write_text("precious", encoding="utf-8")
    result = run("build", corpus_file, "-o", tmp_path / "docs")
    assert_one_line_error(result, "not an index")
    assert (tmp_path / "docs" / "keep.txt").read_text(encoding="utf-8") == "precious"


def test_progress_bars_draw_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with ProgressBars(stream=screen) as progress:
        progress("vectorize", 0, 10)
        progress("vectorize", 10, 10)
        progress("neighbours", 5, 10)
    assert "vectorize" in screen.getvalue() and "neighbours" in screen.getvalue()
    quiet = ProgressBars(stream=Terminal(), enabled=False)
    piped = ProgressBars(stream=io.StringIO())
    for bars in (quiet, piped):
        bars("read", 1, 2)
        bars.close()
        assert isinstance(bars.stream, io.StringIO) and bars.stream.getvalue() == ""


# -- related --------------------------------------------------------------------------------


def test_related_table(index_dir: Path) -> None:
    result = run("related", index_dir, "eau-1", "-k", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    title = RelatedIndex.load(index_dir).title("eau-1")
    assert lines[0] == f"eau-1  {title}"
    assert lines[1].split() == ["rank", "id", "score", "why", "title"]
    rows = [line.split() for line in lines[2:]]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert all(r[1].startswith("eau-") and len(r[2]) == 5 and r[2][1] == "." for r in rows)
    assert all(len(line) <= 100 for line in lines)


def test_related_json_matches_the_library(index_dir: Path) -> None:
    result = run("related", index_dir, "foot-2", "mars-0", "-k", "4", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["foot-2", "mars-0"]
    index = RelatedIndex.load(index_dir)
    for query, got in doc.items():
        want = index.related(query, k=4)
        assert [g["id"] for g in got] == [w.id for w in want]
        assert [g["score"] for g in got] == pytest.approx([w.score for w in want], abs=1e-6)
        assert [g["title"] for g in got] == [w.title for w in want]


def test_related_json_lines(index_dir: Path) -> None:
    result = run("related", index_dir, "train-3", "rates-1", "-k", "2", "--nl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["query"], r["rank"]) for r in rows] == [
        ("train-3", 1), ("train-3", 2), ("rates-1", 1), ("rates-1", 2)]
    assert set(rows[0]) == {"query", "rank", "id", "score", "title", "similarity", "reason"}
    assert all(0 <= r["score"] <= 1 and 0 <= r["similarity"] <= 1 for r in rows)
    assert all(r["id"].split("-")[0] == r["query"].split("-")[0] for r in rows)


def test_related_filters(index_dir: Path) -> None:
    def ids(*args: str) -> list[str]:
        result = run("related", index_dir, "eau-1", "-k", "5", "--json", *args)
        assert result.exit_code == 0, result.output
        return [r["id"] for r in json.loads(result.stdout)["eau-1"]]

    unfiltered = ids()
    assert unfiltered[0] not in ids("--exclude", unfiltered[0])
    assert all(i.startswith("foot-") for i in ids("--section", "foot"))
    # article i of a cluster is published 2024-01-01 + 7 i days
    late = ids("--after", "2024-02-01")
    assert late and all(int(i.split("-")[1]) >= 5 for i in late)
    early = ids("--before", "2024-01-15")
    assert early and all(int(i.split("-")[1]) <= 1 for i in early)


def test_related_unknown_id_exits_1_naming_it(index_dir: Path) -> None:
    result = run("related", index_dir, "eau-1", "no-such-story")
    assert_one_line_error(result, "'no-such-story'", "recommender similar")


@pytest.mark.parametrize("args", [["-k", "0"], ["-k", "-3"]])
def test_related_k_below_one_is_a_usage_error(index_dir: Path, args: list[str]) -> None:
    result = run("related", index_dir, "eau-1", *args)
    assert result.exit_code == 2
    assert "'-k'" in result.stderr and "x>=1" in result.stderr


def test_json_and_nl_together_is_a_usage_error(index_dir: Path) -> None:
    result = run("related", index_dir, "eau-1", "--json", "--nl")
    assert result.exit_code == 2
    assert "--json and --nl" in result.stderr


def test_bad_date_is_a_usage_error(index_dir: Path) -> None:
    result = run("related", index_dir, "eau-1", "--after", "01/02/2024")
    assert result.exit_code == 2
    assert "--after" in result.stderr


def test_query_on_a_missing_index(tmp_path: Path) -> None:
    assert_one_line_error(run("related", tmp_path / "nothing", "a"), "no index at")


# -- similar --------------------------------------------------------------------------------


def test_similar_reads_a_draft_from_stdin(index_dir: Path) -> None:
    draft = {"title": "Rover on Mars", "body": "the rover sampled a crater", "tags": ["Space"]}
    result = run("similar", index_dir, "-k", "3", "--json", input=json.dumps(draft))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["draft"]
    assert len(doc["draft"]) == 3
    assert all(r["id"].startswith("mars-") for r in doc["draft"])


def test_similar_from_options_and_input_file(index_dir: Path, tmp_path: Path) -> None:
    result = run("similar", index_dir, "--title", "Football: the striker", "--tag", "Football",
                 "-k", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("draft  Football")
    assert all(line.split()[1].startswith("foot-") for line in lines[2:])
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"id": "new-1", "title": "A weekly column",
                                 "tags": ["Transport"]}), encoding="utf-8")
    # options override fields of the file
    # --min-score 0: a tag-only match scores 0 after the hub penalty in these tight clusters
    result = run("similar", index_dir, "--input", draft, "--nl", "--tag", "Economy",
                 "--min-score", "0")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(r["query"] == "new-1" for r in rows)
    assert rows[0]["id"].startswith("rates-")


@pytest.mark.parametrize(("text", "fragments"), [
    ('{"title": ', ["draft from stdin", "invalid JSON"]),
    ('["a list"]', ["expected one JSON object", "list"]),
    ('{"id": "x"}', ["nothing to compare"]),
    ('{"title": "t", "tags": "Space"}', ["field 'tags'"]),
])
def test_similar_rejects_bad_drafts(index_dir: Path, text: str, fragments: list[str]) -> None:
    assert_one_line_error(run("similar", index_dir, input=text), *fragments)


def test_similar_rejects_a_draft_that_is_not_utf8(index_dir: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.json"
    draft.write_bytes('{"title": "Café"}'.encode("cp1252"))
    assert_one_line_error(run("similar", index_dir, "--input", draft),
                          "draft.json", "not valid UTF-8")
    result = run("similar", index_dir, "--input", "-", "--json",
                 input='\ufeff{"title": "Mars rover"}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["draft"][0]["id"].startswith("mars-")


# -- info -----------------------------------------------------------------------------------


def test_info_table_and_json(index_dir: Path) -> None:
    result = run("info", index_dir)
    assert result.exit_code == 0, result.output
    pairs = dict(line.split(None, 1) for line in result.stdout.splitlines() if line.strip())
    assert pairs["integrity"] == "ok"
    assert pairs["counts.articles"] == "40"
    assert pairs["MODEL_CARD.md"].isdigit()
    doc = json.loads(run("info", index_dir, "--json").stdout)
    assert doc["integrity"] == "ok" and doc["problem"] is None
    assert doc["format"] == "recommender-index"
    assert doc["counts"]["articles"] == 40
    assert doc["files"]["scores.npy"] == (index_dir / "scores.npy").stat().st_size
    assert set(doc["config"]) == set(BuildConfig().to_dict())
    assert json.loads(run("info", index_dir, "--json", "--no-verify").stdout)[
        "integrity"] == "not checked"


def test_info_reports_a_corrupted_file(index_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(index_dir, broken)
    data = bytearray((broken / "neighbors.npy").read_bytes())
    data[-1] ^= 0xFF  # same size, different content
    (broken / "neighbors.npy").write_bytes(bytes(data))
    result = run("info", broken, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["integrity"] == "failed"
    assert "neighbors.npy" in result.stderr and "rebuild" in result.stderr
    assert_one_line_error(run("related", broken, "eau-1"), "neighbors.npy")


def test_info_on_a_directory_that_is_not_an_index(tmp_path: Path) -> None:
    assert_one_line_error(run("info", tmp_path), "not a recommender index", "recommender build")


# -- evaluate and demo ----------------------------------------------------------------------


def test_evaluate_is_registered_and_scores_the_index(
    index_dir: Path, corpus_file: Path
) -> None:
    result = run("evaluate", index_dir, corpus_file, "-k", "5", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert 0.0 <= report["metrics"]["MAP@5"] <= 1.0 and report["metrics"]["queries"] > 0


def test_demo_on_a_small_corpus(
    tmp_path: Path, corpus_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cli_demo, "demo_corpus_path", lambda: corpus_file)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["demo", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "models/demo/manifest.json").is_file()
    out = result.stdout
    headers = [line for line in out.splitlines() if line.split()[:1] == ["rank"]]
    assert len(headers) == 5 and all(h.split()[:3] == ["rank", "why", "score"] for h in headers)
    assert "yes" in out  # the synthetic corpus links each article to its predecessors
    assert "similar suggestions are editors' links" in out


def test_demo_json(tmp_path: Path, corpus_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_cli_demo, "demo_corpus_path", lambda: corpus_file)
    result = run("demo", "-o", tmp_path / "demo", "-k", "2", "-n", "3", "--json")
    doc = json.loads(result.stdout)
    assert len(doc["stories"]) == 3
    arts = {a.id: a for a in make_corpus()}
    for story in doc["stories"]:
        assert len(story["related"]) == 2
        for shown in story["related"]:
            assert shown["editor_link"] == (shown["id"] in arts[story["id"]].related)


def test_demo_without_its_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_cli_demo, "demo_corpus_path", lambda: tmp_path / "gone.jsonl")
    assert_one_line_error(run("demo", "-o", tmp_path / "d"), "demo corpus is missing")


def test_demo_on_the_bundled_corpus(tmp_path: Path) -> None:
    if not demo_corpus_path().is_file():
        pytest.skip(f"bundled demo corpus not written yet ({demo_corpus_path()})")
    result = run("demo", "-o", tmp_path / "demo", "-q")
    assert result.exit_code == 0, result.output
    headings = [line.split()[0] for line in result.stdout.splitlines()
                if line.startswith(("fr-", "en-"))]
    assert headings == list(DEMO_QUERIES)  # every chosen story exists in the corpus
    assert result.stdout.count("rank  why") == len(DEMO_QUERIES)
    assert " yes " in result.stdout
    # the boxes show the three reasons side by side
    reasons = {line.split()[1] for line in result.stdout.splitlines()
               if line.strip()[:1].isdigit() and len(line.split()) > 2}
    assert {"curated", "similar", "fallback"} <= reasons


def test_pick_queries_prefers_wanted_ids_then_linked_articles() -> None:
    arts = make_corpus(per_cluster=3)
    assert [a.id for a in pick_queries(arts, wanted=["mars-2", "gone"], n=3)] == [
        "mars-2", "eau-1", "eau-2"]  # eau-0 has no editor links
    assert len(pick_queries(arts[:2], wanted=(), n=4)) == 2


# -- library helpers behind the commands ----------------------------------------------------


def test_resolve_config_layers() -> None:
    assert resolve_config() == BuildConfig()
    config = resolve_config(environ={"RECOMMENDER_BIGRAMS": "yes", "PATH": "/bin"},
                            overrides={"n_neighbors": 3})
    assert (config.bigrams, config.n_neighbors) == (True, 3)
    with pytest.raises(ConfigError, match="unknown setting 'k'"):
        resolve_config(overrides={"k": 3})
    assert parse_assignments(["tag-weight=0.2", "language = fr"]) == {
        "tag_weight": "0.2", "language": "fr"}


def test_model_card_lists_every_setting() -> None:
    config = BuildConfig(tag_weight=0.25)
    card = render_model_card(corpus=[CorpusFile("x.jsonl", "0123456789abcdef" * 4, 9)],
                             counts={"articles": 9}, config=config,
                             seconds={"read": 0.5, "save": 0.25}, version="9.9")
    assert "| x.jsonl | 9 | `0123456789abcdef` |" in card
    for name, value in config.to_dict().items():
        assert f"| {name} | " in card, name
        assert str(value).lower() in card
    assert "| total | 0.75 |" in card and "recommender 9.9" in card
    assert "## Evaluation" in card and "not evaluated yet" in card


@pytest.mark.parametrize(("tag", "title", "shown"), [
    (0.1, 0.2, "weight 0.70), title similarity (TF-IDF of the titles alone, weight 0.20) "
               "and tag overlap (weight 0.10)"),
    (0.25, 0.0, "weight 0.75), title similarity (TF-IDF of the titles alone, weight 0.00) "
                "and tag overlap (weight 0.25)"),
    (0.3, 0.7, "weight 0.00), title similarity (TF-IDF of the titles alone, weight 0.70) "
               "and tag overlap (weight 0.30)"),
])
def test_model_card_states_the_three_score_weights(tag: float, title: float, shown: str) -> None:
    config = BuildConfig(tag_weight=tag, title_match_weight=title)
    assert config.text_weight == pytest.approx(1 - tag - title, abs=1e-9)
    card = render_model_card(corpus=[], counts={}, config=config, seconds={}, version="9.9")
    assert "text similarity (TF-IDF of title and body, " + shown in " ".join(card.split())


def test_format_table_fits_the_width() -> None:
    lines = format_table(("n", "title"), [(1, "word " * 40), (22, "short")], align="rl",
                         stretch=1, width=30)
    assert all(len(line) <= 30 for line in lines)
    assert lines[1].endswith("…") and lines[2] == "22  short"


def test_an_empty_filtered_list_blames_the_filters(tmp_path):
    """A list emptied by --section says so, instead of "nothing shares words with it"."""
    corpus = tmp_path / "c.jsonl"
    write_articles(make_corpus(per_cluster=4), corpus)
    cli = CliRunner()
    assert cli.invoke(main, ["build", str(corpus), "-o", str(tmp_path / "i"), "-q"]).exit_code == 0
    result = cli.invoke(main, ["related", str(tmp_path / "i"), "eau-0", "--section", "nowhere"])
    assert result.exit_code == 0, result.output
    assert "nothing passes the rules" in result.output
    assert "nothing shares words" not in result.output
