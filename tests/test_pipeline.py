"""build_from_files: the corpus streams through the build; reading is timed inside it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from helpers import make_corpus

from recommender import BuildConfig, CorpusError, RelatedIndex
from recommender.pipeline import CorpusStream, build_from_files


def _write(path: Path, articles) -> Path:
    path.write_text("".join(json.dumps({"id": a.id, "title": a.title, "body": a.body,
                                        "tags": list(a.tags), "related": list(a.related)})
                            + "\n" for a in articles), encoding="utf-8")
    return path


def test_two_files_stream_into_one_index(tmp_path):
    arts = make_corpus(per_cluster=6, seed=3)
    first = _write(tmp_path / "a.jsonl", arts[:20])
    second = _write(tmp_path / "b.jsonl", arts[20:])
    ticks = itertools.count()
    summary = build_from_files([first, second], tmp_path / "idx", BuildConfig(n_neighbors=5),
                               clock=lambda: float(next(ticks)))
    assert [f.articles for f in summary.corpus] == [20, len(arts) - 20]
    # one clock tick per article read (start + end of each next()), the rest is analysis
    assert summary.seconds["read"] >= len(arts)
    assert summary.seconds["vectorize"] >= 0 and summary.seconds["neighbours"] > 0
    assert RelatedIndex.load(tmp_path / "idx").ids == [a.id for a in arts]


def test_stream_counts_links_and_hints_its_length(tmp_path):
    arts = make_corpus(per_cluster=4, seed=1)
    path = _write(tmp_path / "a.jsonl", arts)
    stream = CorpusStream([path], estimate=True)
    assert stream.__length_hint__() == len(arts)  # from the line count, before reading
    assert [a.id for a in stream] == [a.id for a in arts]
    assert stream.per_file == [len(arts)]
    assert stream.with_links == sum(1 for a in arts if a.related)


def test_repeated_id_in_a_later_file_names_both_places(tmp_path):
    arts = make_corpus(per_cluster=3, seed=1)
    first = _write(tmp_path / "a.jsonl", arts)
    second = _write(tmp_path / "b.jsonl", arts[2:3])
    with pytest.raises(CorpusError, match=r"b\.jsonl, line 1, field 'id'.*a\.jsonl, line 3"):
        build_from_files([first, second], tmp_path / "idx")
    assert not (tmp_path / "idx").exists()
