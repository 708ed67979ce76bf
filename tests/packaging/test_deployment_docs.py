"""docs/deployment.md names every policy key, every MSI property and the pinned upgrade code."""

from __future__ import annotations

from app.features.device_policy import POLICY_KEYS
from app.features.device_policy.macos import BUNDLE_ID
from app.features.device_policy.windows import POLICY_SUBKEY
from tests.packaging.test_msi import UPGRADE_CODE
from tests.packaging.tools import ROOT

DOCS = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_docs_name_every_key_and_its_msi_property() -> None:
    for key in POLICY_KEYS:
        assert f"`{key.name}`" in DOCS, key.name
        assert f"`{key.name.upper()}`" in DOCS, key.name


def test_docs_give_the_stores_the_app_reads() -> None:
    assert POLICY_SUBKEY in DOCS
    assert BUNDLE_ID in DOCS
    assert "/etc/courtyard/policy.json" in DOCS
    assert UPGRADE_CODE in DOCS


def test_docs_show_a_silent_install_and_how_to_purge() -> None:
    assert "/qn" in DOCS and "LOCKSERVERURL=1" in DOCS
    assert "service name `Courtyard`" in DOCS
    assert "secret-tool clear service Courtyard" in DOCS
