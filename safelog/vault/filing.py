"""Filing a report with its attachments, and adding attachments to a case: the use case
behind "Report a concern" (a report and the screenshots and files that go with it) and the
add-evidence dialog.

The report is saved first; its attachments are then added as one batch in which each
stands alone, so one that cannot be added (empty, too large, refused for the kind of
concern) is named in the result and never costs the report or the others. Pictures are
recorded first and their thumbnails made afterwards (issue 17: the person waits for the
import, not for decoding fifty screenshots). Bytes held in memory (a pasted picture, a
screen capture) are streamed into the vault and never written anywhere else, not even to a
temporary file (DESIGN §3.3).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypedDict

from safelog.evidence.intake import safe_file_name
from safelog.vault.cases import add_case
from safelog.vault.evidence import fields_open_to_me, open_evidence_file, prepare_import
from safelog.vault.evidence_recording import EvidenceAdded, PreparedImport, record_imports
from safelog.vault.evidence_rules import evidence_limit

if TYPE_CHECKING:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.session import Session

Progress = Callable[[int, int], None]  # (done, total), called from the worker


@dataclass(frozen=True)
class Attachment:
    """One file to add as evidence: a file on disk by its path, or bytes held in memory.
    `name` is the original name as given (it may be hostile: show it only through
    `display_name`)."""

    name: str
    path: Path | None = None
    data: bytes | None = None  # held in memory only, never written to disk

    @property
    def display_name(self) -> str:
        return safe_file_name(self.name)

    def __repr__(self) -> str:  # never the bytes, and not the name either (it may say a lot)
        kind = "data" if self.data is not None else "path" if self.path is not None else "none"
        return f"Attachment({kind})"


class WhereSeen(TypedDict, total=False):
    """Where and when the evidence was seen, recorded with each item added."""

    platform: str
    source_url: str
    handle: str
    description: str
    seen_at: str  # ISO 8601


@dataclass
class FiledReport:
    """What filing did: the new case, and the attachments that could not be added to it,
    by their safe names, with why."""

    reference: str
    not_added: list[tuple[str, BaseException]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # their thumbnails are still to be made


def _seen(details: WhereSeen) -> dict[str, str]:
    return {
        "source_url": details.get("source_url", ""),
        "platform": details.get("platform", ""),
        "handle": details.get("handle", ""),
        "description": details.get("description", ""),
        "seen_at": details.get("seen_at", ""),
    }


def _opened(source: Attachment, limit: int) -> BinaryIO:
    if source.data is not None:
        return io.BytesIO(source.data)
    if source.path is None:
        raise ValueError("nothing to import")
    return open_evidence_file(source.path, limit)


Outcome = EvidenceAdded | Exception | None


# Files read but not yet recorded are swept as orphans by any sign-in once they are an hour
# old (store/chunks.py ORPHAN_AGE_SECONDS): a long batch records what it has read every few
# minutes, so none waits anywhere near that long.
RECORD_AFTER_SECONDS = 300.0


def import_sources(
    session: Session,
    reference: str,
    sources: Sequence[Attachment],
    details: WhereSeen,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[Outcome]:
    """Add attachments to a case as one batch: each is read, checked and stored, then all
    are recorded in one transaction (vault/evidence_recording.py; a batch still reading
    after RECORD_AFTER_SECONDS records what it has so far, and goes on), pictures with
    their thumbnails still to be made (`make_pending_thumbnails`, afterwards). One outcome
    per source, in order: what was added, why it was not (an exception), or None when
    `stop()` (asked after each one) said to stop before it was tried. Raises, adding
    nothing, when this person may not add to the case. `progress(done, total)` is called
    before each one and once at the end."""
    session.ensure_open()
    report = progress or (lambda _done, _total: None)
    limit = evidence_limit(session)
    fields = fields_open_to_me(session, reference)
    seen = _seen(details)
    outcomes: list[Outcome] = [None] * len(sources)
    prepared: list[tuple[int, PreparedImport]] = []
    first_read = 0.0

    def record_prepared() -> None:
        try:
            # On disk together, before any row names them (store/chunks.py).
            session.chunks.make_durable([item.evidence_id for _, item in prepared])
        except BaseException:
            for _, item in prepared:
                item.discard(session)
            raise
        recorded = record_imports(session, reference, [item for _, item in prepared])
        for (index, _), outcome in zip(prepared, recorded, strict=True):
            outcomes[index] = outcome
        prepared.clear()

    try:
        for index, source in enumerate(sources):
            if index and stop is not None and stop():  # the first always goes in
                break
            if prepared and time.monotonic() - first_read > RECORD_AFTER_SECONDS:
                record_prepared()
            report(index, len(sources))
            if not prepared:
                first_read = time.monotonic()
            try:
                with _opened(source, limit) as stream:
                    item = prepare_import(
                        session,
                        fields,
                        stream,
                        original_name=source.name,
                        head=None,
                        limit=limit,
                        metadata=seen,
                        in_batch=True,
                    )
            except Exception as exc:  # each one on its own: the others still go in
                outcomes[index] = exc
                continue
            prepared.append((index, item))
        record_prepared()
    except Exception as exc:
        for _, item in prepared:
            item.discard(session)
        if not any(isinstance(o, EvidenceAdded) for o in outcomes):
            raise
        # Part of the batch is recorded already: the rest is said not to have gone in.
        for index, outcome in enumerate(outcomes):
            if outcome is None:
                outcomes[index] = exc
    except BaseException:
        for _, item in prepared:
            item.discard(session)
        raise
    report(len(sources), len(sources))
    return outcomes


def added_ids(outcomes: Sequence[Outcome]) -> list[str]:
    """The items a batch stored (not the sightings of ones already there)."""
    return [o.evidence_id for o in outcomes if isinstance(o, EvidenceAdded) and not o.duplicate]


def file_report(
    session: Session,
    case: CaseInput,
    attachments: Sequence[Attachment],
    details: WhereSeen,
    progress: Progress | None = None,
) -> FiledReport:
    """Save the report, then add each attachment to it with `details`. Only saving the
    report can fail; an attachment that cannot be added is named in the result.
    `progress(done, total)` is called before each attachment and once at the end."""
    filed = FiledReport(add_case(session, case))
    try:
        outcomes = import_sources(session, filed.reference, attachments, details, progress)
    except Exception as exc:  # the report is saved; none of its attachments could be
        filed.not_added.extend((a.display_name, exc) for a in attachments)
        return filed
    for attachment, outcome in zip(attachments, outcomes, strict=True):
        if isinstance(outcome, Exception):
            filed.not_added.append((attachment.display_name, outcome))
    filed.added = added_ids(outcomes)
    return filed
