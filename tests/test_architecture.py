"""The import arrows point one way: ui → app.client/app.features → app.core; app.server → app.core."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUI_MODULES = ("PySide6", "shiboken6", "qasync", "ui")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in forbidden or name.startswith(forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_app_never_imports_qt_qasync_or_ui() -> None:
    assert _offenders("app", GUI_MODULES) == []


def test_server_never_imports_client_or_features() -> None:
    assert _offenders("app/server", ("app.client", "app.features")) == []


def test_core_imports_only_core() -> None:
    assert _offenders("app/core", ("app.server", "app.client", "app.features")) == []


def test_client_never_imports_server() -> None:
    assert _offenders("app/client", ("app.server",)) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtWidgets import QWidget\nimport ui.main\n", encoding="utf-8")
    assert _imports(bad) == ["PySide6.QtWidgets", "ui.main"]
