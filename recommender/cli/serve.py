"""``recommender serve``: the HTTP API and the editors' preview page, under uvicorn."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command("serve")
@click.argument("index", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1",
              help="Address to bind; the default answers this machine only (put a reverse "
                   "proxy in front, or pass 0.0.0.0 inside a container).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, help="TCP port.")
@click.option("--workers", type=click.IntRange(min=1), default=1,
              help="uvicorn worker processes; each loads the index (its arrays are "
                   "memory-mapped, so the page cache holds them once).")
@click.option("--max-k", type=click.IntRange(min=1), default=100,
              help="Largest box a request may ask for.")
@click.option("--max-batch", type=click.IntRange(min=1), default=1000,
              help="Most ids in one POST /related:batch.")
@click.option("--max-body-bytes", type=click.IntRange(min=1), default=1 << 20,
              help="Largest request body (a draft, a batch); larger ones get 413.")
@click.option("--check-interval", type=click.FloatRange(min=0), default=1.0,
              metavar="SECONDS",
              help="How often to look for a newly published index at INDEX (one stat).")
@click.option("--no-watch", is_flag=True, default=False,
              help="Never look for a new index; only POST /admin/reload loads one.")
@click.option("--verify/--no-verify", default=True,
              help="Check the index files' digests on each load.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info",
                                                "debug"]), default="info",
              help="uvicorn's log level.")
@click.option("--access-log/--no-access-log", default=False,
              help="Log each request (costs about a tenth of the throughput).")
def serve_command(index: Path, host: str, port: int, workers: int, max_k: int,
                  max_batch: int, max_body_bytes: int, check_interval: float, no_watch: bool,
                  verify: bool, log_level: str, access_log: bool) -> None:
    """Serve INDEX over HTTP: JSON endpoints and a preview page for editors.

    \b
    GET  /related/{id}?k=5&...   the box of an article (options: the QueryConfig fields)
    POST /similar?k=5            the box of a draft given as JSON (title, body, tags, ...)
    POST /related:batch?k=5      {"ids": [...]}: many boxes in one call
    GET  /info, /healthz         the index; 200 once it is loaded and warmed
    POST /admin/reload           needs RECOMMENDER_ADMIN_TOKEN (Authorization: Bearer)
    GET  /                       the preview page; /openapi.json the API's schema

    A new index published at INDEX (`recommender build -o INDEX`) is picked up without
    dropping a request. Needs the extra 'serve': pip install 'recommender[serve]'.
    """
    from recommender.serve import MISSING_EXTRA

    try:
        import uvicorn
    except ImportError:
        raise click.ClickException(MISSING_EXTRA) from None
    from recommender.serve.settings import ADMIN_TOKEN_VARIABLE, SETTINGS_VARIABLE, ServeSettings
    from recommender.store.directory import read_manifest

    read_manifest(index)  # a wrong path fails here, in one line, before the server starts
    # absolute, not resolved: a symlink at INDEX is followed anew on every check
    settings = ServeSettings(index=str(index.absolute()),
                             max_k=max_k, max_batch=max_batch, max_body_bytes=max_body_bytes,
                             check_interval=None if no_watch else check_interval,
                             admin_token=os.environ.get(ADMIN_TOKEN_VARIABLE) or None,
                             verify=verify)
    os.environ[SETTINGS_VARIABLE] = settings.to_environment()
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: binding to {host}: the API is reachable from other machines",
                   err=True)
    uvicorn.run("recommender.serve.app:app_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level=log_level, access_log=access_log)
