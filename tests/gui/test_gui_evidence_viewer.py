"""The Evidence tab and the viewer, through real widgets on a real vault: items listed with
thumbnails decoded in memory, every recorded fact and the chain of custody, the viewer's zoom,
"Save a copy…" (byte for byte, recorded), tampered evidence refused in plain words, locking,
who sees what, the indecent-images guidance, and the routes in (buttons, paste, drop)."""

from __future__ import annotations

import hashlib
import io
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from case_views_support import LOAD_MS, Desk, lock, sqlite_only, unnamed_controls
from PIL import Image
from PySide6.QtCore import QAbstractListModel, QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from safelog.evidence import corpus
from safelog.gui.evidence import add_dialog as add_dialog_module
from safelog.gui.evidence import viewer as viewer_module
from safelog.gui.evidence.details import EvidenceDetails
from safelog.gui.evidence.panel import EvidencePanel
from safelog.gui.evidence.picture import ImageProblem, decode_image
from safelog.gui.evidence.viewer import COPY_WARNING, EvidenceViewer
from safelog.gui.workspace import CaseWorkspace
from safelog.vault.audit_view import case_audit
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.evidence import add_evidence, record_image_report
from safelog.vault.evidence_custody import evidence_custody
from safelog.vault.evidence_reading import EvidenceItem, list_case_evidence
from safelog.vault.workspace import set_status

pytestmark = sqlite_only

UKCIS_RULE = "never view, copy, print, share, store or save"


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def png_of(width: int, height: int, seed: int = 1) -> bytes:
    out = io.BytesIO()
    corpus.screenshot(width, height, seed).save(out, "PNG")
    return out.getvalue()


def jpeg_of(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def shown_text(root: QWidget) -> str:
    """Every piece of text a person could read in this widget, lists included
    (case_views_support.shown_text asks every model for columnCount(), which PySide6 makes
    private on a QAbstractListModel, the model of a QListWidget)."""
    parts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
            for row in range(model.rowCount()):
                for column in range(columns):
                    value = model.index(row, column).data(Qt.ItemDataRole.DisplayRole)
                    if value:
                        parts.append(str(value))
    return "\n".join(p for p in parts if p)


def report(session: Any, category: str = "cyberbullying-pupil", **extra: Any) -> str:
    return str(
        add_case(
            session,
            CaseInput.from_json(
                {
                    "category": category,
                    "summary": "Messages in a group chat",
                    "description": "What the pupil told me.",
                    **extra,
                }
            ),
        )
    )


@pytest.fixture
def evidence_case(school: Any, tmp_path: Path) -> dict[str, Any]:
    """A case reported by Sam, with evidence of every kind added by Dana, and the same
    screenshot added again by Dana (Sam cannot add once Dana has opened it: DESIGN §3.5)."""
    sam = school.unlock("Sam Staff")
    reference = report(sam)
    files = tmp_path / "files"
    screenshot = png_of(2400, 1600)
    ids = {}
    dana = school.unlock("Dana DSL")
    ids["screenshot"] = add_evidence(
        dana,
        reference,
        write(files, "chat <b>screen.png", screenshot),
        source_url="https://example.invalid/p/123?<script>",
        platform="Instagram",
        handle="@someone_unkind",
        description="Comments under Amy's post",
        seen_at="2026-11-19T18:30:00+00:00",
    )
    ids["photo"] = add_evidence(dana, reference, write(files, "photo.jpg", jpeg_of(300, 200)))
    ids["letter"] = add_evidence(dana, reference, write(files, "letter.pdf", corpus.pdf()))
    ids["log"] = add_evidence(dana, reference, write(files, "log.txt", corpus.text()))
    ids["broken"] = add_evidence(dana, reference, write(files, "broken.png", corpus.corrupt_png()))
    again = add_evidence(dana, reference, write(files, "same again.png", screenshot))
    assert again == ids["screenshot"]
    dana.lock()
    sam.lock()
    return {"reference": reference, "ids": ids, "screenshot": screenshot}


def open_workspace(qtbot: QtBot, context: Any, reference: str) -> CaseWorkspace:
    workspace = CaseWorkspace(context)
    qtbot.addWidget(workspace)
    workspace.resize(1280, 860)
    workspace.show()
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        workspace.load(reference)
    return workspace


def evidence_tab(qtbot: QtBot, workspace: CaseWorkspace) -> EvidencePanel:
    panel = workspace.evidence_panel
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_MS):
        workspace.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.rules is not None and not panel.loader.loading, timeout=LOAD_MS)
    return panel


def list_texts(panel: EvidencePanel) -> list[str]:
    return [panel.list.item(i).text() for i in range(panel.list.count())]


def custody_shows(qtbot: QtBot, details: EvidenceDetails, words: str) -> None:
    qtbot.waitUntil(lambda: any(words in line for line in details.custody_lines), timeout=LOAD_MS)


def open_viewer(qtbot: QtBot, panel: EvidencePanel, evidence_id: str) -> EvidenceViewer:
    assert panel.select(evidence_id)
    viewer = panel.view_current()
    assert viewer is not None
    qtbot.waitUntil(
        lambda: bool(viewer.image is not None or viewer.problem or viewer.details.evidence_id),
        timeout=LOAD_MS,
    )
    # Shown and laid out: a resize still to come would fit the picture again under a test
    # that has read the fitted scale (seen once on a loaded machine).
    qtbot.waitExposed(viewer)
    QApplication.processEvents()
    return viewer


# --------------------------------------------------------------------------------------
# The tab and the details.
# --------------------------------------------------------------------------------------


def test_the_tab_lists_every_item_with_thumbnails_and_every_recorded_fact(
    qtbot: QtBot, desk: Desk, school: Any, evidence_case: dict[str, Any]
) -> None:
    reference, ids = evidence_case["reference"], evidence_case["ids"]
    dana = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dana, reference)
    index = workspace.tabs.indexOf(workspace.evidence_panel)
    assert index == workspace.tabs.indexOf(workspace.chronology_panel) + 1
    assert workspace.tabs.tabText(index) == "Evidence (5)"
    # Thumbnails are read (an audited listing) only once the tab is on screen.
    listings = [e for e in case_audit(dana.session, reference) if e.action == "case.evidence-list"]
    assert listings == []
    panel = evidence_tab(qtbot, workspace)
    assert unnamed_controls(panel) == []

    texts = list_texts(panel)
    assert len(texts) == 5
    assert texts[0].splitlines()[0] == "chat <b>screen.png"
    assert "PNG image" in texts[0] and "Instagram" in texts[0]
    assert "Captured 20/11/2026 10:00" in texts[0]  # UK time (GMT in November)
    assert "added again 1 time" in texts[0]
    assert "PDF document" in texts[2]
    assert "text" in texts[3]
    assert "PNG image: could not be shown" in texts[4]
    # Thumbnails for the pictures that could be decoded; a tile for the rest.
    assert set(panel._thumbnails) == {ids["screenshot"], ids["photo"]}
    assert not panel.list.item(2).icon().isNull()  # the PDF's tile
    listings = [e for e in case_audit(dana.session, reference) if e.action == "case.evidence-list"]
    assert len(listings) == 1 and listings[0].details["thumbnails"] is True

    # Details of the selected item: every fact recorded with it.
    assert panel.select(ids["screenshot"])
    details = panel.details
    sha = hashlib.sha256(evidence_case["screenshot"]).hexdigest()
    assert details.value("SHA-256") == sha
    assert details.value("File name") == "chat <b>screen.png"
    assert details.value("Original file name") == "chat <b>screen.png"
    assert details.value("Platform") == "Instagram"
    assert details.value("Web address (not a link)") == "https://example.invalid/p/123?<script>"
    assert details.value("Account handle") == "@someone_unkind"
    assert details.value("When it was seen") == "19/11/2026 18:30"
    assert details.value("Captured or imported (UK time)") == "20/11/2026 10:00"
    assert details.value("Captured or imported (UTC)").endswith("UTC")
    assert "(UTC" in details.value("Captured or imported (that computer's clock)")
    assert details.value("Added by") == "Dana DSL"
    assert details.value("Device")
    assert details.value("Picture size") == "2,400 x 1,600 pixels"
    assert details.value("Description") == "Comments under Amy's post"
    assert "Added again by Dana DSL" in details.value("Added again")
    assert "same again.png" in details.value("Added again")
    for label in details.findChildren(QLabel):  # what people typed is never rich text
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert not label.openExternalLinks()
    custody_shows(qtbot, details, "Dana DSL: added")
    custody_shows(qtbot, details, "Dana DSL: added again (the same file)")
    custody_shows(qtbot, details, "Dana DSL: listed")

    assert panel.select(ids["broken"])
    assert "could not be shown" in details.value("Notes")
    assert "could not be shown" in details.value("Type")


def test_the_viewer_opens_at_fit_zooms_and_its_view_is_in_the_custody(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any]
) -> None:
    reference, ids = evidence_case["reference"], evidence_case["ids"]
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, reference))
    viewer = open_viewer(qtbot, panel, ids["screenshot"])
    assert viewer.windowTitle() == "Evidence"
    assert viewer.image is not None
    assert (viewer.image.width(), viewer.image.height()) == (2400, 1600)
    assert viewer.stack.currentWidget() is viewer.picture_area
    assert unnamed_controls(viewer) == []
    # Fit to window by default: a picture larger than the window is shrunk.
    assert viewer.fit and viewer.fit_button.isChecked()
    fit = viewer.scale
    assert fit < 1
    assert viewer.zoom_text() == f"{round(fit * 100)}%"
    canvas = viewer.canvas
    assert canvas.width() <= viewer.picture_area.viewport().width()

    qtbot.keyClick(viewer, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.scale == pytest.approx(fit * 1.25)
    assert not viewer.fit
    qtbot.keyClick(viewer, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(viewer, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.scale == pytest.approx(fit / 1.25)
    qtbot.keyClick(viewer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.scale == 1.0 and viewer.zoom_text() == "100%"
    assert (canvas.width(), canvas.height()) == (2400, 1600)
    # Ctrl and the wheel zoom; the wheel alone does not.
    wheel = QWheelEvent(
        QPointF(10, 10), QPointF(10, 10), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    viewer.picture_area.wheelEvent(wheel)
    assert viewer.scale == pytest.approx(1.25)
    assert viewer.zoom_text() == "125%"
    plain = QWheelEvent(
        QPointF(10, 10), QPointF(10, 10), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    viewer.picture_area.wheelEvent(plain)
    assert viewer.scale == pytest.approx(1.25)
    qtbot.mouseClick(viewer.fit_button, Qt.MouseButton.LeftButton)
    assert viewer.scale == pytest.approx(fit) and viewer.fit

    # The view is audited and shows in the item's chain of custody.
    custody = evidence_custody(dana.session, reference, ids["screenshot"])
    assert "evidence.view" in [e.action for e in custody]
    custody_shows(qtbot, panel.details, "Dana DSL: viewed")

    # A small picture is not blown up past its real size.
    viewer.close()
    small = open_viewer(qtbot, panel, ids["photo"])
    assert small.scale == 1.0 and small.zoom_text() == "100%"


def test_a_file_safelog_does_not_open_shows_its_details_and_offers_a_copy(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    reference, ids = evidence_case["reference"], evidence_case["ids"]
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, reference))
    viewer = open_viewer(qtbot, panel, ids["letter"])
    assert viewer.stack.currentWidget() is viewer.details
    assert viewer.image is None
    assert "does not open this kind of file" in viewer.notice.text()
    assert not viewer.zoom_in_button.isVisibleTo(viewer)
    assert viewer.details.value("Type").startswith("PDF document")
    # Nothing was read, so nothing was viewed.
    custody = evidence_custody(dana.session, reference, ids["letter"])
    assert "evidence.view" not in [e.action for e in custody]

    target = tmp_path / "out" / "letter copy.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(viewer_module, "choose_copy_path", lambda _parent, _name: target)
    qtbot.mouseClick(viewer.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.notice.text().startswith("A copy was saved"), timeout=LOAD_MS)
    assert target.read_bytes() == corpus.pdf()
    custody_shows(qtbot, viewer.details, "Dana DSL: extracted")


def test_saving_a_copy_writes_the_original_byte_for_byte_and_is_recorded(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    reference, ids = evidence_case["reference"], evidence_case["ids"]
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, reference))
    assert panel.select(ids["screenshot"])
    target = tmp_path / "chosen" / "copy.png"
    target.parent.mkdir()
    asked = []

    def choose(_parent: Any, suggested: str) -> Path:
        asked.append(suggested)
        return target

    monkeypatch.setattr(viewer_module, "choose_copy_path", choose)
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(panel.notice.text()), timeout=LOAD_MS)
    assert asked == ["chat <b>screen.png"]  # the safe name is suggested
    data = target.read_bytes()
    original = hashlib.sha256(evidence_case["screenshot"]).hexdigest()
    assert hashlib.sha256(data).hexdigest() == original
    assert str(target) in panel.notice.text()
    assert "not encrypted" in panel.notice.text()
    assert "recorded" in panel.notice.text()
    custody_shows(qtbot, panel.details, "Dana DSL: extracted")
    assert "evidence.extract" in [
        e.action for e in evidence_custody(dana.session, reference, ids["screenshot"])
    ]
    # The vault never overwrites: asked again for the same place, it says so plainly.
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.error.isVisible(), timeout=LOAD_MS)
    assert "already exists" in panel.error.text()
    assert target.read_bytes() == data
    # Cancelling the question does nothing.
    monkeypatch.setattr(viewer_module, "choose_copy_path", lambda _p, _n: None)
    assert panel.save_copy() is False


def test_the_save_question_is_qt_s_own_dialog_with_the_warning(
    qtbot: QtBot, qapp: Any, monkeypatch: Any, db_url: str
) -> None:
    seen: dict[str, Any] = {}

    def fake_exec(dialog: QFileDialog) -> int:
        seen["native"] = not dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        seen["save"] = dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
        seen["labels"] = [label.text() for label in dialog.findChildren(QLabel)]
        seen["history"] = dialog.history()
        seen["directory"] = dialog.directory().absolutePath()
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(QFileDialog, "exec", fake_exec)
    assert viewer_module.choose_copy_path(None, "evidence.png") is None
    assert seen["native"] is False and seen["save"] is True
    assert COPY_WARNING in seen["labels"]
    assert seen["history"] == [seen["directory"]]  # no folders visited before
    # Qt's memory of folders visited is wiped afterwards (no trail of where copies went).
    settings = QSettings(QSettings.Scope.UserScope, "QtProject")
    assert settings.value("FileDialog/history") is None
    assert settings.value("FileDialog/lastVisited") is None


# --------------------------------------------------------------------------------------
# Damage, limits and locking.
# --------------------------------------------------------------------------------------


def test_tampered_evidence_is_refused_plainly_and_no_copy_is_left(
    qtbot: QtBot,
    desk: Desk,
    evidence_case: dict[str, Any],
    data_dir: Path,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    reference, ids = evidence_case["reference"], evidence_case["ids"]
    stored = data_dir / "evidence" / ids["screenshot"]
    blob = bytearray(stored.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    stored.write_bytes(bytes(blob))
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, reference))
    viewer = open_viewer(qtbot, panel, ids["screenshot"])
    assert viewer.image is None
    assert viewer.stack.currentWidget() is viewer.message_page
    message = viewer.message.text()
    assert "altered or damaged" in message
    assert "Traceback" not in message
    assert not viewer.zoom_in_button.isVisibleTo(viewer)

    target = tmp_path / "copy.png"
    monkeypatch.setattr(viewer_module, "choose_copy_path", lambda _p, _n: target)
    qtbot.mouseClick(viewer.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.error.isVisible(), timeout=LOAD_MS)
    assert "The copy was not saved" in viewer.error.text()
    assert "altered or damaged" in viewer.error.text()
    assert not target.exists()
    assert list(tmp_path.glob("copy*")) == []
    # The same from the tab.
    viewer.close()
    assert panel.select(ids["screenshot"])
    panel.save_copy()
    qtbot.waitUntil(lambda: panel.error.isVisible(), timeout=LOAD_MS)
    assert "altered or damaged" in panel.error.text()
    assert not target.exists()


def test_a_picture_larger_than_the_vault_allows_is_not_decoded(qapp: Any, db_url: str) -> None:
    with pytest.raises(ImageProblem, match="more than SafeLog will show"):
        decode_image(corpus.png_bomb(), "image/png")
    with pytest.raises(ImageProblem, match="could not be shown"):
        decode_image(corpus.corrupt_png()[:200], "image/png")
    with pytest.raises(ImageProblem, match="does not open this kind"):
        decode_image(corpus.pdf(), "application/pdf")
    image = decode_image(png_of(64, 48), "image/png")
    assert (image.width(), image.height()) == (64, 48)


def test_locking_clears_the_tab_and_closes_the_viewer(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any]
) -> None:
    reference, ids = evidence_case["reference"], evidence_case["ids"]
    dana = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dana, reference)
    panel = evidence_tab(qtbot, workspace)
    viewer = open_viewer(qtbot, panel, ids["screenshot"])
    assert viewer.isVisible() and viewer.image is not None
    lock(dana)
    assert viewer.image is None and viewer.canvas.pixmap is None
    assert not shiboken6.isValid(viewer) or not viewer.isVisible()
    assert panel._thumbnails == {} and panel.items == [] and panel.list.count() == 0
    assert panel.details.evidence_id == "" and panel.details.value("SHA-256") == ""
    assert panel.viewers == []
    assert "chat <b>screen.png" not in shown_text(workspace)
    assert "Instagram" not in shown_text(workspace)


# --------------------------------------------------------------------------------------
# Who sees what.
# --------------------------------------------------------------------------------------


def test_staff_see_only_the_evidence_they_added_to_their_own_report(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    # Sam adds to his report while nobody handles it yet (DESIGN §3.5: not after).
    sam_session = school.unlock("Sam Staff")
    reference = report(sam_session)
    add_evidence(sam_session, reference, write(tmp_path, "my notes.txt", b"What Amy said.\n"))
    sam_session.lock()
    sam = desk.sign_in("Sam Staff")
    workspace = open_workspace(qtbot, sam, reference)
    assert workspace.stack.currentWidget() is workspace.staff_page
    panel = workspace.staff_evidence
    assert workspace.staff_tabs.tabText(1) == "Evidence (1)"
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_MS):
        workspace.staff_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.rules is not None and not panel.loader.loading, timeout=LOAD_MS)
    assert [t.splitlines()[0] for t in list_texts(panel)] == ["my notes.txt"]
    # The report is still new: the person who made it may add to it.
    assert panel.add_button.isEnabled() and not panel.reason.isVisible()

    # Dana opens it and adds her own files: none of that reaches Sam's screen, and he is
    # told plainly that the report is being handled.
    dana = school.unlock("Dana DSL")
    add_evidence(dana, reference, write(tmp_path, "chat <b>screen.png", png_of(640, 400)))
    add_evidence(dana, reference, write(tmp_path, "letter.pdf", corpus.pdf()))
    dana.lock()
    with qtbot.waitSignals([workspace.loaded, panel.loaded], timeout=LOAD_MS):
        workspace.reload()
    qtbot.waitUntil(lambda: panel.rules is not None and not panel.loader.loading, timeout=LOAD_MS)
    assert workspace.stack.currentWidget() is workspace.staff_page
    assert "Messages in a group chat" in shown_text(workspace.staff_summary)
    text = shown_text(workspace)
    for dsl_file in ("chat <b>screen.png", "letter.pdf"):
        assert dsl_file not in text
    assert panel._thumbnails == {}  # the DSL's pictures never reach this screen
    assert "now being handled" in panel.empty.text()
    assert not panel.add_button.isEnabled()
    assert panel.reason.isVisible() and "is now being handled" in panel.reason.text()

    # Another member of staff cannot open it at all.
    tess = desk.sign_in("Tess Teacher")
    refused = CaseWorkspace(tess, None, reference)
    qtbot.addWidget(refused)
    refused.show()
    qtbot.waitUntil(lambda: "could not be opened" in refused.message.text(), timeout=LOAD_MS)
    assert "my notes.txt" not in shown_text(refused)
    assert "Messages in a group chat" not in shown_text(refused)


def test_once_the_report_is_being_handled_the_reporter_is_told_why_they_cannot_add(
    qtbot: QtBot, desk: Desk, school: Any, evidence_case: dict[str, Any]
) -> None:
    reference = evidence_case["reference"]
    dana = school.unlock("Dana DSL")
    set_status(dana, reference, "open")
    dana.lock()
    sam = desk.sign_in("Sam Staff")
    workspace = open_workspace(qtbot, sam, reference)
    panel = workspace.staff_evidence
    workspace.staff_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.rules is not None, timeout=LOAD_MS)
    for button in (panel.add_button, panel.paste_button, panel.capture_button):
        assert not button.isEnabled()
    assert panel.reason.isVisible()
    assert "tell your DSL" in panel.reason.text()
    assert panel.paste() is False
    assert "tell your DSL" in panel.error.text()


def test_a_report_handled_while_open_on_the_reporters_screen_refuses_in_plain_words(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam_session = school.unlock("Sam Staff")
    reference = report(sam_session)
    sam_session.lock()
    sam = desk.sign_in("Sam Staff")
    workspace = open_workspace(qtbot, sam, reference)
    panel = workspace.staff_evidence
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_MS):
        workspace.staff_tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.rules is not None and not panel.loader.loading, timeout=LOAD_MS)
    assert panel.add_button.isEnabled()

    # Dana opens the report while it is still on Sam's screen; then Sam pastes a screenshot.
    dana = school.unlock("Dana DSL")
    show_case(dana, reference)
    dana.lock()
    told: list[tuple[str, str]] = []
    monkeypatch.setattr(
        add_dialog_module, "tell", lambda _parent, title, text, **_kw: told.append((title, text))
    )
    QApplication.clipboard().setImage(QImage.fromData(png_of(320, 200)))
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_MS):
        assert panel.paste() is False
    assert told == [
        (
            "Cannot add evidence",
            f"Report {reference} is now being handled, so you cannot add to it; tell your DSL "
            "about anything new, or make a new report.",
        )
    ]
    assert not panel.add_button.isEnabled() and not panel.paste_button.isEnabled()
    assert panel.reason.isVisible() and "is now being handled" in panel.reason.text()


def test_the_headteacher_cannot_open_evidence_on_a_case_about_themselves(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    tess = school.unlock("Tess Teacher")
    reference = report(tess, "staff-online-conduct", subjects=["Hugh Head"])
    tess.lock()
    chris = school.unlock("Chris Chair")
    add_evidence(chris, reference, write(tmp_path, "page.png", png_of(320, 200)))
    [item] = list_case_evidence(chris, reference)
    chris.lock()
    head = desk.sign_in("Hugh Head")
    viewer = EvidenceViewer(head, reference, EvidenceItem(item.info))
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: bool(viewer.problem), timeout=LOAD_MS)
    assert viewer.image is None
    assert "do not have access" in viewer.message.text()
    assert "Traceback" not in viewer.message.text()
    assert viewer.windowTitle() == "Evidence"


def test_images_blocked_categories_show_the_guidance_and_the_reports_recorded(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    dana_session = school.unlock("Dana DSL")
    reference = report(dana_session, "nudes-sharing")
    record_image_report(
        dana_session,
        reference,
        "A Year 9 pupil said a picture of her was shared in a group chat.",
        informed="Dana DSL, in person",
        informed_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )
    record_image_report(
        dana_session, reference, "Police told; they took the phone.", "PC Smith", None, "CR/123/26"
    )
    add_evidence(dana_session, reference, write(tmp_path, "statement.txt", b"Her words.\n"))
    dana_session.lock()
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, reference))
    assert panel.banner.isVisible()
    assert UKCIS_RULE in panel.banner.text().lower()
    assert panel.add_button.isEnabled()  # words and documents are still evidence
    assert not panel.capture_button.isEnabled()  # a screen capture is a picture
    assert panel.capture_screen("screen") is False
    assert panel.reports_box.isVisible()
    table = panel.reports_table
    assert table.rowCount() == 2
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert rows[0][:4] == [
        "A Year 9 pupil said a picture of her was shared in a group chat.",
        "Dana DSL, in person",
        "20/11/2026 09:30",
        "None given",
    ]
    assert rows[1][1] == "PC Smith" and rows[1][3] == "CR/123/26"
    assert rows[1][4].startswith("Dana DSL")


def test_other_categories_show_no_guidance_banner(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any]
) -> None:
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, evidence_case["reference"]))
    assert not panel.banner.isVisible()
    assert not panel.reports_box.isVisible()
    assert panel.capture_button.isEnabled()


# --------------------------------------------------------------------------------------
# The routes in: buttons, paste, drop and capture all go to the add dialog.
# --------------------------------------------------------------------------------------


def replace_in_module(monkeypatch: Any, module: str, name: str, value: Any) -> None:
    """Patch a function of the intake modules; a stand-in module while one is unfinished."""
    try:
        __import__(module)
    except ImportError:
        monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    monkeypatch.setattr(sys.modules[module], name, value, raising=False)


def test_buttons_paste_drop_and_capture_route_to_the_add_dialog(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    from safelog.gui.evidence.sources import PendingSource

    reference = evidence_case["reference"]
    dana = desk.sign_in("Dana DSL")
    panel = evidence_tab(qtbot, open_workspace(qtbot, dana, reference))
    calls: list[tuple[Any, Any, str, list[Any]]] = []

    def fake_start(context: Any, parent: Any, ref: str, sources: list[Any]) -> bool:
        calls.append((context, parent, ref, list(sources)))
        return True

    picked = [PendingSource("a.txt", tmp_path / "a.txt", None)]
    pasted = [PendingSource("Pasted picture.png", None, b"\x89PNG...")]
    dropped = [
        PendingSource("one.pdf", tmp_path / "one.pdf", None),
        PendingSource("two.pdf", tmp_path / "two.pdf", None),
    ]
    captured = PendingSource("Screen capture.png", None, b"\x89PNG...")
    modes: list[str] = []

    def fake_capture(_parent: Any, mode: str, clock: Any = None) -> Any:
        modes.append(mode)
        return captured

    replace_in_module(monkeypatch, "safelog.gui.evidence.add_dialog", "start_adding", fake_start)
    replace_in_module(monkeypatch, "safelog.gui.evidence.sources", "pick_files", lambda _p: picked)
    replace_in_module(
        monkeypatch, "safelog.gui.evidence.sources", "sources_from_clipboard", lambda _clock: pasted
    )
    replace_in_module(
        monkeypatch, "safelog.gui.evidence.sources", "sources_from_mime", lambda _m, _c: dropped
    )
    replace_in_module(monkeypatch, "safelog.gui.evidence.sources", "accepts", lambda _m: True)
    replace_in_module(monkeypatch, "safelog.gui.evidence.capture", "capture", fake_capture)

    # "Add files…", and the case is loaded again afterwards.
    with qtbot.waitSignal(dana.events.cases_changed, timeout=LOAD_MS) as changed:
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert changed.args == [reference]
    assert calls[-1] == (dana, panel, reference, picked)
    # Ctrl+V anywhere on the tab.
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert calls[-1][3] == pasted
    qtbot.mouseClick(panel.paste_button, Qt.MouseButton.LeftButton)
    assert calls[-1][3] == pasted
    # Several files dropped at once.
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(s.path)) for s in dropped])
    enter = QDragEnterEvent(
        QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    panel.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    panel.dropEvent(drop)
    assert calls[-1][3] == dropped
    # Capture: whole screen, a window, a region.
    for mode in ("screen", "window", "region"):
        panel.capture_actions[mode].trigger()
        assert modes[-1] == mode
        assert calls[-1][3] == [captured]
    assert len(calls) == 7

    # When the add dialog has already said the case changed, it is not said twice.
    def announcing_start(context: Any, _parent: Any, ref: str, _sources: list[Any]) -> bool:
        context.events.cases_changed.emit(ref)
        return True

    monkeypatch.setattr(
        sys.modules["safelog.gui.evidence.add_dialog"], "start_adding", announcing_start
    )
    seen: list[str] = []
    record = seen.append
    dana.events.cases_changed.connect(record)
    assert panel.add_files() is True
    assert seen == [reference]  # once, by the dialog
    dana.events.cases_changed.disconnect(record)
    # Nothing added: no reload asked for; a refused drag is not accepted.
    monkeypatch.setattr(sys.modules["safelog.gui.evidence.add_dialog"], "start_adding",
                        lambda *_a: False)  # fmt: skip
    with qtbot.assertNotEmitted(dana.events.cases_changed):
        assert panel.add_files() is False
    replace_in_module(monkeypatch, "safelog.gui.evidence.sources", "accepts", lambda _m: False)
    refused = QDragEnterEvent(
        QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    panel.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_a_dropped_file_goes_through_the_real_add_dialog_into_the_tab(
    qtbot: QtBot, desk: Desk, evidence_case: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """No stand-ins: the drop is read by sources.py, start_adding asks the vault and opens the
    add dialog, the dialog imports, and the tab shows the new item with its thumbnail."""
    from safelog.gui.evidence.add_dialog import AddEvidenceDialog

    reference = evidence_case["reference"]
    dana = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dana, reference)
    panel = evidence_tab(qtbot, workspace)
    dropped = write(tmp_path / "drop", "new screenshot.png", png_of(500, 300, seed=9))

    def launch(dialog: AddEvidenceDialog) -> bool:
        dialog.show()
        qtbot.waitUntil(dialog.add_button.isEnabled, timeout=LOAD_MS)
        with qtbot.waitSignal(dialog.settled, timeout=LOAD_MS):
            qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        dialog.forget()
        return dialog.total_added > 0

    monkeypatch.setattr(AddEvidenceDialog, "launch", launch)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    enter = QDragEnterEvent(
        QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    panel.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    with qtbot.waitSignal(workspace.loaded, timeout=LOAD_MS):
        panel.dropEvent(drop)
    qtbot.waitUntil(lambda: panel.list.count() == 6, timeout=LOAD_MS)
    assert workspace.tabs.tabText(workspace.tabs.indexOf(panel)) == "Evidence (6)"
    [new] = [e for e in panel.items if e.info.file_name == "new screenshot.png"]
    qtbot.waitUntil(lambda: new.info.id in panel._thumbnails, timeout=LOAD_MS)
    assert panel.select(new.info.id)
    expected = hashlib.sha256(dropped.read_bytes()).hexdigest()
    assert panel.details.value("SHA-256") == expected
