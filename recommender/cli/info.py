"""``recommender info``: describe an index directory and check its files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from recommender.cli import _one_line
from recommender.cli import output as out

__all__ = ["info"]


@click.command("info")
@click.argument("index", type=click.Path(path_type=Path))
@click.option("--verify/--no-verify", default=True,
              help="Check every file against the sha256 recorded in the manifest.")
@out.output_options
def info(index: Path, verify: bool, fmt: out.OutputFormat) -> None:
    """Describe the INDEX directory: format, versions, counts, settings, default box
    rules, files, integrity.

    Exits with status 1 when a file does not match its recorded digest.
    """
    from recommender.cli.build import search_text
    from recommender.store.inspection import describe_index

    report = describe_index(index, verify=verify)
    if not out.echo_document(report, fmt):
        versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
        pairs: list[tuple[str, Any]] = [
            ("index", report["path"]),
            ("format", f"{report['format']} v{report['format_version']}"),
            ("created", report["created"]),
            ("versions", versions),
            ("integrity", report["integrity"] + (f": {report['problem']}"
                                                 if report["problem"] else "")),
            ("signed", "yes (HMAC-SHA256)" if report["signed"] else "no"),
            ("size on disk", out.human_bytes(report["bytes_on_disk"])),
        ]
        learned = report.get("learned")
        pairs.append(("ranking", "formula (not tuned)" if not learned else
                      f"learned: {learned['model']}, cross-validated MAP@10 "
                      f"{learned['cv_map10'][learned['model']]['mean']:.4f} against the "
                      f"formula's {learned['cv_map10']['formula']['mean']:.4f}, "
                      f"{learned['links']:,} links, tuned {learned['tuned']}"))
        pairs.append(("search", search_text(report["config"])))
        pairs += [(f"counts.{k}", v) for k, v in report["counts"].items()]
        pairs += [(f"config.{k}", v) for k, v in report["config"].items()]
        pairs += [(f"query.{k}", v) for k, v in report["query"].items()]
        for line in out.format_pairs(pairs):
            click.echo(line)
        click.echo("")
        rows = [(name, "?" if size is None else size) for name, size in report["files"].items()]
        for line in out.format_table(("file", "bytes"), rows, align="lr"):
            click.echo(line)
    if report["problem"] is not None:
        raise click.ClickException(_one_line(report["problem"]))
