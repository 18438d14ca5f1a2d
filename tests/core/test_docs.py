"""The documentation keeps up with the code: the CLI reference is regenerated and compared, every relative link
in README.md and docs/*.md points at a file that exists, and CI runs the README's test command as written."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

REGENERATE = ".venv/bin/python -m bwvtool.cli.reference > docs/cli.md"
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""<(?:img|a)\s[^>]*?(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def _docs() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _relative_links(text: str) -> list[str]:
    prose = FENCE.sub("", text)  # a link inside a code block is an example, not a link
    targets = LINK.findall(prose) + HTML_LINK.findall(prose)
    return [t for t in targets if not re.match(r"^([a-z][a-z0-9+.-]*:|#)", t, re.IGNORECASE)]


def test_cli_reference_is_generated_from_the_commands():
    from bwvtool.cli.reference import render

    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(), f"docs/cli.md is out of date with the commands: run `{REGENERATE}`"


def test_cli_reference_lists_every_visible_command():
    import click

    from bwvtool.cli import cli

    def names(group: click.Group, prefix: str):
        for name, command in group.commands.items():
            if command.hidden:
                continue
            yield f"{prefix} {name}"
            if isinstance(command, click.Group):
                yield from names(command, f"{prefix} {name}")

    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in names(cli, "bwvtool")
        if f"\n## {name}\n" not in reference and f"\n### {name}\n" not in reference
    ]
    assert missing == [], f"not in docs/cli.md: {missing}; run `{REGENERATE}`"


@pytest.mark.parametrize("doc", _docs(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_points_at_a_file(doc):
    broken = []
    for target in _relative_links(doc.read_text(encoding="utf-8")):
        path = target.split("#", 1)[0].split("?", 1)[0]
        if path and not (doc.parent / path).exists():
            broken.append(target)
    assert broken == [], f"{doc.relative_to(REPO)} links to missing files: {broken}"


def test_link_checker_sees_links_and_ignores_code():
    text = '[a](docs/x.md) ![b](img.png "t") <img src="y.png"> [web](https://e.org) [top](#a)\n```\n[c](z.md)\n```\n'
    assert _relative_links(text) == ["docs/x.md", "img.png", "y.png"]


def _readme_command(marker: str) -> str:
    """The first line of the bash block after ``**marker**`` in the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    after = text.split(f"**{marker}**", 1)[1]
    block = after.split("```bash\n", 1)[1].split("```", 1)[0]
    return next(line for line in block.splitlines() if line.strip())


def test_readme_commands_install_system_packages_with_the_shipped_script():
    for marker in ("Try the demo", "Run all tests", "Set up a team server"):
        command = _readme_command(marker)
        assert command.startswith("sh scripts/install-system-deps.sh"), f"{marker}: {command}"
        assert "sudo " not in command, f"{marker}: root has no sudo on a fresh Debian machine"
    assert (REPO / "scripts" / "install-system-deps.sh").exists()
    assert "scripts/install-system-deps.sh" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("awk") is None, reason="awk is not installed")
def test_ci_runs_the_readme_test_command_verbatim():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    program = re.search(r"TEST_CMD=\$\(awk '(.+?)' README\.md\)", ci)
    assert program, ".ci/run no longer reads the test command from the README"
    assert 'eval "$TEST_CMD' in ci
    found = subprocess.run(
        ["awk", program.group(1), "README.md"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == _readme_command("Run all tests")
    assert found.endswith(".venv/bin/python -m pytest")


def test_sampling_page_quotes_the_incident_definition_word_for_word():
    from bwvtool.sampling.frame import INCIDENT_DEFINITION

    assert INCIDENT_DEFINITION in (REPO / "docs" / "sampling.md").read_text(encoding="utf-8")


def test_every_docs_page_is_linked_from_the_readme_or_the_index():
    linked = set()
    for doc in (REPO / "README.md", REPO / "docs" / "index.md"):
        for target in _relative_links(doc.read_text(encoding="utf-8")):
            linked.add((doc.parent / target.split("#", 1)[0]).resolve())
    pages = {p.resolve() for p in (REPO / "docs").glob("*.md")}
    unlinked = sorted(p.name for p in pages - linked)
    assert unlinked == [], f"docs pages nobody can find: {unlinked}; link them from docs/index.md"
