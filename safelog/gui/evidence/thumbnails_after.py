"""The thumbnails of pictures just added, made in the worker after the import has been
recorded and shown (vault/evidence_thumbnails.py): the person does not wait for fifty
screenshots to be decoded. When they are made, the case is announced as changed, so an
open evidence list shows them.

A failure says nothing to the user unless it is a fault: the pictures are recorded either
way, shown without a thumbnail until one is made, and tampering is named when the list is
read. An item left waiting (the program stopped first) is made when its author next opens
the list (evidence/panel.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from safelog.errors import UserFacingError
from safelog.evidence.images import PREVIEW_PENDING, PREVIEW_THUMBNAIL
from safelog.gui.errors import error_text

if TYPE_CHECKING:
    from safelog.gui.context import AppContext
    from safelog.vault.evidence_reading import EvidenceItem


def make_thumbnails_after(
    context: AppContext,
    reference: str,
    evidence_ids: list[str] | None = None,
    made_now: Callable[[dict[str, str]], None] | None = None,
) -> None:
    """Make this person's missing thumbnails on a case (those named, or all). `made_now`
    is given the preview status of each one made (on the GUI thread; it must check that
    its own window still exists)."""
    from safelog.vault.evidence_thumbnails import make_pending_thumbnails

    session = context.session
    making = context.thumbnails_being_made
    if session is None or session.locked or reference in making:
        return
    making.add(reference)

    def done(made: dict[str, str]) -> None:
        making.discard(reference)
        if made and not session.locked:
            if made_now is not None:
                made_now(made)
            context.events.cases_changed.emit(reference)

    def failed(exc: BaseException) -> None:
        making.discard(reference)
        # Locked under the job is expected; tampering is named when the list is read.
        if not session.locked and not isinstance(exc, UserFacingError):
            error_text(exc)  # a fault: the crash handler

    context.runner.run(
        lambda: make_pending_thumbnails(session, reference, evidence_ids), done, failed
    )


def has_thumbnail(context: AppContext, preview: str, reference: str) -> bool:
    """Whether to read an item's thumbnail: one was made, or it is still to be made and no
    job of ours is making it (the reader then makes it in memory)."""
    return preview == PREVIEW_THUMBNAIL or (
        preview == PREVIEW_PENDING and reference not in context.thumbnails_being_made
    )


def make_left_thumbnails(
    context: AppContext, reference: str, items: Iterable[EvidenceItem]
) -> None:
    """Thumbnails left waiting on a case (the program stopped before they were made) are made
    when their author next opens its evidence."""
    if any(item.info.metadata.get("preview") == PREVIEW_PENDING for item in items):
        make_thumbnails_after(context, reference)
