"""The one atomic write: a file is replaced whole, or not at all (index directories:
tests/reliability/test_store_publish.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import recommender.store.atomic as atomic
from recommender.store.atomic import atomic_file, atomic_write


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------------------- files


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    assert atomic_write(path, "crédit\n") == path
    assert path.read_bytes() == "crédit\n".encode()
    atomic_write(path, "crédit", encoding="latin-1")
    assert path.read_bytes() == b"cr\xe9dit"
    atomic_write(str(path), b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert names(tmp_path) == ["out.txt"]


def test_new_file_is_0o644_and_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    atomic_write(path, "a")
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0o600
    os.chmod(path, 0o640)
    atomic_write(path, "b")
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("error", [RuntimeError("mid-write"), KeyboardInterrupt()])
def test_exception_mid_write_keeps_old_file_and_no_temp(tmp_path: Path, error) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")

    def records():
        yield b"new 1\n"
        raise error

    with pytest.raises(type(error)), atomic_file(path) as fh:
        for record in records():
            fh.write(record)
    assert path.read_text() == "old\n"
    assert names(tmp_path) == ["out.jsonl"]


def test_failed_rename_keeps_old_file_and_no_temp(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "best.toml"
    path.write_text("old")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, "new")
    assert path.read_text() == "old"
    assert names(tmp_path) == ["best.toml"]


def test_missing_directory_raises_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "nope" / "out.txt", "x")
    assert names(tmp_path) == []


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("old")
    link = tmp_path / "best.toml"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert names(tmp_path) == ["best.toml", "real.toml"]
