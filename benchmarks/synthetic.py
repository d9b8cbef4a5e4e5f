"""Seeded generator of synthetic news corpora with a planted cluster structure.

Why: benchmarks need corpora of any size whose right answers are known. Every article
belongs to a topic cluster (3-50 articles) with its own topic words, tags, section and
dates; ``related`` lists 2-4 other members of that cluster, so recall can be measured.
Text is a Zipfian mix of real French/English stop and common words and syllable-built
pseudo-words, with sentences, paragraphs and French elisions ("l'", "d'"), so the
language-aware analysis has something real to chew on. Sampling is vectorised with numpy
and output is streamed chunk by chunk, so 1M articles never sit in memory as dicts.

    python benchmarks/synthetic.py --n 100000 --seed 0 -o /tmp/syn100k.jsonl
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CHUNK = 1024  # articles per text chunk; part of the output definition (seeds are per chunk)
VOCAB_SIZE = 50_000  # words per language (real words first, then pseudo-words)
TOPIC_WORDS = 300  # topic words per cluster, Zipf-distributed inside the cluster
CLUSTER_MIN, CLUSTER_MAX, CLUSTER_ALPHA = 3, 50, 2.0  # power-law cluster sizes
LENGTH_SIGMA = 0.894  # log-normal sigma giving mean/median = 1.49 (vdd_fr: 1,024 / 671)
DATE_START, DATE_DAYS, DATE_SPREAD = dt.date(2015, 1, 1), 3653, 30.0
LANGS = ("fr", "en")
SECTIONS = (
    ("Politique", "Politics"), ("Économie", "Business"), ("International", "World"),
    ("Société", "Society"), ("Culture", "Culture"), ("Sport", "Sport"),
    ("Sciences", "Science"), ("Santé", "Health"), ("Technologie", "Technology"),
    ("Environnement", "Environment"), ("Justice", "Justice"), ("Régions", "Local"),
)  # fmt: skip

# Stop words in rough frequency order (they take the top Zipf ranks), then common words.
FR_STOP = """de la le et les l' des à en d' un du une est pour que qui dans a par sur au il
pas plus ne se ce avec sont ou son sa ses aux on elle nous vous leur cette mais été comme tout
qu' n' s' être ont fait si lui deux ces entre sans aussi dont bien où sous après avant encore
ils elles leurs très peut doit faire avait était sera ainsi alors donc car lors chez vers selon
depuis pendant contre toujours déjà notamment également plusieurs chaque certains autres même
tous toutes trois non peu moins c' j' y votre vos notre nos mon ma mes quand comment pourquoi
quel quelle jusqu' afin avoir cela ceci celui celle ici là aujourd'hui hier demain puis enfin
""".split()
FR_WORDS = """gouvernement ministre président pays ville année semaine mois jour travail entreprise
loi droit santé école enfant famille marché prix euros politique économie société projet
service public État région département commune maire élection vote conseil budget impôt taxe
emploi salaire retraite logement transport route train voiture énergie électricité climat
environnement eau forêt agriculture culture musée livre film musique sport football match
équipe joueur saison victoire police justice tribunal juge avocat enquête sécurité armée
guerre paix accord réforme crise hôpital médecin patient vaccin recherche science université
étudiant technologie internet réseau données téléphone banque crédit dette croissance
inflation industrie usine commerce client produit vente tourisme voyage hôtel plage montagne
mer rivière matin soir histoire monde France Paris Europe européen national international
nouveau nouvelle grand grande petit premier première dernier important général social local
économique fiscal nombre personnes habitants citoyens salariés élèves décision mesure aide
demande dossier document rapport question réponse problème solution développement situation
résultat chiffre hausse baisse niveau zone centre système programme plan objectif débat
proposition réunion annonce déclaration communiqué fête été hiver printemps automne agence
directeur syndicat grève manifestation député sénat assemblée candidat campagne victime
incendie tempête pluie chaleur sécheresse récolte vin fromage restaurant quartier rue
bâtiment chantier collège lycée diplôme formation chômage pouvoir achat facture loyer
propriétaire locataire contrat assurance 2 10 15 20 100 2020 2021 %""".split()
EN_STOP = """the of and to a in is that for it on was with as by be this are at from or an
have his not but they which you has he we their were been one all her can there its more would
will so if about who no when what up out them also some into than only other could these then
said do i my our your after over new just first like time may most such any even because how
many those where through being back much before between both each under while since during
against without within among however still well very off down here now why should must
""".split()
EN_WORDS = """government minister president country city year week month day people company
market price business law court police health school child family work job report study data
research university student water energy climate power oil gas plan policy election vote
party council state federal national international public service system group team player
game season club match win record music film book art show history world war peace deal
trade bank money tax budget growth rate inflation economy industry factory product customer
sale travel hotel beach mountain river road train car airport flight network internet phone
software technology security army force attack crisis reform hospital doctor patient vaccine
disease care cost fund support program project development question answer problem issue
decision measure result number level area center local region community member leader
official statement announcement meeting debate proposal agreement investigation judge lawyer
trial case evidence science space earth food farm farmer forest weather storm fire housing
rent home building street town village last long great little own old right big high
different small large next early young important few bad same able strike protest senate
candidate campaign victim rain heat drought harvest wine restaurant contract insurance
unemployment salary pension tenant landlord 2 10 15 20 100 2020 2021 %""".split()
SYLLABLES = {
    "fr": ("b c d f g j l m n p r s t v ch br cr dr gr pr tr pl bl fl qu".split() + [""],
           "a e i o u é è ou ai au eau eu on an in oi ê â".split(),
           ["", "", "", "r", "s", "l", "n", "t", "x"],
           ["", "", "", "tion", "ment", "ique", "eur", "ette", "age", "isme"]),
    "en": ("b c d f g h k l m n p r s t v w y th sh wh st br cr tr pl bl fl".split() + [""],
           "a e i o u ea oo ou ai y".split(),
           ["", "", "n", "r", "s", "t", "ck", "ng", "nd", "st", "ll"],
           ["", "", "", "ing", "ed", "er", "ly", "tion", "ness", "ment"]),
}  # fmt: skip
SEPS = np.array([" ", ", ", ". ", ".\n", "", "."], dtype=object)


@dataclass(frozen=True)
class _Vocab:
    """Both languages in one id space: fr ids [0, V), en ids [V, 2V)."""

    words: np.ndarray  # object array of str
    caps: np.ndarray  # same words, first letter upper-cased
    elision: np.ndarray  # bool: word ends with an apostrophe (no space after it)
    n_stop: tuple[int, int]  # stop words at the head of each language's ranks


def _pseudo_words(lang: str, k: int, exclude: set[str], rng: np.random.Generator) -> list[str]:
    """Syllable-built words, shorter ones first (Zipf's law of abbreviation)."""
    onsets, vowels, codas, suffixes = (np.array(p, dtype=object) for p in SYLLABLES[lang])
    out: dict[str, None] = {}
    while len(out) < k:
        m = 2 * k
        n_syl = rng.integers(1, 4, m)
        parts = [onsets[rng.integers(0, len(onsets), m)] + vowels[rng.integers(0, len(vowels), m)]
                 for _ in range(3)]  # fmt: skip
        tail = codas[rng.integers(0, len(codas), m)] + suffixes[rng.integers(0, len(suffixes), m)]
        for i in range(m):
            w = "".join(p[i] for p in parts[: n_syl[i]]) + tail[i]
            if len(w) > 1 and w not in exclude:
                out[w] = None
    words = list(out)[:k]
    order = np.argsort(np.array([len(w) for w in words]) + rng.normal(0, 2.0, k), kind="stable")
    return [words[i] for i in order]


@functools.cache
def _build_vocab() -> _Vocab:
    """Fixed vocabulary (own seed): corpora of different seeds share one 'language'."""
    rng = np.random.default_rng(20240601)
    words: list[str] = []
    n_stop = []
    known = set(FR_STOP + FR_WORDS + EN_STOP + EN_WORDS)  # keep "de" out of English
    for lang, stop, common in (("fr", FR_STOP, FR_WORDS), ("en", EN_STOP, EN_WORDS)):
        real = list(dict.fromkeys(stop + common))
        n_stop.append(len(dict.fromkeys(stop)))
        words += real + _pseudo_words(lang, VOCAB_SIZE - len(real), known, rng)
    arr = np.array(words, dtype=object)
    caps = np.array([w[:1].upper() + w[1:] for w in words], dtype=object)
    elision = np.array([w.endswith("'") for w in words])
    return _Vocab(arr, caps, elision, (n_stop[0], n_stop[1]))


def _zipf(u: np.ndarray, size: int | np.ndarray) -> np.ndarray:
    """Ranks in [0, size) with P(r) ~ 1/(r+1), by inverting the continuous law (O(1) each)."""
    return (np.exp(u * np.log(np.asarray(size) + 1.0)) - 1.0).astype(np.int64)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a stateless hash so cluster topic words need no storage."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@dataclass(frozen=True)
class _Plan:
    """Per-article and per-cluster structure: small arrays, no text."""

    cluster: np.ndarray  # (n,) cluster of each article, in file order
    related: np.ndarray  # (n, 4) file positions of related articles, -1 padded
    date: np.ndarray  # (n,) day offset from DATE_START
    section: np.ndarray  # (n,) index into SECTIONS
    c_lang: np.ndarray  # (k,) 0 = fr, 1 = en
    c_tags: np.ndarray  # (k, 3) indices into the cluster language's tag list
    tags: tuple[list[str], list[str]]  # tag names per language


def _cluster_sizes(n: int, k: int | None, rng: np.random.Generator) -> np.ndarray:
    """Power-law sizes in [3, 50] summing to n (auto), or k clusters sharing n."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    support = np.arange(CLUSTER_MIN, CLUSTER_MAX + 1)
    p = support**-CLUSTER_ALPHA
    p /= p.sum()
    if k is not None:
        k = max(1, min(k, n // CLUSTER_MIN or 1))
        w = rng.choice(support, size=k, p=p).astype(float)
        base = min(CLUSTER_MIN, n // k)
        return base + rng.multinomial(n - base * k, w / w.sum())
    draws = rng.choice(support, size=n // CLUSTER_MIN + 1, p=p)
    cut = int(np.searchsorted(np.cumsum(draws), n))
    sizes = draws[: cut + 1].copy()
    sizes[-1] -= sizes.sum() - n
    if sizes[-1] < CLUSTER_MIN and len(sizes) > 1:  # fold a tiny remainder into a neighbour
        sizes[rng.integers(0, len(sizes) - 1)] += sizes[-1]
        sizes = sizes[:-1]
    return sizes


def _tag_names(vocab: _Vocab, lang: int, k: int, rng: np.random.Generator) -> list[str]:
    """Tags of 1-2 words built from mid-frequency words ('Logement de vaccin')."""
    lo, hi = vocab.n_stop[lang], VOCAB_SIZE
    out: dict[str, None] = {}
    while len(out) < k:
        ids = lang * VOCAB_SIZE + (lo * (hi / lo) ** rng.random((k, 2)) ** 1.5).astype(int)
        n_words = rng.choice([1, 2], size=k, p=[0.6, 0.4])
        for (a, b), nw in zip(ids, n_words, strict=True):
            w = str(vocab.words[b])
            link = " " if lang else " d'" if w[0] in "aeiouéèêâ" else " de "
            name = str(vocab.caps[a]) + (link + w if nw == 2 else "")
            out[name] = None
    return list(out)[:k]


def _plan(n: int, seed: int, fr_share: float, clusters: int | None, vocab: _Vocab) -> _Plan:
    """Clusters per language (so the language mix is exact), then links, dates, tags."""
    rng = np.random.default_rng([seed, 0])
    n_fr = round(n * fr_share)
    per_lang = [(n_fr, 0), (n - n_fr, 1)]
    ks = [None if clusters is None else max(1, round(clusters * m / n)) for m, _ in per_lang]
    sizes_l = [_cluster_sizes(m, k, rng) for (m, _), k in zip(per_lang, ks, strict=True)]
    sizes = np.concatenate(sizes_l)
    c_lang = np.repeat([0, 1], [len(s) for s in sizes_l])
    k = len(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    perm = rng.permutation(n)  # sorted slot -> file position: file order mixes clusters
    label_sorted = np.repeat(np.arange(k), sizes)
    cluster = np.empty(n, dtype=np.int64)
    cluster[perm] = label_sorted
    # related: 2-4 distinct other members, by Floyd's sampling vectorised over articles
    slot = np.empty(n, dtype=np.int64)
    slot[perm] = np.arange(n)
    size, start = sizes[cluster], starts[cluster]
    others = size - 1
    want = np.minimum(rng.integers(2, 5, n), others)
    picks = np.full((n, 4), -1, dtype=np.int64)
    for s in range(4):
        j = others - want + s
        t = (rng.random(n) * (j + 1)).astype(np.int64)
        dup = (picks[:, :s] == t[:, None]).any(axis=1)
        ok = s < want
        picks[ok, s] = np.where(dup, j, t)[ok]
    local = slot - start
    related = np.where(
        picks >= 0, perm[start[:, None] + (local[:, None] + 1 + picks) % size[:, None]], -1
    )
    # sections, dates and tags follow the cluster (a story), with a little noise
    sec_p = 1.0 / np.arange(1, len(SECTIONS) + 1) ** 0.8
    sec_p /= sec_p.sum()
    c_sec = rng.choice(len(SECTIONS), size=k, p=sec_p)
    section = np.where(
        rng.random(n) < 0.9, c_sec[cluster], rng.choice(len(SECTIONS), size=n, p=sec_p)
    )
    c_day = rng.integers(0, DATE_DAYS, k)
    date = np.clip(c_day[cluster] + np.round(rng.normal(0, DATE_SPREAD, n)), 0, DATE_DAYS - 1)
    n_tags = int(np.clip(n // 5, 200, 20_000))
    tags = (_tag_names(vocab, 0, n_tags, rng), _tag_names(vocab, 1, n_tags, rng))
    c_tags = _zipf(rng.random((k, 3)), n_tags)
    return _Plan(cluster, related, date.astype(np.int64), section, c_lang, c_tags, tags)


def _tokens(vocab: _Vocab, lang: np.ndarray, clus: np.ndarray, counts: np.ndarray, *,
            share: float, bg_stop_only: bool, topic_size: int, seed: int,
            rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Token ids for a batch: background Zipf words mixed with the cluster's topic words."""
    art = np.repeat(np.arange(len(counts)), counts)
    m = len(art)
    n_stop = np.array(vocab.n_stop)[lang[art]]
    ids = _zipf(rng.random(m), n_stop if bg_stop_only else VOCAB_SIZE)
    topic = rng.random(m) < share
    a = art[topic]
    rank = _zipf(rng.random(len(a)), topic_size).astype(np.uint64)
    key = clus[a].astype(np.uint64) * np.uint64(TOPIC_WORDS) + rank
    u = (_mix(key ^ _mix(np.array([seed], dtype=np.uint64))) >> np.uint64(11)) * 2.0**-53
    lo = n_stop[topic]
    ids[topic] = np.minimum(lo * (VOCAB_SIZE / lo) ** u, VOCAB_SIZE - 1).astype(np.int64)
    return ids + lang[art] * VOCAB_SIZE


def _lengths(n: int, seed: int, mean_length: int) -> np.ndarray:
    """Body tokens per article: log-normal with the requested mean, median = mean / 1.49."""
    mu = np.log(mean_length) - LENGTH_SIGMA**2 / 2
    lengths = np.random.default_rng([seed, 1]).lognormal(mu, LENGTH_SIGMA, n)
    return np.clip(np.round(lengths), 1, 40 * mean_length).astype(np.int64)


def _check(n: int, mean_length: int, fr_share: float, topic_share: float) -> None:
    if n < 0:
        raise ValueError(f"expected n >= 0, got n={n}")
    if mean_length < 1:
        raise ValueError(f"expected mean_length >= 1, got mean_length={mean_length}")
    if not 0.0 <= fr_share <= 1.0:
        raise ValueError(f"expected 0 <= fr_share <= 1, got fr_share={fr_share}")
    if not 0.0 <= topic_share <= 1.0:
        raise ValueError(f"expected 0 <= topic_share <= 1, got topic_share={topic_share}")


def article_ids(n: int) -> list[str]:
    """Ids in file order: zero-padded so they sort like the file."""
    width = len(str(max(n - 1, 0)))
    return [f"s{i:0{width}d}" for i in range(n)]


def planted_clusters(n: int, *, seed: int = 0, fr_share: float = 0.6,
                     clusters: int | None = None) -> np.ndarray:  # fmt: skip
    """Cluster label of each article, in file order: the ground truth behind ``related``."""
    _check(n, 1, fr_share, 0.0)
    return _plan(n, seed, fr_share, clusters, _build_vocab()).cluster


def generate(n: int, *, seed: int = 0, mean_length: int = 1000, fr_share: float = 0.6,
             topic_share: float = 0.3, clusters: int | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Yield ``n`` article dicts in file order; same arguments, same articles.

    ``mean_length`` is the mean body length in tokens (log-normal, median = mean / 1.49);
    ``topic_share`` is the share of body tokens drawn from the cluster's topic words;
    ``clusters`` fixes the number of clusters (default: power-law sizes in 3-50).
    Arguments are checked here, before the first article is asked for.
    """
    _check(n, mean_length, fr_share, topic_share)
    plan = _plan(n, seed, fr_share, clusters, _build_vocab())
    return _articles(plan, n, seed, mean_length, topic_share)


def _articles(plan: _Plan, n: int, seed: int, mean_length: int, topic_share: float
              ) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Text chunk by chunk: bulk numpy sampling, then one join per field."""
    vocab = _build_vocab()
    ids = article_ids(n)
    dates = [(DATE_START + dt.timedelta(days=d)).isoformat() for d in range(DATE_DAYS)]
    lengths = _lengths(n, seed, mean_length)
    for c0 in range(0, n, CHUNK):
        rng = np.random.default_rng([seed, 2, c0 // CHUNK])
        sl = slice(c0, min(c0 + CHUNK, n))
        clus = plan.cluster[sl]
        lang = plan.c_lang[clus]
        b = len(clus)
        # titles: 6-12 words, mostly the cluster's head topic words, some stop words
        t_len = rng.integers(6, 13, b)
        t_ids = _tokens(vocab, lang, clus, t_len, share=0.7, bg_stop_only=True,
                        topic_size=40, seed=seed, rng=rng)  # fmt: skip
        head = _tokens(vocab, lang, clus, np.ones(b, dtype=np.int64), share=1.0,
                       bg_stop_only=True, topic_size=40, seed=seed, rng=rng)  # fmt: skip
        t_ends = np.cumsum(t_len)
        t_ids[t_ends - 1] = head  # never end a title on "l'"
        t_words = vocab.words[t_ids]
        t_sep = np.where(vocab.elision[t_ids], "", " ").astype(object)
        t_sep[t_ends - 1] = ""
        t_words[t_ends - t_len] = vocab.caps[t_ids[t_ends - t_len]]
        # bodies: sentences (~17 tokens), paragraphs (~3 sentences), commas, elisions
        counts = lengths[sl]
        ids_b = _tokens(vocab, lang, clus, counts, share=topic_share, bg_stop_only=False,
                        topic_size=TOPIC_WORDS, seed=seed, rng=rng)  # fmt: skip
        m, ends = len(ids_b), np.cumsum(counts)
        ids_b[ends - 1] = np.where(vocab.elision[ids_b[ends - 1]], head, ids_b[ends - 1])
        r = rng.random(m)
        elided = vocab.elision[ids_b]
        code = np.zeros(m, dtype=np.int64)
        code[r < 0.06] = 1
        code[r < 1 / 17] = 2
        code[r < 0.3 / 17] = 3
        code[elided] = 4
        code[ends - 1] = 5
        cap = np.zeros(m, dtype=bool)
        cap[1:] = (code[:-1] == 2) | (code[:-1] == 3)
        cap[ends - counts] = True
        words = vocab.words[ids_b]
        words[cap] = vocab.caps[ids_b[cap]]
        body = np.empty(2 * m, dtype=object)
        body[0::2], body[1::2] = words, SEPS[code]
        title = np.empty(2 * len(t_ids), dtype=object)
        title[0::2], title[1::2] = t_words, t_sep
        # tags: each cluster tag kept with p = 0.8, plus ~0.65 popular extra tags
        keep = rng.random((b, 3)) < 0.8
        n_extra = rng.poisson(0.65, b)
        extra = _zipf(rng.random(n_extra.sum()), len(plan.tags[0]))
        e_end = np.cumsum(n_extra)
        t_start, b_start = t_ends - t_len, ends - counts
        for i in range(b):
            g = c0 + i
            names = plan.tags[lang[i]]
            c_t = (
                plan.c_tags[clus[i]][keep[i]].tolist()
                + extra[e_end[i] - n_extra[i] : e_end[i]].tolist()
            )
            yield {
                "id": ids[g],
                "title": "".join(title[2 * t_start[i] : 2 * t_ends[i]].tolist()),
                "body": "".join(body[2 * b_start[i] : 2 * ends[i]].tolist()),
                "tags": list(dict.fromkeys(names[t] for t in c_t)),
                "published": dates[plan.date[g]],
                "section": SECTIONS[plan.section[g]][lang[i]],
                "language": LANGS[lang[i]],
                "related": [ids[j] for j in plan.related[g] if j >= 0],
            }


def write_corpus(path: str | Path, n: int, *, seed: int = 0, mean_length: int = 1000,
                 fr_share: float = 0.6, topic_share: float = 0.3, clusters: int | None = None,
                 clusters_out: str | Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Stream ``generate(n, ...)`` to JSON Lines at ``path``; return summary statistics.

    ``clusters_out`` also writes the planted truth as ``id<TAB>cluster`` lines.
    """
    t0 = time.perf_counter()
    _check(n, mean_length, fr_share, topic_share)
    plan = _plan(n, seed, fr_share, clusters, _build_vocab())
    path = Path(path)
    n_tags = n_rel = 0
    lengths = _lengths(n, seed, mean_length)
    with path.open("w", encoding="utf-8") as f:
        lines: list[str] = []
        for art in _articles(plan, n, seed, mean_length, topic_share):
            lines.append(json.dumps(art, ensure_ascii=False))
            n_tags += len(art["tags"])
            n_rel += len(art["related"])
            if len(lines) >= CHUNK:
                f.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            f.write("\n".join(lines) + "\n")
    if clusters_out is not None:
        with Path(clusters_out).open("w", encoding="utf-8") as f:
            f.writelines(
                f"{i}\t{c}\n" for i, c in zip(article_ids(n), plan.cluster.tolist(), strict=True)
            )
    d = max(n, 1)
    return {
        "articles": n,
        "clusters": len(plan.c_lang),
        "fr_share": float((plan.c_lang[plan.cluster] == 0).sum()) / d,
        "body_tokens_mean": float(lengths.sum()) / d,
        "body_tokens_median": float(np.median(lengths)) if n else 0.0,
        "tags_mean": n_tags / d,
        "related_mean": n_rel / d,
        "bytes": path.stat().st_size,
        "seconds": time.perf_counter() - t0,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: parse, write, print a one-line summary to stderr."""
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, required=True, help="number of articles")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True, help="JSON Lines file to write")
    p.add_argument("--mean-length", type=int, default=1000, help="mean body tokens")
    p.add_argument("--fr-share", type=float, default=0.6, help="share of French articles")
    p.add_argument("--clusters", default="auto", help="'auto' (sizes 3-50) or a count")
    p.add_argument("--topic-share", type=float, default=0.3, help="share of topic tokens")
    p.add_argument("--clusters-out", help="also write 'id<TAB>cluster' lines here")
    a = p.parse_args(argv)
    if a.clusters != "auto" and not (a.clusters.isdigit() and int(a.clusters) > 0):
        p.error(f"--clusters expects 'auto' or a positive integer, got {a.clusters!r}")
    try:
        s = write_corpus(a.output, a.n, seed=a.seed, mean_length=a.mean_length,
                         fr_share=a.fr_share, topic_share=a.topic_share,
                         clusters=None if a.clusters == "auto" else int(a.clusters),
                         clusters_out=a.clusters_out)  # fmt: skip
    except ValueError as e:
        p.error(str(e))
    print(f"wrote {s['articles']:,} articles to {a.output}: {s['clusters']:,} clusters, "
          f"{s['fr_share']:.1%} fr, body tokens mean {s['body_tokens_mean']:,.0f} / median "
          f"{s['body_tokens_median']:,.0f}, {s['tags_mean']:.2f} tags, {s['related_mean']:.2f} "
          f"related, {s['bytes'] / 1e6:,.1f} MB in {s['seconds']:.1f} s", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
