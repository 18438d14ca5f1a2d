"""The command line's contract: help everywhere, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys

import click

from bwvtool.cli import cli


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*prefix, name))


def test_every_command_has_help_and_a_place_in_the_docs():
    """Beyond the generated reference (docs/cli.md), every command is explained in the README or a docs page."""
    from tests.conftest import REPO

    pages = [REPO / "README.md", *(p for p in (REPO / "docs").glob("*.md") if p.name != "cli.md")]
    docs = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    for path, command in _all_commands(cli):
        assert command.help, f"bwvtool {' '.join(path)} has no help text"
        if not isinstance(command, click.Group) and not command.hidden:
            assert f"bwvtool {' '.join(path)}" in docs or f"`{path[-1]}`" in docs, (
                f"bwvtool {' '.join(path)} is not explained in README.md or docs/*.md"
            )


def test_init_status_and_audit_verify(run_cli, tmp_path):
    code, out, _ = run_cli("init")
    assert code == 0 and "Created" in out
    code, out, _ = run_cli("status", "--json")
    assert code == 0 and '"schema_version"' in out
    code, out, _ = run_cli("audit", "verify")
    assert code == 0 and "intact" in out
    code, out, _ = run_cli("backup", str(tmp_path / "b.sqlite"))
    assert code == 0 and (tmp_path / "b.sqlite").exists()


def test_missing_workspace_is_one_line_exit_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bwvtool", "--db", str(tmp_path / "none.sqlite"), "status"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no workspace" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_is_usage_error_exit_2(run_cli):
    code, _, err = run_cli("status", "--bogus")
    assert code == 2 and "bogus" in err
