"""The project's shape: the core never imports Qt, the wheel lists every package (README and CI: test_docs.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib

from tests.conftest import REPO

FORBIDDEN = ("PySide6", "shiboken6", "bwvtool.ui")


def _core_files():
    return sorted((REPO / "bwvtool").rglob("*.py"))


def test_core_source_has_no_qt_import():
    offenders = []
    for path in _core_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []


def test_every_core_module_imports_with_qt_blocked():
    """Import all core modules in a fresh interpreter where importing PySide6 fails."""
    modules = []
    for path in _core_files():
        rel = path.relative_to(REPO).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    script = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6') or name.startswith('bwvtool.ui'):\n"
        "            raise ImportError('Qt is blocked for the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]


def test_wheel_package_list_matches_the_tree():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        "bwvtool." + ".".join(p.parent.relative_to(REPO / "bwvtool").parts)
        for p in (REPO / "bwvtool").rglob("__init__.py")
    }
    on_disk = {name.rstrip(".") for name in on_disk}
    on_disk |= {
        "bwvtool.ui." + ".".join(p.parent.relative_to(REPO / "ui").parts)
        for p in (REPO / "ui").rglob("__init__.py")
    }
    on_disk = {name.rstrip(".") for name in on_disk}
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"


def test_import_linter_contract_covers_every_core_package():
    contract = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    covered = set(contract["source_modules"])
    top = {f"bwvtool.{p.name}" for p in (REPO / "bwvtool").iterdir() if (p / "__init__.py").exists()}
    top |= {
        f"bwvtool.{p.stem}" for p in (REPO / "bwvtool").glob("*.py") if p.stem not in ("__init__", "__main__")
    }
    assert top <= covered, f"add to the import-linter contract: {sorted(top - covered)}"
