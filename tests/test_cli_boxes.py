"""The box rules on the command line: related and similar, over the stored defaults."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from boxes_corpus import stories
from click.testing import CliRunner, Result
from helpers import clean_environment

from recommender.cli import main
from recommender.corpus.reader import write_articles


def run(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [os.fspath(a) for a in args], catch_exceptions=False)


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch, columns=120)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("boxes")
    write_articles(stories(), base / "news.jsonl")
    (base / "site.toml").write_text("[query]\nmin_score = 0.03\n", encoding="utf-8")
    result = run("build", base / "news.jsonl", "-o", base / "idx", "--config",
                 base / "site.toml", "--quiet")
    assert result.exit_code == 0, result.output
    return base / "idx"


def box(index_dir: Path, *options: str, source: str = "eau-2025") -> list[dict]:
    result = run("related", index_dir, source, "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[source]


def test_json_carries_reasons_and_the_build_stored_the_query_table(index_dir):
    items = box(index_dir, "-k", "4")
    assert [(i["id"], i["reason"]) for i in items[:2]] == [("eau-2023", "curated"),
                                                           ("eau-2024", "curated")]
    assert all("explanation" not in i for i in items)
    info = json.loads(run("info", index_dir, "--json").stdout)
    assert info["query"]["min_score"] == 0.03 and info["query"]["curated_first"] is True
    assert "query.min_score" in run("info", index_dir).stdout


def test_options_change_the_box(index_dir):
    assert "curated" not in {i["reason"] for i in box(index_dir, "--no-curated")}
    lone = box(index_dir, "-k", "3", source="livre-2025")
    assert {i["reason"] for i in lone} == {"fallback"}
    assert box(index_dir, "-k", "3", "--no-fallback", source="livre-2025") == []
    later = {"eau-2025", "eau-2025-copie", "eau-2026"}
    assert later & {i["id"] for i in box(index_dir, "-k", "5", source="eau-2024")}
    assert not later & {i["id"] for i in box(index_dir, "-k", "5", "--only-older",
                                             source="eau-2024")}
    copies = {"eau-2025", "eau-2025-copie"}
    assert len(copies & {i["id"] for i in box(index_dir, "-k", "4", source="eau-2024")}) == 1
    assert copies <= {i["id"] for i in box(index_dir, "-k", "4", "--no-dedupe",
                                           source="eau-2024")}
    tagged = box(index_dir, "-k", "5", "--tag-any", "agriculture", "--no-fallback",
                 "--any-language", source="eau-2024")
    assert {i["id"] for i in tagged} == {"eau-2023", "water-2024-en"}
    floor = box(index_dir, "-k", "8", "--min-score", "0.3", "--no-fallback", "--no-curated")
    assert floor and all(i["similarity"] >= 0.3 for i in floor)
    varied = box(index_dir, "-k", "3", "--diversity", "0.7", "--no-dedupe", "--no-curated",
                 source="eau-2024")
    plain = box(index_dir, "-k", "3", "--no-dedupe", "--no-curated", source="eau-2024")
    assert [i["id"] for i in varied] != [i["id"] for i in plain]


def test_explain_in_json_and_in_the_table(index_dir):
    items = box(index_dir, "-k", "3", "--explain", "--no-curated", source="eau-2024")
    e = items[0]["explanation"]
    assert e["shared_tags"] == ["Eau"] and e["shared_terms"]
    assert set(e["parts"]) == {"text", "title", "tags", "time", "hub"}
    table = run("related", index_dir, "eau-2024", "-k", "2", "--explain").stdout
    assert "why" in table.splitlines()[1] and "words:" in table and "tags: Eau" in table


def test_query_config_file_and_bad_values(index_dir, tmp_path):
    (tmp_path / "box.toml").write_text('[query]\nfallback = []\ncurated_first = false\n',
                                       encoding="utf-8")
    assert box(index_dir, "-k", "3", "--query-config", tmp_path / "box.toml",
               source="livre-2025") == []
    (tmp_path / "bad.toml").write_text("[query]\ndedupe = 3\n", encoding="utf-8")
    result = run("related", index_dir, "eau-2025", "--query-config", tmp_path / "bad.toml")
    assert result.exit_code == 1 and "dedupe" in result.stderr
    assert "Traceback" not in result.stderr


def test_similar_takes_the_same_rules(index_dir):
    result = run("similar", index_dir, "--title", "Coupures d'eau", "--json", "-k", "3")
    items = json.loads(result.stdout)["draft"]
    assert items[0]["id"] == "eau-2026" and items[0]["reason"] == "similar"
    result = run("similar", index_dir, "--title", "Coupures d'eau", "--json", "-k", "3",
                 "--only-older", "--tag-none", "eau", "--no-fallback")
    assert result.exit_code == 0
    assert all(i["id"] != "eau-2026" for i in json.loads(result.stdout)["draft"])


def test_help_lists_every_rule():
    text = run("related", "--help").output
    for option in ("--explain", "--min-score", "--only-older", "--diversity", "--no-dedupe",
                   "--no-curated", "--no-fallback", "--tag-any", "--query-config"):
        assert option in text
    assert "--explain" in run("similar", "--help").output


def test_update_keeps_the_stored_rules(index_dir, tmp_path):
    import shutil

    copy = tmp_path / "idx"
    shutil.copytree(index_dir, copy)
    result = run("update", copy, "--remove", "eau-2026")
    assert result.exit_code == 0, result.output
    info = json.loads(run("info", copy, "--json").stdout)
    assert info["query"]["min_score"] == 0.03
