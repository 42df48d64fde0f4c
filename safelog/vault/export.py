"""Exporting a case as a signed PDF case file (DESIGN §5): the use case behind the export
dialog and `safelog export`.

Who may export is who may read: the case is opened with the reader's own keys, so a
headteacher can never export a concern about themselves (open_case refuses). Reading the
evidence for the file is audited as "evidence.export", and the export itself as
"case.export" with the SHA-256 of the signed file. The file is written only where the person
chose, atomically and owner-only; nothing of it touches a temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safelog.audit.actions import AuditAction
from safelog.domain.image_block import allowed_in_image_category
from safelog.domain.roles import KeyRole
from safelog.errors import InvalidInput
from safelog.export.options import (
    CancelCheck,
    ExportCancelled,
    ExportOptions,
    ExportResult,
    ProgressCallback,
)
from safelog.store.files import write_atomically
from safelog.vault.case_schema import CaseField
from safelog.vault.session import Session

if TYPE_CHECKING:
    from safelog.export.casefile import EvidenceEntry
    from safelog.export.casefile_model import RenderedCaseFile
    from safelog.export.signing import SigningIdentity
    from safelog.vault.records import CaseDetail, EvidenceInfo

MiB = 1024 * 1024
ATTACH_LIMIT = 100 * MiB  # one original larger than this is not attached (say how to get it)
ATTACH_TOTAL_LIMIT = 500 * MiB  # nor once the attachments would pass this
IMAGE_READ_LIMIT = 64 * MiB  # image files larger than this are not drawn

_KEY_WORDS: dict[str, str] = {
    KeyRole.DSL: "the designated safeguarding leads",
    KeyRole.LEADERSHIP: "leadership (the headteacher)",
    KeyRole.GOVERNORS: "the governors (the chair)",
    KeyRole.ADMIN: "administrators",
}


class _Steps:
    """Progress and cancellation for one export."""

    def __init__(self, progress: ProgressCallback | None, cancel: CancelCheck | None) -> None:
        self.progress = progress
        self.cancel = cancel
        self.done = 0
        self.total = 1

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ExportCancelled("The export was cancelled; no file was written.")

    def step(self, what: str) -> None:
        self.check()
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total, what)


def _readers(audience: list[str]) -> list[str]:
    out = []
    for slot in audience:
        role = re.fullmatch(r"(\w+) role key \(epoch \d+\)", slot)
        if role:
            out.append(_KEY_WORDS.get(role.group(1), role.group(1)))
        elif slot.endswith(" recovery key"):
            out.append(f"the {slot.removesuffix(' recovery key')} recovery key (for emergencies)")
        else:
            out.append(slot)
    return list(dict.fromkeys(out))


def _read_original(session: Session, reference: str, info: EvidenceInfo, steps: _Steps) -> bytes:
    from safelog.vault.evidence_reading import read_evidence

    read = read_evidence(session, reference, info.id, action=AuditAction.EVIDENCE_EXPORT)
    chunks = read[1]  # (info, chunks[, ...])
    parts: list[bytes] = []
    for chunk in chunks:  # verified chunk by chunk; the SHA-256 is checked at the end
        steps.check()
        parts.append(chunk)
    return b"".join(parts)


def _plan_evidence(
    session: Session,
    detail: CaseDetail,
    options: ExportOptions,
    steps: _Steps,
    images_blocked: bool,
) -> list[EvidenceEntry]:
    from safelog.export.casefile import EvidenceEntry, file_size
    from safelog.vault.evidence_reading import EvidenceQuarantined

    entries: list[EvidenceEntry] = []
    attached_total = 0
    for number, info in enumerate(detail.evidence, start=1):
        is_image = info.media_type.startswith("image/")
        attach, show = False, False
        not_attached, not_shown = "", ""
        if images_blocked and not allowed_in_image_category(info.media_type):
            not_attached = not_shown = (
                "quarantined: this case may involve indecent images of children, which are "
                "never viewed, copied or shared (002 7.2.4); only plain text notes are kept"
            )
        else:
            if options.embed_originals:
                if info.size > ATTACH_LIMIT:
                    not_attached = (
                        f"it is too large to attach ({file_size(info.size)}); it can be "
                        "saved from SafeLog with 'Extract original'"
                    )
                elif attached_total + info.size > ATTACH_TOTAL_LIMIT:
                    not_attached = (
                        "the attachments would make the case file too large; it can be "
                        "saved from SafeLog with 'Extract original'"
                    )
                else:
                    attach = True
                    attached_total += info.size
            else:
                not_attached = "originals were not attached to this export"
            if is_image:
                if not options.include_images:
                    not_shown = "images were not included in this export"
                elif info.size > IMAGE_READ_LIMIT:
                    not_shown = f"the image file is too large to draw ({file_size(info.size)})"
                else:
                    show = True
        data = None
        if attach or show:
            try:
                data = _read_original(session, detail.reference, info, steps)
            except EvidenceQuarantined:  # recorded as a text note, but it is not one
                attach = show = False
                not_attached = not_shown = (
                    "quarantined: recorded as a text note, its content is not one, so it is "
                    "not attached (002 7.2.4)"
                )
            steps.step(f"Reading evidence {number} of {len(detail.evidence)}")
        entries.append(
            EvidenceEntry(
                number=number,
                id=info.id,
                file_name=info.file_name,
                media_type=info.media_type,
                size=info.size,
                sha256=info.sha256,
                added_by=info.added_by,
                added_at=info.added_at,
                metadata=dict(info.metadata),
                data=data,
                attach=attach,
                not_attached=not_attached,
                show_image=show,
                not_shown=not_shown,
            )
        )
    return entries


def _needs_reading(detail: CaseDetail, options: ExportOptions, images_blocked: bool) -> int:
    count = 0
    for info in detail.evidence:
        is_image = info.media_type.startswith("image/")
        if images_blocked and not allowed_in_image_category(info.media_type):
            continue
        if (options.embed_originals and info.size <= ATTACH_LIMIT) or (
            options.include_images and is_image and info.size <= IMAGE_READ_LIMIT
        ):
            count += 1
    return count


def export_case(
    session: Session,
    reference: str,
    out_path: Path,
    options: ExportOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    *,
    overwrite: bool = False,
) -> ExportResult:
    """Export one case as a signed PDF case file at `out_path`."""
    from safelog.domain.categories import category_by_code
    from safelog.domain.roles import ROLE_LABELS, Role
    from safelog.export import casefile, signing

    # The case use cases load with an export only: `safelog verify` imports this module too.
    from safelog.vault.audit_view import case_audit
    from safelog.vault.case_engine import open_case
    from safelog.vault.cases import show_case
    from safelog.vault.escalations import escalations_for

    options = options or ExportOptions()
    session.ensure_open()
    out_path = Path(out_path)
    if out_path.exists() and not overwrite:
        raise InvalidInput(f"{out_path} already exists; choose another name.")
    if not out_path.parent.is_dir():
        raise InvalidInput(f"There is no folder {out_path.parent} to save the case file in.")
    person = session.person
    identity = signing_identity(session)
    steps = _Steps(progress, cancel)
    steps.check()
    detail = show_case(session, reference)  # refuses anyone who may not read the case
    fields = detail.fields
    images_blocked = bool(category_by_code(fields[CaseField.CATEGORY]).blocks_image_import)
    images = sum(
        1
        for info in detail.evidence
        if options.include_images
        and info.media_type.startswith("image/")
        and not images_blocked
        and info.size <= IMAGE_READ_LIMIT
    )
    tsa_url = signing.resolve_tsa_url(options.tsa_url)
    steps.total = _needs_reading(detail, options, images_blocked) + images + 3 + bool(tsa_url)
    entries = _plan_evidence(session, detail, options, steps, images_blocked)
    audit = case_audit(session, detail.reference)

    messages: list[str] = []
    timestamper = None
    if tsa_url:
        timestamper, message = signing.connect_timestamper(tsa_url)
        if message:
            messages.append(message)
        steps.step("Contacting the timestamp server")

    people = session.directory.people
    reporter = people.get(fields.get(CaseField.REPORTER) or "")
    roles = [ROLE_LABELS[r] for r in Role if r in person.roles]
    data = casefile.CaseFileData(
        school=session.directory.school,
        reference=detail.reference,
        exported_by=person.name,
        exported_by_roles=", ".join(roles),
        exported_at=session.clock(),
        fields=fields,
        reporter=reporter.name if reporter else None,
        subjects=[
            people[s].name if s in people else "an unknown user"
            for s in fields.get(CaseField.SUBJECTS, [])
        ],
        escalations=escalations_for(detail),
        evidence=entries,
        history=[
            casefile.HistoryLine(v.number, v.author, v.at, v.changed, v.rekeyed)
            for v in detail.versions
        ],
        audit=[casefile.AuditLine(e.seq, e.at, e.actor, e.action, e.details) for e in audit],
        readers=_readers(detail.audience),
        ca_fingerprint=_sha256(session.directory.ca_der),
        timestamp_url=tsa_url if timestamper is not None else None,
    )
    steps.step("Laying out the pages")
    rendered = casefile.render_case_file(data, options, step=steps.step)
    steps.step("Signing")
    signed = signing.sign_case_file(
        rendered,
        identity,
        reference=detail.reference,
        password=options.password or None,
        timestamper=timestamper,
    )
    steps.check()
    digest = write_atomically(out_path, signed)
    try:
        with session.write() as conn:
            case = open_case(session, conn, detail.reference)
            session.audit(
                conn,
                AuditAction.CASE_EXPORT,
                {
                    "reference": detail.reference,
                    "sha256": digest,
                    "size": len(signed),
                    "pages": rendered.pages,
                    "attachments": len(rendered.attachments),
                    "images": options.include_images,
                    "pseudonymised": options.pseudonymise,
                    "password": bool(options.password),
                    "timestamped": timestamper is not None,
                },
                case=case.audit_ref(),
            )
    except BaseException:
        # An export that could not be recorded must not be left behind unrecorded.
        out_path.unlink(missing_ok=True)
        raise
    steps.step("Saved")
    return ExportResult(
        path=out_path,
        sha256=digest,
        size=len(signed),
        pages=rendered.pages,
        signer=person.name,
        timestamped=timestamper is not None,
        attachments=len(rendered.attachments),
        messages=messages,
    )


def signing_identity(session: Session, what: str = "a case file") -> SigningIdentity:
    """The signed-in person's key and the certificate the school CA issued them, which sign
    every PDF SafeLog exports; a plain error when they have no certificate yet."""
    from safelog.export.signing import SigningIdentity

    person = session.person
    certificate = person.certificate
    if certificate is None:
        # It may have been issued since this session began (an administrator signed in).
        session.refresh()
        fresh = session.directory.people.get(session.user_id)
        certificate = fresh.certificate if fresh is not None else None
    if certificate is None:
        raise InvalidInput(
            f"{person.name} has no signing certificate yet, so {what} cannot be signed. "
            "It is issued when an administrator next signs in to SafeLog: ask them to sign "
            "in, then try again."
        )
    return SigningIdentity(
        key=session.identity.ecdsa,
        certificate_der=certificate,
        ca_der=session.directory.ca_der,
        name=person.name,
        school=session.directory.school,
    )


def sign_printed_form(session: Session, rendered: RenderedCaseFile, reason: str) -> bytes:
    """A printed form (a request, a Violent Incident Report) signed by the person printing
    it, as a case file is (timestamped when a timestamp server is set and answers), so that
    `safelog verify` and Adobe Reader show whether it was changed afterwards."""
    from safelog.export import signing

    identity = signing_identity(session, "the form")
    timestamper = None
    tsa_url = signing.resolve_tsa_url(None)
    if tsa_url:
        timestamper, _ = signing.connect_timestamper(tsa_url)  # none: signed without one
    reference = str(rendered.manifest.get("reference", "form"))
    return signing.sign_case_file(
        rendered, identity, reference=reference, timestamper=timestamper, reason=reason
    )


def ca_fingerprint(session: Session) -> str:
    """SHA-256 of the school CA certificate (DER), as the files' "how to check" prints it."""
    return _sha256(session.directory.ca_der)


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def school_ca_der(vault: Any) -> bytes:
    """The school CA certificate from the vault's own row: public, so no sign-in is needed.
    (Signed in, `signing.ca_certificate_pem(session)` gives the copy this user pinned.)"""
    from sqlalchemy import select

    from safelog.store.schema import VaultRow

    vault.school_name()  # says plainly when there is no vault here
    with vault.engine.connect() as conn:
        return bytes(conn.execute(select(VaultRow.ca_cert)).scalar_one())
