"""Builds courtyard.wxs with Debian's wixl on Linux, so CI checks the MSI without a Windows runner.

wixl reads the WiX v3 schema but ignores two things this installer relies on: `Secure="yes"` on
a Property (the SecureCustomProperties row) and a `Condition` inside a Component (it even stops
on it). This script takes both out of the source before wixl sees it and writes them into the
MSI's Property and Component tables afterwards with msibuild, so the MSI matches what WiX 3 would
build from the same source. Usage:

    build_msi_wixl.py --payload dist/courtyard --version 0.1.0 --output Courtyard.msi
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

WIX_NS = "http://schemas.microsoft.com/wix/2006/wi"
HERE = Path(__file__).resolve().parent
SOURCE = HERE / "courtyard.wxs"
# Attributes wixl does not know; WiX 3 needs them, wixl would only warn about them.
_WIXL_UNKNOWN_ATTRIBUTES = {"Package": ("Platform", "InstallPrivileges")}


def _q(tag: str) -> str:
    return f"{{{WIX_NS}}}{tag}"


def split_source(source: Path) -> tuple[str, list[str], dict[str, str]]:
    """The source as wixl can read it, the Secure property ids, and component id → condition."""
    ET.register_namespace("", WIX_NS)
    tree = ET.parse(source)
    root = tree.getroot()
    secure: list[str] = []
    for prop in root.iter(_q("Property")):
        if prop.attrib.pop("Secure", "no") == "yes":
            secure.append(prop.attrib["Id"])
    conditions: dict[str, str] = {}
    for component in root.iter(_q("Component")):
        for condition in component.findall(_q("Condition")):
            conditions[component.attrib["Id"]] = (condition.text or "").strip()
            component.remove(condition)
    for tag, names in _WIXL_UNKNOWN_ATTRIBUTES.items():
        for element in root.iter(_q(tag)):
            for name in names:
                element.attrib.pop(name, None)
    return ET.tostring(root, encoding="unicode"), secure, conditions


def harvest(payload: Path) -> str:
    """A fragment installing every file under payload/_internal into INTERNALDIR (PayloadFiles)."""
    internal = payload / "_internal"
    files = sorted(str(p) for p in internal.rglob("*") if p.is_file())
    if not files:
        raise SystemExit(f"{internal} has no files; is {payload} a PyInstaller onedir build?")
    prefix = str(internal) + "/"
    return subprocess.run(
        [
            "wixl-heat",
            *("--var", "var.InternalDir", "--directory-ref", "INTERNALDIR"),
            *("--component-group", "PayloadFiles", "--prefix", prefix, "--win64"),
        ],
        input="\n".join(files) + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _sql_text(value: str) -> str:
    if "'" in value:
        raise SystemExit(f"cannot put a single quote into MSI SQL: {value!r}")
    return f"'{value}'"


def table_updates(msi: Path, secure: list[str], conditions: dict[str, str]) -> list[str]:
    """The SQL that puts the Secure properties and component conditions into the MSI."""
    existing = subprocess.run(
        ["msiinfo", "export", str(msi), "Property"], capture_output=True, text=True, check=True
    ).stdout
    current: list[str] = []
    for line in existing.replace("\r", "").splitlines():
        name, _, value = line.partition("\t")
        if name == "SecureCustomProperties":
            current = value.split(";")
    names = ";".join(dict.fromkeys(current + secure))
    queries = [
        "DELETE FROM `Property` WHERE `Property`='SecureCustomProperties'",
        f"INSERT INTO `Property` (`Property`, `Value`) VALUES ('SecureCustomProperties', {_sql_text(names)})",
    ]
    for component, condition in sorted(conditions.items()):
        queries.append(
            f"UPDATE `Component` SET `Condition`={_sql_text(condition)} "
            f"WHERE `Component`={_sql_text(component)}"
        )
    return queries


def build(*, payload: Path, version: str, output: Path, source: Path = SOURCE) -> Path:
    payload, output = payload.resolve(), output.resolve()
    with tempfile.TemporaryDirectory(prefix="courtyard-wixl-") as work:
        product, secure, conditions = split_source(source)
        main = Path(work) / "courtyard.wxs"
        main.write_text(product, encoding="utf-8")
        files = Path(work) / "payload.wxs"
        files.write_text(harvest(payload), encoding="utf-8")
        # wixl looks for sources relative to its working folder only, so it runs in the payload.
        subprocess.run(
            [
                *("wixl", "--arch", "x64", "--output", str(output)),
                *("-D", "PayloadDir=.", "-D", "InternalDir=_internal", "-D", "Win64=yes"),
                *("-D", f"Version={version}"),
                *(str(main), str(files)),
            ],
            check=True,
            cwd=payload,
        )
    for query in table_updates(output, secure, conditions):
        subprocess.run(["msibuild", str(output), "-q", query], check=True)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payload", type=Path, required=True, help="PyInstaller onedir folder")
    parser.add_argument("--version", required=True, help="product version, x.y.z")
    parser.add_argument("--output", type=Path, required=True, help="the .msi to write")
    args = parser.parse_args(argv)
    build(payload=args.payload, version=args.version, output=args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
