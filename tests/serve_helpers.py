"""Start a real ``recommender serve`` on a free loopback port, for the serve tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = "test-token-0123456789abcdef"  # noqa: S105 - a test server's token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started_server(index: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``recommender serve INDEX ARGS`` on a free loopback port, just started (not yet
    ready): its process and base URL; stopped (by its own pid) on exit."""
    port = free_port()
    env = {**os.environ, "RECOMMENDER_ADMIN_TOKEN": ADMIN_TOKEN,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "recommender", "serve", str(index), "--port", str(port),
               "--log-level", "warning", *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_server(index: Path, *args: str, timeout: float = 60.0) -> Iterator[str]:
    """The base URL of ``recommender serve INDEX ARGS`` once ``/healthz`` says ready;
    the server is stopped on exit."""
    with started_server(index, *args) as (process, url):
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stdout.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready in time")
            time.sleep(0.1)
        yield url
