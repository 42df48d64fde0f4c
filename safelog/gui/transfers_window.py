"""Transfers… (Records menu, for the DSL): child protection files moving between schools.

The school's transfer key and its fingerprint, to save for a sending school or print, and
to read out over the telephone; every file sent or received, with where it stands (sent,
awaiting receipt, due by; receipt recorded; received); and the four things a DSL does:
send a pupil's file (gui/transfer_send_dialog.py), receive a file (which writes the receipt
for the sender), record a receipt, and save a document of a transfer (its signed
chronology). The work is vault/transfers.py and vault/transfer_receive.py, in the worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.transfers import said_at
from safelog.errors import UserFacingError
from safelog.gui.errors import error_text, explain_error
from safelog.gui.export_dialog import documents_folder, file_dialog_options
from safelog.gui.export_dialog import forget_file_dialog_history as forget_history
from safelog.gui.formatting import uk_date, uk_datetime
from safelog.gui.screen_fit import fit_to_screen, keep_fitting
from safelog.gui.widgets import BusyNote, monospace_font, named, plain_label, set_plain_text
from safelog.gui.worker import LatestOnly, run_guarded

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.transfer_keys import SchoolKey
    from safelog.vault.transfer_receive import ConfirmedReceipt, ReceivedTransfer
    from safelog.vault.transfers import TransferSummary

EXPLAINED = (
    "When a pupil moves school, send their child protection file within 5 school days, "
    "separately from the main pupil file, and get a receipt. A school with SafeLog gives you "
    "its transfer key: the file is encrypted to it and signed by you. A school without "
    "SafeLog gets one signed PDF protected with a passphrase you tell them by telephone."
)
KEY_EXPLAINED = (
    "Schools sending a file to this school encrypt it to this key. Read the fingerprint to "
    "their DSL by telephone; they check it against the key file before they send."
)
COLUMNS = ("When", "Pupil", "School", "Status", "Due by, or receipt", "Kept until")


class TransfersDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.key: SchoolKey | None = None
        self.transfers: list[TransferSummary] = []
        self.setWindowTitle("Transfers: child protection files")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(EXPLAINED, self, role="muted"))

        key_box = QGroupBox("This school's transfer key", self)
        key_layout = QVBoxLayout(key_box)
        key_layout.addWidget(plain_label(KEY_EXPLAINED, key_box))
        self.fingerprint = plain_label("Loading…", key_box, wrap=False, selectable=True)
        self.fingerprint.setFont(monospace_font())
        named(self.fingerprint, "The transfer key's fingerprint")
        key_layout.addWidget(self.fingerprint)
        key_row = QHBoxLayout()
        self.save_key_button = named(
            QPushButton("Save the &key to a file…", key_box), "Save the transfer key to a file"
        )
        self.print_key_button = named(
            QPushButton("&Print the key…", key_box), "Print the transfer key and its fingerprint"
        )
        for button in (self.save_key_button, self.print_key_button):
            button.setAutoDefault(False)
            button.setEnabled(False)
            key_row.addWidget(button)
        key_row.addStretch(1)
        key_layout.addLayout(key_row)
        layout.addWidget(key_box)

        self.table = named(QTableWidget(0, len(COLUMNS), self), "Child protection files")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.send_button = named(
            QPushButton("&Send a pupil's file…", self), "Send a pupil's child protection file"
        )
        self.send_button.setProperty("role", "primary")
        self.receive_button = named(
            QPushButton("&Receive a file…", self), "Receive a file from another school"
        )
        self.confirm_button = named(
            QPushButton("Record a recei&pt…", self), "Record the receipt for a file sent"
        )
        self.save_button = named(
            QPushButton("Save its &chronology…", self),
            "Save the signed chronology of the selected transfer",
        )
        for button in (self.send_button, self.receive_button, self.confirm_button):
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addStretch(1)
        self.save_button.setAutoDefault(False)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)

        self.notice = plain_label("", self, role="notice", selectable=True)
        named(self.notice, "Result")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.problem = plain_label("", self, role="warning", selectable=True)
        named(self.problem, "Problem")
        self.problem.hide()
        layout.addWidget(self.problem)
        self.busy = BusyNote(self)
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.key_loader = LatestOnly(context, self, self._key_read, self._failed)
        self.list_loader = LatestOnly(context, self, self._listed, self._failed)
        self.save_key_button.clicked.connect(self.save_key)
        self.print_key_button.clicked.connect(self.print_key)
        self.send_button.clicked.connect(self.send)
        self.receive_button.clicked.connect(self.receive)
        self.confirm_button.clicked.connect(self.confirm_receipt)
        self.save_button.clicked.connect(self.save_chronology)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        context.events.locked.connect(self.reject)
        fit_to_screen(self, 900, 620)
        keep_fitting(self)
        self._update_buttons()
        self.refresh()

    # -- loading ---------------------------------------------------------------------------

    def refresh(self) -> None:
        session = self.context.session
        if session is None or session.locked:
            return
        from safelog.vault.transfer_keys import school_key
        from safelog.vault.transfers import list_transfers

        self.key_loader.run(lambda: school_key(session))
        self.list_loader.run(lambda: list_transfers(session))

    def _key_read(self, key: SchoolKey) -> None:
        self.key = key
        set_plain_text(self.fingerprint, f"Fingerprint: {key.phone}")
        self.save_key_button.setEnabled(True)
        self.print_key_button.setEnabled(True)

    def _listed(self, found: list[TransferSummary]) -> None:
        self.transfers = found
        now = self.context.clock()
        self.table.setRowCount(len(found))
        for row, s in enumerate(found):
            school = s.school or "(without SafeLog)"
            if s.receipt_at is not None:
                last = f"receipt {uk_datetime(s.receipt_at)} ({s.receipt_by})"
            elif s.due is not None:
                late = " — OVERDUE" if now > s.due else ""
                last = f"{uk_datetime(s.due)}{late}"
            else:
                last = "receipt written for the sender"
            kept = uk_date(s.review_on) if s.review_on else "date of birth not known"
            cells = (uk_datetime(s.at), s.pupil, school, s.status, last, kept)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.transfer_id)
                self.table.setItem(row, column, item)
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._say(self.problem, f"The transfers cannot be read: {error_text(exc)}")

    def rows(self) -> list[list[str]]:
        """What the table shows, row by row (for tests and screen readers' checks)."""
        out = []
        for r in range(self.table.rowCount()):
            items = (self.table.item(r, c) for c in range(self.table.columnCount()))
            out.append([item.text() if item is not None else "" for item in items])
        return out

    def selected(self) -> TransferSummary | None:
        row = self.table.currentRow()
        return self.transfers[row] if 0 <= row < len(self.transfers) else None

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self.selected() is not None and not self.busy.busy)

    # -- choosing files (Qt's own dialogs; tests patch these) --------------------------------

    def choose_save_file(self, title: str, name: str, kinds: str) -> Path | None:
        try:
            chosen, _ = QFileDialog.getSaveFileName(
                self, title, str(documents_folder() / name), kinds, options=file_dialog_options()
            )
        finally:
            forget_history()
        return Path(chosen) if chosen else None

    def choose_open_file(self, title: str, kinds: str) -> Path | None:
        try:
            chosen, _ = QFileDialog.getOpenFileName(
                self, title, str(documents_folder()), kinds, options=file_dialog_options()
            )
        finally:
            forget_history()
        return Path(chosen) if chosen else None

    def open_send_dialog(self) -> bool:
        """The send dialog, modal; True when a file was sent (tests patch this)."""
        from safelog.gui.transfer_send_dialog import SendTransferDialog

        dialog = SendTransferDialog(self.context, self)
        try:
            return dialog.launch()
        finally:
            dialog.deleteLater()

    # -- the key ---------------------------------------------------------------------------

    def save_key(self) -> None:
        session = self.context.session
        if self.key is None or session is None or session.locked:
            return
        path = self.choose_save_file(
            "Save the transfer key", "school-transfer-key.pem", "Transfer keys (*.pem)"
        )
        if path is None:
            return
        from safelog.vault.transfer_keys import export_school_key

        self._run(
            "Saving the key…",
            lambda: export_school_key(session, path),
            lambda done: self._say(
                self.notice,
                f"The transfer key was saved to {path.name} (SHA-256 {done[1]}). Give it to "
                "the sending school's DSL and read them the fingerprint by telephone.",
            ),
        )

    def print_key(self) -> None:
        if self.key is None:
            return
        from safelog.gui.workspace.printout import choose_printer, print_page

        printer = choose_printer(self, "Transfer key")
        if printer is None:
            return
        print_page(key_page_html(self.key), printer)
        self._say(self.notice, "The transfer key and its fingerprint were printed.")

    # -- sending, receiving, receipts ------------------------------------------------------

    def send(self) -> None:
        if self.open_send_dialog():
            self._say(self.notice, "The file was sent; it awaits the receiving school's receipt.")
            self.refresh()
            self.context.events.cases_changed.emit("")  # the inbox shows what awaits receipt

    def receive(self) -> None:
        session = self.context.session
        if self.busy.busy or session is None or session.locked:
            return
        source = self.choose_open_file(
            "Choose the file received", "Transfer files (*.sltransfer);;All files (*)"
        )
        if source is None:
            return
        receipt = self.choose_save_file(
            "Save the receipt for the sending school",
            f"{source.stem}-receipt.json",
            "Receipts (*.json)",
        )
        if receipt is None:
            return
        from safelog.vault.transfer_receive import receive_transfer

        self._run(
            "Checking and importing the file…",
            lambda: receive_transfer(session, source, receipt),
            self._received,
        )

    def _received(self, got: ReceivedTransfer) -> None:
        on_roll = "added to the roll" if got.pupil_added else "matched on the roll"
        self._say(
            self.notice,
            f"Received the child protection file of {got.pupil.display_name} from "
            f"{got.from_school} (signed by {got.from_dsl}, their DSL): {got.cases} case(s) and "
            f"{got.originals} original(s), kept as received. {got.pupil.display_name} was "
            f"{on_roll}.\n{got.from_school}'s certificate fingerprint: {got.ca_phone} "
            "(compare it with their DSL by telephone).\n"
            f"Send the receipt {got.receipt_path.name} to their DSL.",
        )
        self.refresh()

    def confirm_receipt(self) -> None:
        session = self.context.session
        if self.busy.busy or session is None or session.locked:
            return
        path = self.choose_open_file("Choose the receipt", "Receipts (*.json);;All files (*)")
        if path is None:
            return
        from safelog.vault.transfer_receive import confirm_receipt

        self._run("Checking the receipt…", lambda: confirm_receipt(session, path), self._confirmed)

    def _confirmed(self, done: ConfirmedReceipt) -> None:
        self._say(
            self.notice,
            f"Receipt recorded: {done.school} ({done.by}) received the file of {done.pupil} "
            f"on {done.received_at}.",
        )
        self.refresh()
        self.context.events.cases_changed.emit("")

    def save_chronology(self) -> None:
        session = self.context.session
        chosen = self.selected()
        if self.busy.busy or chosen is None or session is None or session.locked:
            return
        path = self.choose_save_file(
            "Save the signed chronology", "chronology.pdf", "PDF files (*.pdf)"
        )
        if path is None:
            return
        from safelog.vault.transfers import save_document

        transfer_id = chosen.transfer_id
        self._run(
            "Saving the chronology…",
            lambda: save_document(session, transfer_id, "chronology.pdf", path),
            lambda digest: self._say(
                self.notice, f"The signed chronology was saved to {path.name} (SHA-256 {digest})."
            ),
        )

    # -- shared ----------------------------------------------------------------------------

    def _run(self, what: str, work: Any, done: Any) -> None:
        self._say(self.notice, "")
        self._say(self.problem, "")
        self.busy.start(what)
        for button in (self.send_button, self.receive_button, self.confirm_button):
            button.setEnabled(False)

        def finished(result: Any) -> None:
            self._idle()
            done(result)

        def failed(exc: BaseException) -> None:
            self._idle()
            if isinstance(exc, UserFacingError):
                self._say(self.problem, str(exc))
            else:
                explain_error(self, exc)

        run_guarded(self.context, self, work, finished, failed)

    def _idle(self) -> None:
        self.busy.stop()
        for button in (self.send_button, self.receive_button, self.confirm_button):
            button.setEnabled(True)
        self._update_buttons()

    def _say(self, label: Any, text: str) -> None:
        set_plain_text(label, text)
        label.setVisible(bool(text))


def key_page_html(key: SchoolKey) -> str:
    """The printed page: the school, the fingerprint large, the key itself."""
    import html

    pem = key.pem().decode("ascii", "replace")
    return (
        f"<h1>SafeLog transfer key</h1><p>{html.escape(key.school)}</p>"
        "<p>Schools sending a child protection file to this school encrypt it to this key. "
        "Read the fingerprint to their DSL by telephone before they send.</p>"
        f"<h2>Fingerprint</h2><p style='font-size:20pt; font-family:monospace'>"
        f"{html.escape(key.phone)}</p>"
        f"<p>Made by {html.escape(key.made_by)} on {html.escape(said_at(key.made_at))}.</p>"
        f"<pre>{html.escape(pem)}</pre>"
    )
