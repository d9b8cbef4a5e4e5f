"""Output for the command line: one ``--json`` / ``--nl`` decorator, plain tables, progress.

Every command that prints results takes the same two flags (as sqlite-utils does): a
readable table by default, ``--json`` for one JSON document, ``--nl`` for one JSON object
per line. Results go to stdout; progress bars and warnings go to stderr.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TextIO, TypeVar

import click

from recommender.progress import Progress

OutputFormat = Literal["table", "json", "nl"]
F = TypeVar("F", bound=Callable[..., Any])


def output_options(func: F) -> F:
    """Add ``--json`` and ``--nl``; the command receives ``fmt`` ('table', 'json', 'nl')."""

    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
    @click.option("--nl", "as_nl", is_flag=True,
                  help="Print one JSON object per line (JSON Lines), for streaming tools.")
    @functools.wraps(func)
    def wrapper(*args: Any, as_json: bool, as_nl: bool, **kwargs: Any) -> Any:
        if as_json and as_nl:
            raise click.UsageError("--json and --nl cannot be used together; choose one")
        fmt: OutputFormat = "json" if as_json else "nl" if as_nl else "table"
        return func(*args, fmt=fmt, **kwargs)

    return wrapper  # type: ignore[return-value]


def echo_json(document: Any) -> None:
    """One indented JSON document on stdout (UTF-8 kept readable)."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def echo_nl(objects: Iterable[Any]) -> None:
    """One compact JSON object per line on stdout."""
    for obj in objects:
        click.echo(json.dumps(obj, ensure_ascii=False))


def echo_document(document: Any, fmt: OutputFormat) -> bool:
    """Print one result document as ``--json`` or ``--nl`` asks; False for the table
    format, which each command prints its own way."""
    if fmt == "json":
        echo_json(document)
        return True
    if fmt == "nl":
        echo_nl([document])
        return True
    return False


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (or ``$COLUMNS``), with a fallback for pipes."""
    return max(shutil.get_terminal_size((default, 24)).columns, 40)


def truncate(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    align: str = "",
    stretch: int | None = None,
    width: int | None = None,
    indent: str = "",
) -> list[str]:
    """Aligned text rows; the ``stretch`` column is cut so lines fit in ``width``.

    ``align`` holds one letter per column, ``l`` or ``r`` (default ``l``).
    """
    cells = [[str(c) for c in row] for row in rows]
    columns = len(headers)
    sizes = [max([len(headers[i])] + [len(r[i]) for r in cells]) for i in range(columns)]
    if stretch is not None:
        total = width if width is not None else terminal_width()
        others = sum(s for i, s in enumerate(sizes) if i != stretch) + 2 * (columns - 1)
        room = max(total - len(indent) - others, 12)
        sizes[stretch] = min(sizes[stretch], room)
        for r in cells:
            r[stretch] = truncate(r[stretch], room)

    def line(values: Sequence[str]) -> str:
        parts = []
        for i, value in enumerate(values):
            right = i < len(align) and align[i] == "r"
            parts.append(value.rjust(sizes[i]) if right else value.ljust(sizes[i]))
        return (indent + "  ".join(parts)).rstrip()

    return [line(headers)] + [line(r) for r in cells]


def format_pairs(pairs: Sequence[tuple[str, Any]], *, indent: str = "") -> list[str]:
    """``key  value`` lines with the keys aligned, for summaries."""
    size = max((len(k) for k, _ in pairs), default=0)
    return [f"{indent}{k.ljust(size)}  {v}".rstrip() for k, v in pairs]


def human_bytes(count: int) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


class ProgressBars(Progress):
    """A :class:`~recommender.progress.Progress` callback that draws one bar per stage on stderr.

    Bars are drawn only when enabled and stderr is a terminal, so logs and pipes stay clean.
    """

    def __init__(self, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self._stage: str | None = None
        self._bar: Any = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = click.progressbar(length=max(total, 1), label=f"{stage:<10}",
                                          file=self.stream, show_pos=True)
            self._bar.__enter__()
            self._done = 0
        if self._bar is not None:
            if total > self._bar.length:
                self._bar.length = total
            self._bar.update(max(done - self._done, 0))
            self._done = max(done, self._done)

    def close(self) -> None:
        """Finish the current bar (called between stages and at the end)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
        self._stage = None

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
