"""Bytes of a corpus file to numbered lines of text, refusing what cannot be read safely.

A FIFO or a device is refused before it is opened (reading one could block a cron job
for ever); gzip data is decompressed whatever the file's name; a line that is not text
(invalid UTF-8, a NUL byte) is passed on with its error, so a caller that skips bad
records can go on; a file that changes while it is read is an error, as its content is
then neither the old export nor the new one.
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from recommender.errors import CorpusError

__all__ = ["Line", "check_file", "lines"]

_KINDS = ((stat.S_ISDIR, "is a directory"), (stat.S_ISFIFO, "is a named pipe (FIFO)"),
          (stat.S_ISCHR, "is a character device"), (stat.S_ISBLK, "is a block device"),
          (stat.S_ISSOCK, "is a socket"))
_GZIP = b"\x1f\x8b"
# compressions recognised by their first bytes but not read: say so instead of "not UTF-8"
_OTHER_COMPRESSION = {b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "ZIP",
                      b"(\xb5/\xfd": "zstd"}


def check_file(file: Path, name: str) -> None:
    """Raise :class:`CorpusError` unless ``file`` exists and is a regular file."""
    try:
        _check_regular(file.stat().st_mode, name)
    except FileNotFoundError:
        raise CorpusError(f"{name}: does not exist; pass the path of a corpus file") from None
    except OSError as exc:
        raise CorpusError(f"{name}: cannot read the file ({exc.strerror}); check the path "
                          "and its permissions") from None


def _check_regular(mode: int, name: str) -> None:
    """Refuse what is not a regular file before reading it: a FIFO would block the build
    until some writer comes, a device would never end, a directory is a mistake."""
    if not stat.S_ISREG(mode):
        what = next((text for test, text in _KINDS if test(mode)), "is not a regular file")
        raise CorpusError(f"{name}: {what}, not a file; pass the path of a corpus file "
                          "(write an export to a file first rather than piping it)")


def _open(file: Path, name: str) -> IO[bytes]:
    """Open for reading without blocking on a FIFO swapped in since :func:`check_file`."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise CorpusError(f"{name}: cannot read the file ({exc.strerror}); check the path "
                          "and its permissions") from exc
    try:
        _check_regular(os.fstat(fd).st_mode, name)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


class Line(NamedTuple):
    """One physical line: its 1-based number, its text, why it cannot be read (if so),
    and whether it is the last and ends without a line break (a cut-short file)."""

    number: int
    text: str
    error: CorpusError | None
    cut: bool


def lines(file: Path, name: str, encoding: str) -> Iterator[Line]:
    """Decoded physical lines of a plain or gzip file, so every error names its line.

    The file's size and modification time are compared before and after: a file that
    changed while it was read (an export still being written) is an error.
    """
    with _open(file, name) as raw:
        before = os.fstat(raw.fileno())
        head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
        for magic, kind in _OTHER_COMPRESSION.items():
            if head.startswith(magic):
                raise CorpusError(f"{name}: the file is {kind}-compressed, which is not read; "
                                  "decompress it, or compress it with gzip (.gz is read as is)")
        if head.startswith(_GZIP):
            yield from _gunzip(raw, name, encoding)
        else:
            yield from _decode(raw, name, encoding)
        after = os.fstat(raw.fileno())
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise CorpusError(
            f"{name}: the file changed while it was read ({before.st_size:,} bytes before, "
            f"{after.st_size:,} after); read it once the export is complete (have the "
            "export write a temporary file and rename it when done)"
        )


def _gunzip(raw: IO[bytes], name: str, encoding: str) -> Iterator[Line]:
    last = 0
    try:
        with gzip.GzipFile(fileobj=raw, mode="rb") as fh:
            for line in _decode(fh, name, encoding):
                last = line.number
                yield line
    except (OSError, EOFError, zlib.error) as exc:
        raise CorpusError(
            f"{name}, line {last + 1}: the gzip data is corrupt or cut short ({exc}); "
            "check it with gzip -t and export the file again"
        ) from None


def _decode(fh: Iterable[bytes], name: str, encoding: str) -> Iterator[Line]:
    for lineno, raw in enumerate(fh, 1):
        cut = not raw.endswith(b"\n")
        error = None
        if lineno == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # the whole file: fatal
            raise CorpusError(f"{name}, line 1: the file starts with a UTF-16 byte-order "
                              "mark; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
        if b"\x00" in raw:
            error = CorpusError(
                f"{name}, line {lineno}: NUL byte at byte {raw.index(0) + 1}; this is not "
                f"{encoding} text (a UTF-16 export? a binary file?): convert the file to UTF-8"
            )
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            text = raw.decode(encoding, "replace")
            bad = raw[exc.start : exc.end]
            error = error or CorpusError(
                f"{name}, line {lineno}: bytes {bad!r} at byte {exc.start + 1} are not valid "
                f"{encoding}; re-save the file as UTF-8 or pass the right encoding= "
                "(e.g. 'cp1252')"
            )
        yield Line(lineno, text.removeprefix("\ufeff") if lineno == 1 else text, error, cut)
