"""Load test of ``recommender serve``: requests/s and latency over the loopback interface.

Builds (or reuses) an index of a synthetic corpus (``synthetic.py``), starts
``recommender serve`` on a free loopback port, and drives it from concurrent clients for a
fixed time, each sending its next request when the previous one is answered (bounded,
closed-loop traffic). Phases: ``GET /related/{id}``, ``POST /similar`` (a draft from an
article's title and tags), then ``GET /related/{id}`` again while the index is published
anew ``--swaps`` times to the path the server reads. Every answer is checked (status 200,
a list of items); errors are counted. The same queries are then timed in-process (through
an :class:`IndexHandle`) and through the CLI (one process per query), to compare.

    python benchmarks/serve.py --articles 100000 --seconds 20 --clients 8 --swaps 10 \
        --out benchmarks/results/serve-100k.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synthetic  # noqa: E402

from recommender import BuildConfig, IndexHandle, RelatedIndex  # noqa: E402
from recommender.corpus import iter_articles  # noqa: E402
from recommender.records import Article  # noqa: E402


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"p50_ms": float("nan"), "p99_ms": float("nan")}
    return {"p50_ms": round(ms[len(ms) // 2], 3),
            "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 3)}


def build_index(n: int, path: Path, seed: int) -> tuple[float, Path]:
    corpus = path.parent / f"corpus-{n}.jsonl"
    if not corpus.is_file():
        synthetic.write_corpus(corpus, n, seed=seed)
    t0 = time.perf_counter()
    index = RelatedIndex.build(iter_articles(corpus), BuildConfig(query_terms=25), n_jobs=-1)
    index.save(path)
    return time.perf_counter() - t0, corpus


def start_server(path: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "recommender", "serve", str(path), "--port", str(port),
               "--check-interval", "0.5", "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server not ready after 600 s")


async def drive(url: str, requests: list[tuple[str, str, Any]], seconds: float, clients: int,
                during: Any = None) -> dict[str, Any]:
    """Closed-loop clients for ``seconds``; with ``during`` (a coroutine function run
    beside them), until it ends instead."""
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        stop = time.monotonic() + (seconds if during is None else 1e9)
        done = asyncio.Event()

        async def one(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < stop and not done.is_set():
                method, target, body = rng.choice(requests)
                t0 = time.perf_counter()
                try:
                    answer = await client.request(method, target, json=body)
                    ok = answer.status_code == 200 and isinstance(answer.json()["items"], list)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    errors.append(repr(exc))
                    continue
                latencies.append(time.perf_counter() - t0)
                if not ok:
                    errors.append(f"{answer.status_code} {answer.text[:200]}")

        t0 = time.perf_counter()
        tasks = [one(i) for i in range(clients)]
        if during is not None:
            async def beside() -> None:
                try:
                    await during()
                finally:
                    done.set()
            tasks.append(beside())
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return {"requests": len(latencies), "errors": len(errors), "error_samples": errors[:3],
            "requests_per_s": round(len(latencies) / elapsed, 1), **_percentiles(latencies)}


def in_process(path: Path, ids: list[str], drafts: list[Article], seconds: float
               ) -> dict[str, Any]:
    handle = IndexHandle(path)
    handle.related(ids[0], k=5)  # load and warm first, as the server does before /healthz
    handle.similar(drafts[0], k=5)
    out = {}
    for name, call in (("related", lambda i: handle.related(ids[i % len(ids)], k=5)),
                       ("similar", lambda i: handle.similar(drafts[i % len(drafts)], k=5))):
        times, stop, i = [], time.monotonic() + seconds, 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            call(i)
            times.append(time.perf_counter() - t0)
            i += 1
        out[name] = {"requests_per_s": round(len(times) / sum(times), 1), **_percentiles(times)}
    return out


def cli(path: Path, ids: list[str], runs: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "recommender", "related", str(path), ids[i],  # noqa: S603
                        "--json"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return {"requests_per_s": round(runs / sum(times), 2), **_percentiles(times)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=100_000)
    p.add_argument("--seconds", type=float, default=20.0, help="per phase")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--swaps", type=int, default=10)
    p.add_argument("--cli-runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", type=Path, default=None,
                   help="keeps the corpus and index between runs (default: a temp dir)")
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args(argv)

    workdir = a.workdir or Path(tempfile.mkdtemp(prefix="serve-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"index-{a.articles}"
    build_s = None
    corpus = workdir / f"corpus-{a.articles}.jsonl"
    if not (path / "manifest.json").is_file():
        build_s, corpus = build_index(a.articles, path, a.seed)
    index = RelatedIndex.load(path)
    rng = random.Random(a.seed)
    ids = rng.sample(index.ids, min(2000, len(index)))
    drafts = [Article(id="draft", title=index.title(i),
                      tags=index.table.tags.spelled[index.position(i)]) for i in ids[:200]]
    del index
    related = [("GET", f"/related/{i}", None) for i in ids]
    similar = [("POST", "/similar", {"title": d.title, "tags": list(d.tags)}) for d in drafts]

    with tempfile.TemporaryDirectory():
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t0 = time.perf_counter()
        server = start_server(path, port)
        ready_s = time.perf_counter() - t0
        url = f"http://127.0.0.1:{port}"
        swap_times: list[float] = []
        try:
            asyncio.run(drive(url, related, 2, a.clients))  # warm the connections
            results = {"related": asyncio.run(drive(url, related, a.seconds, a.clients)),
                       "similar": asyncio.run(drive(url, similar, a.seconds, a.clients))}
            source = RelatedIndex.load(path)

            async def publish() -> None:
                """Publish, wait until the server serves it, pause; ``--swaps`` times."""
                gap = a.seconds / (a.swaps + 1)
                async with httpx.AsyncClient(base_url=url, timeout=30) as admin:
                    for _ in range(a.swaps):
                        await asyncio.sleep(gap)
                        version = (await admin.get("/healthz")).json()["version"]
                        t = time.perf_counter()
                        await asyncio.to_thread(source.save, path)
                        while (await admin.get("/healthz")).json()["version"] == version:
                            await asyncio.sleep(0.05)
                        swap_times.append(time.perf_counter() - t)

            results["related_during_swaps"] = asyncio.run(
                drive(url, related, a.seconds, a.clients, during=publish))
            info = httpx.get(f"{url}/info", timeout=10).json()
            results["related_during_swaps"]["swaps"] = len(swap_times)
            results["related_during_swaps"]["generation_after"] = info["handle"]["generation"]
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    results["in_process"] = in_process(path, ids, drafts, min(a.seconds, 5))
    results["cli_related"] = cli(path, ids, a.cli_runs)
    report = {
        "articles": a.articles, "clients": a.clients, "seconds_per_phase": a.seconds,
        "build_s": None if build_s is None else round(build_s, 1),
        "server_ready_s": round(ready_s, 2),
        "publish_to_served_s": [round(t, 2) for t in swap_times],
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "results": results,
    }
    text = json.dumps(report, indent=2)
    print(text)
    if a.out:
        a.out.write_text(text + "\n")
    rows = [("GET /related (HTTP)", results["related"]),
            ("POST /similar (HTTP)", results["similar"]),
            (f"GET /related during {len(swap_times)} swaps", results["related_during_swaps"]),
            ("related() in-process", results["in_process"]["related"]),
            ("similar() in-process", results["in_process"]["similar"]),
            ("`recommender related` (CLI)", results["cli_related"])]
    print("\n| what | requests/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['requests_per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
              f"{r.get('errors', '-')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
