"""Change category… (the DSL, headteacher and chair, from a case): a concern turns out to be
another kind, most gravely one about indecent images of children. Moving a case into such a
category quarantines the pictures, PDFs and other files it already holds (002 7.2.4;
vault/quarantine.py), so the dialog says how many and asks where the device is locked away
before anything is saved; the vault checks it all again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.categories import all_categories
from safelog.domain.image_block import OFFENCE_WORDS, quarantined_in
from safelog.gui.widgets import named, plain_label

if TYPE_CHECKING:
    from safelog.vault.records import EvidenceInfo


class CategoryDialog(QDialog):
    """Returns the changes to save (`changes()`) once accepted."""

    def __init__(
        self, current: str, evidence: Sequence[EvidenceInfo], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.current = current
        self.evidence = list(evidence)
        self.setWindowTitle("Change category")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.category = named(QComboBox(self), "New category")
        for category in all_categories():
            self.category.addItem(category.title, category.code)
        self.category.setCurrentIndex(max(0, self.category.findData(current)))
        form.addRow("&Category", self.category)
        self.warning = plain_label("", self, role="warning")
        self.locked_away = named(QLineEdit(self), "Where the device is locked away")
        self.locked_away.setMaxLength(300)
        self.locked_away.setPlaceholderText("e.g. Phone sealed in an evidence bag in the safe")
        layout.addLayout(form)
        layout.addWidget(self.warning)
        place = QFormLayout()
        place.addRow("&Device locked away in", self.locked_away)
        layout.addLayout(place)
        self.error = plain_label("", self, role="error")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Change category")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.category.currentIndexChanged.connect(self._update)
        self._update()
        self.resize(640, self.sizeHint().height())

    def to_quarantine(self) -> list[EvidenceInfo]:
        """Items the chosen category would quarantine (none if the case is already in one)."""
        code = str(self.category.currentData())
        already = {e.id for e in self.evidence if quarantined_in(self.current, e.media_type)}
        return [
            e for e in self.evidence if quarantined_in(code, e.media_type) and e.id not in already
        ]

    def _update(self) -> None:
        items = self.to_quarantine()
        self.warning.setText(
            f"{len(items)} item(s) on this case will be quarantined: never shown, saved or "
            f"exported again ({', '.join(e.file_name for e in items)}). {OFFENCE_WORDS} "
            "Say where the device is locked away."
            if items
            else ""
        )
        self.warning.setVisible(bool(items))
        self.locked_away.setEnabled(bool(items))
        self.ok_button.setEnabled(self.category.currentData() != self.current)
        self.resize(max(self.width(), 640), self.heightForWidth(max(self.width(), 640)))

    def _accept(self) -> None:
        if self.to_quarantine() and not self.locked_away.text().strip():
            self.error.setText("Say where the device holding the images is locked away.")
            self.error.show()
            self.locked_away.setFocus()
            return
        self.accept()

    def changes(self) -> dict[str, str]:
        out = {"category": str(self.category.currentData())}
        if self.to_quarantine():
            out["device_locked_away"] = self.locked_away.text().strip()
        return out

    def launch(self) -> bool:
        return self.exec() == QDialog.DialogCode.Accepted
