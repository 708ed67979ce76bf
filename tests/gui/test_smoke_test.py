"""`courtyard --smoke-test` reports a failed check and stops there (the passing run is in
tests/packaging, against the frozen bundle and the installed .deb)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.client.keys import KeyCustody
from ui.smoke_test import SmokeTest


def test_a_failing_check_fails_the_report_with_the_reason(
    arun: Callable[..., Any], keys: KeyCustody, tmp_path: Path
) -> None:
    (tmp_path / "server").write_text("a file where the server's data folder belongs", "utf-8")
    report = arun(SmokeTest(tmp_path, keys).run())
    assert report.ok is False
    assert [(c.name, c.ok) for c in report.checks] == [("server", False)]
    assert "FileExistsError" in report.checks[0].detail
    assert '"ok": false' in report.to_json()
