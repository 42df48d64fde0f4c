"""Policy declarations… (Records menu, for everyone): each member of staff signs that they have
read the school's policies and will follow them (002 8.1, 9.1, appendix 2); the DSL and admin
also see who has signed, who has not, and print the register. The work is
vault/declarations.py, in the worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.declarations import DECLARATIONS, Declaration
from safelog.gui.errors import error_text
from safelog.gui.export_dialog import (
    documents_folder,
    file_dialog_options,
    forget_file_dialog_history,
)
from safelog.gui.formatting import uk_datetime
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import run_guarded
from safelog.vault.declarations import REGISTER_READERS

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.declarations import Register


class DeclarationsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        session = context.require_session()
        self.reader = bool(REGISTER_READERS & session.person.roles)
        self.name = session.person.name
        self.setWindowTitle("Policy declarations")
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Sign each declaration once you have read the policy. Your signature is "
                "made with your own key and kept in the school's audit log.",
                self,
                role="muted",
            )
        )
        self.states: dict[str, Any] = {}
        self.sign_buttons: dict[str, QPushButton] = {}
        for declaration in DECLARATIONS:
            box = QGroupBox(declaration.title, self)
            box_layout = QVBoxLayout(box)
            box_layout.addWidget(plain_label(f"\u201c{declaration.text}\u201d", box))
            state = plain_label("", box, role="muted")
            named(state, f"Whether you have signed: {declaration.title}")
            box_layout.addWidget(state)
            button = named(QPushButton(f"&Sign as {self.name}", box), f"Sign: {declaration.title}")
            button.clicked.connect(lambda _=False, d=declaration: self.sign(d))
            box_layout.addWidget(button)
            self.states[declaration.code] = state
            self.sign_buttons[declaration.code] = button
            layout.addWidget(box)

        self.register = named(QPlainTextEdit(self), "Who has signed and who has not")
        self.register.setReadOnly(True)
        self.register.setVisible(self.reader)
        layout.addWidget(self.register)
        self.error = plain_label("", self, role="error", selectable=True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.print_button = buttons.addButton(
            "&Print the register…", QDialogButtonBox.ButtonRole.ActionRole
        )
        named(self.print_button, "Print the register of declarations")
        self.print_button.setVisible(self.reader)
        self.print_button.clicked.connect(self.print_register)
        close = named(buttons.addButton(QDialogButtonBox.StandardButton.Close), "Close")
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 640 if self.reader else 420)
        self.refresh()

    def say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def refresh(self) -> None:
        if not self.reader:
            return
        session = self.context.require_session()

        def work() -> tuple[dict[str, Any], Register]:
            from safelog.vault.declarations import declaration_register, my_signatures

            return my_signatures(session), declaration_register(session)

        run_guarded(self.context, self, work, self._loaded, self._failed)

    def _loaded(self, result: tuple[dict[str, Any], Register]) -> None:
        mine, register = result
        for code, when in mine.items():
            if code in self.states:
                self.states[code].setText(f"You signed on {uk_datetime(when)}.")
        lines = []
        for declaration in DECLARATIONS:
            lines.append(declaration.title)
            for s in register.signatures:
                if s.declaration == declaration.code and s.text_sha256 == declaration.text_sha256:
                    lines.append(f"  signed   {s.name}, {uk_datetime(s.at)}")
            missing = register.not_signed.get(declaration.code, [])
            lines.append("  not yet  " + (", ".join(missing) if missing else "(everyone signed)"))
        if register.adults:
            lines.append("Adults who are not SafeLog users (to sign on paper)")
            lines.append("  " + ", ".join(register.adults))
        self.register.setPlainText("\n".join(lines))

    def _failed(self, exc: BaseException) -> None:
        self.say_error(error_text(exc))

    def sign(self, declaration: Declaration) -> None:
        session = self.context.require_session()
        button = self.sign_buttons[declaration.code]
        button.setEnabled(False)

        def work() -> object:
            from safelog.vault.declarations import sign_declaration

            return sign_declaration(session, declaration.code)

        def done(_signed: object) -> None:
            self.states[declaration.code].setText(f"Signed just now by {self.name}.")
            self.say_error("")
            self.refresh()

        def failed(exc: BaseException) -> None:
            button.setEnabled(True)
            self.say_error(error_text(exc))

        run_guarded(self.context, self, work, done, failed)

    def print_register(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Save the register of declarations",
            str(documents_folder() / "policy-declarations.pdf"),
            "PDF (*.pdf)",
            options=file_dialog_options(),
        )
        forget_file_dialog_history()  # no trail of where it was saved (see export_dialog)
        if not chosen:
            return
        self.save_register(Path(chosen))

    def save_register(self, out: Path) -> None:
        session = self.context.require_session()

        def work() -> str:
            from safelog.vault.declarations import print_register

            return print_register(session, out)

        def done(digest: str) -> None:
            self.say_error("")
            self.register.appendPlainText(f"\nSaved {out.name} (SHA-256 {digest[:16]}…).")

        run_guarded(self.context, self, work, done, self._failed)

    def launch(self) -> int:
        return self.exec()
