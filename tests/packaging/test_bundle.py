"""The PyInstaller Linux bundle is built from packaging/courtyard.spec and its --smoke-test passes.

The build is shared by the whole session (conftest.bundle); its time and size are recorded as
test properties (`--junitxml`) and printed with `-rA`; bench/RESULTS.md keeps the measured ones.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.packaging.conftest import Bundle, smoke_test
from tests.packaging.tools import PACKAGING, ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

pytestmark = pytest.mark.timeout(1500)  # the first test pays for the shared build

SIZE_BUDGET_MB = 400
"""Far above today's bundle; it catches a dependency pulled in by mistake (a second Qt, numpy)."""
CHECKS = ["server", "sign in", "encrypted store", "main window", "second client", "send", "sync"]


def test_bundle_is_a_onedir_with_the_data_the_app_loads(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    assert bundle.launcher.stat().st_mode & 0o111
    assert (internal / "resources" / "themes" / "light.qss").is_file()
    assert (internal / "resources" / "icons" / "courtyard.svg").is_file()
    assert (internal / "app" / "server" / "migrations" / "env.py").is_file()
    assert list((internal / "app" / "server" / "migrations" / "versions").glob("0001_*.py"))
    assert not list(bundle.folder.rglob("__pycache__"))
    plugins = internal / "PySide6" / "Qt" / "plugins"
    assert (plugins / "platforms" / "libqoffscreen.so").is_file()
    assert (plugins / "platforms" / "libqxcb.so").is_file()
    assert list((plugins / "iconengines").glob("libqsvgicon*.so"))
    assert list(internal.glob("sqlcipher3/_sqlite3*.so")), "the SQLCipher extension"
    # Development-only packages stay out (they would also pull in a lot).
    for name in ("pytest", "hypothesis", "psycopg", "keyrings"):
        assert not (internal / name).exists(), name


def test_frozen_app_passes_its_smoke_test(bundle: Bundle, tmp_path: Path) -> None:
    home = tmp_path / "home"
    report = smoke_test(bundle.launcher, home)
    assert report["ok"] is True
    assert report["frozen"] is True
    assert report["platform"] == "offscreen"
    assert report["desktop_file"] == (PACKAGING / "linux" / "courtyard.desktop").stem
    assert report["version"] == VERSION  # the package metadata made it into the bundle
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(c["ok"] for c in report["checks"]), report["checks"]
    assert report["checks"][0]["detail"].startswith("http://127.0.0.1:")
    # Everything it made was temporary: no data, settings or keyring file in the user's home.
    assert not [p for p in home.rglob("*") if "courtyard" in p.name.lower()]


def test_bundle_size_and_build_time_are_recorded(
    bundle: Bundle, record_property: pytest.RecordProperty
) -> None:
    size_mb = bundle.size_bytes() / 1e6
    record_property("bundle_size_mb", round(size_mb, 1))
    record_property("build_seconds", round(bundle.build_seconds, 1))
    print(f"bundle: {size_mb:.1f} MB, built in {bundle.build_seconds:.0f} s")
    assert 20 < size_mb < SIZE_BUDGET_MB
