"""The Windows .ico and macOS .icns the spec bundles are rendered from the one SVG and well formed."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest

from tests.packaging.tools import PACKAGING, ROOT, run

PNG = b"\x89PNG\r\n\x1a\n"
SVG = ROOT / "resources" / "icons" / "courtyard.svg"

# packaging/ is not a Python package (and its name is taken by PyPA's "packaging"): load the file.
_spec = importlib.util.spec_from_file_location("courtyard_icons", PACKAGING / "icons.py")
assert _spec is not None and _spec.loader is not None
icons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(icons)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Rendered as the spec does it, in a child process (its QGuiApplication stays there)."""
    out = tmp_path_factory.mktemp("icons")
    ico, icns = run(sys.executable, PACKAGING / "icons.py", SVG, out).split()
    return Path(ico), Path(icns)


def test_ico_holds_one_png_per_size(made: tuple[Path, Path]) -> None:
    data = made[0].read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    for i, size in enumerate(icons.ICO_SIZES):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        assert width == height == (0 if size == 256 else size)
        assert (planes, bits) == (1, 32)
        image = data[offset : offset + length]
        assert image.startswith(PNG)
        assert struct.unpack(">II", image[16:24]) == (size, size)  # the IHDR width and height


def test_icns_elements_are_pngs_of_their_sizes(made: tuple[Path, Path]) -> None:
    data = made[1].read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found, at = {}, 8
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack(">I", data[at + 4 : at + 8])[0]
        image = data[at + 8 : at + length]
        assert image.startswith(PNG)
        found[kind] = struct.unpack(">II", image[16:24])
        at += length
    assert found == {kind: (size, size) for size, kind in icons.ICNS_TYPES}
