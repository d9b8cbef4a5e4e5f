"""Each benchmark owns one section of benchmarks/README.md, between its own markers."""

from __future__ import annotations

import re
from pathlib import Path


def replace_section(path: Path, start: str, end: str, text: str) -> None:
    """Replace (or append) the text between ``start`` and ``end``, re-reading the file first.

    Several scripts write the same README; reading it right before writing keeps the other
    sections as they are now, not as they were when the script started.
    """
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(current):
        new = pattern.sub(lambda _: block, current, count=1)
    else:
        new = current.rstrip("\n") + ("\n\n" if current else "") + block
    path.write_text(new, encoding="utf-8")
