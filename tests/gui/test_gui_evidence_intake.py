"""Evidence coming in through the desktop app, on a real vault with real widgets: paste (a
picture, copied files, text alone), drag and drop, the file picker (Qt's own, leaving no
recent-files trail), screen capture (SafeLog's windows hidden and always put back), the add
dialog with each item's outcome in plain words, the hostile corpus, and the indecent-images
rule (nothing kept; a record in words instead). Also the report form's "Screenshots and
files" section. Pasted bytes never reach a file."""

from __future__ import annotations

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811
import io
import os
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_views_support import (
    LOAD_MS,
    Desk,
    lock,
    open_workspace,
    shown_text,
    sqlite_only,
    unnamed_controls,
)
from gui_support import modals  # noqa: F401  (autouse: no modal box may hang the run)
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRect, QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from safelog.evidence import corpus
from safelog.gui.evidence import capture, image_report, sources
from safelog.gui.evidence.add_dialog import DUPLICATE, STOPPED, AddEvidenceDialog, start_adding
from safelog.gui.evidence.capture import RegionPicker
from safelog.gui.evidence.image_report import ImageReportDialog
from safelog.gui.evidence.sources import (
    TEXT_IS_NOT_EVIDENCE,
    EvidenceFileDialog,
    PendingSource,
    pick_files,
    sources_from_clipboard,
    sources_from_mime,
)
from safelog.gui.report_form import ReportConcernDialog
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.evidence_reading import list_case_evidence, read_evidence

UKCIS_RULE = "never view, copy, print, share, store or save"


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def new_case(school: Any, category: str = "cyberbullying-pupil") -> str:
    sam = school.unlock("Sam Staff")
    reference = add_case(
        sam,
        CaseInput.from_json(
            {
                "category": category,
                "summary": "Something seen online",
                "description": "What the pupil told me.",
            }
        ),
    )
    sam.lock()
    return str(reference)


def evidence_on(school: Any, reference: str) -> list[Any]:
    dsl = school.unlock("Dana DSL")
    try:
        return list_case_evidence(dsl, reference)
    finally:
        dsl.lock()


def content_of(school: Any, reference: str, evidence_id: str) -> bytes:
    dsl = school.unlock("Dana DSL")
    try:
        _info, chunks = read_evidence(dsl, reference, evidence_id)
        return b"".join(chunks)
    finally:
        dsl.lock()


def unique_png(seed: int | None = None, size: tuple[int, int] = (320, 200)) -> bytes:
    """A screenshot-like PNG with noise of its own, so its bytes occur nowhere else."""
    from PIL import Image

    picture = corpus.screenshot(*size, seed=seed or random.randrange(1 << 30))
    noise = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    picture.paste(noise, (8, 8))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def clipboard_has_picture() -> bool:
    mime = QGuiApplication.clipboard().mimeData()
    return mime is not None and mime.hasImage()


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def files_mime(*paths: Path | str) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl(p) if isinstance(p, str) else QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def open_dialog(
    qtbot: QtBot, context: Any, reference: str, items: list[PendingSource]
) -> AddEvidenceDialog:
    dialog = AddEvidenceDialog(context, reference, items)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def add_all(qtbot: QtBot, dialog: AddEvidenceDialog) -> None:
    with qtbot.waitSignal(dialog.settled, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)


def statuses(dialog: AddEvidenceDialog) -> list[str]:
    return [row.status.text() for row in dialog.rows]


def slices(data: bytes) -> list[bytes]:
    middle = len(data) // 2
    return [data[64:128], data[middle : middle + 64], data[-96:-32]]


def changed_files(root: Path, since: float) -> Iterator[Path]:
    for folder, _dirs, names in os.walk(root, onerror=lambda _e: None):
        for name in names:
            path = Path(folder) / name
            try:
                stat = path.lstat()
            except OSError:
                continue
            recent = stat.st_mtime >= since - 1 and stat.st_size <= 64 * 1024 * 1024
            if recent and path.is_file() and not path.is_symlink():
                yield path


def found_in(roots: list[Path], since: float, needles: list[bytes]) -> list[str]:
    hits = []
    for root in roots:
        for path in changed_files(root, since):
            try:
                content = path.read_bytes()
            except OSError:
                continue
            if any(n in content for n in needles):
                hits.append(str(path))
    return hits


# --------------------------------------------------------------------------------------------
# Paste


@sqlite_only
def test_a_pasted_picture_goes_in_from_memory_and_never_reaches_a_file(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path, data_dir: Path
) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    started = time.time()
    picture = QImage.fromData(unique_png())
    QGuiApplication.clipboard().setImage(picture)

    pasted = sources_from_clipboard(dana.clock)
    assert len(pasted) == 1
    item = pasted[0]
    assert item.path is None and item.data is not None and item.data.startswith(b"\x89PNG")
    assert item.name == "Pasted image 2026-11-20 10-00.png"  # the injected clock, UK time
    assert repr(item) == f"PendingSource(data, {len(item.data)} bytes)"  # no bytes, no name

    dialog = open_dialog(qtbot, dana, reference, pasted)
    assert unnamed_controls(dialog) == []
    wait_thumbnail(qtbot, dialog)
    assert "PNG image" in dialog.rows[0].detail.text()
    dialog.details_box.platform.setEditText("Snapchat")
    qtbot.keyClicks(dialog.details_box.handle, "@someone")
    qtbot.keyClicks(dialog.details_box.url, "https://www.snapchat.com/add/someone")
    qtbot.keyClicks(dialog.details_box.description, "Sent to the pupil on Friday night.")
    with qtbot.waitSignal(dialog.added, timeout=LOAD_MS) as added:
        add_all(qtbot, dialog)
    assert added.args == [1]
    assert statuses(dialog) == ["Added."]
    assert dialog.close_button.text() == "Close"

    [stored] = evidence_on(school, reference)
    assert stored.info.media_type == "image/png"
    assert stored.info.file_name == "Pasted image 2026-11-20 10-00.png"
    meta = stored.info.metadata
    assert meta["platform"] == "Snapchat"
    assert meta["handle"] == "@someone"
    assert meta["source_url"] == "https://www.snapchat.com/add/someone"
    assert meta["description"] == "Sent to the pupil on Friday night."
    assert meta["seen_at"].startswith("2026-11-20T10:00")
    assert content_of(school, reference, stored.info.id) == item.data

    # Nothing with the pasted bytes was written to the temporary folder, HOME or the data
    # folder (where the evidence is, encrypted).
    home = Path(os.environ["HOME"])
    roots = [Path(tempfile.gettempdir()), home, data_dir]
    assert found_in(roots, started, slices(item.data)) == []
    # The search finds what it looks for (a positive control, written after the check).
    write(tmp_path / "control", "control.bin", item.data)
    assert found_in([tmp_path / "control"], started, slices(item.data))

    dialog.close_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted


def wait_thumbnail(qtbot: QtBot, dialog: AddEvidenceDialog, row: int = 0) -> None:
    qtbot.waitUntil(lambda: not dialog.rows[row].thumbnail.pixmap().isNull(), timeout=LOAD_MS)


@sqlite_only
def test_pasted_copied_files_and_text_alone(
    qtbot: QtBot,
    desk: Desk,
    school: Any,
    tmp_path: Path,
    modals: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    chat = write(tmp_path / "copied", "chat.png", unique_png())
    letter = write(tmp_path / "copied", "letter.pdf", corpus.pdf())
    QGuiApplication.clipboard().setMimeData(files_mime(chat, letter))
    copied = sources_from_clipboard(dana.clock)
    assert [(s.name, s.path, s.data) for s in copied] == [
        ("chat.png", chat, None),
        ("letter.pdf", letter, None),
    ]

    added: list[int] = []

    def launch(self: AddEvidenceDialog) -> bool:
        self.show()
        self.added.connect(added.append)
        add_all(qtbot, self)
        assert statuses(self) == ["Added.", "Added."]
        self.forget()
        return self.total_added > 0

    monkeypatch.setattr(AddEvidenceDialog, "launch", launch)
    assert start_adding(dana, None, reference, copied)
    assert added == [2]
    assert sorted(e.info.file_name for e in evidence_on(school, reference)) == [
        "chat.png",
        "letter.pdf",
    ]

    # Text alone is not evidence, and saying so is the whole answer.
    text = QMimeData()
    text.setText("You're going to regret this")
    QGuiApplication.clipboard().setMimeData(text)
    pasted = sources_from_clipboard(dana.clock)
    assert [s.problem for s in pasted] == [TEXT_IS_NOT_EVIDENCE]
    assert not start_adding(dana, None, reference, pasted)
    assert modals.notices[-1] == ("SafeLog — Nothing added", TEXT_IS_NOT_EVIDENCE)
    assert "not kept as evidence" in TEXT_IS_NOT_EVIDENCE
    assert len(evidence_on(school, reference)) == 2


# --------------------------------------------------------------------------------------------
# Drag and drop


@sqlite_only
def test_several_dropped_files_with_a_folder_and_a_web_address(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    dropped = tmp_path / "dropped"
    files = [
        write(dropped, "one.png", unique_png()),
        write(dropped, "two.jpg", corpus.jpeg()),
        write(dropped, "voicemail.wav", corpus.wav()),
    ]
    folder = dropped / "Holiday photos"
    folder.mkdir()
    mime = files_mime(*files, folder, "https://example.com/posts/123.jpg")
    assert sources.accepts(mime)
    items = sources_from_mime(mime, dana.clock)
    assert [s.usable for s in items] == [True, True, True, False, False]
    assert "is a folder" in items[3].problem
    assert "web address" in items[4].problem and "Link field" in items[4].problem

    dialog = open_dialog(qtbot, dana, reference, items)
    assert dialog.add_button.text() == "&Add 3 items"
    shown = shown_text(dialog)
    assert "Holiday photos is a folder" in shown
    assert "123.jpg is a web address" in shown
    qtbot.waitUntil(lambda: "WAV audio" in dialog.rows[2].detail.text(), timeout=LOAD_MS)
    wait_thumbnail(qtbot, dialog, 0)
    wait_thumbnail(qtbot, dialog, 1)
    assert dialog.rows[2].thumbnail.pixmap().isNull()  # a sound has no picture
    add_all(qtbot, dialog)
    assert statuses(dialog)[:3] == ["Added.", "Added.", "Added."]
    assert "3 items added" in dialog.progress_text.text()
    assert not dialog.add_button.isEnabled()  # the folder and the address cannot be retried
    assert len(evidence_on(school, reference)) == 3


@sqlite_only
def test_the_same_file_twice_is_linked_as_a_sighting(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    data = unique_png()
    first = write(tmp_path / "a", "from-parent.png", data)
    dialog = open_dialog(qtbot, dana, reference, sources_from_mime(files_mime(first)))
    add_all(qtbot, dialog)
    assert statuses(dialog) == ["Added."]

    again = [PendingSource(name="Pasted image 2026-11-20 10-00.png", data=data)]
    dialog = open_dialog(qtbot, dana, reference, again)
    dialog.details_box.platform.setEditText("Instagram")
    add_all(qtbot, dialog)
    assert statuses(dialog) == [DUPLICATE]
    assert DUPLICATE == "Already on this case — linked as another sighting."
    [item] = evidence_on(school, reference)
    assert [s["platform"] for s in item.sightings] == ["Instagram"]


# --------------------------------------------------------------------------------------------
# The picker


def test_the_picker_is_qts_own_and_leaves_no_trail(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qapp: Any
) -> None:
    home = Path(os.environ["HOME"])
    assert home.is_relative_to(tmp_path)
    home.mkdir(parents=True, exist_ok=True)
    secret = tmp_path / "Evidence for Maya Lewis"
    chosen = [write(secret, "chat.png", unique_png()), write(secret, "note.txt", b"hello\n")]
    xbel = home / ".local" / "share" / "recently-used.xbel"
    seen: dict[str, Any] = {}

    def fake_exec(self: EvidenceFileDialog) -> int:
        seen["native_off"] = self.testOption(QFileDialog.Option.DontUseNativeDialog)
        seen["mode"] = self.fileMode()
        seen["history"] = list(self.history())
        self.setDirectory(str(secret))  # the person browses to the folder...
        seen["browsed"] = list(self.history())
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(EvidenceFileDialog, "exec", fake_exec)
    monkeypatch.setattr(EvidenceFileDialog, "selectedFiles", lambda self: [str(p) for p in chosen])
    parent = QWidget()
    qtbot.addWidget(parent)
    picked = pick_files(parent)
    assert [(s.name, s.path) for s in picked] == [("chat.png", chosen[0]), ("note.txt", chosen[1])]
    assert seen["native_off"] is True
    assert seen["mode"] == QFileDialog.FileMode.ExistingFiles
    assert seen["history"] == [str(home)]  # it opens at home, with no history
    assert str(secret) in seen["browsed"]  # Qt would remember it...

    # ...but nothing remembers it: no desktop recent-files list, and Qt's own settings
    # (written when the dialog is destroyed) name neither the folder nor the files.
    assert not xbel.exists()
    settings = Path(QSettings(QSettings.Scope.UserScope, "QtProject").fileName())
    if settings.exists():
        text = settings.read_text(errors="replace")
        assert "Maya" not in text and "Evidence%20for" not in text
        assert "chat.png" not in text
    assert not any("recently-used" in p.name for p in home.rglob("*"))


def test_a_cancelled_picker_gives_nothing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, qapp: Any
) -> None:
    monkeypatch.setattr(EvidenceFileDialog, "exec", lambda self: int(QDialog.DialogCode.Rejected))
    parent = QWidget()
    qtbot.addWidget(parent)
    assert pick_files(parent) == []


# --------------------------------------------------------------------------------------------
# Screen capture


def fake_screen(width: int = 400, height: int = 300) -> QPixmap:
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor(30, 120, 200))
    return pixmap


def test_capture_hides_safelogs_windows_and_brings_them_back(qtbot: QtBot, qapp: Any) -> None:
    main = QWidget()
    main.setWindowTitle("Case SL-2026-0001")
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    form = QDialog()
    form.setModal(True)  # as the report form in its exec(): hiding it would end exec()
    qtbot.addWidget(form)
    form.show()
    during: dict[str, Any] = {}

    def grabber(_screen: Any) -> QPixmap:
        during["main visible"] = main.isVisible()
        during["form visible"] = form.isVisible()
        during["form opacity"] = form.windowOpacity()
        return fake_screen()

    started = time.monotonic()
    taken = capture.capture(main, "screen", grabber=grabber)
    assert time.monotonic() - started >= 0.25  # waited for the hide to take effect
    assert during == {"main visible": False, "form visible": True, "form opacity": 0.0}
    assert main.isVisible() and form.isVisible() and form.windowOpacity() == 1.0
    assert taken is not None and taken.path is None
    assert taken.name == "Screen capture " + taken.name.removeprefix("Screen capture ")
    assert taken.name.endswith(".png")
    shot = QImage.fromData(taken.data or b"")
    assert (shot.width(), shot.height()) == (400, 300)

    # Put back even when the grab fails; the fault is not swallowed.
    def broken(_screen: Any) -> QPixmap:
        assert not main.isVisible()
        raise RuntimeError("the screen went away")

    with pytest.raises(RuntimeError):
        capture.capture(main, "screen", grabber=broken, settle_ms=0)
    assert main.isVisible() and form.windowOpacity() == 1.0


def test_capture_of_a_region_or_window_and_cancelling(qtbot: QtBot, qapp: Any, modals: Any) -> None:
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    modes: list[str] = []

    def chooser(shot: QPixmap, mode: str, _screen: Any) -> QRect | None:
        assert not main.isVisible()  # the overlay is shown while SafeLog is hidden
        modes.append(mode)
        return QRect(10, 20, 100, 50)

    for mode in ("region", "window"):
        taken = capture.capture(
            main, mode, grabber=lambda _s: fake_screen(), chooser=chooser, settle_ms=0
        )
        assert taken is not None
        picture = QImage.fromData(taken.data or b"")
        assert (picture.width(), picture.height()) == (100, 50)
    assert modes == ["region", "window"]

    cancelled = capture.capture(
        main, "region", grabber=lambda _s: fake_screen(), chooser=lambda *_a: None, settle_ms=0
    )
    assert cancelled is None and main.isVisible()

    # A blank grab (Wayland through XWayland, a Mac without permission) is explained.
    black = QPixmap(200, 100)
    black.fill(QColor(0, 0, 0))
    assert capture.capture(main, "screen", grabber=lambda _s: black, settle_ms=0) is None
    assert "came back blank" in modals.notices[-1][1]
    assert main.isVisible()


def test_the_region_overlay_drag_and_escape(qtbot: QtBot, qapp: Any) -> None:
    shot = fake_screen(800, 600)
    picker = RegionPicker(shot, "region")
    qtbot.addWidget(picker)
    picker.resize(400, 300)  # the picture is shown at half size: pixels are scaled back
    picker.show()
    qtbot.waitExposed(picker)
    assert "Esc" in picker.instruction
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=QPoint(10, 20))
    qtbot.mouseMove(picker, QPoint(60, 70))
    with qtbot.waitSignal(picker.accepted, timeout=2000):
        qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=QPoint(110, 70))
    assert picker.selected_pixels() == QRect(20, 40, 200, 100)

    other = RegionPicker(shot, "window")
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    assert "window" in other.instruction
    qtbot.mouseClick(other, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))  # a click is no choice
    assert other.isVisible()
    with qtbot.waitSignal(other.rejected, timeout=2000):
        qtbot.keyClick(other, Qt.Key.Key_Escape)


# --------------------------------------------------------------------------------------------
# The dialog


@sqlite_only
def test_the_hostile_corpus_through_the_dialog(qtbot: QtBot, desk: Desk, school: Any) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    # Every corpus file as if pasted or dropped: in memory, under its hostile name.
    items = [PendingSource(name=h.name, data=h.data) for h in corpus.CORPUS]
    dialog = open_dialog(qtbot, dana, reference, items)
    shown_names = {
        h.key: row.name.text() for h, row in zip(corpus.CORPUS, dialog.rows, strict=True)
    }
    for hostile in corpus.CORPUS:
        if hostile.display:
            assert shown_names[hostile.key] == hostile.display, hostile.key
    assert "\u202e" not in "".join(shown_names.values())
    # The pictures are listed once recorded; an unreadable one says so when its thumbnail
    # has been tried, a moment later (issue 17).
    with qtbot.waitSignal(dialog.previews_made, timeout=LOAD_MS):
        add_all(qtbot, dialog)
    results = dict(zip([h.key for h in corpus.CORPUS], statuses(dialog), strict=True))
    seen_content: set[bytes] = set()
    for hostile in corpus.CORPUS:
        said = results[hostile.key]
        data = hostile.data
        if hostile.outcome == "refused":
            assert said.startswith("Not added: "), hostile.key
            assert hostile.message in said, hostile.key
            continue
        if data in seen_content:
            assert said == DUPLICATE, hostile.key
            continue
        seen_content.add(data)
        assert said.startswith("Added."), (hostile.key, said)
        if hostile.claimed:
            assert "name says" in said, hostile.key  # the type lie is noted
        if hostile.preview == "unreadable":  # said when looked at, or once it was tried
            row = dialog.rows[[h.key for h in corpus.CORPUS].index(hostile.key)]
            assert "could not be shown" in row.detail.text() + said, hostile.key
    refused = sum(1 for h in corpus.CORPUS if h.outcome == "refused")
    # Several corpus files share content (the same PNG under hostile names): those after
    # the first are linked as sightings of it, each said so.
    linked = sum(1 for s in statuses(dialog) if s == DUPLICATE)
    stored = evidence_on(school, reference)
    assert len(stored) == len(corpus.CORPUS) - refused - linked
    assert "Try again" in dialog.add_button.text()  # the refused ones could be tried again


@sqlite_only
def test_dropped_screenshots_are_listed_at_once_then_shown_with_their_thumbnails(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    """Issue 17: the person waits for the items to be recorded, not for fifty pictures to
    be decoded; the open case shows them, then their thumbnails, made in the worker and
    stored signed."""
    from sqlalchemy import select

    from safelog.store.schema import EvidenceThumbnailRow

    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    workspace = open_workspace(qtbot, dana, reference)
    panel = workspace.evidence_panel
    with qtbot.waitSignal(panel.loaded, timeout=LOAD_MS):
        workspace.tabs.setCurrentWidget(panel)
    shots = [write(tmp_path, f"Screenshot {i}.png", unique_png(i + 1)) for i in range(4)]
    items = [PendingSource(name=p.name, path=p) for p in shots]
    dialog = open_dialog(qtbot, dana, reference, items)
    with qtbot.waitSignal(dialog.previews_made, timeout=LOAD_MS):
        add_all(qtbot, dialog)
        assert statuses(dialog) == ["Added."] * 4
    qtbot.waitUntil(lambda: panel.list.count() == 4, timeout=LOAD_MS)
    # Listed in the order they were given.
    assert [panel.list.item(i).text().split("\n")[0] for i in range(4)] == [p.name for p in shots]
    qtbot.waitUntil(lambda: len(panel._thumbnails) == 4, timeout=LOAD_MS)
    session = dana.require_session()
    with session.engine.connect() as conn:
        assert len(conn.execute(select(EvidenceThumbnailRow.evidence_id)).all()) == 4
    assert {e.info.metadata["preview"] for e in evidence_on(school, reference)} == {"thumbnail"}


@sqlite_only
def test_cancel_stops_after_the_current_item_and_nothing_typed_is_lost(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    items = [PendingSource(name=f"shot{i}.png", data=unique_png()) for i in range(3)]
    dialog = open_dialog(qtbot, dana, reference, items)
    qtbot.keyClicks(dialog.details_box.description, "Shared in the year 9 group chat.")
    with qtbot.waitSignal(dialog.settled, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
        assert dialog.close_button.text() == "Stop after this item"
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible()  # it waits for the item being added
    assert statuses(dialog) == ["Added.", STOPPED, STOPPED]
    assert dialog.details_box.description.toPlainText() == "Shared in the year 9 group chat."
    assert dialog.add_button.text() == "&Try again for 2 items"
    assert len(evidence_on(school, reference)) == 1
    add_all(qtbot, dialog)
    assert statuses(dialog) == ["Added.", "Added.", "Added."]
    stored = evidence_on(school, reference)
    assert {e.info.metadata["description"] for e in stored} == {"Shared in the year 9 group chat."}


@sqlite_only
def test_a_time_in_the_future_is_refused_in_place(qtbot: QtBot, desk: Desk, school: Any) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    dialog = open_dialog(qtbot, dana, reference, [PendingSource("a.png", data=unique_png())])
    seen = dialog.details_box.seen
    seen.setMaximumDateTime(seen.maximumDateTime().addYears(2))
    seen.setDateTime(seen.dateTime().addDays(3))
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible() and "future" in dialog.error.text()
    assert statuses(dialog) == ["Waiting to be added."]
    assert evidence_on(school, reference) == []


@sqlite_only
def test_locking_closes_the_dialog_and_drops_what_it_held(
    qtbot: QtBot, desk: Desk, school: Any
) -> None:
    reference = new_case(school)
    dana = desk.sign_in("Dana DSL")
    dialog = open_dialog(qtbot, dana, reference, [PendingSource("a.png", data=unique_png())])
    wait_thumbnail(qtbot, dialog)
    qtbot.keyClicks(dialog.details_box.description, "Private words")
    with qtbot.waitSignal(dialog.rejected, timeout=LOAD_MS):
        lock(dana)
    assert not dialog.isVisible()
    assert dialog._sources == []
    assert dialog.rows[0].thumbnail.pixmap().isNull()
    assert "Private words" not in shown_text(dialog)


@sqlite_only
def test_someone_who_may_not_add_is_told_before_anything_opens(
    qtbot: QtBot, desk: Desk, school: Any, modals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_case(school)
    opened: list[bool] = []
    monkeypatch.setattr(AddEvidenceDialog, "launch", lambda self: opened.append(True) or False)
    tess = desk.sign_in("Tess Teacher")  # neither a DSL nor the person who reported it
    assert not start_adding(tess, None, reference, [PendingSource("a.png", data=b"x")])
    assert opened == []
    assert modals.notices[-1][0] in ("SafeLog — Cannot do that", "SafeLog — Cannot add evidence")
    assert reference in modals.notices[-1][1] or "not" in modals.notices[-1][1]


# --------------------------------------------------------------------------------------------
# Indecent images of children: never kept


@sqlite_only
def test_a_picture_on_a_nudes_case_is_refused_with_the_guidance_and_a_record_in_words(
    qtbot: QtBot, desk: Desk, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_case(school, "nudes-sharing")
    dana = desk.sign_in("Dana DSL")
    QGuiApplication.clipboard().setImage(QImage.fromData(unique_png()))
    pasted = sources_from_clipboard(dana.clock)
    shown: dict[str, Any] = {}

    def launch(self: ImageReportDialog) -> bool:
        self.show()
        shown["text"] = shown_text(self)
        shown["pictures"] = [
            label for label in self.findChildren(QLabel) if not label.pixmap().isNull()
        ]
        shown["held"] = [v for v in vars(self).values() if isinstance(v, bytes | PendingSource)]
        self.close()
        return False

    monkeypatch.setattr(ImageReportDialog, "launch", launch)
    opened: list[bool] = []
    monkeypatch.setattr(AddEvidenceDialog, "launch", lambda self: opened.append(True) or False)
    assert not start_adding(dana, None, reference, pasted)
    assert opened == []  # the add dialog never opened
    assert pasted == []  # the caller's list no longer holds the picture
    assert UKCIS_RULE in shown["text"].lower()
    assert "cleared from the clipboard" in shown["text"]
    assert shown["pictures"] == [] and shown["held"] == []
    assert not clipboard_has_picture()
    assert evidence_on(school, reference) == []

    # Issue 18 point 1 (002 7.2.4): a PDF, a ZIP and an e-mail are refused in the app too,
    # by their content whatever their name, with the policy's words; a text note goes in.
    for name, data, noun in (
        ("letter.pdf", corpus.pdf(), "file"),
        ("photos.zip", corpus.ARCHIVES["zip"](), "archive"),
        ("threat.eml", corpus.eml(), "file"),
        ("notes.txt", corpus.pdf(), "file"),
    ):
        shown.clear()
        refused = [PendingSource(name, data=data)]
        assert not start_adding(dana, None, reference, refused)
        assert opened == [] and refused == []
        assert f"SafeLog did not keep the {noun}" in shown["text"], name
        assert "it is an offence to save, send, or alter an image" in shown["text"], name
    assert evidence_on(school, reference) == []
    monkeypatch.undo()
    note = [PendingSource("what-she-said.txt", data=corpus.text())]

    def add_launch(self: AddEvidenceDialog) -> bool:
        self.show()
        add_all(qtbot, self)
        return self.total_added > 0

    monkeypatch.setattr(AddEvidenceDialog, "launch", add_launch)
    assert start_adding(dana, None, reference, note)
    assert [e.info.media_type for e in evidence_on(school, reference)] == ["text/plain"]


@sqlite_only
def test_a_zipped_picture_on_a_nudes_case_is_refused_with_the_same_guidance(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_case(school, "nudes-sharing")
    dana = desk.sign_in("Dana DSL")
    shown: dict[str, Any] = {}

    def launch(self: ImageReportDialog) -> bool:
        self.show()
        shown["text"] = shown_text(self)
        self.close()
        return False

    monkeypatch.setattr(ImageReportDialog, "launch", launch)
    opened: list[bool] = []
    monkeypatch.setattr(AddEvidenceDialog, "launch", lambda self: opened.append(True) or False)
    for kind, make in corpus.ARCHIVES.items():
        # Dropped under an innocent name: the content decides.
        path = write(tmp_path / kind, "homework.txt", make())
        dropped = sources_from_mime(files_mime(path))
        shown.clear()
        assert not start_adding(dana, None, reference, dropped)
        assert dropped == [] and opened == []
        assert "SafeLog did not keep the archive" in shown["text"], kind
        assert "may hold pictures or video" in shown["text"]
        assert UKCIS_RULE in shown["text"].lower()
    assert evidence_on(school, reference) == []


@sqlite_only
def test_the_image_report_form_records_in_words(
    qtbot: QtBot, desk: Desk, school: Any, clock: Any
) -> None:
    reference = new_case(school, "indecent-images-adult")
    dana = desk.sign_in("Dana DSL")
    dialog = ImageReportDialog(dana, reference, "Guidance text " + UKCIS_RULE)
    qtbot.addWidget(dialog)
    dialog.show()
    assert unnamed_controls(dialog) == []
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert "Describe what was reported" in dialog.error.text()
    qtbot.keyClicks(dialog.description, "A parent reported images on a phone.")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert "who was informed" in dialog.error.text()
    qtbot.keyClicks(dialog.informed, "Dana (DSL); police on 101")
    qtbot.keyClicks(dialog.police_reference, "CAD 1234/20NOV")
    with qtbot.waitSignal(dialog.recorded, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    dsl = school.unlock("Dana DSL")
    [entry] = show_case(dsl, reference).fields["image_reports"]
    dsl.lock()
    assert entry["description"] == "A parent reported images on a phone."
    assert entry["informed"] == "Dana (DSL); police on 101"
    assert entry["police_reference"] == "CAD 1234/20NOV"
    assert evidence_on(school, reference) == []


# --------------------------------------------------------------------------------------------
# The report form


def open_form(qtbot: QtBot, context: Any) -> ReportConcernDialog:
    dialog = ReportConcernDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(combo: Any, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def drop(widget: QWidget, mime: QMimeData) -> bool:
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dragEnterEvent(enter)  # type: ignore[attr-defined]
    if not enter.isAccepted():
        return False
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    widget.dropEvent(event)  # type: ignore[attr-defined]
    return True


def fill_report(qtbot: QtBot, dialog: ReportConcernDialog, category: str) -> None:
    choose(dialog.category, category)
    qtbot.keyClicks(dialog.summary, "Messages on a group chat")
    qtbot.keyClicks(dialog.description, "A pupil showed me messages.")


@sqlite_only
def test_a_staff_report_with_two_screenshots_ends_with_both_on_the_case(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    assert unnamed_controls(dialog) == []
    section = dialog.evidence
    fill_report(qtbot, dialog, "cyberbullying-pupil")
    choose(dialog.platform, "WhatsApp")
    qtbot.keyClicks(dialog.url, "https://chat.whatsapp.com/abc")

    pasted = unique_png()
    QGuiApplication.clipboard().setImage(QImage.fromData(pasted))
    dialog.activateWindow()
    section.choose_button.setFocus()
    qtbot.waitUntil(section.choose_button.hasFocus, timeout=2000)
    qtbot.keyClick(section.choose_button, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert section.count() == 1  # Ctrl+V inside the section pastes the picture
    dropped = write(tmp_path / "shots", "second.png", unique_png())
    text = QMimeData()
    text.setText("just words")
    assert not drop(section, text)  # text is not taken by the drop zone
    assert drop(section, files_mime(dropped, tmp_path / "shots"))
    assert section.count() == 2
    assert "is a folder" in section.message.text()
    assert [section.items.item(i).text().split("  (")[0] for i in range(2)] == [
        "Pasted image 2026-11-20 10-00.png",
        "second.png",
    ]
    assert dialog.has_content()

    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    reference = dialog.reference
    assert reference
    stored = evidence_on(school, reference)
    assert sorted(e.info.file_name for e in stored) == [
        "Pasted image 2026-11-20 10-00.png",
        "second.png",
    ]
    for item in stored:
        assert item.info.metadata["platform"] == "WhatsApp"
        assert item.info.metadata["source_url"] == "https://chat.whatsapp.com/abc"
        assert item.info.metadata["seen_at"].startswith("2026-11-20T10:00")
    assert section.count() == 0  # nothing held once sent


@sqlite_only
def test_a_file_that_cannot_be_added_is_named_and_the_report_kept(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path, modals: Any
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    fill_report(qtbot, dialog, "public-threats")
    empty = write(tmp_path / "f", "empty.png", b"")
    good = write(tmp_path / "f", "good.txt", b"They said they would wait outside.\n")
    assert drop(dialog.evidence, files_mime(empty, good))
    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    reference = dialog.reference
    assert reference
    title, text = modals.notices[-1]
    assert title == "SafeLog — Report sent"
    assert f"Report {reference} was sent" in text
    assert "empty.png" in text and "empty" in text.split("empty.png", 1)[1]
    assert "good.txt" not in text
    assert [e.info.file_name for e in evidence_on(school, reference)] == ["good.txt"]


@sqlite_only
def test_the_report_form_refuses_pictures_for_nudes_at_once(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    section = dialog.evidence
    # Held before the kind was chosen; dropped as soon as it is.
    photo = write(tmp_path / "p", "photo.jpg", corpus.jpeg())
    note = write(tmp_path / "p", "note.txt", b"What he said to her.\n")
    assert drop(section, files_mime(photo, note))
    assert section.count() == 2
    fill_report(qtbot, dialog, "nudes-sharing")
    assert [s.name for s in section.held] == ["note.txt"]
    assert "so the picture was removed" in section.message.text()
    assert UKCIS_RULE in section.message.text().lower()

    # Pasted now: refused at once, not held, and cleared from the clipboard.
    QGuiApplication.clipboard().setImage(QImage.fromData(unique_png()))
    qtbot.mouseClick(section.paste_button, Qt.MouseButton.LeftButton)
    assert [s.name for s in section.held] == ["note.txt"]
    assert UKCIS_RULE in section.message.text().lower()
    assert not clipboard_has_picture()
    # Capture is refused before anything is grabbed.
    section.capture("screen")
    assert "the screen was not captured" in section.message.text()

    with qtbot.waitSignal(dialog.accepted, timeout=LOAD_MS):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.reference
    assert [e.info.media_type for e in evidence_on(school, dialog.reference)] == ["text/plain"]


@sqlite_only
def test_the_report_form_refuses_archives_for_nudes_at_once(
    qtbot: QtBot, desk: Desk, school: Any, tmp_path: Path
) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    section = dialog.evidence
    archive = write(tmp_path / "a", "photos.zip", corpus.zip_of_picture())
    hidden = write(tmp_path / "b", "homework.txt", corpus.tar_gz_of_picture())
    note = write(tmp_path / "c", "note.txt", b"What he said to her.\n")
    assert drop(section, files_mime(archive, hidden, note))
    assert section.count() == 3  # held: the kind of concern is not chosen yet
    fill_report(qtbot, dialog, "nudes-sharing")
    assert [s.name for s in section.held] == ["note.txt"]
    assert "so 2 archives were removed" in section.message.text()
    assert UKCIS_RULE in section.message.text().lower()
    # Dropped now: refused at once, not held.
    assert drop(section, files_mime(write(tmp_path / "d", "more.7z", corpus.seven_zip())))
    assert [s.name for s in section.held] == ["note.txt"]
    assert "so the archive was not added" in section.message.text()


@sqlite_only
def test_locking_the_report_form_drops_held_pictures(qtbot: QtBot, desk: Desk) -> None:
    sam = desk.sign_in("Sam Staff")
    dialog = open_form(qtbot, sam)
    QGuiApplication.clipboard().setImage(QImage.fromData(unique_png()))
    dialog.evidence.paste()
    assert dialog.evidence.count() == 1
    lock(sam)
    assert dialog.evidence.count() == 0
    assert dialog.evidence.items.count() == 0


def test_image_report_module_has_no_picture_widgets() -> None:
    source = Path(image_report.__file__).read_text()
    assert "QPixmap" not in source and "setPixmap" not in source
