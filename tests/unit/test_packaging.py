"""What `pip install .` ships: every module, the resources (as safelog.resources) and the
Alembic migrations, so an installed SafeLog works away from this checkout."""

from __future__ import annotations

import importlib.resources
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc")

pytestmark = pytest.mark.slow


def _source_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built the way `pip install .` builds one, from a copy of the tracked layout
    (so nothing left in build/ by an earlier build can hide a missing file)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("safelog", "resources"):
        shutil.copytree(ROOT / name, source / name, ignore=CACHES)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
         "--disable-pip-version-check", "-w", str(out), str(source)],
        check=True, timeout=180,
    )  # fmt: skip
    [built] = out.glob("safelog-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_every_resource_file_is_in_the_wheel_under_safelog_resources(
    wheel: Path, wheel_names: set[str]
) -> None:
    expected = {
        "safelog/resources/icons/safelog.svg",
        "safelog/resources/style/safelog.qss",
        "safelog/resources/fonts/DejaVuSans.ttf",
        "safelog/resources/fonts/DejaVuSans-Bold.ttf",
        "safelog/resources/fonts/LICENSE",
    } | {f"safelog/resources/icons/safelog-{size}.png" for size in (16, 32, 64, 128, 256)}
    assert expected <= wheel_names
    with zipfile.ZipFile(wheel) as archive:
        for path in _source_files(ROOT / "resources"):
            name = "safelog/resources/" + path.relative_to(ROOT / "resources").as_posix()
            assert name in wheel_names, f"{name} is missing from the wheel"
            assert archive.read(name) == path.read_bytes(), f"{name} differs in the wheel"


def test_the_alembic_migrations_are_in_the_wheel(wheel_names: set[str]) -> None:
    migrations = "safelog/store/migrations/"
    for name in ("env.py", "script.py.mako", "versions/0001_baseline.py"):
        assert migrations + name in wheel_names
    for path in _source_files(ROOT / "safelog" / "store" / "migrations"):
        assert path.relative_to(ROOT).as_posix() in wheel_names


def test_every_module_is_in_the_wheel(wheel_names: set[str]) -> None:
    missing = [
        path.relative_to(ROOT).as_posix()
        for path in _source_files(ROOT / "safelog")
        if path.suffix == ".py" and path.relative_to(ROOT).as_posix() not in wheel_names
    ]
    assert not missing, (
        f"not in the wheel: {missing}; add their packages to [tool.setuptools] packages "
        "in pyproject.toml"
    )


def test_the_wheel_holds_no_caches_or_stray_top_level_names(wheel_names: set[str]) -> None:
    assert not [n for n in wheel_names if "__pycache__" in n or n.endswith(".pyc")]
    top_level = {name.split("/", 1)[0] for name in wheel_names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"safelog"}


def test_the_wheel_declares_the_safelog_command(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = archive.read(name).decode()
    assert "safelog = safelog.cli:main" in entry_points


def test_the_unpacked_wheel_finds_its_resources_and_migrates_a_database(
    wheel: Path, tmp_path: Path
) -> None:
    """Run from the wheel's own files, not this checkout: resources load through
    importlib.resources and Alembic builds the schema from the shipped migrations."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    script = """
import importlib.resources, sys
from pathlib import Path
import safelog
from safelog.store.engine import open_engine, sqlite_url
from sqlalchemy import inspect
assert Path(safelog.__file__).is_relative_to(sys.argv[1]), safelog.__file__
files = importlib.resources.files("safelog.resources")
assert files.joinpath("fonts/DejaVuSans.ttf").read_bytes()[:4] == bytes([0, 1, 0, 0])
assert "QMainWindow" in files.joinpath("style/safelog.qss").read_text("utf-8")
engine = open_engine(sqlite_url(Path(sys.argv[2])))
print(sorted(inspect(engine).get_table_names()))
"""
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", script, str(site), str(tmp_path / "data")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "alembic_version" in result.stdout
    assert "'cases'" in result.stdout


def test_this_install_serves_resources_from_the_package() -> None:
    """The development install (editable) maps safelog.resources to resources/ too."""
    files = importlib.resources.files("safelog.resources")
    assert files.joinpath("icons/safelog.svg").read_text("utf-8").startswith("<?xml")
    assert files.joinpath("fonts/DejaVuSans-Bold.ttf").is_file()
