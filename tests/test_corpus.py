"""Reading, validating and writing corpora: every error names file, line and field."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.corpus.reader import (
    article_to_record,
    articles_from_records,
    iter_articles,
    read_articles,
    write_articles,
)
from recommender.errors import CorpusError
from recommender.records import Article

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

GOOD = {"id": "A", "title": "Hops", "body": "Citra hops.", "tags": ["beer"]}


def jsonl(tmp_path: Path, *lines: object, name: str = "corpus.jsonl") -> Path:
    """Write lines (dicts as JSON, str/bytes as they are) to a file; return its path."""
    out = bytearray()
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line, ensure_ascii=False)
        out += (line.encode("utf-8") if isinstance(line, str) else line) + b"\n"
    path = tmp_path / name
    path.write_bytes(bytes(out))
    return path


# ----------------------------------------------------------------------------- JSONL: good


def test_reads_full_record_and_normalises_fields(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {
            "id": " F1 ",
            "title": "Crédit d'impôt",
            "body": "Ligne 1\nLigne 2",
            "tags": [" Argent ", "", "  ", "Impôts"],
            "published": "2020-09-26",
            "section": "  ",
            "language": " FR ",
            "related": ["F2", " ", " F3 "],
            "url": "https://example.org/ignored",
        },
    )
    assert read_articles(path) == [
        Article(
            id="F1",
            title="Crédit d'impôt",
            body="Ligne 1\nLigne 2",
            tags=("Argent", "Impôts"),
            published=dt.date(2020, 9, 26),
            section=None,
            language="fr",
            related=("F2", "F3"),
        )
    ]


def test_nulls_and_missing_fields_take_defaults(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {"id": "a", "title": None, "body": "text", "tags": None, "published": None},
        {"id": "b", "title": "only a title", "body": ""},
        {"id": "c", "tags": ["t"], "section": None, "language": None, "related": None},
    )
    a, b, c = read_articles(path)
    assert a == Article(id="a", body="text")
    assert b == Article(id="b", title="only a title")
    assert c == Article(id="c", tags=("t",))


def test_int_ids_become_strings(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": 42, "title": "t", "related": [7, "x"]})
    (art,) = read_articles(path)
    assert art.id == "42"
    assert art.related == ("7", "x")
    clash = jsonl(tmp_path, {"id": "7", "title": "t"}, {"id": 7, "title": "u"}, name="c.jsonl")
    with pytest.raises(CorpusError, match=r"line 2, field 'id': duplicate id '7'"):
        read_articles(clash)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-09-26T14:40:00Z", dt.date(2020, 9, 26)),
        ("2020-09-26T23:30:00-05:00", dt.date(2020, 9, 26)),  # date as written, no UTC shift
        ("2020-09-26 14:40", dt.date(2020, 9, 26)),
        ("2020-09-26T14:40:00.123456+02:00", dt.date(2020, 9, 26)),
        (" 2020-09-26 ", dt.date(2020, 9, 26)),
        ("", None),
    ],
)
def test_published_accepts_dates_and_datetimes(
    tmp_path: Path, value: str, expected: dt.date | None
) -> None:
    (art,) = read_articles(jsonl(tmp_path, {"id": "a", "title": "t", "published": value}))
    assert art.published == expected


@pytest.mark.parametrize("code", ["en", "fra", "pt-br", "zh-hant-tw"])
def test_language_codes_are_accepted(tmp_path: Path, code: str) -> None:
    (art,) = read_articles(jsonl(tmp_path, {"id": "a", "title": "t", "language": code.upper()}))
    assert art.language == code


def test_blank_lines_and_bom_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    lines = [json.dumps(GOOD), "", "   ", json.dumps({**GOOD, "id": "B"}), ""]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    assert [a.id for a in read_articles(path)] == ["A", "B"]


def test_tags_keep_their_case(tmp_path: Path) -> None:
    (art,) = read_articles(jsonl(tmp_path, {**GOOD, "tags": ["Impôts", "IMPÔTS"]}))
    assert art.tags == ("Impôts", "IMPÔTS")


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json-lines", ".JSONL"])
def test_jsonl_extensions(tmp_path: Path, suffix: str) -> None:
    path = jsonl(tmp_path, GOOD, name=f"corpus{suffix}")
    assert [a.id for a in read_articles(path)] == ["A"]


def test_latin1_file_with_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes('{"id": "a", "title": "café"}\n'.encode("latin-1"))
    assert read_articles(path, encoding="latin-1")[0].title == "café"


# ----------------------------------------------------------------------------- JSONL: errors

# Each case is the third line of corpus.jsonl (line 2 is blank and still counts).
ERROR_CASES = [
    ('{"id": "x", "title": }', r"line 3, column 22: invalid JSON: Expecting value"),
    ('{"id": "x"', r"line 3, column \d+: invalid JSON: .*format='csv'"),
    ("[1, 2]", r"line 3: expected a JSON object, got \[1, 2\] \(list\)"),
    ('"text"', r"line 3: expected a JSON object, got 'text' \(str\)"),
    ('{"title": "t"}', r"line 3, field 'id': expected a non-empty id, got None"),
    ('{"id": "  ", "title": "t"}', r"line 3, field 'id': expected a non-empty id, got '  '"),
    ('{"id": 1.5, "title": "t"}', r"line 3, field 'id': .*got 1\.5 \(float\); quote it"),
    ('{"id": true, "title": "t"}', r"line 3, field 'id': .*got True \(bool\)"),
    ('{"id": ["a"], "title": "t"}', r"line 3, field 'id': .*got \['a'\] \(list\)"),
    (
        '{"id": "A", "title": "t"}',
        r"line 3, field 'id': duplicate id 'A', first seen at "
        r".*corpus\.jsonl, line 1",
    ),
    ('{"id": " A ", "title": "t"}', r"line 3, field 'id': duplicate id 'A', .*line 1"),
    ('{"id": "x", "title": 5}', r"line 3, field 'title': expected a string or null, got 5 "),
    ('{"id": "x", "body": ["b"]}', r"line 3, field 'body': expected a string or null"),
    (
        '{"id": "x", "tags": "a,b"}',
        r"line 3, field 'tags': expected a list of strings, "
        r"got 'a,b' \(str\); write a JSON list: \[\"a\", \"b\"\]",
    ),
    ('{"id": "x", "tags": ["a", 3]}', r"line 3, field 'tags': .*item 2 .*got 3 \(int\)"),
    ('{"id": "x", "tags": {"a": 1}}', r"line 3, field 'tags': .*got \{'a': 1\} \(dict\)"),
    ('{"id": "x", "title": "t", "related": "B"}', r"line 3, field 'related': .*got 'B'"),
    ('{"id": "x", "title": "t", "related": [null]}', r"line 3, field 'related': .*None"),
    ('{"id": "x", "title": "t", "related": [1.0]}', r"line 3, field 'related': .*1\.0"),
    ('{"id": "x", "title": "t", "section": 3}', r"line 3, field 'section': .*got 3 \(int\)"),
    ('{"id": "x", "title": "t", "language": 3}', r"line 3, field 'language': .*got 3"),
    (
        '{"id": "x", "title": "t", "language": "french"}',
        r"line 3, field 'language': .*'pt-br', got 'french' \(str\); use an ISO 639 code",
    ),
    ('{"id": "x", "title": "t", "language": "en_US"}', r"line 3, field 'language': .*en_US"),
    (
        '{"id": "x", "title": "t", "published": "26/09/2020"}',
        r"line 3, field 'published': expected an ISO date 'YYYY-MM-DD'.*got '26/09/2020' "
        r"\(str\); write '2020-09-26' if it is day/month/year",
    ),
    (
        '{"id": "x", "title": "t", "published": "2020-02-30"}',
        r"line 3, field 'published': expected a valid date, got '2020-02-30'",
    ),
    (
        '{"id": "x", "title": "t", "published": "2020-09-26T25:00"}',
        r"line 3, field 'published': expected a valid date",
    ),
    (
        '{"id": "x", "title": "t", "published": "yesterday"}',
        r"line 3, field 'published': .*got 'yesterday'.*'2020-09-26'",
    ),
    (
        '{"id": "x", "title": "t", "published": "2020-09-26X10:00"}',
        r"line 3, field 'published': .*2020-09-26X10:00",
    ),
    (
        '{"id": "x", "title": "t", "published": 20200926}',
        r"line 3, field 'published': .*got 20200926 \(int\)",
    ),
    (
        '{"id": "x", "title": " ", "body": "", "tags": [" "]}',
        r"line 3, field 'title': article 'x' has no title, body or tags",
    ),
]


@pytest.mark.parametrize(("line", "pattern"), ERROR_CASES)
def test_jsonl_errors_name_file_line_and_field(tmp_path: Path, line: str, pattern: str) -> None:
    path = jsonl(tmp_path, GOOD, "", line, {**GOOD, "id": "later"})
    with pytest.raises(CorpusError, match=re.escape(str(path)) + ", " + pattern):
        read_articles(path)


def test_error_message_matches_documented_shape(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "x", "tags": "a,b"})
    with pytest.raises(CorpusError) as info:
        read_articles(path)
    assert str(info.value).startswith(
        f"{path}, line 1, field 'tags': expected a list of strings, got 'a,b' (str); "
    )


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path, GOOD, b'{"id": "x", "title": "caf\xe9"}')
    with pytest.raises(
        CorpusError,
        match=r"corpus\.jsonl, line 2: bytes b'\\xe9' at byte 26 "
        r"are not valid utf-8; .*encoding=",
    ):
        read_articles(path)


def test_long_values_are_shortened_in_messages(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "x", "title": "y" * 5000 + "END"}, name="long.jsonl")
    with pytest.raises(CorpusError) as info:
        read_articles(jsonl(tmp_path, {"id": "x", "tags": "y" * 5000}))
    assert len(str(info.value)) < 400
    assert read_articles(path)[0].title.endswith("END")


def test_corpus_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="line 1"):
        read_articles(jsonl(tmp_path, "{"))


# ----------------------------------------------------------------------------- CSV / TSV


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


CSV_ROWS = [
    ["ID", " Title ", "body", "tags", "published", "section", "language", "related", "extra"],
    [
        "a1",
        "First",
        'Body with "quotes",\ncommas and a newline',
        "Beer | hops|",
        "2020-09-26",
        "beer",
        "EN",
        "b2;c3",
        "ignored",
    ],
    ["b2", "Second", "", "one;two", "", "", "", "", ""],
    ["c3", "", "", "solo", "2021-01-02T10:00:00Z", "", "", "a1", ""],
]
CSV_EXPECTED = [
    Article(
        id="a1",
        title="First",
        body='Body with "quotes",\ncommas and a newline',
        tags=("Beer", "hops"),
        published=dt.date(2020, 9, 26),
        section="beer",
        language="en",
        related=("b2", "c3"),
    ),
    Article(id="b2", title="Second", tags=("one", "two")),
    Article(id="c3", tags=("solo",), published=dt.date(2021, 1, 2), related=("a1",)),
]


@pytest.mark.parametrize(
    ("name", "delimiter", "fmt"),
    [
        ("corpus.csv", ",", None),
        ("corpus.tsv", "\t", None),
        ("corpus.csv", ";", None),  # semicolon CSV (European spreadsheets): from the header
        ("corpus.csv", "\t", None),
        ("corpus.txt", ",", "csv"),
    ],
)
def test_csv_round_trip(tmp_path: Path, name: str, delimiter: str, fmt: str | None) -> None:
    path = write_csv(tmp_path / name, CSV_ROWS, delimiter)
    assert read_articles(path, format=fmt) == CSV_EXPECTED  # type: ignore[arg-type]


def test_csv_id_column_only_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_bytes(b"\xef\xbb\xbfid,tags\r\n1,a|b\r\n\r\n,\r\n2,c\r\n")
    assert read_articles(path) == [Article(id="1", tags=("a", "b")), Article(id="2", tags=("c",))]


def test_csv_short_rows_are_an_error(tmp_path: Path) -> None:
    """A short row is most often half of a record split by an unquoted line break: its
    other half would be read as an article whose id is body text."""
    path = tmp_path / "short.csv"
    path.write_text("id,title,body\nx,Title\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"short.csv, line 2: 2 cells but the header has 3"):
        read_articles(path)


CSV_ERRORS = [
    ("ident,title\nx,t\n", r", line 1: no 'id' column in the header \['ident', 'title'\]"),
    ("", r": empty file; a CSV corpus needs a header row"),
    ("id,title,ID\nx,t,y\n", r", line 1: duplicate columns \['id'\]"),
    (
        'id,title,body\n"x","multi\nline",b\ny,t,b,EXTRA\n',
        r", line 4: 4 cells but the header has 3 columns; quote cells",
    ),
    ('id,title\n"x","multi\nline"\n ,t\n', r", line 4, field 'id': expected a non-empty id"),
    (
        'id,title,published\n"x","multi\n\nline",\ny,t,26/09/2020\n',
        r", line 5, field 'published': .*'2020-09-26' if it is day/month/year",
    ),
    # a record spanning lines 3-4 is reported at the line where it starts
    ('id,title,published\nx,t,\ny,"two\nlines",soon\n', r", line 3, field 'published'"),
    ("id,title\nx,t\nx,u\n", r", line 3, field 'id': duplicate id 'x', first seen at .*line 2"),
    ("id,title\nx,t\ny,\n", r", line 3, field 'title': article 'y' has no title, body or tags"),
    ('id,title\nx,t\ny,"unterminated\nz,t\n', r", line 3: malformed CSV record: .*quotes"),
    ('id,title\n"x" ,t\n', r", line 2: malformed CSV record"),
    ("id,title,language\nx,t,english\n", r", line 2, field 'language'"),
]


@pytest.mark.parametrize(("text", "pattern"), CSV_ERRORS)
def test_csv_errors_name_file_line_and_field(tmp_path: Path, text: str, pattern: str) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(CorpusError, match=re.escape(str(path)) + pattern):
        read_articles(path)


def test_csv_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_bytes(b"id,title\nx,ok\ny,caf\xe9\n")
    with pytest.raises(CorpusError, match=r"corpus\.csv, line 3: bytes b'\\xe9'"):
        read_articles(path)


def test_csv_bodies_beyond_default_field_limit(tmp_path: Path) -> None:
    body = "word " * 60_000  # 300 kB, over csv's 128 KiB default
    path = write_csv(tmp_path / "big.csv", [["id", "body"], ["x", body]])
    assert read_articles(path)[0].body == body


# ----------------------------------------------------------------------------- files and paths


def test_several_files_keep_order(tmp_path: Path) -> None:
    first = jsonl(tmp_path, GOOD, name="a.jsonl")
    second = write_csv(tmp_path / "b.csv", [["id", "title"], ["B", "t"]])
    assert [a.id for a in read_articles([first, str(second)])] == ["A", "B"]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    first = jsonl(tmp_path, {**GOOD, "id": "Z"}, GOOD, name="one.jsonl")
    second = jsonl(tmp_path, {**GOOD, "id": "B"}, GOOD, name="two.jsonl")
    with pytest.raises(
        CorpusError,
        match=re.escape(
            f"{second}, line 2, field 'id': duplicate id 'A', first seen at {first}, line 2"
        ),
    ):
        read_articles([first, second])


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({}, r"corpus\.txt: cannot tell the format from the extension '\.txt'; pass format="),
        ({"format": "xml"}, r"format must be 'jsonl', 'csv' or None, got 'xml'"),
        ({"encoding": "utf-16"}, r"encoding 'utf-16' is not supported.*UTF-8"),
        ({"encoding": "klingon"}, r"unknown encoding 'klingon'"),
    ],
)
def test_format_and_encoding_errors(tmp_path: Path, kwargs: dict, pattern: str) -> None:
    path = jsonl(tmp_path, GOOD, name="corpus.txt")
    if "format" not in kwargs and "encoding" in kwargs:
        kwargs = {**kwargs, "format": "jsonl"}
    with pytest.raises(CorpusError, match=pattern):
        read_articles(path, **kwargs)


def test_explicit_format_overrides_extension(tmp_path: Path) -> None:
    path = jsonl(tmp_path, GOOD, name="corpus.txt")
    assert read_articles(path, format="jsonl")[0].id == "A"


@pytest.mark.parametrize(
    ("paths", "pattern"),
    [
        ([], r"no corpus files given"),
        ("missing.jsonl", r"missing\.jsonl: does not exist"),
        ([123], r"expected a file path, got 123 \(int\)"),
    ],
)
def test_path_errors(paths: object, pattern: str) -> None:
    with pytest.raises(CorpusError, match=pattern):
        read_articles(paths)  # type: ignore[arg-type]


def test_directory_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "dir.jsonl"
    folder.mkdir()
    with pytest.raises(CorpusError, match=r"dir\.jsonl: is a directory"):
        read_articles(folder)


def test_iter_articles_streams_and_checks_path_eagerly(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        iter_articles(tmp_path / "nope.jsonl")  # raises before any iteration
    path = jsonl(tmp_path, GOOD, {**GOOD, "id": "B"}, "not json", GOOD)
    stream = iter_articles(path)
    assert next(stream).id == "A"
    assert next(stream).id == "B"
    with pytest.raises(CorpusError, match=r"line 3, column 1: invalid JSON"):
        next(stream)


def test_iter_articles_detects_duplicates(tmp_path: Path) -> None:
    path = jsonl(tmp_path, GOOD, {**GOOD, "id": "B"}, GOOD)
    with pytest.raises(CorpusError, match=r"line 3, field 'id': duplicate id 'A'.*line 1"):
        list(iter_articles(path))


# ----------------------------------------------------------------------------- records


def test_articles_from_records_names_the_record() -> None:
    records = [GOOD, {"id": "B", "title": "t"}, {"id": "C", "tags": "x"}]
    with pytest.raises(CorpusError, match=r"^<records>, record 3, field 'tags': expected a list"):
        articles_from_records(records)
    with pytest.raises(CorpusError, match=r"^cms, record 2: expected a mapping.*\(list\)"):
        articles_from_records([GOOD, ["id", "B"]], source="cms")  # type: ignore[list-item]
    with pytest.raises(CorpusError, match=r"record 2, field 'id': duplicate id 'A'.*record 1"):
        articles_from_records([GOOD, GOOD])


def test_articles_from_records_accepts_python_values() -> None:
    records = [
        {"id": 1, "title": "t", "tags": ("a",), "published": dt.date(2020, 1, 2)},
        {"id": "2", "title": "t", "published": dt.datetime(2021, 3, 4, 23, 59)},
    ]
    one, two = articles_from_records(records)
    assert one == Article(id="1", title="t", tags=("a",), published=dt.date(2020, 1, 2))
    assert two.published == dt.date(2021, 3, 4)
    assert type(two.published) is dt.date


def test_article_to_record_is_json_ready() -> None:
    art = Article(
        id="a",
        title="T",
        tags=("x",),
        published=dt.date(2020, 9, 26),
        section="s",
        language="fr",
        related=("b",),
    )
    record = article_to_record(art)
    assert record == {
        "id": "a",
        "title": "T",
        "body": "",
        "tags": ["x"],
        "published": "2020-09-26",
        "section": "s",
        "language": "fr",
        "related": ["b"],
        "translation_of": None,
    }
    assert json.loads(json.dumps(record)) == record
    assert articles_from_records([record]) == [art]


# ----------------------------------------------------------------------------- writing

# any text the reader stores: no lone surrogates (not UTF-8) nor NUL
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                   max_size=40)
# what validation keeps unchanged in a one-line field: stripped, no control characters
CLEAN = st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                max_size=40).map(str.strip).filter(bool)
ARTICLES = st.builds(
    Article,
    id=CLEAN,
    title=ANY_TEXT,
    body=ANY_TEXT,
    tags=st.lists(CLEAN, max_size=4).map(tuple),
    published=st.none() | st.dates(),
    section=st.none() | CLEAN,
    language=st.none() | st.from_regex(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", fullmatch=True),
    related=st.lists(CLEAN, max_size=3).map(tuple),
).filter(lambda a: bool(a.tags or a.title.strip() or a.body.strip()))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ARTICLES, max_size=6, unique_by=lambda a: a.id))
def test_write_read_round_trip(tmp_path: Path, articles: list[Article]) -> None:
    path = tmp_path / "out.jsonl"
    assert write_articles(articles, path) == len(articles)
    assert read_articles(path) == articles
    assert list(iter_articles(path)) == articles


def test_write_normalises_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_articles([Article(id=" a ", title="t", tags=(" x ", ""), language="FR")], path)
    assert path.read_text(encoding="utf-8").count("\n") == 1
    assert read_articles(path) == [Article(id="a", title="t", tags=("x",), language="fr")]


def test_failed_write_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_articles([Article(id="old", title="t")], path)
    os.chmod(path, 0o640)
    before = path.read_bytes()
    with pytest.raises(CorpusError, match=r"out\.jsonl, article 2, field 'id': duplicate"):
        write_articles([Article(id="a", title="t"), Article(id="a", title="u")], path)
    with pytest.raises(CorpusError, match=r"article 1: expected an Article, got \{"):
        write_articles([GOOD], path)  # type: ignore[list-item]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    write_articles([Article(id="new", title="t")], path)
    assert (path.stat().st_mode & 0o777) == 0o640  # permissions of the replaced file kept
    assert [a.id for a in read_articles(path)] == ["new"]


def test_written_file_is_readable_utf8(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write_articles([Article(id="é", title="Crédit d'impôt\u2028ligne")], path)
    text = path.read_text(encoding="utf-8")
    assert "Crédit d'impôt" in text  # not \u-escaped
    assert read_articles(path)[0].title == "Crédit d'impôt\u2028ligne"


# ----------------------------------------------------------------------------- shared corpora


@pytest.mark.shared_data
@pytest.mark.parametrize(("folder", "count"), [("vdd_fr", 3657), ("se_en", 3625)])
def test_shared_corpora(folder: str, count: int) -> None:
    path = SHARED_DATA / folder / "articles.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    articles = read_articles(path)
    assert len(articles) == count
    ids = {a.id for a in articles}
    assert len(ids) == count
    assert all(r in ids for a in articles for r in a.related)
    assert sum(bool(a.related) for a in articles) > 1000
    assert all(a.published is not None for a in articles)


def test_translation_of_is_read_checked_and_written(tmp_path) -> None:
    records = [{"id": "fr-1", "title": "Sécheresse"},
               {"id": "en-1", "title": "Drought", "translation_of": "fr-1"},
               {"id": 7, "title": "Seca", "translation_of": " fr-1 "},
               {"id": "x", "title": "T", "translation_of": ""}]
    arts = articles_from_records(records)
    assert [a.translation_of for a in arts] == [None, "fr-1", "fr-1", None]
    path = tmp_path / "c.jsonl"
    write_articles(arts, path)
    assert read_articles(path) == arts
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("id,title,translation_of\nfr-1,Sécheresse,\nen-1,Drought,fr-1\n",
                        encoding="utf-8")
    assert [a.translation_of for a in read_articles(csv_file)] == [None, "fr-1"]
    with pytest.raises(CorpusError, match=r"record 1, field 'translation_of': expected "
                                          r"another article's id.*cannot translate itself"):
        articles_from_records([{"id": "a", "title": "T", "translation_of": "a"}])
    with pytest.raises(CorpusError, match=r"field 'translation_of': expected the id"):
        articles_from_records([{"id": "a", "title": "T", "translation_of": ["b"]}])

