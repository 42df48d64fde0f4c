"""What a child protection file transfer holds, gathered from the sending DSL's view of the
pupil: the signed chronology PDF, the machine-readable records (each case as `case show
--json` prints it, and the chronology) and every evidence original, with their SHA-256.

Only the cases the DSL's keys open are in it (the pupil's page, vault/pupils.py); of those,
a case whose subject holds the DSL role is left out and named (domain/transfers.py:
the school's copy is sealed for the DSL role, which must never open it). Each case and
original read for it is audited like any view or export.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.crypto.encoding import canonical_json
from safelog.domain.roll import Pupil
from safelog.domain.transfers import may_travel
from safelog.export.casefile_model import Attachment, attachment_key
from safelog.vault.case_schema import CaseField
from safelog.vault.cases import show_case
from safelog.vault.evidence_custody import custody_by_item
from safelog.vault.evidence_reading import EvidenceQuarantined, read_evidence
from safelog.vault.pupil_export import SignedChronology, signed_chronology
from safelog.vault.pupils import PupilPage, pupil_page
from safelog.vault.roll import pupil_record
from safelog.vault.session import Session
from safelog.vault.views import case_view, pupil_chronology_view

VIA = "child protection file transfer"
RECORDS_FORMAT = "safelog-transfer-records/1"
CHRONOLOGY_PART = "chronology.pdf"
RECORDS_PART = "records.json"


@dataclass(frozen=True)
class Original:
    part: str  # its name among the transfer's parts
    case: str
    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    data: bytes

    def listing(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "case": self.case,
            "id": self.id,
            "file_name": self.file_name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class TransferContent:
    pupil: Pupil
    page: PupilPage  # the cases that travel, and their chronology
    records: bytes  # records.json
    originals: tuple[Original, ...]
    left_out: tuple[str, ...]  # cases not sent, in plain words


def gather(session: Session, id_or_upn: str) -> TransferContent:
    """Read everything the file will hold (refused for anyone who does not manage cases)."""
    page = pupil_page(session, id_or_upn, via=VIA)
    people = session.directory.people
    cases: list[dict[str, Any]] = []
    originals: list[Original] = []
    travelling: set[str] = set()
    left_out: list[str] = []
    for case in page.cases:
        detail = show_case(session, case.reference)
        subjects = [
            people[s].claimed_roles for s in detail.get(CaseField.SUBJECTS, []) if s in people
        ]
        if not may_travel(subjects):
            left_out.append(
                f"{case.reference} is about a member of staff who holds the DSL role, so it is "
                "not in the transfer; send it separately if the new school needs it."
            )
            continue
        travelling.add(case.reference)
        view = dict(case_view(detail, session, custody_by_item(session, detail.reference)))
        view.pop("readers", None)  # this school's key slots mean nothing elsewhere
        cases.append(view)
        for info in detail.evidence:
            try:
                _, stream = read_evidence(
                    session, detail.reference, info.id, action=AuditAction.EVIDENCE_EXPORT
                )
            except EvidenceQuarantined:  # an offence to send (002 7.2.4): named, not sent
                left_out.append(
                    f"Evidence {info.file_name} of {case.reference} (SHA-256 {info.sha256}) is "
                    "quarantined: the case may involve indecent images of children, so it is "
                    "not sent; the device holding it is locked away at this school."
                )
                continue
            data = b"".join(stream)  # each chunk checked; the SHA-256 at the end
            originals.append(
                Original(
                    f"evidence/{len(originals) + 1:04d}",
                    detail.reference,
                    info.id,
                    info.file_name,
                    info.media_type,
                    info.size,
                    info.sha256,
                    data,
                )
            )
    kept = dataclasses.replace(
        page,
        cases=tuple(c for c in page.cases if c.reference in travelling),
        entries=tuple(e for e in page.entries if e.case in travelling),
    )
    records = {
        "format": RECORDS_FORMAT,
        "school": session.directory.school,
        "pupil": pupil_record(page.pupil),
        "cases": cases,
        "chronology": pupil_chronology_view(page.pupil, kept.entries)["entries"],
        "evidence": [o.listing() for o in originals],
        "left_out": left_out,
    }
    return TransferContent(
        page.pupil,
        kept,
        canonical_json(records),
        tuple(originals),
        tuple(left_out),
    )


def chronology_pdf(
    session: Session, content: TransferContent, password: str | None = None
) -> SignedChronology:
    """The signed chronology; with `password` (a school without SafeLog), the records and
    every original attached to it, so the one PDF is the whole file."""
    attachments: tuple[Attachment, ...] = ()
    if password is not None:
        attachments = (
            Attachment(
                "0001-records.json",
                RECORDS_PART,
                content.records,
                "application/json",
                hashlib.sha256(content.records).hexdigest(),
                "The records, machine-readable (SafeLog JSON)",
                True,
            ),
            *(
                Attachment(
                    attachment_key(number, o.file_name),
                    o.file_name,
                    o.data,
                    o.media_type,
                    o.sha256,
                    f"Evidence original from {o.case}",
                    False,
                )
                for number, o in enumerate(content.originals, start=2)
            ),
        )
    return signed_chronology(session, content.page, attachments=attachments, password=password)
