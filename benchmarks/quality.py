"""Relevance of our engine side by side with the systems a site would pick instead.

Every system runs in this one process, on the same articles, with the same queries, the same
candidate sets and the same metrics (``recommender.evaluation.metrics``):

- queries: every article with a non-empty ``related`` list; relevant = its related ids;
- candidates: every other article (only those of the query's section when same-section
  applies), the query itself excluded; a ranked list holds only candidates with a score > 0
  and is cut at k;
- build and query phases are timed separately (``time.perf_counter``).

    python benchmarks/quality.py ../shared/data/vdd_fr/articles.jsonl --json /tmp/q.json

A peer whose package is missing is reported as "unavailable (reason)" and the run goes on.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import json
import logging
import os
import platform
import random
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))  # sibling helper module
from readme_sections import replace_section  # noqa: E402

try:
    import recommender  # noqa: F401
except ModuleNotFoundError:  # a checkout run without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommender.analysis import detect_language, normalize_tags  # noqa: E402
from recommender.config.build import BuildConfig  # noqa: E402
from recommender.corpus.reader import read_articles  # noqa: E402
from recommender.evaluation.metrics import mean_metrics, ranking_metrics  # noqa: E402
from recommender.index.related_index import RelatedIndex  # noqa: E402
from recommender.query.config import QueryConfig  # noqa: E402
from recommender.records import Article  # noqa: E402

README = Path(__file__).with_name("README.md")
START, END = "<!-- quality:start -->", "<!-- quality:end -->"
OURS = ("ours", "ours-config")
STEMMERS = {"fr": "french", "en": "english", "de": "german", "es": "spanish",
            "it": "italian", "pt": "portuguese", "nl": "dutch"}  # fmt: skip
CHUNK = 256  # query rows scored per sparse/dense block by the matrix peers
Ranker = Callable[[Sequence[int], int], list[list[str]]]


@dataclass
class Corpus:
    """Articles plus everything every system shares: queries, relevance, candidate sets."""

    path: str
    articles: list[Article]
    language: str
    same_section: bool
    queries: list[int]  # positions of the query articles
    relevant: list[set[str]]
    cross: int = 0  # related links that cross sections
    missing: int = 0  # related ids of query articles absent from the corpus
    codes: np.ndarray = field(init=False)  # section code per article (None is its own group)
    ids: list[str] = field(init=False)
    position: dict[str, int] = field(init=False)
    texts: list[str] = field(init=False)  # title + " " + body, what every text system reads

    def __post_init__(self) -> None:
        names = {s: i for i, s in enumerate(sorted({str(a.section) for a in self.articles}))}
        self.codes = np.array([names[str(a.section)] for a in self.articles], dtype=np.int32)
        self.ids = [a.id for a in self.articles]
        self.position = {id_: i for i, id_ in enumerate(self.ids)}
        self.texts = [f"{a.title} {a.body}" for a in self.articles]

    def mask(self, q: int) -> np.ndarray:
        """Candidate set of query ``q`` as a boolean mask over articles."""
        m = self.codes == self.codes[q] if self.same_section else np.ones(len(self.ids), bool)
        m[q] = False
        return m

    def top(self, scores: np.ndarray, q: int, k: int) -> list[str]:
        """Best ``k`` candidates with a score > 0, ties by corpus order."""
        pos = np.flatnonzero(self.mask(q) & (scores > 0))
        order = np.lexsort((pos, -scores[pos]))[:k]
        return [self.ids[p] for p in pos[order]]


@dataclass
class Result:
    """One system on one corpus: metrics (empty unless status is 'ok') and timings."""

    system: str
    name: str
    status: str = "ok"
    reason: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    queries: int = 0
    empty: int = 0
    build_s: float = 0.0
    query_s: float = 0.0
    notes: list[str] = field(default_factory=list)


# -- systems: each builds its state and returns a ranker (query positions, k) -> id lists --
def _ours(config: BuildConfig, jobs: int | None) -> Callable[[Corpus], Ranker]:
    def build(c: Corpus) -> Ranker:
        index = RelatedIndex.build(c.articles, config.replace(same_section=c.same_section),
                                   n_jobs=jobs)  # fmt: skip
        # the ranking as peers rank: no editor links first (they are the graded links),
        # no floor, dedupe or fill (benchmarks/boxes.py measures those)
        plain = QueryConfig.plain()
        return lambda qs, k: [[r.id for r in index.related(c.ids[q], k, query=plain)]
                              for q in qs]

    return build


def _dense_chunks(c: Corpus, score_rows: Callable[[Sequence[int]], np.ndarray]) -> Ranker:
    """Ranker over a function giving dense score rows for a block of queries."""

    def rank(qs: Sequence[int], k: int) -> list[list[str]]:
        out: list[list[str]] = []
        for s in range(0, len(qs), CHUNK):
            block = qs[s : s + CHUNK]
            rows = np.asarray(score_rows(block), dtype=np.float64)
            out.extend(c.top(rows[i], q, k) for i, q in enumerate(block))
        return out

    return rank


def _cosine(c: Corpus, X: sp.spmatrix) -> Ranker:
    """Ranker by cosine over L2-normalised sparse rows: blocks of queries times ``X.T``."""
    X = X.tocsr()
    XT = X.T.tocsr()
    return _dense_chunks(c, lambda block: (X[list(block)] @ XT).toarray())


def _sklearn(c: Corpus) -> Ranker:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return _cosine(c, TfidfVectorizer().fit_transform(c.texts))  # rows are L2-normalised


# the one line a competent user writes: accents folded, log tf, rare and common terms out, bigrams
SKLEARN_TUNED: dict[str, Any] = {"strip_accents": "unicode", "sublinear_tf": True, "min_df": 2,
                                 "max_df": 0.5, "ngram_range": (1, 2)}  # fmt: skip


def _sklearn_tuned(c: Corpus) -> Ranker:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f"{a.title} {a.title} {a.body}" for a in c.articles]  # the title counts twice
    return _cosine(c, TfidfVectorizer(**SKLEARN_TUNED).fit_transform(texts))


def _gensim(c: Corpus) -> Ranker:
    from gensim.corpora import Dictionary
    from gensim.models import TfidfModel
    from gensim.similarities import SparseMatrixSimilarity
    from gensim.utils import simple_preprocess

    logging.getLogger("gensim").setLevel(logging.WARNING)
    tokens = [simple_preprocess(t) for t in c.texts]
    dictionary = Dictionary(tokens)
    bow = [dictionary.doc2bow(t) for t in tokens]
    tfidf = TfidfModel(bow)
    vecs = [tfidf[b] for b in bow]
    index = SparseMatrixSimilarity(vecs, num_features=len(dictionary))
    return _dense_chunks(c, lambda block: index[[vecs[q] for q in block]].reshape(len(block), -1))


def _bm25s(c: Corpus) -> Ranker:
    import bm25s

    stemmer = None
    try:
        import Stemmer

        stemmer = Stemmer.Stemmer(STEMMERS[c.language])
    except (ImportError, KeyError):
        pass
    tokens = bm25s.tokenize(c.texts, stopwords=c.language, stemmer=stemmer,
                            return_ids=False, show_progress=False)  # fmt: skip
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    n = len(c.ids)

    def rank(qs: Sequence[int], k: int) -> list[list[str]]:
        out: dict[int, list[str]] = {}
        groups: dict[int, list[int]] = {}
        for q in qs:  # one weight mask per section: batch the queries of a section
            groups.setdefault(int(c.codes[q]) if c.same_section else 0, []).append(q)
        for code, group in groups.items():
            weight = (c.codes == code).astype(np.float32) if c.same_section else None
            todo = [q for q in group if tokens[q]]
            out.update({q: [] for q in group if not tokens[q]})
            if not todo:
                continue
            docs, scores = retriever.retrieve([tokens[q] for q in todo], k=min(k + 1, n),
                                              show_progress=False, weight_mask=weight)  # fmt: skip
            for q, d, s in zip(todo, docs, scores, strict=True):
                out[q] = [c.ids[p] for p, v in zip(d, s, strict=True) if v > 0 and p != q][:k]
        return [out[q] for q in qs]

    return rank


def _tantivy(c: Corpus) -> Ranker:
    import tantivy

    tokenizer = "default"
    if c.language == "en":
        tokenizer = "en_stem"
    elif c.language in STEMMERS:  # en_stem's chain with this language's stemmer
        tokenizer = f"{c.language}_stem"
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("text", stored=True, tokenizer_name=tokenizer)  # MLT reads stored text
    sb.add_text_field("section", tokenizer_name="raw")
    sb.add_integer_field("pos", fast=True)
    schema = sb.build()
    index = tantivy.Index(schema)
    if tokenizer not in ("default", "en_stem"):
        T, F = tantivy.Tokenizer, tantivy.Filter
        analyzer = (tantivy.TextAnalyzerBuilder(T.simple()).filter(F.remove_long(40))
                    .filter(F.lowercase()).filter(F.stemmer(STEMMERS[c.language])).build())
        index.register_tokenizer(tokenizer, analyzer)
    writer = index.writer(num_threads=1)
    for i, (text, code) in enumerate(zip(c.texts, c.codes, strict=True)):
        writer.add_document(tantivy.Document(text=text, section=f"s{code}", pos=i))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=len(c.ids)).hits
    address = dict(zip(searcher.fast_field_values("pos", [h[1] for h in hits]),
                       (h[1] for h in hits), strict=True))  # fmt: skip

    def rank(qs: Sequence[int], k: int) -> list[list[str]]:
        out = []
        for q in qs:
            query = tantivy.Query.more_like_this_query(
                address[q], min_doc_frequency=5, min_term_frequency=2, max_query_terms=25)
            if c.same_section:
                section = tantivy.Query.term_query(schema, "section", f"s{c.codes[q]}")
                query = tantivy.Query.boolean_query([
                    (tantivy.Occur.Must, query),
                    (tantivy.Occur.Must, tantivy.Query.const_score_query(section, 0.0)),
                ])
            found = searcher.search(query, limit=k + 1, count=False).hits
            addrs = [h[1] for h in found]
            pos = [int(v) for v in searcher.fast_field_values("pos", addrs) if v is not None]
            out.append([c.ids[p] for (s, _), p in zip(found, pos, strict=True)
                        if p != q and s > 0][:k])  # fmt: skip
        return out

    return rank


def _tags(c: Corpus) -> Ranker:
    tag_sets = [normalize_tags(a.tags) for a in c.articles]
    vocab = {t: i for i, t in enumerate(sorted({t for ts in tag_sets for t in ts}))}
    rows = [i for i, ts in enumerate(tag_sets) for _ in ts]
    cols = [vocab[t] for ts in tag_sets for t in ts]
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(c.ids), max(len(vocab), 1)))
    BT = B.T.tocsr()
    size = np.asarray(B.sum(axis=1)).ravel()
    date = np.array([a.published.toordinal() if a.published else -1 for a in c.articles])
    id_rank = np.argsort(np.argsort(np.array(c.ids, dtype=object)))

    def rank(qs: Sequence[int], k: int) -> list[list[str]]:
        out = []
        for q in qs:
            row = (B[q] @ BT).tocsr()
            pos, inter = row.indices, row.data
            keep = c.mask(q)[pos]
            pos, inter = pos[keep], inter[keep]
            jacc = inter / (size[q] + size[pos] - inter)
            order = np.lexsort((id_rank[pos], -date[pos], -jacc))[:k]  # recent first, then id
            out.append([c.ids[p] for p in pos[order]])
        return out

    return rank


SYSTEMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ours": ("recommender (defaults)", ()),
    "ours-config": ("recommender (--config)", ()),
    "sklearn": ("sklearn TfidfVectorizer", ("sklearn",)),
    "sklearn-tuned": ("sklearn TfidfVectorizer (tuned)", ("sklearn",)),
    "gensim": ("gensim TF-IDF + SparseMatrixSimilarity", ("gensim",)),
    "bm25s": ("bm25s", ("bm25s",)),
    "tantivy": ("tantivy More-Like-This", ("tantivy",)),
    "tags": ("tag overlap (Jaccard)", ()),
}
PEER_BUILDERS: dict[str, Callable[[Corpus], Ranker]] = {
    "sklearn": _sklearn, "sklearn-tuned": _sklearn_tuned, "gensim": _gensim, "bm25s": _bm25s,
    "tantivy": _tantivy, "tags": _tags,
}  # fmt: skip
TUNED = "sklearn-tuned"  # the peer of the second ratio line
METHOD = """\
- **recommender (defaults)**: `RelatedIndex.build(articles, BuildConfig(same_section=…))`,
  `index.related(id, k)`; build time includes the whole top-50 neighbour graph, so a query
  reads one row. `recommender (--config)`: the same with the TOML file given to `--config`.
- **sklearn TfidfVectorizer**: defaults on title + " " + body, cosine = sparse product of the
  L2-normalised rows, blocks of 256 queries.
- **sklearn TfidfVectorizer (tuned)**: the one line a competent user would write,
  `TfidfVectorizer(strip_accents="unicode", sublinear_tf=True, min_df=2, max_df=0.5,
  ngram_range=(1, 2))`, on title + " " + title + " " + body (the title counts twice); same
  cosine and blocks. It is here because every ratio we print is meant against the best
  reasonable configuration of each peer, not against defaults that a user would change in a
  line; the defaults row stays to show what that line buys. The same line for both languages:
  scikit-learn has no stemmer and only an English stop-word list (`max_df=0.5` drops the
  commonest words in any language).
- **gensim**: `simple_preprocess` tokens, `Dictionary`, `TfidfModel`, `SparseMatrixSimilarity`
  (`num_features=len(dictionary)`), queried with each article's own TF-IDF vector.
- **bm25s**: `bm25s.tokenize` with the corpus language's stop words and PyStemmer's Snowball
  stemmer (when importable), default BM25 (Lucene variant, k1=1.5, b=0.75); the query is the
  whole article's token list (no truncation: the longest vdd_fr article takes ~50 ms); k+1
  retrieved, self dropped; same-section through `weight_mask`.
- **tantivy More-Like-This**: in-RAM index, one stored text field tokenized by `en_stem`
  (English) or the same chain with tantivy's French stemmer registered as `fr_stem` (tantivy
  ships no `fr_stem`); Lucene defaults min_term_frequency=2, min_doc_frequency=5,
  max_query_terms=25; same-section by a `Must` clause on a raw `section` field wrapped in
  `const_score_query(…, 0.0)`, so scores are unchanged; k+1 retrieved, self dropped.
- **tag overlap (Jaccard)**: Hugo/Ghost-style Jaccard of `normalize_tags` sets, ties broken by
  more recent date then id; an article without tags gets no recommendations.
"""


def _import_all(modules: Sequence[str]) -> str:
    """Empty string when every module imports, else the reason it does not."""
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any import failure makes the peer unavailable
            return f"{type(exc).__name__}: {exc}"
    return ""


def _violations(c: Corpus, ranked: Sequence[Sequence[str]], k: int) -> int:
    """Lists that are too long, repeat an id or hold a non-candidate: 0 keeps it fair."""
    bad = 0
    for q, r in zip(c.queries, ranked, strict=True):
        pos = np.array([c.position.get(i, -1) for i in r], dtype=np.int64)
        fine = len(r) <= k and len(set(r)) == len(r) and bool((pos >= 0).all())
        bad += not (fine and c.mask(q)[pos].all())
    return bad


def run_system(key: str, build: Callable[[Corpus], Ranker], c: Corpus, k: int) -> Result:
    """Build, query every query article, score; failures become a status, not a crash."""
    res = Result(system=key, name=SYSTEMS[key][0])
    if reason := _import_all(SYSTEMS[key][1]):
        res.status, res.reason = "unavailable", reason
        return res
    try:
        t0 = time.perf_counter()
        ranker = build(c)
        t1 = time.perf_counter()
        ranked = ranker(c.queries, k)
        t2 = time.perf_counter()
    except Exception as exc:  # report and go on with the other systems
        res.status, res.reason = "failed", f"{type(exc).__name__}: {exc}"
        return res
    res.build_s, res.query_s, res.queries = t1 - t0, t2 - t1, len(ranked)
    res.metrics = mean_metrics(ranking_metrics(r[:k], rel, ks=(k,))
                               for r, rel in zip(ranked, c.relevant, strict=True))  # fmt: skip
    res.empty = sum(not r for r in ranked)
    if bad := _violations(c, ranked, k):
        res.notes.append(f"{bad} lists break the candidate rules (self, section, length, id)")
    if res.empty:
        res.notes.append(f"{res.empty} quer{'y' if res.empty == 1 else 'ies'} got an empty list")
    if key == "tags":
        untagged = sum(not normalize_tags(c.articles[q].tags) for q in c.queries)
        res.notes.append(f"{untagged} query articles have no tags")
    return res


def load_corpus(path: str, same_section: str, max_queries: int | None) -> Corpus:
    """Read articles, guess the language, pick queries and settle same-section."""
    arts = read_articles(path)
    ids = {a.id for a in arts}
    step = max(1, len(arts) // 200)
    langs = Counter(a.language or detect_language(f"{a.title} {a.body}") for a in arts[::step])
    queries = [i for i, a in enumerate(arts) if set(a.related) - {a.id}]
    if max_queries is not None and max_queries < len(queries):
        queries = sorted(random.Random(0).sample(queries, max_queries))
    section = {a.id: a.section for a in arts}
    cross = sum(section.get(r, a.section) != a.section for a in arts for r in a.related)
    several = len({a.section for a in arts}) > 1
    same = {"yes": True, "no": False}.get(same_section, several and cross == 0)
    return Corpus(path=path, articles=arts, language=langs.most_common(1)[0][0],
                  same_section=same, queries=queries, cross=cross,
                  relevant=[set(arts[q].related) - {arts[q].id} for q in queries],
                  missing=sum(r not in ids for q in queries for r in arts[q].related))


# -- output -------------------------------------------------------------------------------
def table(results: Sequence[Result], k: int) -> str:
    """Aligned markdown table, one row per system."""
    keys = [f"MAP@{k}", f"nDCG@{k}", "MRR", f"R@{k}", f"P@{k}"]
    head = ["system", *keys, "queries", "build s", "query s"]
    rows = []
    for r in results:
        if r.status != "ok":
            rows.append([r.name, f"{r.status} ({r.reason})", *[""] * (len(head) - 2)])
        else:
            rows.append([r.name, *(f"{r.metrics[m]:.4f}" for m in keys), str(r.queries),
                         f"{r.build_s:.2f}", f"{r.query_s:.2f}"])  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    cells = [head, ["-" * w for w in widths], *rows]
    return "\n".join("| " + " | ".join(x.ljust(w) for x, w in zip(row, widths, strict=True))
                     + " |" for row in cells)  # fmt: skip


def ratio(results: Sequence[Result], k: int) -> dict[str, Any]:
    """Our MAP@k over the best available peer's, and over the tuned scikit-learn peer's.

    Keys: ``best_peer``, ``best_peer_map``, one per configuration of ours (its name: the
    ratio to the best peer), and when the tuned peer ran, ``tuned_sklearn_map`` and
    ``to_tuned_sklearn`` (name of ours: ratio).
    """
    key = f"MAP@{k}"
    ok = [r for r in results if r.status == "ok"]
    ours = [r for r in ok if r.system in OURS]
    peers = [r for r in ok if r.system not in OURS]
    tuned = next((r for r in peers if r.system == TUNED), None)

    def over(r: Result, peer: float) -> float:
        return r.metrics[key] / peer if peer > 0 else float("inf")

    out: dict[str, Any] = {}
    if peers:
        best = max(peers, key=lambda r: r.metrics[key])
        out["best_peer"], out["best_peer_map"] = best.name, best.metrics[key]
        out.update({r.name: over(r, best.metrics[key]) for r in ours})
    if tuned is not None:
        out["tuned_sklearn_map"] = tuned.metrics[key]
        out["to_tuned_sklearn"] = {r.name: over(r, tuned.metrics[key]) for r in ours}
    return out


def report(c: Corpus, results: Sequence[Result], k: int) -> str:
    """Heading, table, notes and the ratio line of one corpus."""
    n = len(c.articles)
    lines = [f"### {Path(c.path).parent.name or c.path}: {n:,} articles, {len(c.queries):,} "
             f"queries, language {c.language}, same-section {'yes' if c.same_section else 'no'}"
             f" ({c.cross} cross-section links)", "", table(results, k), ""]
    lines += [f"- {r.name}: {'; '.join(r.notes)}" for r in results if r.notes]
    rat = ratio(results, k)
    for r in results:
        if r.name in rat:
            lines.append(f"- **{r.name} MAP@{k} / best peer ({rat['best_peer']}, "
                         f"{rat['best_peer_map']:.4f}) = {rat[r.name]:.3f}x**")
        if r.name in rat.get("to_tuned_sklearn", {}):
            lines.append(f"- **{r.name} MAP@{k}: ratio to the tuned scikit-learn TF-IDF "
                         f"({rat['tuned_sklearn_map']:.4f}) = "
                         f"{rat['to_tuned_sklearn'][r.name]:.3f}x**")
    return "\n".join(lines).rstrip() + "\n"


def machine() -> dict[str, Any]:
    """Platform, cores, Python and the version of every package involved."""
    versions: dict[str, str | None] = {}
    for dist in ("recommender", "scikit-learn", "numpy", "scipy", "gensim", "bm25s",
                 "tantivy", "PyStemmer", "sparse-dot-topn"):  # fmt: skip
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    if versions["recommender"] is None:  # a source checkout that is not pip-installed
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        with contextlib.suppress(OSError, KeyError, tomllib.TOMLDecodeError):
            meta = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            versions["recommender"] = meta["project"]["version"] + " (source checkout)"
    return {"platform": platform.platform(), "processor": platform.processor(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "packages": versions}  # fmt: skip


def update_readme(text: str, path: Path | None = None) -> None:
    """Replace (or append) this script's README section, re-reading the file first."""
    replace_section(path or README, START, END, text)

def _config_text(config: BuildConfig) -> str:
    return ", ".join(f"{k}={v}" for k, v in config.to_dict().items() if k != "same_section")


def readme_section(reports: Sequence[str], info: dict[str, Any], argv: Sequence[str]) -> str:
    pk = info["packages"]
    peers = ", ".join(f"{d} {v}" for d, v in pk.items() if v and d != "recommender")
    return (
        "## Quality: side by side\n\n"
        "`benchmarks/quality.py` runs our engine and the systems a site would pick instead in\n"
        "one process, on the same articles, queries and candidate sets, scored by\n"
        "`recommender.evaluation.metrics`. Queries: every article with known related links;\n"
        "relevant = those links. Candidates: all other articles (the query's section only when\n"
        "same-section applies: `auto` = several sections and no link across them). Lists hold\n"
        "candidates with a score > 0, cut at k. Ratio = our MAP@10 / best peer's MAP@10 (best\n"
        "over every peer, the tuned one included); a second line gives the ratio to the tuned\n"
        "scikit-learn TF-IDF alone.\n\n"
        f"{METHOD}\n"
        f"Machine: {info['platform']}, {info['cpu_count']} cores, Python {info['python']};"
        f" {peers}.\n"
        f"Command: `python benchmarks/quality.py {' '.join(argv)}`\n"
        f"`BuildConfig()` defaults of this run: {_config_text(BuildConfig())}.\n\n"
        + "\n".join(reports)
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: parse, run every system on every corpus, print tables."""
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpora", nargs="+", help="JSON Lines or CSV article files")
    p.add_argument("--k", type=int, default=10, help="cut-off of every list (default 10)")
    p.add_argument("--json", help="write raw results, machine and command here")
    p.add_argument("--config", help="TOML BuildConfig for the 'recommender (--config)' row")
    p.add_argument("--same-section", choices=("auto", "yes", "no"), default="auto")
    p.add_argument("--max-queries", type=int, help="score a seeded sample of N queries")
    p.add_argument("--systems", help=f"comma-separated subset of {','.join(SYSTEMS)} "
                   "(default: all; ours-config only with --config)")
    p.add_argument("--jobs", type=int, default=None, help="n_jobs of our build (default 1)")
    p.add_argument("--readme", action="store_true",
                   help=f"replace the quality section of {README.name} with these tables")
    a = p.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    chosen = a.systems or ",".join(k for k in SYSTEMS if k != "ours-config" or a.config)
    keys = [s.strip() for s in chosen.split(",") if s.strip()]
    unknown = [s for s in keys if s not in SYSTEMS]
    if unknown or not keys:
        p.error(f"unknown --systems {unknown or chosen!r}; choose from {','.join(SYSTEMS)}")
    if a.k < 1 or (a.max_queries is not None and a.max_queries < 1):
        p.error(f"expected --k >= 1 and --max-queries >= 1, got {a.k} and {a.max_queries}")
    if "ours-config" in keys and not a.config:
        p.error("--systems ours-config needs --config FILE.toml")
    builders = {"ours": _ours(BuildConfig(), a.jobs), **PEER_BUILDERS}
    if a.config:
        builders["ours-config"] = _ours(BuildConfig.from_toml(a.config), a.jobs)
    info, reports, raw = machine(), [], []
    for path in a.corpora:
        c = load_corpus(path, a.same_section, a.max_queries)
        results = []
        for key in keys:
            print(f"{Path(path).parent.name}: {SYSTEMS[key][0]} ...", file=sys.stderr, flush=True)
            results.append(run_system(key, builders[key], c, a.k))
        text = report(c, results, a.k)
        print(text, flush=True)
        reports.append(text)
        raw.append({"path": path, "articles": len(c.articles), "queries": len(c.queries),
                    "language": c.language, "same_section": c.same_section,
                    "cross_section_links": c.cross, "missing_related": c.missing,
                    "systems": [vars(r) for r in results], "ratio": ratio(results, a.k)})
    if a.json:
        configs = {"ours": BuildConfig().to_dict()}
        if a.config:
            configs["ours-config"] = BuildConfig.from_toml(a.config).to_dict()
        out = {"command": ["benchmarks/quality.py", *argv], "k": a.k, "machine": info,
               "configs": configs, "corpora": raw}  # fmt: skip
        Path(a.json).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if a.readme:
        update_readme(readme_section(reports, info, argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
