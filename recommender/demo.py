"""The bundled demo corpus and a showcase of what the index finds for a few of its stories.

``recommender demo`` (and ``./run demo``) builds it so a newcomer sees related stories,
and which of them an editor had also linked, within seconds of cloning the repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from recommender.index.related_index import RelatedIndex
from recommender.records import Article

#: stories shown by the demo (ids of the bundled corpus): drought, police cooperation,
#: a Mars rover finding ice (a "water" confuser) and a heatwave; missing ones are replaced
DEMO_QUERIES: tuple[str, ...] = (
    "fr-secheresse-5", "fr-dgsn-usa-5", "en-mars-rover-4", "en-heatwave-4",
)


def demo_corpus_path() -> Path:
    """Path of ``recommender/data/demo.jsonl`` as installed with the package."""
    return Path(str(resources.files("recommender").joinpath("data", "demo.jsonl")))


def pick_queries(
    articles: Sequence[Article], wanted: Sequence[str] = DEMO_QUERIES, n: int = 4
) -> list[Article]:
    """The ``wanted`` articles that exist, topped up to ``n`` with the first articles
    that carry editor links (then any), so the demo works on any corpus."""
    by_id = {a.id: a for a in articles}
    chosen = [by_id[i] for i in dict.fromkeys(wanted) if i in by_id][:n]
    for pool in ([a for a in articles if a.related], list(articles)):
        for a in pool:
            if len(chosen) >= n:
                return chosen
            if a not in chosen:
                chosen.append(a)
    return chosen


@dataclass(frozen=True)
class ShownStory:
    """One recommended story, flagged when the query's editor had linked it too."""

    rank: int
    id: str
    score: float
    title: str
    editor_link: bool


@dataclass(frozen=True)
class Showcase:
    """A query story and its top related stories."""

    id: str
    title: str
    related: list[ShownStory]

    @property
    def editor_hits(self) -> int:
        return sum(s.editor_link for s in self.related)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title,
                "related": [asdict(s) for s in self.related]}


def showcase(index: RelatedIndex, queries: Sequence[Article], k: int = 4) -> list[Showcase]:
    """Top-``k`` related stories of each query, marking the editor's own links."""
    out = []
    for q in queries:
        links = set(q.related)
        shown = [ShownStory(rank, r.id, r.score, r.title, r.id in links)
                 for rank, r in enumerate(index.related(q.id, k=k), 1)]
        out.append(Showcase(q.id, q.title, shown))
    return out
