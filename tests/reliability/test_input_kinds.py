"""Every kind of malformed corpus record an operator's export can hold, one case each.

Each case is a corpus whose last record is bad (two good ones come first). Read plainly,
it is a :class:`CorpusError` naming the file, the line and the field (when the fault is a
field); on the command line it is one line on stderr, exit 1, no traceback; read with
``skip_invalid`` the good records are kept and the bad one is a reject naming its line
and field. ``tests/reliability/test_input_files.py`` covers faults of a whole file and the
kinds that are accepted (BOM, CRLF, gzip...). The README's "Reliability" section counts
these cases: keep it in step.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from recommender.cli import main
from recommender.corpus.reader import read_articles
from recommender.corpus.report import ReadReport
from recommender.errors import CorpusError

GOOD_JSONL = [
    {"id": "g1", "title": "Le barrage se remplit", "body": "eau barrage pluie"},
    {"id": "g2", "title": "Pluies sur le barrage", "body": "eau pluie crue barrage"},
]
GOOD_CSV = "id,title,body,tags\ng1,Le barrage se remplit,eau barrage pluie,Eau\n" \
           "g2,Pluies sur le barrage,eau pluie crue barrage,Eau|Pluie\n"


@dataclass(frozen=True)
class Case:
    """A bad last record: its bytes (without line end unless ``raw``), the format, the
    field the error must name (None when the line as a whole is at fault), and a pattern
    of the message."""

    kind: str
    bad: bytes
    field: str | None
    match: str
    fmt: str = "jsonl"
    #: the bytes are the file's end as is (no line break added): a cut-short file
    raw: bool = False

    def write(self, folder: Path) -> tuple[Path, int]:
        """The corpus file and the line of its bad record."""
        if self.fmt == "jsonl":
            head = "".join(json.dumps(r) + "\n" for r in GOOD_JSONL).encode()
            line = len(GOOD_JSONL) + 1
        else:
            head = GOOD_CSV.encode()
            line = GOOD_CSV.count("\n") + 1
        path = folder / f"corpus.{self.fmt}"
        path.write_bytes(head + self.bad + (b"" if self.raw else b"\n"))
        return path, line


def _json(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def _json_raw(text: str) -> bytes:
    return text.encode()


WRONG_TYPES = [  # one per field of an article
    ("id", _json(id=1.5, title="t"), r"expected a string \(or integer\) id"),
    ("title", _json(id="b", title=7), r"expected a string or null, got 7 \(int\)"),
    ("body", _json(id="b", body=["a", "b"]), r"expected a string or null"),
    ("tags", _json(id="b", title="t", tags={"a": 1}), r"expected a list of strings or null"),
    ("published", _json(id="b", title="t", published=20200926),
     r"expected an ISO date 'YYYY-MM-DD'"),
    ("section", _json(id="b", title="t", section=["Eco"]), r"expected a string or null"),
    ("language", _json(id="b", title="t", language=12), r"expected a string or null"),
    ("related", _json(id="b", title="t", related="g1"), r"expected a list of strings"),
    ("translation_of", _json(id="b", title="t", translation_of=["g1"]),
     r"expected the id of the translated article"),
]

CASES = [
    Case("invalid JSON", _json_raw('{"id": "b", "title": }'), None, r"invalid JSON"),
    Case("truncated last line", _json_raw('{"id": "b", "title": "Le barr'), None,
         r"invalid JSON: Unterminated string.*looks cut short", raw=True),
    Case("a JSON value that is not an object", _json_raw('["b", "title"]'), None,
         r"expected a JSON object, got \['b', 'title'\]"),
    Case("invalid UTF-8", b'{"id": "b", "title": "caf\xe9"}', None,
         r"bytes b'\\xe9' at byte 26 are not valid utf-8"),
    Case("NUL byte", b'{"id": "b", "title": "x"}\x00', None, r"NUL byte at byte 26"),
    Case("JSON nested too deeply", _json_raw('{"id": "b", "x": ' + "[" * 100_000
                                             + "]" * 100_000 + "}"),
         None, r"nested too deeply"),
    Case("a 5000-digit number", _json_raw('{"id": "b", "title": "t", "n": ' + "9" * 5000 + "}"),
         None, r"a value cannot be read \(Exceeds the limit \(4300 digits\)"),
    Case("lone UTF-16 surrogate in a title", _json_raw('{"id": "b", "title": "x \\ud800 y"}'),
         "title", r"lone UTF-16 surrogates.*character 3 is '\\ud800'"),
    Case("NUL character in a body", _json_raw('{"id": "b", "title": "t", "body": "a\\u0000"}'),
         "body", r"text without a NUL character"),
    Case("missing id", _json(title="t"), "id", r"expected a non-empty id, got None"),
    Case("blank id", _json(id="  ", title="t"), "id", r"expected a non-empty id"),
    Case("duplicate id", _json(id="g1", title="t"), "id",
         r"duplicate id 'g1', first seen at .*corpus.jsonl, line 1"),
    Case("id with a newline", _json(id="b\nc", title="t"), "id",
         r"without a control character.*'\\n'"),
    Case("id with a tab", _json(id="b\tc", title="t"), "id", r"without a control character"),
    Case("id with a line separator", _json(id="b\u2028c", title="t"), "id",
         r"without a control character"),
    *[Case(f"wrong type: {field}", bad, field, match) for field, bad, match in WRONG_TYPES],
    Case("tag list item not a string", _json(id="b", title="t", tags=["a", 3]), "tags",
         r"item 2 is not a string"),
    Case("tag with a control character", _json(id="b", title="t", tags=["a\x1bb"]), "tags",
         r"without a control character"),
    Case("empty title, body and tags", _json(id="b", title=" ", body=""), "title",
         r"has no title, body or tags"),
    Case("nonsense date (month 13)", _json(id="b", title="t", published="2020-13-45"),
         "published", r"expected a valid date, got '2020-13-45'"),
    Case("nonsense date (a word)", _json(id="b", title="t", published="yesterday"),
         "published", r"expected an ISO date"),
    Case("day/month/year date", _json(id="b", title="t", published="26/09/2020"),
         "published", r"write '2020-09-26' if it is day/month/year"),
    Case("NaN as a title", _json_raw('{"id": "b", "title": NaN}'), "title",
         r"expected a string or null, got nan \(float\)"),
    Case("Infinity as a date", _json_raw('{"id": "b", "title": "t", "published": Infinity}'),
         "published", r"got inf \(float\)"),
    Case("NaN as an id", _json_raw('{"id": NaN, "title": "t"}'), "id",
         r"expected a string \(or integer\) id, got nan"),
    Case("nonsense language", _json(id="b", title="t", language="french!"), "language",
         r"expected a code such as 'fr'"),
    Case("article translating itself", _json(id="b", title="t", translation_of="b"),
         "translation_of", r"cannot translate itself"),
    Case("CSV row with too many cells", b"b,t,body,Eau,extra", None,
         r"5 cells but the header has 4 columns", fmt="csv"),
    Case("CSV row with too few cells", b"b,t", None, r"2 cells but the header has 4 columns",
         fmt="csv"),
    Case("CSV broken quoting", b'b,"t"x,body,Eau', None, r"malformed CSV record", fmt="csv"),
    Case("CSV cut inside a quoted cell", b'b,"Le barr', None,
         r"malformed CSV record.*looks cut short", fmt="csv", raw=True),
    Case("CSV invalid UTF-8", b"b,caf\xe9,body,Eau", None, r"are not valid utf-8", fmt="csv"),
    Case("CSV id with a tab", b'"b\tc",t,body,Eau', "id", r"without a control character",
         fmt="csv"),
    Case("CSV duplicate id", b"g2,t,body,Eau", "id", r"duplicate id 'g2'", fmt="csv"),
]
IDS = [c.kind for c in CASES]


def test_the_kinds_are_distinct() -> None:
    assert len(set(IDS)) == len(IDS) >= 30


def _check_message(message: str, path: Path, line: int, case: Case) -> None:
    assert message.startswith(f"{path}, line {line}"), message
    if case.field is not None:
        assert f"field '{case.field}'" in message, message
    assert re.search(case.match, message), message


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_bad_record_is_an_error_naming_file_line_and_field(tmp_path: Path, case: Case) -> None:
    path, line = case.write(tmp_path)
    with pytest.raises(CorpusError) as caught:
        read_articles(path)
    assert type(caught.value) is CorpusError
    assert caught.value.field == case.field
    _check_message(str(caught.value), path, line, case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_skip_invalid_keeps_the_good_records_and_rejects_the_bad_one(
    tmp_path: Path, case: Case
) -> None:
    path, line = case.write(tmp_path)
    report = ReadReport()
    articles = read_articles(path, skip_invalid=True, report=report)
    assert [a.id for a in articles] == ["g1", "g2"]
    assert len(report.rejects) == 1
    reject = report.rejects[0]
    assert (reject.file, reject.line, reject.field) == (os.fspath(path), line, case.field)
    _check_message(reject.error, path, line, case)
    assert report.counts()["rejected_records"] == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_cli_prints_one_line_and_exits_1(tmp_path: Path, case: Case) -> None:
    path, line = case.write(tmp_path)
    target = tmp_path / "index"
    result = CliRunner().invoke(main, ["build", os.fspath(path), "-o", os.fspath(target), "-q"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught error
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {path}, line {line}")
    assert "Traceback" not in result.output
    assert not target.exists()


def test_one_skipping_build_lists_every_kind_in_its_rejects_file(tmp_path: Path) -> None:
    """All the JSON Lines kinds in one corpus: the build keeps the good records, writes
    one reject per bad line (in order, with its field) and counts them in the card."""
    cases = [c for c in CASES if c.fmt == "jsonl" and not c.raw]
    body = "".join(json.dumps(r) + "\n" for r in GOOD_JSONL).encode()
    body += b"".join(c.bad + b"\n" for c in cases)
    path = tmp_path / "export.jsonl"
    path.write_bytes(body)
    target = tmp_path / "models" / "site"
    result = CliRunner().invoke(main, ["build", os.fspath(path), "-o", os.fspath(target), "-q",
                                       "--skip-invalid"])
    assert result.exit_code == 0, result.output
    rejects_file = tmp_path / "models" / "site.rejects.jsonl"
    rejects = [json.loads(line) for line in rejects_file.read_text().splitlines()]
    expected = [(len(GOOD_JSONL) + 1 + i, c.field) for i, c in enumerate(cases)]
    assert [(r["line"], r["field"]) for r in rejects] == expected
    assert f"warning: skipped {len(cases)} invalid records; reasons in {rejects_file}" \
        in result.stderr
    card = (target / "MODEL_CARD.md").read_text()
    assert f"| rejected_records | {len(cases)} |" in card
    assert "| articles | 2 |" in card
