"""The indecent-images rule in the app (issue 18 point 1): the DSL moves a case into an image
category from the case (Change category…), is told what will be quarantined and must say
where the device is locked away; the quarantined items are marked and cannot be opened or
saved; evidence on a concern about staff is added only after the 7.2.4 warning."""

# ruff: noqa: F811
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, open_workspace, sqlite_only
from gui_support import Modals, modals  # noqa: F401  (autouse: no modal box may hang the run)
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from safelog.evidence import corpus
from safelog.gui.evidence.add_dialog import AddEvidenceDialog, start_adding
from safelog.gui.evidence.sources import PendingSource
from safelog.gui.workspace.category_dialog import CategoryDialog
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.evidence import add_evidence

pytestmark = sqlite_only


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def a_case(school: Any, category: str, tmp_path: Path) -> str:
    dana = school.unlock("Dana DSL")
    reference = add_case(
        dana,
        CaseInput.from_json({"category": category, "summary": "Group chat", "description": "x"}),
    )
    for name, data in (("chat.png", corpus.png()), ("note.txt", corpus.text())):
        (tmp_path / name).write_bytes(data)
        add_evidence(dana, reference, tmp_path / name)
    return reference


def test_moving_a_case_into_an_image_category_from_the_app(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = a_case(school, "cyberbullying-pupil", tmp_path)
    dana = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dana, reference)
    assert workspace.category_button.isVisible()

    seen: dict[str, Any] = {}

    def launch(self: CategoryDialog) -> bool:
        self.show()
        self.category.setCurrentIndex(self.category.findData("nudes-sharing"))
        seen["warning"] = self.warning.text()
        self._accept()  # no place given: refused in the dialog
        seen["refused"] = self.error.text()
        self.locked_away.setText("Phone sealed in an evidence bag in the safe")
        self._accept()
        return self.result() == CategoryDialog.DialogCode.Accepted

    monkeypatch.setattr(CategoryDialog, "launch", launch)
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS * 2):
        workspace.change_category()
    assert "1 item(s) on this case will be quarantined" in seen["warning"]
    assert "chat.png" in seen["warning"] and "note.txt" not in seen["warning"]
    assert "locked away" in seen["refused"]
    fields = show_case(school.unlock("Dana DSL"), reference).fields
    assert fields["category"] == "nudes-sharing"
    assert fields["quarantine"][0]["device_locked_away"].startswith("Phone sealed")

    panel = workspace.evidence_panel
    workspace.tabs.setCurrentWidget(panel)
    rows = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert any("chat.png  (quarantined: never shown)" in r for r in rows), rows
    picture = next(i for i in range(panel.list.count()) if "chat.png" in rows[i])
    panel.list.setCurrentRow(picture)
    assert not panel.view_button.isEnabled() and not panel.copy_button.isEnabled()
    assert panel.view_current() is None  # told, not opened
    note = next(i for i in range(panel.list.count()) if "note.txt" in rows[i])
    panel.list.setCurrentRow(note)
    assert panel.view_button.isEnabled()


def test_the_7_2_4_warning_comes_first_on_a_concern_about_staff(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path, modals: Modals
) -> None:
    reference = a_case(school, "cyberbullying-staff", tmp_path)
    dana = desk.sign_in("Dana DSL")
    opened: list[bool] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(AddEvidenceDialog, "launch", lambda self: opened.append(True) or True)
        screenshot = [PendingSource("abuse.png", data=corpus.png())]
        assert not start_adding(dana, None, reference, screenshot)  # "No" is the default
        title, text = modals.notices[-1]
        assert title.endswith("Before you add evidence") and "indecent images of children" in text
        assert opened == []
        modals.answers.append(QMessageBox.StandardButton.Yes)
        assert start_adding(dana, None, reference, screenshot)
        assert opened == [True]
