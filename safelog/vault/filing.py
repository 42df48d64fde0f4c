"""Filing a report with its attachments, and adding one attachment to a case: the use case
behind "Report a concern" (a report and the screenshots and files that go with it) and the
add-evidence dialog.

The report is saved first; each attachment is then added on its own, so one that cannot be
added (empty, too large, refused for the kind of concern) is named in the result and never
costs the report. Bytes held in memory (a pasted picture, a screen capture) are streamed
into the vault and never written anywhere else, not even to a temporary file (DESIGN §3.3).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from safelog.evidence.intake import safe_file_name
from safelog.vault.cases import add_case
from safelog.vault.evidence import EvidenceAdded, add_evidence_detailed, import_stream_detailed

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


def import_source(
    session: Session, reference: str, source: Attachment, details: WhereSeen
) -> EvidenceAdded:
    """Add one attachment to a case: bytes in memory through a stream (never a temporary
    file), a file from its path. Refusals raise, as the vault's imports do."""
    seen = {
        "source_url": details.get("source_url", ""),
        "platform": details.get("platform", ""),
        "handle": details.get("handle", ""),
        "description": details.get("description", ""),
        "seen_at": details.get("seen_at", ""),
    }
    if source.data is not None:
        return import_stream_detailed(
            session,
            reference,
            io.BytesIO(source.data),
            original_name=source.name,
            metadata=seen,
        )
    if source.path is None:
        raise ValueError("nothing to import")
    return add_evidence_detailed(
        session,
        reference,
        source.path,
        source_url=seen["source_url"],
        platform=seen["platform"],
        handle=seen["handle"],
        description=seen["description"],
        seen_at=seen["seen_at"],
    )


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
    report = progress or (lambda _done, _total: None)
    filed = FiledReport(add_case(session, case))
    total = len(attachments)
    for done, attachment in enumerate(attachments):
        report(done, total)
        try:
            import_source(session, filed.reference, attachment, details)
        except Exception as exc:  # each one on its own; the report is already saved
            filed.not_added.append((attachment.display_name, exc))
    report(total, total)
    return filed
