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

#: stories shown by the demo (ids of the bundled corpus): drought, police cooperation and
#: a Mars rover finding ice (a "water" confuser), each with editor links; a book fair and a
#: returned psalter, which no other story is about (fills, flagged); missing ones are replaced
DEMO_QUERIES: tuple[str, ...] = (
    "fr-secheresse-5", "fr-dgsn-usa-5", "en-mars-rover-4", "fr-salon-livre-rabat",
    "en-psalter-returned",
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
    """One item of a box, with why it is there (curated, similar, fallback) and the words
    and tags it shares with the story."""

    rank: int
    id: str
    score: float
    title: str
    reason: str
    editor_link: bool
    shared: str


@dataclass(frozen=True)
class Showcase:
    """A story's box as readers see it, and how many of the engine's own picks (the box
    computed without the editor links first) the editor had chosen too."""

    id: str
    title: str
    related: list[ShownStory]
    similar_picks: int
    similar_editor_links: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title,
                "related": [asdict(s) for s in self.related],
                "similar_picks": self.similar_picks,
                "similar_editor_links": self.similar_editor_links}


def showcase(index: RelatedIndex, queries: Sequence[Article], k: int = 4) -> list[Showcase]:
    """The box of each query (index defaults, with explanations), and the agreement of
    its similar-only box with the editor's links."""
    out = []
    for q in queries:
        links = set(q.related)
        shown = []
        for rank, r in enumerate(index.related(q.id, k=k, explain=True), 1):
            e = r.explanation
            shared = ", ".join([*(e.shared_tags if e else ()), *(e.shared_terms[:3] if e else ())])
            shown.append(ShownStory(rank, r.id, r.score, r.title, r.reason, r.id in links,
                                    shared))
        picks = [r for r in index.related(q.id, k=k, curated_first=False)
                 if r.reason == "similar"]
        out.append(Showcase(q.id, q.title, shown, len(picks),
                            sum(r.id in links for r in picks)))
    return out
