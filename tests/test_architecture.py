"""The architecture is checked, not just described: the import layering (import-linter's
contract in pyproject.toml), ruff's rules, and the package root holding only the foundation
and the package face."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name):
    exe = BIN / name
    if not exe.exists():
        exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return str(exe)


def test_import_layers_contract_is_kept():
    r = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "1 kept, 0 broken" in r.stdout


def test_ruff_check_passes():
    r = subprocess.run([_tool("ruff"), "check", "nndl", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_package_root_holds_only_the_foundation_and_the_face():
    engine = {"model.py", "gradcheck.py", "metrics.py"}   # the engine's top (see CONTRIBUTING.md)
    foundation = {"backend.py", "errors.py", "atomic.py", "__init__.py", "__main__.py"}
    modules = {p.name for p in (ROOT / "nndl").glob("*.py")}
    assert modules <= foundation | engine, sorted(modules - foundation - engine)


def test_every_subpackage_is_in_the_layers_contract():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    named = {part.strip(" ()") for layer in contract["layers"] for part in layer.split("|")}
    packages = {p.name for p in (ROOT / "nndl").iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in (ROOT / "nndl").glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= named, sorted((packages | modules) - named)
