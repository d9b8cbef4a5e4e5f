"""One table of file formats: the corpus and links readers accept the same extensions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from recommender.corpus.formats import EXTENSIONS, file_format
from recommender.corpus.reader import read_articles
from recommender.errors import CorpusError
from recommender.evaluation.links import Link, read_links
from recommender.records import Article


def _content(fmt: str, delimiter: str, rows: list[dict[str, str]]) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(row) + "\n" for row in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter,
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("suffix", [*EXTENSIONS, ".JSONL", ".Tsv"])
def test_corpus_and_links_readers_accept_every_extension(tmp_path: Path, suffix: str) -> None:
    fmt, delimiter = EXTENSIONS[suffix.lower()]
    corpus = tmp_path / f"corpus{suffix}"
    corpus.write_text(_content(fmt, delimiter, [{"id": "a", "title": "Hops, malt"}]))
    assert read_articles(corpus) == [Article(id="a", title="Hops, malt")]
    links = tmp_path / f"links{suffix}"
    links.write_text(_content(fmt, delimiter, [{"source": "a", "target": "b, c"}]))
    assert read_links(links) == [Link("a", "b, c")]  # a tab file keeps commas in cells


@pytest.mark.parametrize("suffix", [".txt", ".json", ""])
def test_both_readers_refuse_other_extensions_with_a_remedy(tmp_path: Path, suffix: str) -> None:
    shown = repr(suffix or "(none)").replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")
    corpus = tmp_path / f"corpus{suffix}"
    corpus.write_text('{"id": "a", "title": "t"}\n')
    with pytest.raises(CorpusError, match=rf"cannot tell the format .* {shown}; pass format="):
        read_articles(corpus)
    links = tmp_path / f"links{suffix}"
    links.write_text("source,target\na,b\n")
    with pytest.raises(CorpusError, match=rf"links{suffix}: cannot tell .*; name it \.csv"):
        read_links(links)


def test_an_explicit_format_keeps_the_extension_delimiter() -> None:
    assert file_format("x.tab", "csv") == ("csv", "\t")
    assert file_format("x.txt", "csv") == ("csv", ",")
    assert file_format("x.csv", "jsonl") == ("jsonl", ",")
    with pytest.raises(CorpusError, match="format must be 'jsonl', 'csv' or None, got 'xml'"):
        file_format("x.csv", "xml")
