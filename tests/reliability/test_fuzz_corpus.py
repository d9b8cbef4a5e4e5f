"""Property tests of the corpus reader: any bytes in, articles or one clean error out.

Whatever a file holds, reading it returns :class:`Article` records or raises
:class:`CorpusError` (never another exception); with ``skip_invalid`` every non-blank
record is either an article or a reject; what is accepted can be stored (UTF-8
encodable, one-line ids) and reads back the same after :func:`write_articles`.
"""

from __future__ import annotations

import gzip
import json
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.corpus.reader import read_articles, write_articles
from recommender.corpus.report import ReadReport
from recommender.errors import CorpusError
from recommender.records import Article

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

FIELDS = ["id", "title", "body", "tags", "published", "section", "language", "related",
          "translation_of"]
# any code point, lone surrogates and controls included, plus the usual suspects
ANY_TEXT = (st.text(st.characters(exclude_categories=()), max_size=12)
            | st.sampled_from(["", " ", "g1", "\ud800", "a\tb", "a\nb", "\x00", "NaN"]))
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
           | st.sampled_from(["2020-09-26", "2020-02-30", "fr", "pt-BR"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                           max_leaves=12)
# each field mostly of its own type, so records get past the first check often enough to
# reach the later ones, and sometimes anything at all
PLAUSIBLE = {
    "id": ANY_TEXT | st.integers(),
    "title": ANY_TEXT | st.none(),
    "body": ANY_TEXT | st.none(),
    "tags": st.lists(ANY_TEXT, max_size=3) | st.none(),
    "published": st.sampled_from([None, "2020-09-26", "2020-09-26T14:40:00Z", "26/09/2020"]),
    "section": ANY_TEXT | st.none(),
    "language": st.sampled_from([None, "fr", "en", "FR ", "x"]),
    "related": st.lists(ANY_TEXT | st.integers(), max_size=3) | st.none(),
    "translation_of": ANY_TEXT | st.none(),
}
RECORDS = st.one_of(
    st.fixed_dictionaries({}, optional={f: s | JSON_VALUES if f == "body" else s
                                        for f, s in PLAUSIBLE.items()}),
    st.fixed_dictionaries({}, optional=PLAUSIBLE),
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=len(FIELDS)),
)
# bytes that look like corpus text often enough to reach the field checks
LINE_BYTES = st.one_of(
    st.binary(max_size=80),
    RECORDS.map(lambda r: json.dumps(r, allow_nan=True).encode("utf-8", "surrogatepass")),
    st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
FILES = st.lists(LINE_BYTES, max_size=6).map(lambda lines: b"\n".join(lines))


def _storable(article: Article) -> None:
    """What the reader lets through can be written and indexed."""
    for text in (article.id, article.title, article.body, *article.tags, *article.related,
                 article.section or "", article.translation_of or ""):
        text.encode("utf-8")  # no lone surrogates
        assert "\x00" not in text
    for text in (article.id, *article.tags, *article.related, article.section or ""):
        assert text == text.strip(), text
        assert not {unicodedata.category(ch) for ch in text} & {"Cc", "Zl", "Zp"}, text


def _read(folder: Path, name: str, data: bytes, **kwargs: object) -> list[Article] | CorpusError:
    path = folder / name
    path.write_bytes(data)
    try:
        return read_articles(path, **kwargs)  # type: ignore[arg-type]
    except CorpusError as exc:
        assert str(exc).startswith(str(path)), exc  # every file error names the file
        return exc


@FUZZ
@given(data=FILES, name=st.sampled_from(["c.jsonl", "c.csv", "c.tsv", "c.jsonl.gz"]))
def test_any_bytes_give_articles_or_a_corpus_error(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if name.endswith(".gz"):
            data = gzip.compress(data)
        result = _read(Path(folder), name, data)
        if isinstance(result, list):
            for article in result:
                _storable(article)


def _is_record(line: bytes, *, first: bool) -> bool:
    """Not a blank line: text other than whitespace, or bytes that are not text."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    if first:
        text = text.removeprefix("\ufeff")
    return b"\x00" in line or bool(text.strip())


@FUZZ
@given(lines=st.lists(LINE_BYTES, max_size=6))
def test_skip_invalid_accounts_for_every_record(lines: list[bytes]) -> None:
    """Each non-blank JSON Lines record is an article or a reject: nothing vanishes."""
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    report = ReadReport()
    with tempfile.TemporaryDirectory() as folder:
        result = _read(Path(folder), "c.jsonl", data, skip_invalid=True, report=report)
    if isinstance(result, CorpusError):  # only a whole-file fault remains an error
        assert "line 1: the file starts with a UTF-16" in str(result) or \
            any(word in str(result) for word in ("compressed", "gzip")), result
        return
    records = sum(1 for number, line in enumerate(data.split(b"\n"), 1)
                  if _is_record(line, first=number == 1))
    assert len(result) + len(report.rejects) == records
    for reject in report.rejects:
        assert 1 <= reject.line <= data.count(b"\n") + 1
        json.dumps(reject.to_dict())  # a rejects file can always hold it


@FUZZ
@given(records=st.lists(RECORDS, max_size=5))
def test_accepted_records_round_trip(records: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(r, allow_nan=True) + "\n" for r in records)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.jsonl"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        report = ReadReport()
        articles = read_articles(path, skip_invalid=True, report=report)
        assert len(articles) + len(report.rejects) == len(records)
        for article in articles:
            _storable(article)
        out = Path(folder) / "out.jsonl"
        write_articles(articles, out)
        assert read_articles(out) == articles
