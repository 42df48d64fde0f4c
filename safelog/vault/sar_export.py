"""Answering a subject access request: the disclosure as a signed PDF, and its redaction log
kept sealed in SafeLog (vault/subject_access.py), never in the file.

The DSL chooses, one by one, the evidence originals to include; everything else is listed
(type, size, SHA-256; a file name that holds another person's name is replaced) and left
out. Cases and items the DSL marked withheld for serious harm are left out entirely. The
log records every label used and whose names it stands for, every original left out, every
file name replaced and everything withheld, with the reason; the disclosure's SHA-256 is
recorded with it, and the export is audited with its SHA-256 (and no names). Exporting again
is allowed and recorded again. The file is written only where the DSL chose, atomically and
owner-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.domain.subject_access import Withheld
from safelog.errors import InvalidInput
from safelog.export.casefile_model import Attachment, attachment_key
from safelog.export.redact import Pseudonymiser, name_free_file_name
from safelog.store.files import write_atomically
from safelog.vault.evidence_reading import EvidenceQuarantined, read_evidence
from safelog.vault.export import ca_fingerprint, signing_identity
from safelog.vault.sar_gather import SubjectData, gather_subject_data, texts_of
from safelog.vault.session import Session
from safelog.vault.subject_access import (
    DISCLOSURE,
    SubjectAccessRequest,
    find_request,
    request_for_subject,
    require_dsl,
    withhold_item,
)
from safelog.vault.transfer_store import ITEM_PREFIX, append_row


@dataclass(frozen=True)
class ItemChoice:
    """An evidence item the DSL may include, as the disclosure would list it."""

    case: str
    id: str
    file_name: str  # as recorded (the DSL sees it; the disclosure may not)
    shown_name: str
    media_type: str
    size: int
    sha256: str
    withheld: str  # the serious-harm reason, or ""


@dataclass(frozen=True)
class DisclosureMade:
    request: str
    path: Path
    sha256: str
    size: int
    pages: int
    cases: int
    listed: int
    included: int
    log: tuple[dict[str, Any], ...]
    messages: list[str] = field(default_factory=list)


def _choices(data: SubjectData) -> list[ItemChoice]:
    withheld = dict(data.request.withheld)
    out: list[ItemChoice] = []
    for case in data.cases:
        for item in case.evidence:
            out.append(
                ItemChoice(
                    case.reference,
                    item.id,
                    item.file_name,
                    name_free_file_name(item.file_name, len(out) + 1, data.others, data.keep),
                    item.media_type,
                    item.size,
                    item.sha256,
                    withheld.get(item.id, withheld.get(case.reference, "")),
                )
            )
    return out


def disclosure_items(session: Session, request_id: str) -> list[ItemChoice]:
    """The evidence a disclosure for the request would list (reading it is audited)."""
    return _choices(gather_subject_data(session, find_request(session, request_id)))


def withhold(session: Session, request_id: str, item: str, reason: str) -> SubjectAccessRequest:
    """Withhold a case (by reference) or an evidence item (by id) of the request's records
    for serious harm; anything else is refused in plain words."""
    request = find_request(session, request_id)
    data = gather_subject_data(session, request)
    known = {c.reference for c in data.cases} | data.evidence_ids()
    if item.strip() not in known:
        raise InvalidInput(
            f"{item.strip()} is neither a case nor an evidence item of the records about "
            f"{request.subject_name}."
        )
    return withhold_item(session, request.id, item, reason)


def _check_out(out: Path) -> Path:
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    if not out.parent.is_dir():
        raise InvalidInput(f"There is no folder {out.parent} to save the disclosure in.")
    return out


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()  # as the pseudonymiser keys a name


def _log(
    data: SubjectData, names: Pseudonymiser, choices: list[ItemChoice], included: set[str]
) -> list[dict[str, Any]]:
    third = Withheld.THIRD_PARTY.value
    log: list[dict[str, Any]] = []
    for label in sorted(names.used):
        whose = sorted(
            {n for p in data.others for n in p.names if names.aliases.get(_key(n)) == label}
        )
        log.append(
            {"item": label, "what": "names replaced by a label", "names": whose, "reason": third}
        )
    for held, reason in data.request.withheld:
        log.append(
            {
                "item": held,
                "what": "left out entirely",
                "reason": Withheld.SERIOUS_HARM.value,
                "detail": reason,
            }
        )
    for c in choices:
        if c.withheld:
            continue
        if c.id not in included:
            log.append(
                {
                    "item": c.id,
                    "case": c.case,
                    "what": f"original of {c.file_name} listed, not attached",
                    "sha256": c.sha256,
                    "reason": third,
                }
            )
        if c.shown_name != c.file_name:
            log.append(
                {
                    "item": c.id,
                    "case": c.case,
                    "what": f"file name {c.file_name} shown as {c.shown_name}",
                    "reason": third,
                }
            )
    for problem in data.problems:
        log.append({"item": "", "what": problem, "reason": Withheld.UNREADABLE.value})
    return log


def export_disclosure(
    session: Session,
    out: Path,
    *,
    subject: str = "",
    request_id: str = "",
    include: Iterable[str] = (),
) -> DisclosureMade:
    """The disclosure for a request (by id, or the latest about `subject`) as a signed PDF at
    `out` (which must not exist yet), with the originals in `include` attached."""
    from safelog.export import signing
    from safelog.export.sar_disclosure import (
        DisclosureData,
        ListedItem,
        disclosure_names,
        document_reference,
        render_disclosure,
    )

    require_dsl(session)
    out = _check_out(out)
    request: SubjectAccessRequest = (
        find_request(session, request_id) if request_id else request_for_subject(session, subject)
    )
    data = gather_subject_data(session, request)
    withheld = dict(request.withheld)
    choices = _choices(data)
    wanted = [i.strip() for i in include if i.strip()]
    by_id = {c.id: c for c in choices}
    for item in wanted:
        if item not in by_id:
            raise InvalidInput(
                f"{item} is not an evidence item of the records about {request.subject_name}."
            )
        if by_id[item].withheld:
            raise InvalidInput(f"{item} is withheld for serious harm, so it cannot be included.")
    included = set(wanted)
    listed = [c for c in choices if not c.withheld]
    cases = tuple(c for c in data.cases if c.reference not in withheld)
    names = disclosure_names(data, texts_of(data))
    attachments: list[Attachment] = []
    for number, c in enumerate(listed, start=1):
        if c.id not in included:
            continue
        try:
            _, stream = read_evidence(session, c.case, c.id, action=AuditAction.EVIDENCE_EXPORT)
        except EvidenceQuarantined:
            raise InvalidInput(
                f"{c.id} is quarantined (the case may involve indecent images of children): "
                "it can never be disclosed."
            ) from None
        shown = names.text(c.shown_name)
        attachments.append(
            Attachment(
                attachment_key(number, shown),
                shown,
                b"".join(stream),  # each chunk checked; the SHA-256 at the end
                c.media_type,
                c.sha256,
                f"Evidence from record {c.case}",
                False,
            )
        )
    identity = signing_identity(session, "a disclosure")
    tsa_url = signing.resolve_tsa_url(None)
    messages: list[str] = []
    timestamper = None
    if tsa_url:
        timestamper, message = signing.connect_timestamper(tsa_url)
        if message:
            messages.append(message)
    rendered = render_disclosure(
        DisclosureData(
            school=session.directory.school,
            subject=data,
            prepared_at=session.clock(),
            items=tuple(
                ListedItem(
                    c.case,
                    c.id,
                    names.text(c.shown_name),
                    c.media_type,
                    c.size,
                    c.sha256,
                    c.id in included,
                )
                for c in listed
            ),
            cases=cases,
            attachments=tuple(attachments),
            ca_fingerprint=ca_fingerprint(session),
            timestamp_url=tsa_url if timestamper is not None else None,
        ),
        names,
    )
    reference = document_reference(request.id)
    signed = signing.sign_case_file(
        rendered,
        identity,
        reference=reference,
        timestamper=timestamper,
        reason=f"Subject access disclosure ({request.id}), exported from SafeLog",
    )
    log = _log(data, names, listed, included)
    digest = write_atomically(out, signed)
    try:
        with session.write() as conn:
            body = {
                "kind": DISCLOSURE,
                "request": request.id,
                "sha256": digest,
                "size": len(signed),
                "pages": rendered.pages,
                "included": sorted(included),
                "log": log,
            }
            seq = append_row(session, conn, body)
            session.audit(
                conn,
                AuditAction.SAR_EXPORT,
                {
                    "request": request.id,
                    "sha256": digest,
                    "size": len(signed),
                    "pages": rendered.pages,
                    "included": len(included),
                },
                item=f"{ITEM_PREFIX}{seq}",
            )
    except BaseException:
        # A disclosure that could not be recorded must not be left behind unrecorded.
        out.unlink(missing_ok=True)
        raise
    return DisclosureMade(
        request.id,
        out,
        digest,
        len(signed),
        rendered.pages,
        len(cases),
        len(listed),
        len(included),
        tuple(log),
        messages,
    )
