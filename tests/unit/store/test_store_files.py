"""Private files (profiles, config): owner-only, written whole or not at all."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from safelog.store.files import write_private_file


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_new_file_and_directory_are_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "profiles" / "vault-user.profile"
    write_private_file(target, b"sealed profile")
    assert target.read_bytes() == b"sealed profile"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in target.parent.iterdir()) == ["vault-user.profile"]


def test_replacing_keeps_owner_only_and_leaves_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "config.json"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    write_private_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "config.json"
    write_private_file(target, b"old")
    with pytest.raises(TypeError):
        write_private_file(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]
