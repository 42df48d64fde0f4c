"""The GUI's start-up reads the icons and style sheet from safelog.resources' own folder
(gui/shipped_files.py), and through importlib.resources where the package is not a folder:
both give the same bytes."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from safelog.gui import shipped_files

SHIPPED = importlib.resources.files("safelog.resources")


@pytest.mark.parametrize(
    "parts", [("style", "safelog.qss"), ("icons", "safelog-64.png"), ("icons", "safelog.svg")]
)
def test_a_shipped_file_is_found_on_disk_with_the_same_content(parts: tuple[str, str]) -> None:
    path = shipped_files.shipped_path(*parts)
    assert path is not None and path.is_file()
    assert shipped_files.shipped_bytes(*parts) == SHIPPED.joinpath(*parts).read_bytes()
    if parts[1].endswith((".qss", ".svg")):
        text = SHIPPED.joinpath(*parts).read_text(encoding="utf-8")
        assert shipped_files.shipped_text(*parts) == text


def test_a_missing_file_is_no_path_and_an_error_when_read() -> None:
    assert shipped_files.shipped_path("style", "no-such.qss") is None
    with pytest.raises(FileNotFoundError):
        shipped_files.shipped_bytes("style", "no-such.qss")


def test_where_the_package_is_not_a_folder_importlib_resources_reads_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As inside a zip: the package's __file__ names no folder on disk.
    monkeypatch.setattr(shipped_files.shipped, "__file__", str(tmp_path / "a.zip" / "x.py"))
    assert shipped_files.shipped_path("style", "safelog.qss") is None
    expected = SHIPPED.joinpath("style", "safelog.qss").read_text(encoding="utf-8")
    assert shipped_files.shipped_text("style", "safelog.qss") == expected
    png = SHIPPED.joinpath("icons", "safelog-16.png").read_bytes()
    assert shipped_files.shipped_bytes("icons", "safelog-16.png") == png
