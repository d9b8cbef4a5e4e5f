"""``recommender update``: add, replace and remove articles of a saved index, on real files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import clean_environment, make_corpus

from recommender.cli import main
from recommender.corpus.reader import write_articles
from recommender.records import Article


def run(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, [os.fspath(a) for a in args], catch_exceptions=False)


def related(index: Path, *ids: str, k: int = 5) -> dict[str, list[dict[str, object]]]:
    result = run("related", index, *ids, "-k", str(k), "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, list[dict[str, object]]] = json.loads(result.stdout)
    return document


def snapshot(directory: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(directory.iterdir())}


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """A fresh index of the 40-article clustered corpus (each test changes its own)."""
    corpus = tmp_path / "corpus.jsonl"
    write_articles(make_corpus(), corpus)
    target = tmp_path / "models" / "site"
    result = run("build", corpus, "-o", target, "--quiet")
    assert result.exit_code == 0, result.output
    return target


def space_story(article_id: str, title: str = "Rover landing in a mars crater") -> Article:
    """An article of the 'mars' cluster's words and tags (only the build's words count)."""
    return Article(id=article_id, title=title,
                   body="nasa rover mars crater sample orbit landing geology " * 3,
                   tags=("Space", "Science"), section="mars", language="en")


def corpus_file(path: Path, *articles: Article) -> Path:
    write_articles(articles, path)
    return path


def test_added_articles_are_related_and_relate(index_dir: Path, tmp_path: Path) -> None:
    new = corpus_file(tmp_path / "new.jsonl", space_story("space-a"),
                      space_story("space-b", "Nasa sample from the mars orbit"))
    assert run("related", index_dir, "space-a").exit_code == 1  # not indexed yet

    result = run("update", index_dir, "--add", new)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated {index_dir}: 2 added, 0 replaced, 0 removed; 42 articles\n"

    ids = [r["id"] for r in related(index_dir, "space-a")["space-a"]]
    assert "space-b" in ids  # its twin and the mars cluster
    assert all(str(i).startswith(("mars-", "space-")) for i in ids)
    # the old articles take the new ones in where they rank
    mars = related(index_dir, *(f"mars-{i}" for i in range(8)), k=10)
    assert {"space-a", "space-b"} <= {r["id"] for rs in mars.values() for r in rs}


def test_several_add_files(index_dir: Path, tmp_path: Path) -> None:
    first = corpus_file(tmp_path / "one.jsonl", space_story("space-a"))
    second = corpus_file(tmp_path / "two.jsonl", space_story("space-b"))
    result = run("update", index_dir, "--add", first, "--add", second, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == ["space-a", "space-b"]
    assert set(related(index_dir, "space-a", "space-b")) == {"space-a", "space-b"}


def test_replaced_article_is_related_by_its_new_text(index_dir: Path, tmp_path: Path) -> None:
    before = [r["id"] for r in related(index_dir, "eau-0")["eau-0"]]
    assert all(str(i).startswith("eau-") for i in before)
    football = Article(id="eau-0", title="Football : le buteur de la sélection",
                       body="football stade buteur championnat supporters victoire " * 3,
                       tags=("Football", "Sport"), section="foot", language="fr")
    new = corpus_file(tmp_path / "fix.jsonl", football)

    result = run("update", index_dir, "--add", new)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated {index_dir}: 0 added, 1 replaced, 0 removed; 40 articles\n"
    after = [r["id"] for r in related(index_dir, "eau-0")["eau-0"]]
    assert after and all(str(i).startswith("foot-") for i in after)
    # the new title is what other lists now show
    shown = {r["id"]: r["title"] for rs in related(index_dir, "foot-1", k=40).values()
             for r in rs}
    assert shown["eau-0"] == football.title


def test_removed_article_leaves_every_list(index_dir: Path) -> None:
    everyone = [a.id for a in make_corpus()]
    listed = {r["id"] for rs in related(index_dir, *everyone).values() for r in rs}
    assert "eau-1" in listed  # so its absence below means something

    result = run("update", index_dir, "--remove", "eau-1", "--remove", "eau-1")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated {index_dir}: 0 added, 0 replaced, 1 removed; 39 articles\n"
    others = [i for i in everyone if i != "eau-1"]
    answers = related(index_dir, *others, k=10)
    assert set(answers) == set(others)
    assert "eau-1" not in {r["id"] for rs in answers.values() for r in rs}
    assert run("related", index_dir, "eau-1").exit_code == 1


def test_unknown_remove_id_writes_nothing(index_dir: Path, tmp_path: Path) -> None:
    new = corpus_file(tmp_path / "new.jsonl", space_story("space-a"))
    before = snapshot(index_dir)
    result = run("update", index_dir, "--add", new, "--remove", "eau-2", "--remove", "nope")
    assert_one_line_error(result, "'nope'", os.fspath(index_dir))
    assert snapshot(index_dir) == before  # manifest.json and every other file
    assert sorted(p.name for p in index_dir.parent.iterdir()) == [  # no temp dir left
        ".site.lock", ".site.versions", "site"]
    assert len(list((index_dir.parent / ".site.versions").iterdir())) == 1


def test_bad_corpus_line_names_file_and_line(index_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "new.jsonl"
    good = json.dumps({"id": "space-a", "title": "Mars rover", "tags": ["Space"]})
    bad.write_text(good + "\n" + json.dumps({"id": 1.5, "title": "x"}) + "\n", encoding="utf-8")
    before = snapshot(index_dir)
    result = run("update", index_dir, "--add", bad, "--remove", "eau-2")
    assert_one_line_error(result, f"{bad}, line 2", "'id'")
    assert snapshot(index_dir) == before
    assert run("related", index_dir, "eau-2").exit_code == 0  # the removal did not happen


def test_remove_and_add_of_one_id_is_an_error(index_dir: Path, tmp_path: Path) -> None:
    new = corpus_file(tmp_path / "new.jsonl", space_story("eau-3"))
    before = snapshot(index_dir)
    result = run("update", index_dir, "--add", new, "--remove", "eau-3")
    assert_one_line_error(result, "'eau-3'", os.fspath(new))
    assert snapshot(index_dir) == before


def test_json_output(index_dir: Path, tmp_path: Path) -> None:
    new = corpus_file(tmp_path / "new.jsonl", space_story("space-a"), space_story("foot-4"))
    result = run("update", index_dir, "--add", new, "--remove", "train-0", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "index": os.fspath(index_dir), "added": ["space-a"], "replaced": ["foot-4"],
        "removed": ["train-0"], "articles": 40,
    }
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["counts"]["articles"] == 40 and manifest["counts"]["stored_rows"] == 42


def test_nothing_to_do_is_a_usage_error(index_dir: Path) -> None:
    result = run("update", index_dir)
    assert result.exit_code == 2
    assert "--add FILE and/or --remove ID" in result.stderr


def test_empty_add_file_leaves_the_index_as_it_was(index_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    before = snapshot(index_dir)
    result = run("update", index_dir, "--add", empty)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"unchanged {index_dir}: 0 added")
    assert snapshot(index_dir) == before


def test_model_card_kept_with_a_line_per_update(index_dir: Path, tmp_path: Path) -> None:
    card = (index_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    new = corpus_file(tmp_path / "new.jsonl", space_story("space-a"))
    assert run("update", index_dir, "--add", new).exit_code == 0
    assert run("update", index_dir, "--remove", "eau-1").exit_code == 0

    updated = (index_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert updated.startswith(card.rstrip("\n"))  # the build's card, word for word
    notes = [line for line in updated.splitlines() if line.startswith("- ")]
    assert len(notes) == 2 and updated.count("## Updates") == 1
    assert "1 added, 0 replaced, 0 removed; 41 articles" in notes[0]
    assert os.fspath(new) in notes[0]
    assert "0 added, 0 replaced, 1 removed; 40 articles" in notes[1]
    # the card is digested like the rest: the updated index verifies
    assert run("info", index_dir).exit_code == 0
