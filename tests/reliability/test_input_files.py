"""Faults of a whole corpus file, and the odd-but-valid inputs that are accepted.

A whole-file fault (not a file, unreadable, empty, compressed oddly, changed while read)
is an error even with ``--skip-invalid``: there is no record to skip. BOM, CRLF, gzip,
a TSV named .csv, a missing last line break are read as meant. Caps cut and count.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from recommender.cli import main
from recommender.config.build import BuildConfig
from recommender.corpus import lines as corpus_lines
from recommender.corpus.reader import iter_articles, read_articles
from recommender.corpus.report import ReadReport
from recommender.errors import CorpusError
from recommender.pipeline import build_from_files

GOOD = [
    {"id": "g1", "title": "Le barrage se remplit", "body": "eau barrage pluie", "tags": ["Eau"]},
    {"id": "g2", "title": "Pluies sur le barrage", "body": "eau pluie crue barrage"},
]
GOOD_BYTES = "".join(json.dumps(r) + "\n" for r in GOOD).encode()


def _build(*args: str | os.PathLike[str]) -> Result:
    return CliRunner().invoke(main, ["build", *map(os.fspath, args), "-q"])


def _one_line_error(result: Result, *parts: str) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


# ------------------------------------------------------------------ whole-file faults

def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return make


def _directory(folder: Path) -> Path:
    path = folder / "corpus.jsonl"
    path.mkdir()
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "corpus.jsonl"
    os.mkfifo(path)
    return path


def _gzip_cut(folder: Path) -> Path:
    path = folder / "corpus.jsonl.gz"
    records = (dict(GOOD[0], id=f"a{i}") for i in range(2000))
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())
    path.write_bytes(data[: len(data) // 2])
    return path


def _bzip2(folder: Path) -> Path:
    path = folder / "corpus.jsonl"
    path.write_bytes(bz2.compress(GOOD_BYTES))
    return path


def _zip(folder: Path) -> Path:
    path = folder / "corpus.jsonl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("corpus.jsonl", GOOD_BYTES)
    return path


FILE_FAULTS = [  # (kind, make the path, pattern the one-line error must hold)
    ("a directory", _directory, "is a directory, not a file"),
    ("a FIFO", _fifo, "is a named pipe (FIFO), not a file"),
    ("a missing file", lambda folder: folder / "missing.jsonl", "does not exist"),
    ("an unknown extension", _write("corpus.txt", GOOD_BYTES),
     "cannot tell the format from the extension '.txt'"),
    ("an empty CSV file", _write("corpus.csv", b""), "empty file; a CSV corpus needs a header"),
    ("a CSV header without id", _write("corpus.csv", b"key,title\n1,t\n"), "no 'id' column"),
    ("a gzip file cut short", _gzip_cut, "the gzip data is corrupt or cut short"),
    ("a bzip2 file", _bzip2, "is bzip2-compressed, which is not read"),
    ("a ZIP archive", _zip, "is ZIP-compressed, which is not read"),
    ("a UTF-16 file", _write("corpus.jsonl", "\ufeff".encode("utf-16-le")
                             + json.dumps(GOOD[0]).encode("utf-16-le")),
     "starts with a UTF-16 byte-order mark"),
    ("an empty JSON Lines file", _write("corpus.jsonl", b""),
     "cannot build an index from 0 articles ({path}: empty file (0 bytes))"),
    ("blank lines only", _write("corpus.jsonl", b"\n  \n\r\n"),
     "cannot build an index from 0 articles ({path}: no records"),
]
FAULT_IDS = [kind for kind, _, _ in FILE_FAULTS]


@pytest.mark.parametrize(("kind", "make", "pattern"), FILE_FAULTS, ids=FAULT_IDS)
def test_a_file_fault_is_one_line_naming_the_file(
    tmp_path: Path, kind: str, make: Callable[[Path], Path], pattern: str
) -> None:
    path = make(tmp_path)
    for extra in ([], ["--skip-invalid"]):  # nothing to skip: still an error
        result = _build(path, "-o", tmp_path / "index", *extra)
        line = _one_line_error(result, os.fspath(path), pattern.format(path=path))
        assert line.startswith("Error: ")
        assert not (tmp_path / "index").exists()


def test_a_fifo_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    """Opening a FIFO blocks until a writer comes: the check must come first (a real
    process, so a hang would show as a timeout rather than stop the suite)."""
    path = _fifo(tmp_path)
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "recommender", "build", os.fspath(path), "-o",
         os.fspath(tmp_path / "index")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"Error: {path}: is a named pipe (FIFO), not a file; pass the path of a corpus file "
        "(write an export to a file first rather than piping it)"]
    assert time.perf_counter() - started < 60


def test_devices_are_refused_by_the_library(tmp_path: Path) -> None:
    """/dev/zero would never end; the error comes when the reader is made, not later."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(_catch(
        lambda: read_articles("/dev/zero", format="jsonl"))), daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "reading /dev/zero did not return"
    assert isinstance(result[0], CorpusError)
    assert str(result[0]).startswith("/dev/zero: is a character device, not a file")


def _catch(call: Callable[[], object]) -> object:
    try:
        return call()
    except Exception as exc:  # returned for the test to check
        return exc


def test_unreadable_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES)

    def refuse(file: object, flags: int, *args: object) -> int:
        raise PermissionError(13, "Permission denied", os.fspath(file))  # type: ignore[arg-type]

    monkeypatch.setattr(corpus_lines.os, "open", refuse)
    with pytest.raises(CorpusError, match=r"corpus.jsonl: cannot read the file \(Permission "
                                          r"denied\); check the path and its permissions"):
        read_articles(path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads files whatever their mode")
def test_unreadable_permissions_for_real(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES)
    path.chmod(0)
    _one_line_error(_build(path, "-o", tmp_path / "index"), "Permission denied")


@pytest.mark.parametrize("change", ["append", "rewrite in place"])
def test_a_file_that_changes_while_read_is_an_error(tmp_path: Path, change: str) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES)
    stream = iter_articles(path)
    assert next(stream).id == "g1"
    if change == "append":
        with path.open("ab") as fh:
            fh.write(GOOD_BYTES.replace(b'"g', b'"h'))
    else:
        stat = path.stat()
        with path.open("r+b") as fh:
            fh.write(GOOD_BYTES.replace(b"eau", b"EAU"))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    with pytest.raises(CorpusError, match=r"corpus.jsonl: the file changed while it was read"):
        list(stream)


def test_every_record_rejected_names_the_count_and_keeps_the_rejects(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b'{"id": ""}\nnot json\n')
    result = _build(path, "-o", tmp_path / "index", "--skip-invalid")
    _one_line_error(result, f"cannot build an index from 0 articles ({path}: 2 invalid records "
                            "skipped)")
    rejects = (tmp_path / "index.rejects.jsonl").read_text().splitlines()
    assert [json.loads(r)["line"] for r in rejects] == [1, 2]


def test_a_directory_gets_a_library_error_not_a_usage_error(tmp_path: Path) -> None:
    result = _build(tmp_path, "-o", tmp_path / "index")
    assert result.exit_code == 1  # was 2, click's usage error


# --------------------------------------------------------------- accepted as meant

def _read_bytes(tmp_path: Path, name: str, data: bytes, **kwargs: object) -> list[str]:
    path = tmp_path / name
    path.write_bytes(data)
    return [a.id for a in read_articles(path, **kwargs)]  # type: ignore[arg-type]


CSV = b"id,title,body\r\ng1,Barrage,\"eau\r\npluie\"\r\ng2,Pluie,crue\r\n"
ACCEPTED = [  # (kind, file name, bytes); each reads as the articles g1, g2
    ("UTF-8 BOM (JSON Lines)", "c.jsonl", b"\xef\xbb\xbf" + GOOD_BYTES),
    ("UTF-8 BOM (CSV)", "c.csv", b"\xef\xbb\xbf" + CSV),
    ("CRLF line ends (JSON Lines)", "c.jsonl", GOOD_BYTES.replace(b"\n", b"\r\n")),
    ("CRLF line ends and a quoted line break (CSV)", "c.csv", CSV),
    ("no line break after the last line", "c.jsonl", GOOD_BYTES.rstrip(b"\n")),
    ("gzip named .jsonl.gz", "c.jsonl.gz", gzip.compress(GOOD_BYTES)),
    ("gzip named .csv.gz", "c.csv.gz", gzip.compress(CSV)),
    ("gzip under a plain .jsonl name", "c.jsonl", gzip.compress(GOOD_BYTES)),
    ("a TSV file named .csv", "c.csv", b"id\ttitle\tbody\ng1\tA, B\tx, y\ng2\tC\tz\n"),
    ("a semicolon CSV", "c.csv", b"id;title;body\ng1;A, B;x\ng2;C;z\n"),
    ("blank lines between records", "c.jsonl", GOOD_BYTES.replace(b"\n", b"\n\n  \n")),
]


@pytest.mark.parametrize(("kind", "name", "data"), ACCEPTED, ids=[k for k, _, _ in ACCEPTED])
def test_odd_but_valid_files_are_read_as_meant(
    tmp_path: Path, kind: str, name: str, data: bytes
) -> None:
    assert _read_bytes(tmp_path, name, data) == ["g1", "g2"]


def test_a_gzip_corpus_builds_from_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(gzip.compress(GOOD_BYTES))
    result = _build(path, "-o", tmp_path / "index", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["articles"] == 2


def test_a_20_mb_body_is_cut_once_with_a_count_and_stays_cheap(tmp_path: Path) -> None:
    words = ("barrage eau pluie crue sécheresse réservoir " * 500_000)[: 20_000_000]
    record = {"id": "big", "title": "Un très long texte", "body": words}
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES + json.dumps(record, ensure_ascii=False).encode() + b"\n")
    started = time.perf_counter()
    result = _build(path, "-o", tmp_path / "index", "--json")
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: cut the body of 1 article to max_body_chars=1,000,000 "
                        "characters"]
    assert json.loads(result.stdout)["input"]["truncated_bodies"] == 1
    assert "| truncated_bodies | 1 |" in (tmp_path / "index" / "MODEL_CARD.md").read_text()
    assert seconds < 30, seconds  # about 3 s on the 2-core CI machine


def test_ten_thousand_tags_keep_the_first_max_tags(tmp_path: Path) -> None:
    record = {"id": "tagged", "title": "t", "tags": [f"tag{i}" for i in range(10_000)]}
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES + json.dumps(record).encode() + b"\n")
    summary = build_from_files([path], tmp_path / "index", BuildConfig())
    assert summary.input["truncated_tag_lists"] == 1
    assert summary.warnings == ["kept the first max_tags=100 tags of 1 article with more"]
    report = ReadReport()
    articles = read_articles(path, max_tags=100, report=report)
    assert len(articles[-1].tags) == 100 and articles[-1].tags[-1] == "tag99"
    assert report.truncated == {"tags": 1}


def test_caps_are_configurable_from_the_cli_toml_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES)
    result = _build(path, "-o", tmp_path / "a", "--max-body-chars", "5", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"]["truncated_bodies"] == 2
    toml = tmp_path / "site.toml"
    toml.write_text("[build]\nmax_tags = 1\n")
    result = CliRunner().invoke(main, ["build", os.fspath(path), "-o", os.fspath(tmp_path / "b"),
                                       "-q", "--json", "--config", os.fspath(toml)],
                                env={"RECOMMENDER_MAX_BODY_CHARS": "9"})
    document = json.loads(result.stdout)
    assert document["config"]["max_tags"] == 1 and document["config"]["max_body_chars"] == 9
    assert document["input"]["truncated_bodies"] == 2
    result = _build(path, "-o", tmp_path / "c", "--max-tags", "0")
    _one_line_error(result, "expected max_tags >= 1, got max_tags=0")


def test_links_to_unknown_ids_are_kept_and_counted(tmp_path: Path) -> None:
    records = [dict(GOOD[0], related=["g2", "gone", "gone2"]),
               dict(GOOD[1], translation_of="elsewhere")]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    report = ReadReport()
    articles = read_articles(path, report=report)
    assert articles[0].related == ("g2", "gone", "gone2")  # kept: an update may add them
    assert report.unknown_links == {"related": 2, "translation_of": 1}
    result = _build(path, "-o", tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert "warning: links to ids not in the corpus: 2 related, 1 translation_of; kept" \
        in result.stderr
    card = (tmp_path / "index" / "MODEL_CARD.md").read_text()
    assert "| related_links_to_unknown_ids | 2 |" in card


def test_rejects_needs_skip_invalid(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES)
    result = _build(path, "-o", tmp_path / "index", "--rejects", tmp_path / "r.jsonl")
    assert result.exit_code == 2 and "add --skip-invalid" in result.stderr


def test_a_clean_skipping_build_writes_an_empty_rejects_file(tmp_path: Path) -> None:
    """So a stale list from yesterday's run never stands for today's."""
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(GOOD_BYTES)
    rejects = tmp_path / "out" / "rejects.jsonl"
    rejects.parent.mkdir()
    rejects.write_text('{"line": 1}\n')
    result = _build(path, "-o", tmp_path / "index", "--skip-invalid", "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert rejects.read_text() == ""
