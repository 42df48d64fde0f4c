"""Exporting a pupil's chronology as a signed PDF (issue 13): for a strategy meeting, or the
child protection file that moves with a child to a new school.

Who may export is who may see the pupil's page (vault/pupils.py): those who manage cases,
and only the cases their keys open. Reading the cases for it is audited on each case ("via
pupil's chronology export"); the export itself as "pupil.export" with the SHA-256 of the
signed file. It is signed exactly as a case file is (the person's certificate from the
school CA, a visible signature, a timestamp when a timestamp server is configured), and
written only where the person chose, atomically and owner-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from safelog.audit.actions import AuditAction
from safelog.domain.names import fold_name
from safelog.domain.roles import ROLE_LABELS, Role
from safelog.domain.roll import Pupil
from safelog.errors import InvalidInput
from safelog.export.casefile_model import Attachment, attachment_entries
from safelog.export.options import ExportResult
from safelog.export.redact import OtherPerson
from safelog.store.files import write_atomically
from safelog.vault.export import ca_fingerprint, signing_identity
from safelog.vault.pupils import PupilCase, PupilPage, pupil_page
from safelog.vault.roll import Roll, load_roll
from safelog.vault.session import Session

VIA = "pupil's chronology export"


def others_named(pupil: Pupil, cases: tuple[PupilCase, ...], roll: Roll) -> list[OtherPerson]:
    """Everyone the cases name but the pupil, once each, in the order they first appear: a
    pupil picked from the roll by their roll id (with every form of their name), anyone
    typed by kind and name."""
    seen: set[tuple[str, str]] = set()
    out: list[OtherPerson] = []
    for case in cases:
        for person in case.people:
            linked = person.get("pupil")
            if linked == pupil.id:
                continue
            name = str(person.get("name", "")).strip()
            kind = str(person.get("kind", ""))
            key = ("roll", linked) if linked else (kind, fold_name(name))
            if key in seen or not name:
                continue
            seen.add(key)
            names = [name]
            if linked and linked in roll.pupils:
                names += roll.pupils[linked].name_forms
            out.append(OtherPerson(kind, tuple(dict.fromkeys(names))))
    return out


@dataclass(frozen=True)
class SignedChronology:
    data: bytes  # the signed PDF, in memory
    pages: int
    timestamped: bool
    messages: list[str]  # plain-words notes (a timestamp server that did not answer)


def signed_chronology(
    session: Session,
    page: PupilPage,
    *,
    pseudonymise: bool = False,
    attachments: tuple[Attachment, ...] = (),
    password: str | None = None,
) -> SignedChronology:
    """The chronology of `page` rendered and signed in memory, with `attachments` (and
    their SHA-256 in the signed manifest) and, with `password`, encrypted (AES-256): what a
    child protection file transfer holds (vault/transfer_payload.py)."""
    from safelog.export import signing
    from safelog.export.pupil_chronology import (
        PupilChronologyData,
        document_reference,
        render_pupil_chronology,
    )

    identity = signing_identity(session, "a chronology")
    person = session.person
    tsa_url = signing.resolve_tsa_url(None)
    messages: list[str] = []
    timestamper = None
    if tsa_url:
        timestamper, message = signing.connect_timestamper(tsa_url)
        if message:
            messages.append(message)
    data = PupilChronologyData(
        school=session.directory.school,
        page=page,
        printed_by=person.name,
        printed_by_roles=", ".join(ROLE_LABELS[r] for r in Role if r in person.roles),
        printed_at=session.clock(),
        others=tuple(others_named(page.pupil, page.cases, load_roll(session))),
        ca_fingerprint=ca_fingerprint(session),
        timestamp_url=tsa_url if timestamper is not None else None,
    )
    rendered = render_pupil_chronology(data, pseudonymise=pseudonymise)
    if attachments:
        rendered.attachments.extend(attachments)
        rendered.manifest["attachments"] = attachment_entries(attachments)
    reference = document_reference(page.pupil)
    signed = signing.sign_case_file(
        rendered,
        identity,
        reference=reference,
        password=password,
        timestamper=timestamper,
        reason=f"Safeguarding chronology ({reference}), exported from SafeLog",
    )
    return SignedChronology(signed, rendered.pages, timestamper is not None, messages)


def export_pupil_chronology(
    session: Session, id_or_upn: str, out_path: Path, *, pseudonymise: bool = False
) -> ExportResult:
    """The pupil's chronology as a signed PDF at `out_path` (which must not exist yet)."""
    session.ensure_open()
    out_path = Path(out_path)
    if out_path.exists():
        raise InvalidInput(f"{out_path} already exists; choose another name.")
    if not out_path.parent.is_dir():
        raise InvalidInput(f"There is no folder {out_path.parent} to save the chronology in.")
    page = pupil_page(session, id_or_upn, via=VIA)  # refuses anyone who does not manage cases
    chronology = signed_chronology(session, page, pseudonymise=pseudonymise)
    signed = chronology.data
    digest = write_atomically(out_path, signed)
    try:
        with session.write() as conn:
            session.audit(
                conn,
                AuditAction.PUPIL_EXPORT,
                {
                    "pupil": page.pupil.id,
                    "cases": len(page.cases),
                    "sha256": digest,
                    "size": len(signed),
                    "pages": chronology.pages,
                    "pseudonymised": pseudonymise,
                    "timestamped": chronology.timestamped,
                },
            )
    except BaseException:
        # An export that could not be recorded must not be left behind unrecorded.
        out_path.unlink(missing_ok=True)
        raise
    return ExportResult(
        path=out_path,
        sha256=digest,
        size=len(signed),
        pages=chronology.pages,
        signer=session.person.name,
        timestamped=chronology.timestamped,
        attachments=0,
        messages=chronology.messages,
    )
