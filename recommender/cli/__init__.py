"""The ``recommender`` command: parse, call the library, format, map errors.

Every command is a thin layer over a library call (``pipeline.build_from_files``,
``pipeline.update_from_files``, ``RelatedIndex.related``/``similar``,
``store.inspection.describe_index``), so a site can do in Python all that an operator
does here. Results go to stdout, progress to stderr; library errors become a one-line
message with a remedy and exit status 1, usage errors exit 2.

Start-up is part of the product: this module imports click and the package's errors
only. Each command lives in its own module, imported when the command is looked up
(click's "lazily loading subcommands" pattern), and those modules import the library
inside the command function; so ``recommender --version`` and ``--help`` never load
numpy, scipy, scikit-learn or joblib (``tests/test_startup.py``, ``benchmarks/startup.py``).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any

import click

from recommender.errors import RecommenderError
from recommender.version import package_version

__all__ = ["main"]

_CONTEXT = {"show_default": True, "help_option_names": ["-h", "--help"], "max_content_width": 100}
# command name -> "module:attribute" of its click command, imported on first use
_COMMANDS = {
    "build": "recommender.cli.build:build",
    "demo": "recommender.cli.demo:demo_command",
    "evaluate": "recommender.cli.evaluate:evaluate_command",
    "info": "recommender.cli.info:info",
    "related": "recommender.cli.query:related_command",
    "serve": "recommender.cli.serve:serve_command",
    "similar": "recommender.cli.query:similar_command",
    "tune": "recommender.cli.tune:tune_command",
    "update": "recommender.cli.update:update_command",
}
# the library's remedies speak Python; on the command line the same fix is an option
_PYTHON_TO_CLI = ((re.compile(r"pass format='(\w+)'"), r"use --format \1"),
                  (re.compile(r"format='(\w+)'"), r"--format \1"),
                  (re.compile(r"pass the right encoding= \(e\.g\. '([\w-]+)'\)"),
                   r"use --encoding (e.g. --encoding \1)"))


def _one_line(message: str) -> str:
    for pattern, repl in _PYTHON_TO_CLI:
        message = pattern.sub(repl, message)
    return " ".join(message.split())


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Group(click.Group):
    """Loads each command's module on demand and turns the library's errors into
    one-line messages (exit 1) instead of tracebacks.
    """

    def __init__(self, *args: Any, lazy_commands: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command, "
                                f"got {type(command).__name__}")
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RecommenderError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except BrokenPipeError:
            # the reader (e.g. `| head`) has gone: stop quietly, as Unix tools do
            _silence_stdout()
            ctx.exit(1)
        except OSError as exc:
            message = str(exc)
            if exc.filename is not None and exc.strerror:
                message = f"{exc.filename}: {exc.strerror}"
            if isinstance(exc, FileNotFoundError):
                message += " (check the path)"
            elif isinstance(exc, PermissionError):
                message += " (check the permissions, or choose another path)"
            raise click.ClickException(_one_line(message)) from None


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``, as ``click.version_option`` prints it, but the metadata is read
    only when asked for: ``importlib.metadata`` and its imports (email, zipfile) take
    about 18 ms (``-X importtime``), which ``--help`` and every command would pay.
    """
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"recommender {package_version()}", color=ctx.color)
    ctx.exit()


@click.group(cls=_Group, context_settings=_CONTEXT, lazy_commands=_COMMANDS)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and exit.")
def main() -> None:
    """Related-article engine: build an index of a site's articles, then ask it for
    related stories.

    \b
    Typical use:
      recommender build articles.jsonl -o models/site
      recommender related models/site ARTICLE-ID -k 5
      recommender similar models/site < draft.json
      recommender update models/site --add new.jsonl --remove OLD-ID
      recommender info models/site
      recommender serve models/site
      recommender demo
    """


if __name__ == "__main__":  # python -m recommender.cli
    main()
