"""Backups (issue 14, point 1): made without a passphrase, checked without keys, restored
onto a fresh data directory where every role signs in; an existing vault is never
overwritten; a changed byte is found."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.school import PASSPHRASES, Clock, build_school

from safelog.cli import EXIT_TAMPER, main
from safelog.vault.vault import Vault


@pytest.fixture
def backup(tmp_path: Path) -> Path:
    vault = Vault(tmp_path / "data", clock=Clock())
    build_school(vault)
    vault.close()
    out = tmp_path / "school.safelog-backup"
    assert main(["--data-dir", str(tmp_path / "data"), "backup", "--out", str(out)]) == 0
    return out


def test_restore_then_every_role_signs_in(backup: Path, tmp_path: Path) -> None:
    assert main(["backup", "verify", str(backup)]) == 0
    assert main(["restore", str(backup), "--data-dir", str(tmp_path / "new")]) == 0
    restored = Vault(tmp_path / "new")
    try:
        for name in PASSPHRASES:
            restored.unlock(name, PASSPHRASES[name]).lock()
    finally:
        restored.close()


def test_restore_never_overwrites(
    backup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", str(backup), "--data-dir", str(tmp_path / "data")]) == 1
    assert "never overwrites" in capsys.readouterr().err


@pytest.mark.parametrize("where", [100, 2000, -1200, -700])
def test_changed_byte_is_found(
    backup: Path, tmp_path: Path, where: int, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(backup.read_bytes())
    data[where] ^= 1
    changed = tmp_path / "changed.safelog-backup"
    changed.write_bytes(bytes(data))
    assert main(["backup", "verify", str(changed)]) == EXIT_TAMPER
    assert "not a whole, unaltered SafeLog backup" in capsys.readouterr().err
    assert main(["restore", str(changed), "--data-dir", str(tmp_path / "new")]) == EXIT_TAMPER
    assert not (tmp_path / "new" / "safelog.db").exists()
