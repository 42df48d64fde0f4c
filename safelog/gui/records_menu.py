"""The Records menu: the school's registers, transfers, disclosures, reports and backups.

Each entry names the window that opens it (imported only when chosen, so the main window
does not wait for them) and who is offered it; what they may do inside is still decided by
their keys and re-checked by the vault. New windows are added to `RECORD_WINDOWS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from safelog.domain.roles import Role

if TYPE_CHECKING:
    from safelog.gui.context import AppContext


@dataclass(frozen=True)
class RecordWindow:
    """One entry: `module.name(context, parent)` is a dialog with `launch()` or `exec()`."""

    label: str
    tooltip: str
    roles: frozenset[Role]
    module: str
    name: str


RECORD_WINDOWS: tuple[RecordWindow, ...] = (
    RecordWindow(
        "&Transfers…",
        "Send a pupil's child protection file to their new school, receive one, record receipts",
        frozenset({Role.DSL}),
        "safelog.gui.transfers_window",
        "TransfersDialog",
    ),
    RecordWindow(
        "&Subject access…",
        "Requests for what the school holds about a person: due dates, the redacted disclosure",
        frozenset({Role.DSL}),
        "safelog.gui.sar_window",
        "SubjectAccessDialog",
    ),
    RecordWindow(
        "&Policy declarations…",
        "Sign that you have read the school's policies; the DSL and admin see who has not",
        frozenset(Role),
        "safelog.gui.declarations_window",
        "DeclarationsDialog",
    ),
    RecordWindow(
        "&Image consent…",
        "Whether a pupil's picture or video may be posted; the DSL and admin record consent",
        frozenset(Role),
        "safelog.gui.consent_window",
        "ConsentDialog",
    ),
    RecordWindow(
        "Blocked &content requests…",
        "Ask for a website blocked by mistake; the headteacher approves or refuses",
        frozenset(Role),
        "safelog.gui.approvals_window",
        "BlockedContentDialog",
    ),
    RecordWindow(
        "&Family links with pupils…",
        "Tell the headteacher of a pupil in your family or social circle; they acknowledge it",
        frozenset(Role),
        "safelog.gui.approvals_window",
        "FamilyLinksDialog",
    ),
    RecordWindow(
        "&Monitoring requests…",
        "Requests to monitor or intercept a member of staff's communications; the chair decides",
        frozenset({Role.DSL, Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO}),
        "safelog.gui.approvals_window",
        "MonitoringDialog",
    ),
    RecordWindow(
        "&Reports…",
        "The termly safeguarding report for governors and the inspection pack of referrals",
        frozenset({Role.DSL, Role.HEADTEACHER, Role.CHAIR, Role.TRUST_CEO}),
        "safelog.gui.reports_window",
        "ReportsDialog",
    ),
    RecordWindow(
        "&Backups…",
        "Where this PC's backups go, when they are made, how many are kept; back up now",
        frozenset({Role.DSL, Role.ADMIN}),
        "safelog.gui.backups_window",
        "BackupsDialog",
    ),
)


def offered(roles: frozenset[Role]) -> list[RecordWindow]:
    return [entry for entry in RECORD_WINDOWS if entry.roles & roles]


def open_record_window(entry: RecordWindow, context: AppContext, parent: QWidget) -> None:
    session = context.session
    if session is None or session.locked or not entry.roles & frozenset(session.person.roles):
        return
    dialog = getattr(import_module(entry.module), entry.name)(context, parent)
    run = getattr(dialog, "launch", None) or dialog.exec
    run()
    dialog.deleteLater()


def build_records_menu(context: AppContext, parent: QWidget, roles: frozenset[Role]) -> QMenu:
    """The menu with what this person is offered; hidden (no actions) when nothing is."""
    menu = QMenu("Rec&ords", parent)
    for entry in offered(roles):
        action = QAction(entry.label, parent)
        action.setToolTip(entry.tooltip)
        action.triggered.connect(lambda _=False, e=entry: open_record_window(e, context, parent))
        menu.addAction(action)
    menu.menuAction().setVisible(bool(menu.actions()))
    return menu
