"""What a read left out or changed: rejected records, cut bodies and tag lists, dangling links.

Nothing an operator feeds the reader is dropped silently. With ``skip_invalid`` a bad
record becomes a :class:`Reject` here instead of an error; a body or tag list over its cap
is cut and counted; links to ids that no article has are kept and counted. The build
prints :meth:`ReadReport.warnings`, stores :meth:`ReadReport.counts` in the model card and
writes the rejects as JSON Lines (:meth:`ReadReport.write_rejects`).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recommender.store.atomic import atomic_file

__all__ = ["REJECT_TEXT_CHARS", "ReadReport", "Reject"]

#: how much of a rejected line a rejects file keeps (enough to find and fix it)
REJECT_TEXT_CHARS = 300


class _Counts(Protocol):
    truncated: Counter[str]
    max_body_chars: int | None
    max_tags: int | None

    def unknown_links(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class Reject:
    """One record left out by ``skip_invalid``: where it was, which field, and why."""

    file: str
    line: int
    field: str | None
    error: str
    id: str | None = None
    #: the start of the record's text as read (at most :data:`REJECT_TEXT_CHARS`)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReadReport:
    """Filled while files are read; pass one as ``report=`` to the reader to see it."""

    rejects: list[Reject] = field(default_factory=list)
    _checker: _Counts | None = field(default=None, repr=False)

    @property
    def truncated(self) -> dict[str, int]:
        """Articles whose ``body`` or ``tags`` were cut to the cap: ``{"body": 2}``."""
        return dict(self._checker.truncated) if self._checker is not None else {}

    @property
    def unknown_links(self) -> dict[str, int]:
        """Mentions of ids that no article read has, per field (``related``,
        ``translation_of``). They are kept: an update may add those articles."""
        return self._checker.unknown_links() if self._checker is not None else {}

    def counts(self) -> dict[str, int]:
        """The figures a model card and a build summary show."""
        links = self.unknown_links
        return {
            "rejected_records": len(self.rejects),
            "truncated_bodies": self.truncated.get("body", 0),
            "truncated_tag_lists": self.truncated.get("tags", 0),
            "related_links_to_unknown_ids": links.get("related", 0),
            "translations_of_unknown_ids": links.get("translation_of", 0),
        }

    def warnings(self, rejects_path: str | os.PathLike[str] | None = None) -> list[str]:
        """One line per kind of change, with its count (none when nothing was changed)."""
        lines = []
        if self.rejects:
            where = f"; reasons in {os.fspath(rejects_path)}" if rejects_path else ""
            lines.append(f"skipped {_n(len(self.rejects), 'invalid record')}{where}")
        cut = self.truncated
        caps = self._checker
        if cut.get("body") and caps is not None:
            lines.append(f"cut the body of {_n(cut['body'], 'article')} to max_body_chars="
                         f"{caps.max_body_chars:,} characters")
        if cut.get("tags") and caps is not None:
            lines.append(f"kept the first max_tags={caps.max_tags:,} tags of "
                         f"{_n(cut['tags'], 'article')} with more")
        links = self.unknown_links
        if links.get("related") or links.get("translation_of"):
            lines.append(f"links to ids not in the corpus: {links.get('related', 0):,} "
                         f"related, {links.get('translation_of', 0):,} translation_of; kept "
                         "(they count once those articles are added)")
        return lines

    def write_rejects(self, path: str | os.PathLike[str]) -> Path:
        """Write the rejects as JSON Lines, atomically (an empty file when none)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as fh:
            for reject in self.rejects:
                line = json.dumps(reject.to_dict(), ensure_ascii=True)
                fh.write(line.encode("ascii") + b"\n")
        return Path(path)


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
