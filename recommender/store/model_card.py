"""The model card stored with every index (``MODEL_CARD.md``): what it was built from and how.

Someone who finds an index on a server months later should be able to tell which corpus
(by digest), which settings and which package version produced it, and whether it was
ever evaluated, without running any code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.config.build import BuildConfig

#: how many hex digits of a corpus file's sha256 the card shows
DIGEST_PREFIX = 16


@dataclass(frozen=True)
class CorpusFile:
    """One input file: its path as given, its sha256 and how many articles it held."""

    path: str
    sha256: str
    articles: int


def _cell(value: object) -> str:
    if value is None or isinstance(value, bool):
        text = str(value).lower()
    else:
        text = str(value)
    return text.replace("|", "\\|")


def render_model_card(
    *,
    corpus: Sequence[CorpusFile],
    counts: Mapping[str, int],
    config: BuildConfig,
    seconds: Mapping[str, float],
    version: str,
    built: dt.datetime | None = None,
    evaluation: str | None = None,
    input_notes: Sequence[str] = (),
) -> str:
    """Markdown describing one build.

    ``counts`` are shown in order (e.g. articles, features, tags; rejected records);
    ``seconds`` per stage. ``evaluation`` is Markdown for the Evaluation section; None says
    it was not evaluated. ``input_notes`` are what reading left out or changed (skipped
    records, cut bodies), one bullet each under the corpus table.

    Examples
    --------
    >>> card = render_model_card(corpus=[CorpusFile("a.jsonl", "ab" * 32, 3)],
    ...                          counts={"articles": 3}, config=BuildConfig(),
    ...                          seconds={"read": 0.1}, version="0.1.0")
    >>> "not evaluated yet" in card
    True
    """
    built = built or dt.datetime.now(dt.UTC)
    total = sum(seconds.values())
    lines = [
        "# Model card: related-article index",
        "",
        f"Built {built.isoformat(timespec='seconds')} with recommender {version}.",
        "",
        "## Corpus",
        "",
        "| file | articles | sha256 (prefix) |",
        "|---|---:|---|",
    ]
    lines += [f"| {_cell(f.path)} | {f.articles} | `{f.sha256[:DIGEST_PREFIX]}` |" for f in corpus]
    if input_notes:
        lines += ["", "Read with changes:", ""] + [f"- {note}" for note in input_notes]
    lines += ["", "## Counts", "", "| what | count |", "|---|---:|"]
    lines += [f"| {_cell(name)} | {value} |" for name, value in counts.items()]
    lines += ["", "## Build settings", "", "| setting | value |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in config.to_dict().items()]
    lines += ["", "## Build time", "", "| stage | seconds |", "|---|---:|"]
    lines += [f"| {_cell(stage)} | {value:.2f} |" for stage, value in seconds.items()]
    lines += [f"| total | {total:.2f} |", "", "## Evaluation", ""]
    lines.append(evaluation.strip() if evaluation else
                 "This index was not evaluated yet: no metrics against known related links "
                 "have been recorded for it.")
    lines += [
        "",
        "## Intended use",
        "",
        "Suggest related stories within the corpus above. Scores mix text similarity "
        f"(TF-IDF of title and body, weight {config.text_weight:.2f}), title similarity "
        f"(TF-IDF of the titles alone, weight {config.title_match_weight:.2f}) and tag "
        f"overlap (weight {config.tag_weight:.2f}); editors' own links are never a feature.",
        "",
    ]
    return "\n".join(lines)


#: the section an update appends its line to (created by the first update)
UPDATES_HEADING = "## Updates"


def note_update(card: str, line: str) -> str:
    """``card`` with ``line`` as one more bullet at its end, under an Updates section.

    The build's sections are kept as written: an update changes the articles, not the
    vocabulary nor the settings, so the card still describes the build, and the bullets
    say what changed since. The section is added by the first update.

    Examples
    --------
    >>> card = note_update("# Model card\\n", "2025-01-01: 1 added")
    >>> print(note_update(card, "2025-01-02: 1 removed"))  # doctest: +NORMALIZE_WHITESPACE
    # Model card
    <BLANKLINE>
    ## Updates
    <BLANKLINE>
    Changed since the build, without a rebuild (words first seen in added articles are
    ignored until the next build; the counts above are the build's):
    <BLANKLINE>
    - 2025-01-01: 1 added
    - 2025-01-02: 1 removed
    <BLANKLINE>
    """
    text = card.rstrip("\n")
    if UPDATES_HEADING not in text.splitlines():
        text += (f"\n\n{UPDATES_HEADING}\n\nChanged since the build, without a rebuild (words "
                 "first seen in added articles are\nignored until the next build; the counts "
                 "above are the build's):\n")
    return f"{text}\n- {line}\n"
