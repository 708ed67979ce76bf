"""The release workflow builds, smoke-tests and uploads on each OS, and signs only with secrets."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.packaging.tools import PACKAGING, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def test_each_platform_freezes_smoke_tests_and_uploads() -> None:
    for job in ("windows", "macos", "linux"):
        names = [step.get("name", step.get("uses", "")) for step in steps(job)]
        scripts = " ".join(step.get("run", "") for step in steps(job))
        assert "pyinstaller" in scripts, job
        assert scripts.count("--smoke-test") >= 2, job  # the onedir/app and the installed package
        assert any(name.startswith("actions/upload-artifact") for name in names), job


def test_signing_steps_run_only_when_their_secrets_exist() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for job in ("windows", "macos"):
        env = workflow()["jobs"][job]["env"]
        for step in steps(job):
            script = step.get("run", "")
            if re.search(r"\b(signtool|codesign|notarytool|security import)\b", script):
                condition = step.get("if", "")
                assert re.search(r"env\.\w+ != ''", condition), step["name"]
                for name in re.findall(r"env\.(\w+)", condition):
                    assert env[name] == f"${{{{ secrets.{name} }}}}", name
    # Every secret the workflow reads is listed in its header, for whoever sets them up.
    header = text.split("name: release")[0]
    for secret in set(re.findall(r"secrets\.(\w+)", text)):
        assert secret in header, secret


def test_the_real_wix_build_feeds_the_variables_the_source_uses() -> None:
    wxs = (PACKAGING / "windows" / "courtyard.wxs").read_text(encoding="utf-8")
    build = next(
        step["run"] for step in steps("windows") if step.get("name", "").startswith("Build the MSI")
    )
    used = set(re.findall(r"\$\(var\.(\w+)\)", wxs))
    defined = set(re.findall(r"-d(\w+)=", build))
    assert used <= defined
    assert "-dr INTERNALDIR" in build and 'Id="INTERNALDIR"' in wxs
    assert "-cg PayloadFiles" in build and 'ComponentGroupRef Id="PayloadFiles"' in wxs
    assert "-var var.InternalDir" in build and "InternalDir" in defined


def test_windows_job_installs_silently_with_the_public_properties() -> None:
    script = next(step["run"] for step in steps("windows") if "msiexec" in step.get("run", ""))
    assert '"/qn"' in script
    assert "SERVERURL=" in script and "LOCKSERVERURL=1" in script
    assert "HKLM:\\Software\\Policies\\Courtyard" in script
    assert '"/x"' in script  # and uninstalls again


def test_linux_job_installs_and_removes_the_deb() -> None:
    scripts = " ".join(step.get("run", "") for step in steps("linux"))
    assert "packaging/linux/build_deb.sh" in scripts
    assert 'apt-get install -y "./$DEB"' in scripts
    assert "apt-get remove -y courtyard" in scripts


def test_a_failing_smoke_test_fails_the_job_even_when_piped_to_tee() -> None:
    # GitHub runs `run:` steps with `bash -e` unless `shell: bash` is named, which adds
    # `-o pipefail`; without it `courtyard --smoke-test | tee report.json` passes whatever happens.
    for job in ("macos", "linux"):
        piped = [s["run"] for s in steps(job) if "--smoke-test |" in s.get("run", "")]
        assert piped, job
        assert workflow()["jobs"][job]["defaults"]["run"]["shell"] == "bash", job
