"""Text a modified or older client stored with a direction override or a control character
in it, shown in a window: the plain-text helpers every SafeLog window uses for user text
write such characters out ("<U+202E>", "␛") instead of obeying them, so a name cannot show
reversed ("Sam SSAP" for "PASS") and a message cannot hide part of itself. Line breaks and
ordinary writing in any script are left alone."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from safelog.gui import dialogs, widgets

SPOOF = "Sam \u202eSSAP\u202c \x1b[8mhidden"
SHOWN = "Sam <U+202E>SSAP<U+202C> \u241b[8mhidden"


def test_plain_text_labels_show_hostile_characters_visibly(qtbot: QtBot, qapp: Any) -> None:
    for label in (widgets.plain_label(SPOOF), widgets.heading_label(SPOOF)):
        qtbot.addWidget(label)
        assert label.text() == SHOWN
    label = QLabel()
    qtbot.addWidget(label)
    widgets.set_plain_text(label, "Line one\nمحمد 李 Zoë\t" + SPOOF)
    assert label.text() == "Line one\nمحمد 李 Zoë\t" + SHOWN


def test_a_message_box_quoting_what_was_typed_shows_it_visibly(qtbot: QtBot, qapp: Any) -> None:
    notice = dialogs.Notice(None, "Cannot do that", f"There is no user called {SPOOF}.")
    qtbot.addWidget(notice)
    assert notice.text() == f"There is no user called {SHOWN}."
