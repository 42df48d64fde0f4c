"""The window `safelog` opens with no arguments: it tells the user whether the vault is set up."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from safelog.gui.app import StatusWindow, describe_vault

INIT_COMMAND = 'safelog init --school "School name" --name "Your name"'


def shown_text(window: StatusWindow) -> str:
    """Every label the user can see, in order."""
    return "\n".join(label.text() for label in window.findChildren(QLabel) if label.isVisible())


def open_window(qtbot: QtBot, data_dir: str | None) -> StatusWindow:
    window = StatusWindow(*describe_vault(data_dir))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_without_a_vault_it_shows_the_init_command(qtbot: QtBot, tmp_path: Path) -> None:
    data_dir = tmp_path / "empty"
    window = open_window(qtbot, str(data_dir))

    text = shown_text(window)
    assert window.windowTitle() == "SafeLog"
    assert "SafeLog is not set up yet" in text
    assert str(data_dir) in text
    assert INIT_COMMAND in text


def test_with_a_vault_it_shows_the_school(qtbot: QtBot, data_dir: Path) -> None:
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    vault.create("Ravens Wood Primary", "Dana DSL", "dana correct horse").session.lock()
    vault.close()

    window = open_window(qtbot, str(data_dir))

    text = shown_text(window)
    assert "SafeLog — Ravens Wood Primary" in text
    assert "not set up" not in text
    assert "safelog init" not in text


def test_the_data_directory_can_come_from_the_environment(
    qtbot: QtBot, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.vault.vault import Vault

    vault = Vault(data_dir)
    vault.create("Şükrü Öztürk Academy", "Dana DSL", "dana correct horse").session.lock()
    vault.close()
    monkeypatch.setenv("SAFELOG_DATA_DIR", str(data_dir))

    window = open_window(qtbot, None)

    assert "Şükrü Öztürk Academy" in shown_text(window)


def test_by_default_the_vault_is_in_the_user_data_dir(qtbot: QtBot, tmp_path: Path) -> None:
    # conftest points XDG_DATA_HOME into this test's temporary home.
    window = open_window(qtbot, None)

    assert str(tmp_path / "home" / "data" / "SafeLog") in shown_text(window)
