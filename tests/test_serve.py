"""``recommender serve``: a real server on a free loopback port, queried over HTTP.

One server for the module (started with the command line, as an operator would), on an
index of the demo corpus; its answers are compared with the library's, in-process.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import httpx
import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed")
pytest.importorskip("uvicorn", reason="the serve extra is not installed")

from click.testing import CliRunner  # noqa: E402
from serve_helpers import ADMIN_TOKEN, running_server, started_server  # noqa: E402

from recommender import BuildConfig, QueryConfig, RelatedIndex, read_articles  # noqa: E402
from recommender.cli import main  # noqa: E402
from recommender.demo import demo_corpus_path  # noqa: E402
from recommender.records import Article  # noqa: E402

DRAFT = {"title": "Coffee prices climb after frost in Brazil", "body": "Arabica futures "
         "rose as growers counted the damage.", "tags": ["Coffee"]}


@pytest.fixture(scope="module")
def indexes():
    articles = read_articles(demo_corpus_path())
    a = RelatedIndex.build(articles)
    b = RelatedIndex.build(articles, BuildConfig(tag_weight=0.6, title_weight=3.0))
    return a, b


@pytest.fixture(scope="module")
def server(indexes, tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "site"
    indexes[0].save(path)
    with running_server(path, "--check-interval", "0.05", "--max-k", "50",
                        "--max-body-bytes", "100000", "--max-batch", "20") as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, path


def _items(results):
    return [r.to_dict() for r in results]


def test_healthz_is_ready_with_the_index_version(server):
    client, _ = server
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready" and body["articles"] == 140
    assert answer.headers["x-index-version"] == body["version"]


def test_related_answers_what_the_library_answers(server, indexes):
    client, _ = server
    index = indexes[0]
    answer = client.get("/related/en-coffee-1", params={"k": 3})
    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == "en-coffee-1" and body["title"] == index.title("en-coffee-1")
    assert body["items"] == _items(index.related("en-coffee-1", k=3))
    assert body["source"]["links"][0]["id"] == body["items"][0]["id"]  # curated first


def test_query_options_are_the_library_options(server, indexes):
    client, _ = server
    index = indexes[0]
    params = [("k", "4"), ("min_score", "0.05"), ("sections", "Économie"),
              ("sections", "Monde"), ("explain", "true"), ("curated_first", "false")]
    body = client.get("/related/en-coffee-1", params=params).json()
    rules = index.query.replace(min_score=0.05, sections=("Économie", "Monde"), explain=True,
                                curated_first=False)
    assert body["items"] == _items(index.related("en-coffee-1", k=4, query=rules))
    assert "explanation" in body["items"][0]


def test_similar_takes_a_draft_as_json(server, indexes):
    client, _ = server
    answer = client.post("/similar", params={"k": 4}, json=DRAFT)
    assert answer.status_code == 200
    draft = Article(id="draft", title=DRAFT["title"], body=DRAFT["body"], tags=("Coffee",))
    assert answer.json()["items"] == _items(indexes[0].similar(draft, k=4))


def test_batch_answers_many_ids_and_names_the_unknown_ones(server, indexes):
    client, _ = server
    ids = ["en-coffee-1", "no-such-id", "fr-can-9"]
    body = client.post("/related:batch", params={"k": 2}, json={"ids": ids}).json()
    assert body["unknown"] == ["no-such-id"]
    assert body["related"] == {i: _items(indexes[0].related(i, k=2))
                               for i in ("en-coffee-1", "fr-can-9")}


@pytest.mark.parametrize(("method", "url", "kwargs", "status", "words"), [
    ("GET", "/related/no-such-id", {}, 404, "unknown article id 'no-such-id'"),
    ("GET", "/related/en-coffee-1?min_score=high", {}, 422, "min_score"),
    ("GET", "/related/en-coffee-1?diversity=2", {}, 422, "diversity"),
    ("GET", "/related/en-coffee-1?colour=red", {}, 422, "unknown query parameter(s) colour"),
    ("GET", "/related/en-coffee-1?k=51", {}, 422, "k <= 50"),
    ("GET", "/related/en-coffee-1?k=0", {}, 422, "1 <= k"),
    ("POST", "/similar", {"content": b'{"title": '}, 422, "invalid JSON"),
    ("POST", "/similar", {"json": {"tags": "x", "title": 3}}, 422, "request body"),
    ("POST", "/similar", {"content": b"x" * 100_001}, 413, "larger than"),
    ("POST", "/related:batch", {"json": {"ids": ["a"] * 21}}, 422, "--max-batch"),
    ("POST", "/related:batch", {"json": ["a"]}, 422, "list of ids"),
    ("GET", "/no/such/endpoint", {}, 404, "no endpoint"),
    ("GET", "/similar", {}, 405, "not allowed"),
    ("POST", "/admin/reload", {}, 401, "admin token"),
    ("POST", "/admin/reload", {"headers": {"Authorization": "Bearer wrong"}}, 401,
     "admin token"),
])
def test_errors_are_json_with_a_fitting_status(server, method, url, kwargs, status, words):
    client, _ = server
    answer = client.request(method, url, **kwargs)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and words in body["error"], body
    assert "Traceback" not in answer.text


def test_a_body_streamed_without_length_is_capped_too(server):
    client, _ = server
    chunks = (b"x" * 10_000 for _ in range(20))  # chunked: no Content-Length header
    answer = client.post("/similar", content=chunks)
    assert answer.status_code == 413


def test_admin_reload_with_the_token(server):
    client, _ = server
    answer = client.post("/admin/reload", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200
    assert answer.json()["reloaded"] is False  # nothing new was published


def test_info_search_page_and_schema(server):
    client, _ = server
    info = client.get("/info").json()
    assert info["index"]["articles"] == 140 and info["limits"]["max_k"] == 50
    found = client.get("/search", params={"q": "arabica coffee"}).json()["items"]
    assert found and all("arabica" in f["title"].lower() for f in found)
    page = client.get("/")
    assert page.headers["content-type"].startswith("text/html") and 'id="box"' in page.text
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {"/", "/related/{id}", "/related:batch", "/similar",
                                    "/search", "/info", "/healthz", "/admin/reload",
                                    "/openapi.json"}
    names = {p["name"] for p in schema["paths"]["/related/{id}"]["get"]["parameters"]}
    assert names == {"id", "k"} | {f.name for f in dataclasses.fields(QueryConfig)}


def test_a_swap_during_queries_answers_each_from_the_old_or_the_new(server, indexes):
    """Clients query while two indexes are published in turn: no error, and every
    answer is exactly one index's (the X-Index-Version header says which)."""
    client, path = server
    a, b = indexes
    ids = a.ids[::7]
    expected = {name: {i: _items(index.related(i, k=5)) for i in ids}
                for name, index in (("a", a), ("b", b))}
    assert sum(expected["a"][i] != expected["b"][i] for i in ids) >= 0.8 * len(ids)
    stop = threading.Event()
    errors: list[str] = []
    seen: dict[str, set[str]] = {"a": set(), "b": set()}

    def query(seed: int) -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
            n = seed
            while not stop.is_set():
                article = ids[n % len(ids)]
                n += 1
                try:
                    answer = own.get(f"/related/{article}")
                    items = answer.json()["items"]
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    errors.append(f"{article}: {exc!r}")
                    continue
                source = next((s for s in "ab" if expected[s][article] == items), None)
                if answer.status_code != 200 or source is None:
                    errors.append(f"{article}: {answer.status_code} {items}")
                else:
                    seen[source].add(answer.headers["x-index-version"])

    threads = [threading.Thread(target=query, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        for n in range(6):  # b, a, b, a, b, a: the module's other tests see a again
            version = client.get("/healthz").json()["version"]
            (b if n % 2 == 0 else a).save(path)
            deadline = time.monotonic() + 30
            while client.get("/healthz").json()["version"] == version:
                assert time.monotonic() < deadline, f"swap {n} was not picked up"
                time.sleep(0.02)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == [], errors[:5]
    assert seen["a"] and seen["b"], seen
    assert not seen["a"] & seen["b"]  # a version is always one index's


def test_serve_refuses_a_path_that_is_not_an_index(tmp_path):
    result = CliRunner().invoke(main, ["serve", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "no index at" in result.output and "Traceback" not in result.output


def test_two_workers_serve_the_same_answers(indexes, tmp_path):
    """``--workers 2``: uvicorn's worker processes each load the index (mapping the same
    files); every answer is the library's, whichever worker gives it."""
    path = tmp_path / "site"
    indexes[0].save(path)
    expected = _items(indexes[0].related("en-coffee-1", k=4))
    with running_server(path, "--workers", "2") as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            deadline = time.monotonic() + 60
            ready = 0
            while ready < 20:  # both workers loaded: many readiness answers in a row
                assert time.monotonic() < deadline, "the workers did not all become ready"
                ready = ready + 1 if client.get("/healthz").status_code == 200 else 0
            answers = [client.get("/related/en-coffee-1", params={"k": 4}) for _ in range(40)]
    assert all(a.status_code == 200 for a in answers)
    assert all(a.json()["items"] == expected for a in answers)


def test_healthz_says_503_with_the_reason_while_no_index_could_be_loaded(indexes, tmp_path):
    """The manifest reads fine, so the server starts; a damaged array fails the digest
    check of the load behind it: /healthz answers 503 with the reason, never 200, and a
    query gets 503 too, not a half-loaded index."""
    path = tmp_path / "site"
    indexes[0].save(path)
    damaged = path.resolve() / "neighbors.npy"
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with started_server(path) as (process, url):
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server never answered"
            try:
                answer = httpx.get(f"{url}/healthz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if answer.json()["status"] == "error":
                break
            assert answer.status_code == 503  # still loading
            time.sleep(0.1)
        assert answer.status_code == 503 and "neighbors.npy" in answer.json()["error"]
        query = httpx.get(f"{url}/related/en-coffee-1", timeout=5)
        assert query.status_code == 503 and "error" in query.json()
