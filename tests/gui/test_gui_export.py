"""Exporting a case file and checking one, through the real dialogs on a real vault: the DSL
exports from the workspace, cancelling leaves nothing behind, a headteacher is refused a
concern about themselves in plain words, and the check tells a good file from a changed one."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, shown_text, sqlite_only, unnamed_controls
from gui_support import modals  # noqa: F401  (autouse: no modal box may hang the run)
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget
from pytestqt.qtbot import QtBot

from safelog.export.verify import verify_case_file
from safelog.gui.export_dialog import ExportDialog
from safelog.gui.main_window import MainWindow
from safelog.gui.verify_dialog import VerifyDialog
from safelog.gui.workspace import CaseWorkspace
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence
from safelog.vault.export import export_case

pytestmark = sqlite_only

REPORT = {
    "category": "cyberbullying-pupil",
    "summary": "Comments under a video",
    "description": "Year 8 pupils posted comments; Ben Pupil was named.",
    "people": [
        {"name": "Amy Patel", "kind": "pupil", "role": "victim"},
        {"name": "Ben Pupil", "kind": "pupil", "role": "witness"},
    ],
}
ABOUT_HEAD = {
    "category": "staff-online-conduct",
    "summary": "Messages from the head to a pupil",
    "description": "A parent reports private messages sent by the headteacher to a pupil.",
    "subjects": ["Hugh Head"],
}


@pytest.fixture(autouse=True)
def _no_timestamp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFELOG_TSA_URL", raising=False)


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


@pytest.fixture
def reported(school: Any, tmp_path: Path) -> str:
    dsl = school.unlock("Dana DSL")
    reference = add_case(dsl, CaseInput.from_json(REPORT))
    shot = tmp_path / "shot.png"
    Image.new("RGB", (320, 200), (40, 60, 120)).save(shot)
    add_evidence(dsl, reference, shot)
    dsl.lock()
    return str(reference)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    def fake(*args: Any, **kwargs: Any) -> tuple[str, str]:
        calls.append((*args, kwargs))
        return str(path), "PDF files (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return calls


def export_dialog(qtbot: QtBot, context: Any, reference: str) -> ExportDialog:
    dialog = ExportDialog(context, reference)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def school_ca(context: Any) -> bytes:
    return bytes(context.session.directory.ca_der)


def test_the_dsl_exports_a_case_that_checks_out(
    qtbot: QtBot, desk: Desk, reported: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsl = desk.sign_in("Dana DSL")

    # The workspace header offers the export to the DSL, and opens the dialog.
    workspace = CaseWorkspace(dsl)
    qtbot.addWidget(workspace)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reported)
    assert workspace.export_button.isVisible()
    launched: list[str] = []

    def fake_launch(self: ExportDialog) -> None:
        launched.append(self.reference)

    with monkeypatch.context() as patch:  # the real launch would block in exec()
        patch.setattr(ExportDialog, "launch", fake_launch)
        qtbot.mouseClick(workspace.export_button, Qt.MouseButton.LeftButton)
    assert launched == [reported]

    out = out_dir / "case.pdf"
    calls = save_as(monkeypatch, out)
    dialog = export_dialog(qtbot, dsl, reported)
    assert dialog.windowTitle() == "Export case file"
    assert unnamed_controls(dialog) == []
    assert "not stored anywhere" in shown_text(dialog)
    dialog.pseudonymise.setChecked(True)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    # The suggestion is <reference>.pdf, and Qt's own dialog (no system "recent files").
    assert calls and calls[0][2].endswith(f"{reported}.pdf")
    assert calls[0][-1]["options"] == QFileDialog.Option.DontUseNativeDialog
    qtbot.waitUntil(dialog.sha_line.isVisible, timeout=LOAD_MS)
    assert dialog.error.isHidden(), dialog.error.text()
    assert "pages" in dialog.result_line.text()
    assert "1 original file attached" in dialog.result_line.text()
    assert "without a trusted timestamp" in dialog.result_line.text()
    assert out.exists() and dialog.written == out
    import hashlib

    assert dialog.sha_line.text() == f"SHA-256: {hashlib.sha256(out.read_bytes()).hexdigest()}"
    assert sorted(p.name for p in out_dir.iterdir()) == ["case.pdf"]  # no .partial
    report = verify_case_file(out, school_ca(dsl))
    assert report.ok, report.lines


def test_cancelling_mid_export_leaves_no_file(
    qtbot: QtBot, desk: Desk, reported: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.export import casefile

    started, release = threading.Event(), threading.Event()
    real_render = casefile.render_case_file

    def slow_render(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(timeout=30)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(casefile, "render_case_file", slow_render)
    dsl = desk.sign_in("Dana DSL")
    save_as(monkeypatch, out_dir / "case.pdf")
    dialog = export_dialog(qtbot, dsl, reported)
    try:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(started.is_set, timeout=LOAD_MS)
        assert dialog.running and dialog.progress.isVisible()
        assert not dialog.export_button.isEnabled()
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    finally:
        release.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=LOAD_MS)
    assert "cancelled" in dialog.error.text() and "No file was written" in dialog.error.text()
    assert dialog.written is None
    assert list(out_dir.iterdir()) == []  # neither the file nor a .partial
    assert dialog.export_button.isEnabled()  # and it can be tried again


def test_the_headteacher_is_refused_a_concern_about_themselves(
    qtbot: QtBot, desk: Desk, school: Any, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dsl = school.unlock("Dana DSL")
    reference = str(add_case(dsl, CaseInput.from_json(ABOUT_HEAD)))
    dsl.lock()
    head = desk.sign_in("Hugh Head")

    # The case does not even open for them, so no export button is shown...
    workspace = CaseWorkspace(head, None, reference)
    qtbot.addWidget(workspace)
    workspace.show()
    qtbot.waitUntil(lambda: "could not be opened" in workspace.message.text(), timeout=LOAD_MS)
    assert not workspace.export_button.isVisible()

    # ...and the dialog, if reached anyway, refuses in plain words.
    save_as(monkeypatch, out_dir / "head.pdf")
    dialog = export_dialog(qtbot, head, reference)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=LOAD_MS)
    assert "The case file was not made." in dialog.error.text()
    assert "do not have access" in dialog.error.text()
    assert "Messages from the head" not in shown_text(dialog)
    assert list(out_dir.iterdir()) == []


def test_check_a_case_file_tells_good_from_changed(
    qtbot: QtBot, desk: Desk, school: Any, reported: str, out_dir: Path
) -> None:
    exported = out_dir / "case.pdf"
    session = school.unlock("Dana DSL")
    export_case(session, reported, exported)
    session.lock()
    data = bytearray(exported.read_bytes())
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", data)
    assert match is not None
    data[int(match.group(2)) // 2] ^= 0x20  # one byte, in the middle of the signed bytes
    changed = out_dir / "changed.pdf"
    changed.write_bytes(bytes(data))

    sam = desk.sign_in("Sam Staff")  # everyone signed in may check a case file
    dialog = VerifyDialog(sam)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Check a case file"
    assert unnamed_controls(dialog) == []

    dialog.set_file(exported)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.verdict.isVisible, timeout=LOAD_MS)
    assert "The case file is signed, complete and unaltered" in dialog.verdict.text()
    assert dialog.verdict.property("ok") is True
    assert dialog.report is not None and dialog.report.ok
    assert dialog.report.ca_trusted_independently  # the school CA from the vault
    assert dialog.findings.toPlainText().count("•") == len(dialog.report.lines)

    dialog.set_file(changed)
    assert dialog.verdict.isHidden()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.verdict.isVisible, timeout=LOAD_MS)
    assert dialog.verdict.property("ok") is False
    assert dialog.report is not None and not dialog.report.ok
    assert dialog.report.summary in dialog.verdict.text()
    assert "unaltered" not in dialog.verdict.text()


class _Views:
    def view(self, kind: str, context: Any, parent: QWidget) -> QWidget:
        return QWidget(parent)

    def report_concern(self, context: Any, parent: QWidget) -> str | None:
        return None

    def workspace(self, context: Any, reference: str, parent: QWidget) -> QWidget:
        return QWidget(parent)


def test_the_main_window_offers_check_a_case_file(
    qtbot: QtBot, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(VerifyDialog, "launch", lambda self: shown.append(self.windowTitle()))
    staff = desk.sign_in("Sam Staff")
    window = MainWindow(staff, views=_Views())
    qtbot.addWidget(window)
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu) and menu.title() == "&SafeLog"
    assert window.verify_action in menu.actions()
    assert window.verify_action.isVisible()
    window.verify_action.trigger()
    assert shown == ["Check a case file"]


def test_the_dialog_keeps_its_shape_after_an_export(
    qtbot: QtBot, desk: Desk, reported: str, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: after an export the password fields were slivers and the SHA-256 cut off.
    Drawn with the app's style sheet, as people see it."""
    from gui_support import cut_off

    from safelog.gui.app import load_style_sheet

    dsl = desk.sign_in("Dana DSL")
    save_as(monkeypatch, out_dir / "case.pdf")
    dialog = ExportDialog(dsl, reported)
    qtbot.addWidget(dialog)
    dialog.setStyleSheet(load_style_sheet())
    dialog.show()
    qtbot.waitExposed(dialog)
    assert cut_off(dialog) == []
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.sha_line.isVisible, timeout=LOAD_MS)
    qtbot.waitUntil(lambda: cut_off(dialog) == [], timeout=2000)
    for field in (dialog.password, dialog.confirm):
        assert field.height() >= field.minimumSizeHint().height()
    sha = dialog.sha_line
    assert sha.width() >= sha.sizeHint().width(), "the SHA-256 is shown whole"
