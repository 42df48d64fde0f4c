"""The files SafeLog ships (icons, the style sheet), found in the package safelog.resources.

Where that package is a folder on disk (a source checkout, an editable install, a wheel, a
PyInstaller build) its files are read from there; importlib.resources, which also reads a
package inside a zip, is the fallback only: its imports cost ~5 ms before the sign-in
window's first paint (issue 17).
"""

from __future__ import annotations

from pathlib import Path

import safelog.resources as shipped


def shipped_path(*parts: str) -> Path | None:
    """The file as a path on disk, or None where the package is not a folder."""
    origin = shipped.__file__
    if origin:
        path = Path(origin).parent.joinpath(*parts)
        if path.is_file():
            return path
    return None


def shipped_text(*parts: str) -> str:
    path = shipped_path(*parts)
    if path is not None:
        return path.read_text(encoding="utf-8")
    from importlib import resources

    return resources.files("safelog.resources").joinpath(*parts).read_text(encoding="utf-8")


def shipped_bytes(*parts: str) -> bytes:
    path = shipped_path(*parts)
    if path is not None:
        return path.read_bytes()
    from importlib import resources

    return resources.files("safelog.resources").joinpath(*parts).read_bytes()
