"""bench/run_all runs a bench in its own process and prints one table, and writes it as Markdown on request."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_run_all_prints_each_figure_beside_its_baseline_and_writes_markdown(tmp_path):
    page = tmp_path / "performance.md"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run_all"),
            "--quick",
            "--only",
            "reliability",
            "--markdown",
            str(page),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("reliability")]
    assert len(rows) == 3 and all("a per-bin Python loop" in row or "per replicate" in row for row in rows)
    text = page.read_text(encoding="utf-8")
    assert "`python bench/run_all --quick --only reliability`" in text
    assert text.count("| reliability |") == 3 and "×" in text


def test_run_all_names_the_benches_when_asked_for_one_it_does_not_have():
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run_all"), "--only", "nope"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "no bench named nope (there are: desk, player" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_all_rewrites_only_the_readmes_performance_table(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# tool\n\nbefore\n<!-- performance:start -->\nold table\n<!-- performance:end -->\nafter\n",
        encoding="utf-8",
    )
    command = [sys.executable, str(REPO / "bench" / "run_all"), "--quick", "--only", "reliability"]
    done = subprocess.run([*command, "--readme", str(readme)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    text = readme.read_text(encoding="utf-8")
    assert text.startswith(
        "# tool\n\nbefore\n<!-- performance:start -->\nMeasured with `python bench/run_all"
    )
    assert text.endswith("<!-- performance:end -->\nafter\n") and "old table" not in text
    rows = [line for line in text.splitlines() if line.startswith("| reliability:")]
    assert len(rows) == 1 and "×" in rows[0]

    bare = tmp_path / "OTHER.md"
    bare.write_text("# no markers\n", encoding="utf-8")
    done = subprocess.run([*command, "--readme", str(bare)], capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "has no <!-- performance:start -->" in done.stderr
    assert "Traceback" not in done.stderr and bare.read_text(encoding="utf-8") == "# no markers\n"
