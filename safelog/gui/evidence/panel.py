"""The Evidence tab of the case workspace: the items on a case with their thumbnails, the
details and chain of custody of the one selected, the viewer, "Save a copy…", and the ways
to add more (files, paste, screen capture, drag and drop).

Names, types and details come with the case as loaded (show_case, audited as a view). The
thumbnails are read in the worker (`list_case_evidence(thumbnails=True)`, audited as a
listing) when the tab is on screen, for items not shown yet, in memory only; dropped on lock.

Who may add is asked of the vault (`intake_rules`) before anything is captured: the add
buttons are disabled with the reason when this person may not add. For concerns that may
involve indecent images of children the UKCIS guidance is shown, pictures cannot be captured,
and the reports recorded instead of images are listed.

A member of staff sees this tab on a report they made, with only the items they added (the
DSL's own evidence on the case is not theirs to see, like the DSL's notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QImage,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from safelog.domain.image_block import QUARANTINE_WORDS, quarantined_in
from safelog.gui.dialogs import tell
from safelog.gui.errors import error_text
from safelog.gui.evidence.details import EvidenceDetails, preview_status
from safelog.gui.evidence.intake_controller import EvidenceIntake
from safelog.gui.evidence.item_list import (
    ICON_SIZE,
    EvidenceList,
    item_text,
    kind_word,
    placeholder,
    square_icon,
)
from safelog.gui.evidence.reported_instead import ReportedInsteadBox
from safelog.gui.evidence.thumbnails_after import has_thumbnail, make_left_thumbnails
from safelog.gui.widgets import named, plain_label
from safelog.gui.worker import LatestOnly
from safelog.gui.workspace.panel import CaseView, FormError, Notice, Saver, WorkspacePanel
from safelog.vault.case_schema import CaseField
from safelog.vault.evidence_reading import EvidenceItem, sightings_of
from safelog.vault.evidence_rules import IntakeRules

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.gui.evidence.sources import PendingSource
    from safelog.gui.evidence.viewer import EvidenceViewer
    from safelog.vault.records import EvidenceInfo

NO_PICTURES = (
    "Screen captures are pictures, and pictures are never stored for this kind of concern."
)
IMAGES_BLOCKED = (
    "Only plain text notes are kept for this kind of concern: pictures, video, archives, "
    "PDFs, e-mails and documents never are (UK law; UKCIS guidance). "
    "Record instead what was reported, who was told and the police reference."
)


class EvidencePanel(WorkspacePanel):
    title = "Evidence"
    # After each load of the add rules (and thumbnails, when they were read).
    loaded = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None, save: Saver) -> None:
        super().__init__(context, parent, save)
        self._reference = ""
        self._items: list[EvidenceItem] = []
        self._thumbnails: dict[str, QPixmap] = {}
        self._tiles: dict[str, QPixmap] = {}
        self._rules: IntakeRules | None = None
        self._thumbnails_wanted = False
        self.viewers: list[EvidenceViewer] = []
        self.loader = LatestOnly(context, self, self._loaded, self._failed, reload=self._load)

        layout = QVBoxLayout(self)
        self.banner = plain_label("", self, role="warning")
        named(self.banner, "Guidance: pictures are not stored for this concern")
        self.banner.hide()
        layout.addWidget(self.banner)

        self.reports_box = ReportedInsteadBox(self)
        self.reports_table = self.reports_box.table
        layout.addWidget(self.reports_box)

        buttons = QHBoxLayout()
        self.add_button = named(
            QPushButton("Add &files…", self), "Add files as evidence", "Choose files to add."
        )
        self.paste_button = named(
            QPushButton("&Paste", self),
            "Paste as evidence (Ctrl+V)",
            "Add what was copied: files, a picture or text.",
        )
        self.capture_button = named(
            QPushButton("&Capture screen…", self),
            "Capture the screen as evidence",
            "SafeLog hides itself while the picture is taken.",
        )
        self.view_button = named(QPushButton("&View", self), "View the selected item")
        self.copy_button = named(
            QPushButton("&Save a copy…", self), "Save a copy of the selected item's original"
        )
        for button in (self.add_button, self.paste_button, self.capture_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.view_button)
        buttons.addWidget(self.copy_button)
        layout.addLayout(buttons)
        self.reason = plain_label("", self, role="muted")
        named(self.reason, "Why evidence cannot be added")
        self.reason.hide()
        layout.addWidget(self.reason)
        self.hint = plain_label(
            "You can also drag files here, or paste with Ctrl+V.", self, role="muted"
        )
        layout.addWidget(self.hint)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        left = QWidget(self.splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.list = named(
            EvidenceList(left),
            "Evidence on this case",
            "Press Enter or double-click to view an item.",
        )
        self.list.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setSpacing(2)
        self.list.setAlternatingRowColors(True)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        left_layout.addWidget(self.list, 1)
        self.empty = plain_label("No evidence has been added to this case yet.", left, role="muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        left_layout.addWidget(self.empty)
        self.already = plain_label("", left, role="muted")
        named(self.already, "Files you added that were already on the case")
        self.already.hide()
        left_layout.addWidget(self.already)
        left_layout.addStretch(0)  # takes the space only while the list is hidden
        self.details = EvidenceDetails(context, self.splitter, stacked=True)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)

        self.error = FormError(self)
        self.notice = Notice(self)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)

        self.intake = EvidenceIntake(
            self,
            context.clock,
            self.start_adding,
            self.error.show_error,
            closed=self._closed,
            no_capture=self._no_capture,
        )
        self.capture_menu = self.intake.connect_buttons(
            self.paste_button, self.add_button, self.capture_button
        )
        self.capture_actions = self.intake.capture_actions
        self.view_button.clicked.connect(self.view_current)
        self.copy_button.clicked.connect(self.save_copy)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.view_current())
        self.list.open_requested.connect(self.view_current)
        context.events.locked.connect(self.clear)
        self._apply_rules()
        self._selection_buttons()

    # -- what is shown ---------------------------------------------------------------------

    @property
    def reference(self) -> str:
        return self._reference

    @property
    def items(self) -> list[EvidenceItem]:
        return list(self._items)

    @property
    def rules(self) -> IntakeRules | None:
        return self._rules

    def count(self) -> int | None:
        return len(self._items) if self.view is not None else None

    @staticmethod
    def _own_only(view: CaseView) -> bool:
        # Staff see what they added to their own report, not the DSL's evidence.
        return not view.can_edit

    def _shown_infos(self, view: CaseView) -> list[EvidenceInfo]:
        infos = list(view.detail.evidence)
        if self._own_only(view):
            infos = [i for i in infos if i.added_by == view.my_name]
        return infos

    @staticmethod
    def _already_there(view: CaseView, shown: Sequence[EvidenceInfo]) -> int:
        """Files this person added that were already on the case as someone else's item."""
        ids = {i.id for i in shown}
        return sum(
            1
            for s in view.fields.get("evidence_sightings") or []
            if s.get("recorded_by") == view.my_name and s.get("evidence_id") not in ids
        )

    def show_case(self, view: CaseView) -> None:
        reference = view.detail.reference
        if reference != self._reference:
            self._forget()
        super().show_case(view)
        self._reference = reference
        own_only = self._own_only(view)
        if own_only and view.being_handled:
            empty = (
                "This report is now being handled: anything you added to it is with the DSL, "
                "and it is no longer shown here."
            )
        elif own_only:
            empty = "You have not added any evidence to this report."
        else:
            empty = "No evidence has been added to this case yet."
        self.empty.setText(empty)
        shown = self._shown_infos(view)
        category = str(view.fields.get(CaseField.CATEGORY) or "")
        self._items = [
            EvidenceItem(
                info,
                [
                    s
                    for s in sightings_of(view.fields, info.id)
                    if not own_only or s.get("recorded_by") == view.my_name
                ],
                quarantined=quarantined_in(category, info.media_type),
            )
            for info in shown
        ]
        already = self._already_there(view, shown) if own_only else 0
        self.already.setText(
            f"{already} file{' you added was' if already == 1 else 's you added were'} already "
            "on the case (the same file), so SafeLog kept the copy it had and recorded that "
            "you added it again. The DSL can see it."
            if already
            else ""
        )
        self.already.setVisible(bool(already))
        self._fill_list()
        self._show_reports(view)
        self._load()

    def _fill_list(self) -> None:
        current = self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        for entry in self._items:
            info = entry.info
            row = QListWidgetItem(item_text(entry))
            row.setData(Qt.ItemDataRole.UserRole, info.id)
            row.setIcon(QIcon(self._thumbnails.get(info.id) or self._tile(kind_word(info))))
            row.setData(Qt.ItemDataRole.AccessibleTextRole, item_text(entry).replace("\n", ", "))
            row.setSizeHint(QSize(0, ICON_SIZE + 16))
            self.list.addItem(row)
        self.list.blockSignals(False)
        self.empty.setVisible(not self._items)
        self.list.setVisible(bool(self._items))
        self.details.setVisible(bool(self._items))
        ids = [e.info.id for e in self._items]
        if ids:
            self.select(current if current in ids else ids[0])
        else:
            self.details.clear()
        self._selection_buttons()

    def _tile(self, word: str) -> QPixmap:
        # Kept by the panel (not the module), so no pixmap outlives the application.
        if word not in self._tiles:
            self._tiles[word] = placeholder(word)
        return self._tiles[word]

    def _refresh_icons(self) -> None:
        for index in range(self.list.count()):
            row = self.list.item(index)
            evidence_id = row.data(Qt.ItemDataRole.UserRole)
            if evidence_id in self._thumbnails:
                row.setIcon(QIcon(self._thumbnails[evidence_id]))

    def _show_reports(self, view: CaseView) -> None:
        reports = list(view.fields.get("image_reports") or [])
        if self._own_only(view):
            reports = [r for r in reports if r.get("recorded_by") == view.my_name]
        blocked = self._rules is not None and self._rules.images_blocked
        self.reports_box.show_reports(reports, blocked, view.fields.get("quarantine") or [])

    # -- loading ---------------------------------------------------------------------------

    def _wanted_thumbnails(self) -> set[str]:
        return {
            e.info.id
            for e in self._items
            if has_thumbnail(self.context, preview_status(e.info), self._reference)
            and e.info.id not in self._thumbnails
        }

    def _load(self) -> None:
        """Ask the vault what this person may add and, when the tab is on screen, read the
        thumbnails not yet shown."""
        if self.loader.defer():
            return
        session = self.context.session
        reference = self._reference
        if session is None or session.locked or not reference:
            return
        wanted = self._wanted_thumbnails() if self.isVisible() else set()
        self._thumbnails_wanted = bool(self._wanted_thumbnails()) and not wanted

        def work() -> tuple[IntakeRules, dict[str, QImage]]:
            from safelog.vault.evidence_reading import list_case_evidence
            from safelog.vault.evidence_rules import intake_rules

            rules = intake_rules(session, reference)
            images: dict[str, QImage] = {}
            if wanted:
                for listed in list_case_evidence(session, reference, thumbnails=True):
                    if listed.info.id in wanted and listed.thumbnail:
                        image = QImage()
                        if image.loadFromData(listed.thumbnail, "PNG"):
                            images[listed.info.id] = image
            return rules, images

        self.loader.run(work)

    def _loaded(self, result: tuple[IntakeRules, dict[str, QImage]]) -> None:
        rules, images = result
        self._rules = rules
        for evidence_id, image in images.items():
            self._thumbnails[evidence_id] = square_icon(image)
        self._refresh_icons()
        self._apply_rules()
        if self.view is not None:
            self._show_reports(self.view)
        make_left_thumbnails(self.context, self._reference, self._items)
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.error.show_error("The evidence could not be loaded. " + error_text(exc))
        self.loaded.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._thumbnails_wanted and self.view is not None:
            self._load()

    # -- adding ----------------------------------------------------------------------------

    def _apply_rules(self) -> None:
        rules = self._rules
        may_add = rules is not None and rules.may_add
        for button in (self.add_button, self.paste_button, self.capture_button):
            button.setEnabled(may_add)
        reason = ""
        if rules is not None and not rules.may_add:
            reason = rules.reason
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.hint.setVisible(may_add)
        blocked = rules is not None and rules.images_blocked
        if may_add and blocked:
            self.capture_button.setEnabled(False)
            self.capture_button.setToolTip(NO_PICTURES)
        else:
            self.capture_button.setToolTip("")
        tip = reason if not may_add else ""
        self.add_button.setToolTip(tip)
        self.paste_button.setToolTip(tip)
        if blocked and rules is not None:
            self.banner.setText(IMAGES_BLOCKED + "\n\n" + rules.guidance)
        self.banner.setVisible(blocked)

    def may_add(self) -> bool:
        return self._rules is not None and self._rules.may_add and self.view is not None

    def start_adding(self, sources: Sequence[PendingSource]) -> bool:
        """Hand what came in to the add dialog; reload the case when something was added."""
        self.error.clear_error()
        self.notice.clear()
        if not sources:
            return False
        if not self.may_add():
            reason = self._rules.reason if self._rules is not None else ""
            self.error.show_error(reason or "Evidence cannot be added to this case now.")
            return False
        from safelog.gui.evidence.add_dialog import start_adding

        reference = self._reference
        announced: list[str] = []
        events = self.context.events
        record = announced.append
        events.cases_changed.connect(record)
        try:
            added = start_adding(self.context, self, reference, list(sources))
        finally:
            events.cases_changed.disconnect(record)
        # Load the case again, unless the add dialog has already said it changed (one
        # reload, not two: reloads are audited, and each is a write).
        if added and not {reference, ""} & set(announced):
            events.cases_changed.emit(reference)
        elif not added:
            # Refused or cancelled: ask again who may add, so a report that someone began
            # handling meanwhile says so here and its buttons go grey.
            self._load()
        return bool(added)

    # -- the routes in (intake_controller.py) ---------------------------------------------

    def _closed(self) -> str | None:
        """None when this person may add here now; else why not ("" when there is nothing
        to say yet)."""
        if self.may_add():
            return None
        return self._rules.reason if self._rules is not None else ""

    def _no_capture(self) -> str | None:
        blocked = self._rules is not None and self._rules.images_blocked
        return NO_PICTURES if blocked else None

    def add_files(self) -> bool:
        return self.intake.choose()

    def paste(self) -> bool:
        return self.intake.paste()

    def capture_screen(self, mode: str) -> bool:
        return self.intake.capture(mode)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.intake.drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.intake.drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.intake.drop(event)

    # -- selection, viewing, copies --------------------------------------------------------

    def current_id(self) -> str:
        row = self.list.currentItem()
        return str(row.data(Qt.ItemDataRole.UserRole)) if row is not None else ""

    def current_item(self) -> EvidenceItem | None:
        evidence_id = self.current_id()
        return next((e for e in self._items if e.info.id == evidence_id), None)

    def select(self, evidence_id: str) -> bool:
        for index in range(self.list.count()):
            row = self.list.item(index)
            if row.data(Qt.ItemDataRole.UserRole) == evidence_id:
                self.list.blockSignals(True)
                self.list.setCurrentRow(index)
                self.list.blockSignals(False)
                self._show_details()
                self._selection_buttons()
                return True
        return False

    def _current_changed(self, *_args: object) -> None:
        self._show_details()
        self._selection_buttons()

    def _show_details(self) -> None:
        entry = self.current_item()
        if entry is None or self.view is None:
            self.details.clear()
            return
        self.details.show_item(entry, self.view.names, self._reference)

    def _selection_buttons(self) -> None:
        entry = self.current_item()
        usable = entry is not None and not entry.quarantined  # the vault refuses it anyway
        self.view_button.setEnabled(usable)
        self.copy_button.setEnabled(usable)

    def view_current(self) -> EvidenceViewer | None:
        entry = self.current_item()
        if entry is not None and entry.quarantined:
            tell(self, "Quarantined", QUARANTINE_WORDS, warning=True)
            return None
        return self.open_viewer(entry) if entry is not None else None

    def open_viewer(self, entry: EvidenceItem) -> EvidenceViewer:
        """Open the viewer (a window of its own) on one item."""
        from safelog.gui.evidence.viewer import EvidenceViewer

        viewer = EvidenceViewer(
            self.context,
            self._reference,
            entry,
            self,
            names=dict(self.view.names) if self.view is not None else {},
        )
        self.viewers.append(viewer)
        viewer.recorded.connect(self._custody_changed)
        viewer.finished.connect(lambda _result, v=viewer: self._viewer_closed(v))
        viewer.show()
        return viewer

    def _viewer_closed(self, viewer: EvidenceViewer) -> None:
        if viewer in self.viewers:
            self.viewers.remove(viewer)
        viewer.deleteLater()

    def _custody_changed(self, evidence_id: str) -> None:
        if evidence_id and evidence_id == self.details.evidence_id:
            self.details.load_custody()

    def save_copy(self) -> bool:
        from safelog.gui.evidence import viewer

        entry = self.current_item()
        if entry is None:
            return False
        self.error.clear_error()
        self.notice.clear()
        evidence_id = entry.info.id
        self.copy_button.setEnabled(False)

        def saved(message: str) -> None:
            self._selection_buttons()
            self.notice.setText(message)
            self._custody_changed(evidence_id)

        def failed(message: str) -> None:
            self._selection_buttons()
            self.error.show_error(message)
            self._custody_changed(evidence_id)

        started = viewer.save_copy(self.context, self, self._reference, entry, saved, failed)
        if not started:
            self._selection_buttons()
        return started

    # -- forgetting ------------------------------------------------------------------------

    def _close_viewers(self) -> None:
        for viewer in list(self.viewers):
            viewer.forget()
            viewer.deleteLater()
        self.viewers = []

    def _forget(self) -> None:
        self.loader.reset()
        self._thumbnails_wanted = False
        self._items = []
        self._thumbnails = {}
        self._rules = None
        self._reference = ""
        self.list.clear()
        self.details.clear()
        self.reports_box.clear()
        self.banner.setText("")
        self.error.clear_error()
        self.notice.clear()
        self._close_viewers()
        self._apply_rules()
        self._selection_buttons()

    def clear(self) -> None:
        """Drop every thumbnail, detail and open viewer (on lock)."""
        super().clear()
        self._forget()
