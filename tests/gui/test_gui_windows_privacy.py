"""What SafeLog leaves behind on a Windows PC (issue 16, checked in code review against
Windows' APIs; see packaging/windows/README.md): text it copies is marked to stay out of
clipboard history and cloud sync, and every file dialog is Qt's own (no "Recent files"
entry) and forgets the folders it visited."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from safelog.gui.idle_lock import (
    clear_clipboard_if_ours,
    copy_to_clipboard,
    keep_copies_private,
    private_mime,
)

GUI = Path(__file__).resolve().parents[2] / "safelog" / "gui"
PRIVATE = (
    "ExcludeClipboardContentFromMonitorProcessing",
    "CanIncludeInClipboardHistory",
    "CanUploadToCloudClipboard",
)


def test_copied_text_on_windows_is_kept_out_of_history_and_the_cloud(qapp: object) -> None:
    mime = private_mime("ABCD-EFGH-JKLM", windows=True)
    assert mime.text() == "ABCD-EFGH-JKLM"
    for name in PRIVATE:
        data = mime.data(f'application/x-qt-windows-mime;value="{name}"')
        assert bytes(data.data()) == b"\x00\x00\x00\x00", name


def test_elsewhere_only_the_text_is_offered(qapp: object) -> None:
    assert private_mime("ABCD", windows=False).formats() == ["text/plain"]


def test_copied_text_is_still_cleared_on_lock(qapp: object) -> None:
    copy_to_clipboard("ABCD-EFGH-JKLM")
    assert QGuiApplication.clipboard().text() == "ABCD-EFGH-JKLM"
    assert clear_clipboard_if_ours()
    assert QGuiApplication.clipboard().text() == ""


def test_every_file_dialog_is_qt_s_own_and_forgets_where_it_was() -> None:
    checked = 0
    for path in sorted(GUI.rglob("*.py")):
        source = path.read_text("utf-8")
        calls = re.findall(r"QFileDialog\.get\w+\((.*?)\n\s*\)", source, re.S)
        calls += re.findall(r"QFileDialog\.get\w+\(([^\n]*)\)", source)
        if "QFileDialog.get" not in source:
            continue
        assert calls, path
        for call in calls:
            assert "file_dialog_options()" in call, (path, call)
            checked += 1
        assert re.search(r"forget_(file_dialog_)?history\(\)", source), path
    for path in sorted(GUI.rglob("*.py")):
        source = path.read_text("utf-8")
        if re.search(r"QFileDialog\)|= QFileDialog\(", source):
            assert "DontUseNativeDialog, True" in source, path
    assert checked >= 13


def test_text_copied_from_a_field_on_windows_is_made_private_too(qapp: object) -> None:
    from PySide6.QtWidgets import QLineEdit

    clipboard = QGuiApplication.clipboard()
    owned = {"ours": True}
    slot = keep_copies_private(clipboard, windows=True, owns=lambda: owned["ours"])
    assert slot is not None
    mark = 'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"'
    try:
        field = QLineEdit("Amy was sent the messages on Tuesday")
        field.selectAll()
        field.copy()  # Ctrl+C
        mime = clipboard.mimeData()
        assert mime.text() == "Amy was sent the messages on Tuesday"
        assert bytes(mime.data(mark).data()) == b"\x00\x00\x00\x00"
        owned["ours"] = False  # another program's copy is left exactly as it is
        clipboard.setText("copied in another program")
        assert not clipboard.mimeData().hasFormat(mark)
    finally:
        clipboard.dataChanged.disconnect(slot)
        clipboard.clear()


def test_elsewhere_field_copies_are_left_to_the_system(qapp: object) -> None:
    assert keep_copies_private(QGuiApplication.clipboard(), windows=False) is None
