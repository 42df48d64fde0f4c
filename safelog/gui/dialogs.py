"""Pieces several SafeLog windows share: plain-text message boxes, the "choose a new
passphrase" form with its strength feedback (and the Caps Lock hint of caps_lock.py), and the
small idle-lock settings dialog.

Every modal dialog here runs through one `launch()` method, so tests patch one place.
The sign-in window imports this module only once it is painted (it needs `tell` when asked,
and the Caps Lock hint, which lives in caps_lock.py for that reason). The `Qt` namespace is
reached as `QtCore.Qt` where it is used, not imported: PySide6 builds its enum tables (some
20 ms) on first access, which no window should pay for at import.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from PySide6 import QtCore
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.passphrases import MIN_PASSPHRASE
from safelog.gui.caps_lock import CapsLockWatch
from safelog.gui.theme import set_style_property
from safelog.gui.widgets import plain_label
from safelog.text import visible

# -- message boxes --------------------------------------------------------------------------


class Notice(QMessageBox):
    """A message box whose text is always plain text (it may quote what someone typed)."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        icon: QMessageBox.Icon = QMessageBox.Icon.Information,
        buttons: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
        default: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"SafeLog — {title}")
        self.setIcon(icon)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setText(visible(text, multi_line=True))
        self.setStandardButtons(buttons)
        self.setDefaultButton(default)
        self.setAccessibleName(title)

    def launch(self) -> QMessageBox.StandardButton:
        return QMessageBox.StandardButton(self.exec())


def tell(parent: QWidget | None, title: str, text: str, *, warning: bool = False) -> None:
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
    Notice(parent, title, text, icon).launch()


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    box = Notice(parent, title, text, QMessageBox.Icon.Question, yes | no, default=no)
    return box.launch() == yes


# -- passphrase strength ---------------------------------------------------------------------

# Words that add nothing to a passphrase: they are tried first by anyone guessing.
_COMMON = """
password passw0rd passphrase qwerty qwertyuiop asdf letmein welcome hello secret admin
administrator login safelog safeguarding school academy primary secondary college trust
teacher student pupil staff office head headteacher governor dsl iloveyou monkey dragon
football sunshine princess shadow master abc spring summer autumn winter january
february march april may june july august september october november december monday
tuesday wednesday thursday friday saturday sunday
"""
COMMON_WORDS = frozenset(_COMMON.split())
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "01234567890")


@dataclass(frozen=True)
class Strength:
    level: int  # 0 refused, 1 weak, 2 fair, 3 good, 4 strong
    label: str
    advice: str
    acceptable: bool


def _estimate_bits(text: str) -> float:
    """A rough guess count in bits: character variety per character, with repeats and
    keyboard or alphabet runs counted as nearly free, and plain words at ~2.5 bits a letter
    (what English text carries), not the 4.7 of random letters."""
    if not text:
        return 0.0
    if all(c.isalpha() or c.isspace() for c in text):
        per_char = 2.5
    else:
        pool = 0
        pool += 26 if any(c.islower() for c in text) else 0
        pool += 26 if any(c.isupper() for c in text) else 0
        pool += 10 if any(c.isdigit() for c in text) else 0
        pool += 33 if any(not c.isalnum() for c in text) else 0
        per_char = math.log2(max(pool, 2))
    bits = 0.0
    previous = ""
    for char in text.casefold():
        step = previous + char
        if previous and (char == previous or any(step in seq for seq in _SEQUENCES)):
            bits += 1.0
        else:
            bits += per_char
        previous = char
    return bits


def assess_passphrase(text: str, avoid: tuple[str, ...] = ()) -> Strength:
    """Feedback on a new passphrase: long enough, varied enough, not made of plain words
    such as 'password' or the school's or person's own name."""
    if len(text) < MIN_PASSPHRASE:
        needed = MIN_PASSPHRASE - len(text)
        return Strength(
            0,
            "Too short",
            f"Use at least {MIN_PASSPHRASE} characters ({needed} more). "
            "A few unrelated words work well.",
            False,
        )
    lowered = text.casefold()
    avoided = {w for phrase in avoid for w in re.findall(r"[^\W\d_]{3,}", phrase.casefold())}
    plain = COMMON_WORDS | avoided
    words = re.findall(r"[^\W\d_]+", lowered)
    used_plain = [w for w in words if w in plain]
    remainder = lowered
    for word in sorted(set(used_plain), key=len, reverse=True):
        remainder = re.sub(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", "", remainder)
    remainder = " ".join(remainder.split())
    # Keep the original capitals of what is left, for the variety count.
    kept = text if remainder == lowered else remainder
    bits = _estimate_bits(kept)
    if len(set(lowered)) <= 2:
        bits = min(bits, 10.0)
    if bits < 18:
        if used_plain:
            advice = (
                f"'{used_plain[0]}' is one of the first words anyone would try. "
                "Add words of your own that others would not guess."
            )
        else:
            advice = "Too easy to guess: avoid repeats and runs like 'abcd' or '1234'."
        return Strength(0, "Too weak", advice, False)
    if bits < 30:
        return Strength(
            1, "Weak", "Allowed, but easy to guess. Add another word of your own.", True
        )
    if bits < 45:
        return Strength(2, "Fair", "Fair. Another unrelated word would make it stronger.", True)
    if bits < 60:
        return Strength(3, "Good", "Good: hard to guess.", True)
    return Strength(4, "Strong", "Strong.", True)


class NewPassphraseForm(QWidget):
    """Choose a passphrase and type it again, with strength feedback as you type."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._avoid: tuple[str, ...] = ()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("New passphrase")
        self.passphrase.setPlaceholderText(f"At least {MIN_PASSPHRASE} characters")
        self.confirmation = QLineEdit(self)
        self.confirmation.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirmation.setAccessibleName("Type the new passphrase again")
        self.show_text = QCheckBox("S&how what I type", self)
        self.show_text.setAccessibleName("Show the passphrase as you type it")

        self.meter = QProgressBar(self)
        self.meter.setRange(0, 5)
        self.meter.setTextVisible(True)
        self.meter.setFormat("")
        self.meter.setObjectName("meter")  # red, amber, green by level (the style sheet)
        self.meter.setAccessibleName("Passphrase strength")
        self.advice = plain_label("", self, role="muted")
        self.advice.setAccessibleName("Passphrase advice")
        self.match = plain_label("", self, role="muted")
        self.caps = plain_label("Caps Lock is on.", self, role="warning")
        self.caps.setVisible(False)

        label = QLabel("&Passphrase:", self)
        label.setBuddy(self.passphrase)
        form.addRow(label, self.passphrase)
        strength = QVBoxLayout()
        strength.addWidget(self.meter)
        strength.addWidget(self.advice)
        form.addRow("", strength)
        again = QLabel("Type it &again:", self)
        again.setBuddy(self.confirmation)
        form.addRow(again, self.confirmation)
        form.addRow("", self.match)
        form.addRow("", self.caps)
        form.addRow("", self.show_text)

        for field in (self.passphrase, self.confirmation):
            field.textChanged.connect(self._update)
            CapsLockWatch(field).changed.connect(self.caps.setVisible)
        self.show_text.toggled.connect(self._show_text)
        self._update()

    def add_row_above(self, label: QLabel, field: QWidget) -> None:
        """Another field (say the enrolment code) in the same columns as the passphrase."""
        layout = self.layout()
        assert isinstance(layout, QFormLayout)
        layout.insertRow(0, label, field)

    def set_avoid(self, *phrases: str) -> None:
        """Names that must not carry a passphrase (the person's, the school's)."""
        self._avoid = tuple(p for p in phrases if p)
        self._update()

    def _show_text(self, on: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
        self.passphrase.setEchoMode(mode)
        self.confirmation.setEchoMode(mode)

    def strength(self) -> Strength:
        return assess_passphrase(self.passphrase.text(), self._avoid)

    def _update(self) -> None:
        text = self.passphrase.text()
        verdict = self.strength()
        # A red sliver for "too weak" rather than an empty bar, amber, then green.
        self.meter.setValue(verdict.level + 1 if text else 0)
        self.meter.setFormat(verdict.label if text else "")
        set_style_property(self.meter, "level", verdict.level)
        self.advice.setText(
            verdict.advice
            if text
            else f"At least {MIN_PASSPHRASE} characters. "
            "A few unrelated words work well: easy to remember, hard to guess."
        )
        again = self.confirmation.text()
        if not again:
            self.match.setText("")
        elif again == text:
            self.match.setText("The two match.")
        else:
            self.match.setText("These do not match yet.")
        self.changed.emit()

    def is_acceptable(self) -> bool:
        return self.strength().acceptable and self.passphrase.text() == self.confirmation.text()

    def value(self) -> str:
        return self.passphrase.text()

    def clear(self) -> None:
        self.passphrase.clear()
        self.confirmation.clear()


# -- settings --------------------------------------------------------------------------------


IDLE_CHOICES = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60)


class IdleLockDialog(QDialog):
    """The DSL chooses after how many minutes without use SafeLog locks itself."""

    def __init__(
        self, minutes: int, parent: QWidget | None = None, limits: tuple[int, int] = (1, 60)
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("SafeLog — Settings")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "SafeLog locks itself when nobody has used it for a while, so a record is not "
                "left open on an unattended computer. This applies to everyone at the school.",
                self,
            )
        )
        row = QHBoxLayout()
        # A short list reads at a glance; the current value stays in it whatever it is.
        low, high = limits
        choices = sorted({m for m in IDLE_CHOICES if low <= m <= high} | {minutes})
        self.minutes = QComboBox(self)
        for value in choices:
            self.minutes.addItem(f"{value} minute{'s' if value != 1 else ''}", value)
        self.minutes.setCurrentIndex(choices.index(minutes))
        self.minutes.setAccessibleName("Lock after this many minutes without use")
        label = QLabel("&Lock after:", self)
        label.setBuddy(self.minutes)
        row.addWidget(label)
        row.addWidget(self.minutes)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setDefault(True)
        save.setAccessibleName("Save the setting")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def launch(self) -> int | None:
        """The minutes chosen, or None when cancelled."""
        if self.exec() == QDialog.DialogCode.Accepted:
            return int(self.minutes.currentData())
        return None
