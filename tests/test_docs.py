"""The README documents every command and every setting; every command has help."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from recommender import BuildConfig
from recommender.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
# the commands load on demand, so ask the group for them rather than read main.commands
CONTEXT = click.Context(main)
COMMANDS = main.list_commands(CONTEXT)


def test_expected_commands_exist():
    assert {"build", "related", "similar", "info", "evaluate", "demo", "update",
            "tune"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_documented_in_readme(command):
    assert f"recommender {command}" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    loaded = main.get_command(CONTEXT, command)
    assert loaded is not None and loaded.help, f"{command} has no help text"
    assert "Usage:" in result.output


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(BuildConfig)])
def test_every_setting_is_in_the_configuration_table(field):
    default = getattr(BuildConfig(), field)
    if default is None or isinstance(default, bool):  # 1 == True: no dict lookup here
        shown = "`None`" if default is None else f"`{str(default).lower()}`"
    else:
        shown = f"`{default}`"
    row = next((line for line in README.splitlines() if line.startswith(f"| `{field}` |")), None)
    assert row is not None, f"{field} missing from the README configuration table"
    assert f"| {shown} |" in row, f"README default of {field} is not {shown}: {row}"


def test_readme_names_the_two_fresh_machine_commands():
    assert "./run demo" in README and "./run test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "./run test" in ci
