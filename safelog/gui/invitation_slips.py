"""Invitation slips: one printed page per person with their name, role in plain words, the
one-time enrolment code and how to enrol, to hand over in person.

The slips go straight from memory to the system's print dialog (which also offers saving a
PDF where the user chooses): SafeLog never writes a code to a file of its own, nor logs it.
Every word is escaped, so a name with "<b>" in it prints as typed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QWidget

from safelog.domain.roles import Role
from safelog.gui.role_names import roles_in_sentence
from safelog.vault.invitations import INVITATION_DAYS

HOW_TO_ENROL = (
    "Open SafeLog on a school PC, choose \u2018I have an enrolment code\u2019, type this code, "
    "choose your passphrase."
)
STAFF_ROLE = "Staff: you can report a concern and see your own reports."


@dataclass(frozen=True)
class Slip:
    name: str
    roles: frozenset[Role]
    code: str


def role_words(roles: frozenset[Role]) -> str:
    """ "Headteacher", "DSL and administrator", or the staff sentence."""
    text = roles_in_sentence(roles - {Role.STAFF})
    return text[:1].upper() + text[1:] if text else STAFF_ROLE


def _slip(school: str, made_by: str, slip: Slip, first: bool) -> str:
    # Qt's rich text honours page-break-before on a block: each slip starts a new page.
    style = "" if first else ' style="page-break-before: always"'
    e = html.escape
    return (
        f"<div{style}>"
        "<h1>SafeLog invitation</h1>"
        f"<p><b>School:</b> {e(school)}</p>"
        f"<p><b>For:</b> {e(slip.name)}<br><b>Role:</b> {e(role_words(slip.roles))}</p>"
        "<p>Your one-time enrolment code:</p>"
        '<p style="font-family: monospace; font-size: 18pt; font-weight: bold">'
        f"{e(slip.code)}</p>"
        "<h2>How to enrol</h2>"
        f"<p>{e(HOW_TO_ENROL)}</p>"
        f"<p>The code works once, within {INVITATION_DAYS} days. Your passphrase is yours "
        "alone: no one at school will ask you for it.</p>"
        "<h2>If this slip is lost</h2>"
        f"<p>Tell {e(made_by)} or another SafeLog administrator at once. They will make you "
        "a new code, and this one stops working. If SafeLog says this code has already been "
        "used and you did not use it, tell them straight away too.</p>"
        "<p>Keep this slip private: do not photograph, copy or email the code. Once you have "
        "enrolled, shred it.</p>"
        "</div>"
    )


def slips_html(school: str, made_by: str, slips: Sequence[Slip]) -> str:
    """Every slip, one page each, in the order given."""
    pages = "".join(_slip(school, made_by, s, i == 0) for i, s in enumerate(slips))
    return f"<html><body>{pages}</body></html>"


class SlipPrinter:
    """Prints slips through the system's print dialog. Tests replace `launch`."""

    def __init__(self, parent: QWidget | None, slips_html: str, count: int) -> None:
        self.parent = parent
        self.slips_html = slips_html
        self.count = count

    def launch(self) -> bool:
        """True if the slips went to the printer (or to the file the user picked)."""
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName("SafeLog invitations")
        dialog = QPrintDialog(printer, self.parent)
        title = "Print invitation slip" if self.count == 1 else "Print invitation slips"
        dialog.setWindowTitle(f"SafeLog — {title}")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        document = QTextDocument()
        document.setHtml(self.slips_html)
        document.print_(printer)
        document.clear()
        return True
