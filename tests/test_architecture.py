"""The shape of the code: layers that import only downwards (import-linter, run by `make test` too) and no
module reaching into another package's private names."""

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def private_imports_across_packages() -> list[str]:
    found = []
    for path in APP.rglob("*.py"):
        module = "app." + ".".join(path.relative_to(APP).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app."):
                if _package(node.module) == _package(module):
                    continue
                found += [
                    f"{path.relative_to(APP.parent)}:{node.lineno} imports {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    return found


def test_no_module_imports_another_packages_private_names():
    assert private_imports_across_packages() == []


def test_the_private_import_check_sees_one(tmp_path, monkeypatch):
    fake = tmp_path / "app"
    (fake / "votes").mkdir(parents=True)
    (fake / "votes" / "x.py").write_text("from app.meetings.lifecycle import _check_transition\n")
    monkeypatch.setattr(sys.modules[__name__], "APP", fake)
    assert private_imports_across_packages() == ["app/votes/x.py:1 imports app.meetings.lifecycle._check_transition"]


def test_layers_contract_holds():
    """The layers in pyproject.toml ([tool.importlinter]): a lower package never imports a higher one."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], cwd=APP.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
