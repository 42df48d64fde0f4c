"""Subject access requests as the DSL records them (domain/subject_access.py): who asked,
for whom, when it was received and is due; its one extension; the items the DSL withholds
for serious harm; and every disclosure made, with its SHA-256 and its redaction log.

Stored as rows of the DSL's sealed register (vault/transfer_store.py), each kind "sar-...":
sealed to the DSL role key of the current epoch, signed by the DSL who wrote it, chained to
the row before and named by an audit entry. Every reader checks all of that again, and only
a DSL reads them (DESIGN §3.5): the request names a child and the log names everyone the
disclosure left out. No name reaches the audit log's entry, only the request's number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.domain.deadlines import LONDON
from safelog.domain.names import fold_name
from safelog.domain.roles import Role
from safelog.domain.subject_access import (
    MAX_REASON,
    Extension,
    Relationship,
    check_extension,
    check_request,
    check_withholding,
    due_on,
    needs_attention,
    status_words,
)
from safelog.errors import AccessDenied, InvalidInput, NotFound, TamperDetected
from safelog.text import check_typed
from safelog.vault.roll import Roll, load_roll
from safelog.vault.session import Session
from safelog.vault.transfer_store import ITEM_PREFIX, TransferRecord, append_row, load_rows

REQUEST = "sar-request"
EXTENSION = "sar-extension"
WITHHOLD = "sar-withhold"
DISCLOSURE = "sar-disclosure"
KINDS = frozenset({REQUEST, EXTENSION, WITHHOLD, DISCLOSURE})
PREFIX = "SAR-"


def require_dsl(session: Session) -> None:
    session.ensure_open()
    if Role.DSL not in session.person.roles:
        raise AccessDenied(
            "Subject access requests are for the DSL: only a DSL can record, read or answer them."
        )


@dataclass(frozen=True)
class Disclosure:
    at: datetime
    by: str
    sha256: str
    size: int
    pages: int
    included: tuple[str, ...]  # evidence ids whose originals went in
    log: tuple[dict[str, Any], ...]  # the redaction log: what was withheld and why


@dataclass(frozen=True)
class SubjectAccessRequest:
    id: str  # "SAR-3"
    requester: str
    relationship: Relationship
    received_on: date
    subject_name: str  # as the request names them
    subject_pupil: str  # their roll id, or "" for a person named in cases
    note: str
    recorded_by: str
    recorded_at: datetime
    extension: Extension | None
    withheld: tuple[tuple[str, str], ...]  # (case reference or evidence id, reason)
    disclosures: tuple[Disclosure, ...]

    @property
    def due(self) -> date:
        return due_on(self.received_on, self.extension.months if self.extension else 0)

    @property
    def answered(self) -> bool:
        return bool(self.disclosures)

    def status(self, today: date) -> str:
        return status_words(self.due, today, self.answered)

    def needs_attention(self, today: date) -> bool:
        return needs_attention(self.due, today, self.answered)


def today(session: Session) -> date:
    return session.clock().astimezone(LONDON).date()


def resolve_subject(roll: Roll, text: str) -> tuple[str, str]:
    """(pupil id or "", name): a pupil by id, UPN or one exact name on the roll; anyone else
    by the name the cases give them."""
    given = " ".join(check_typed(text, "The name of whom it is about", multi_line=True).split())
    if not given:
        raise InvalidInput("Say whom the request is about: a pupil's id or UPN, or a name.")
    try:
        pupil = roll.find(given)
        return pupil.id, pupil.display_name
    except InvalidInput:
        pass
    folded = fold_name(given)
    named = [p for p in roll.pupils.values() if folded in {fold_name(f) for f in p.name_forms}]
    if len(named) == 1:
        return named[0].id, named[0].display_name
    if len(named) > 1:
        raise InvalidInput(
            f"More than one pupil on the roll is called {given}: give their id or UPN."
        )
    return "", given


# -- reading ------------------------------------------------------------------------------


def _records(session: Session) -> list[TransferRecord]:
    require_dsl(session)
    with session.engine.connect() as conn:
        return [r for r in load_rows(session, conn) if r.kind in KINDS]


def _signer(session: Session, record: TransferRecord) -> str:
    person = session.directory.people.get(record.signer_id)
    return person.name if person is not None else "unknown"


def requests_from(session: Session, records: list[TransferRecord]) -> list[SubjectAccessRequest]:
    """The requests the DSL-sealed rows give, each row checked again as the writer checks it
    (DESIGN §3.5): a row a modified client wrote outside the rules (an extension beyond two
    months, a second or late one, a request number used twice, a body SafeLog never writes)
    is reported as tampering, never shown and never a crash."""
    found: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.kind not in (REQUEST, EXTENSION, WITHHOLD, DISCLOSURE):
            continue
        where = f"Subject access record {r.seq}"
        try:
            _take(session, r, found)
        except (InvalidInput, KeyError, ValueError, TypeError, AttributeError) as exc:
            why = str(exc) if isinstance(exc, InvalidInput) else "it is not one SafeLog writes"
            raise TamperDetected(f"{where} is not accepted ({why}): it was written outside "
                                 "SafeLog's rules. Tell your DSL.") from None  # fmt: skip
    out = []
    for request_id, held in found.items():
        row, b = held["row"], held["row"].body
        out.append(
            SubjectAccessRequest(
                request_id,
                str(b["requester"]),
                Relationship(b["relationship"]),
                date.fromisoformat(b["received_on"]),
                str(b["subject_name"]),
                str(b.get("subject_pupil", "")),
                str(b.get("note", "")),
                _signer(session, row),
                row.at,
                held["ext"],
                tuple(held["withheld"]),
                tuple(held["disclosures"]),
            )
        )
    return out


def _day_of(r: TransferRecord) -> date:
    """The school's day (UK time) a row was written on, as the writer's checks used it."""
    return r.at.astimezone(LONDON).date()


def _take(session: Session, r: TransferRecord, found: dict[str, dict[str, Any]]) -> None:
    b = r.body
    if r.kind == REQUEST:
        request_id = b["id"]
        if not isinstance(request_id, str) or request_id in found:
            raise ValueError("a request number used twice")
        received = date.fromisoformat(b["received_on"])
        check_request(str(b["requester"]), str(b["relationship"]), received, _day_of(r))
        for key in ("subject_name", "subject_pupil", "note"):
            if not isinstance(b.get(key, ""), str):
                raise ValueError(key)
        found[request_id] = {"row": r, "ext": None, "withheld": [], "disclosures": []}
        return
    held = found.get(str(b.get("request", "")))
    if held is None:
        raise ValueError("a record about no request")
    received = date.fromisoformat(held["row"].body["received_on"])
    if r.kind == EXTENSION:
        # The same rules as when it was given, on the day it was written.
        months = b["months"]
        if not isinstance(months, int) or isinstance(months, bool):
            raise ValueError("months")
        held["ext"] = check_extension(received, held["ext"], months, str(b["reason"]), _day_of(r))
    elif r.kind == WITHHOLD:
        held["withheld"].append((str(b["item"]), check_withholding(str(b["reason"]))))
    else:
        included, log = b.get("included", []), b.get("log", [])
        if not isinstance(included, list) or not isinstance(log, list):
            raise ValueError("included")
        held["disclosures"].append(
            Disclosure(
                r.at,
                _signer(session, r),
                str(b["sha256"]),
                int(b["size"]),
                int(b["pages"]),
                tuple(included),
                tuple(log),
            )
        )


def list_requests(session: Session) -> list[SubjectAccessRequest]:
    """Every request, checked, the most urgent first (unanswered by due date)."""
    found = requests_from(session, _records(session))
    return sorted(found, key=lambda r: (r.answered, r.due, r.id))


def requests_needing_attention(session: Session) -> list[SubjectAccessRequest]:
    """For the DSL's inbox: unanswered requests due within 7 days or overdue."""
    now = today(session)
    return [r for r in list_requests(session) if r.needs_attention(now)]


def find_request(session: Session, request_id: str) -> SubjectAccessRequest:
    wanted = request_id.strip().upper()
    if wanted.isdigit():
        wanted = PREFIX + wanted
    for request in list_requests(session):
        if request.id == wanted:
            return request
    raise NotFound(f"There is no subject access request {request_id.strip()}.")


def request_for_subject(session: Session, subject: str) -> SubjectAccessRequest:
    """The latest request about the person `subject` names (a pupil or a name)."""
    pupil_id, name = resolve_subject(load_roll(session), subject)
    found = [
        r
        for r in list_requests(session)
        if (pupil_id and r.subject_pupil == pupil_id)
        or (not pupil_id and not r.subject_pupil and fold_name(r.subject_name) == fold_name(name))
    ]
    if not found:
        raise NotFound(
            f"No subject access request about {name} is recorded: record it first "
            "(safelog sar record, or Subject access… in the app)."
        )
    return max(found, key=lambda r: (r.received_on, int(r.id.removeprefix(PREFIX))))


# -- writing ------------------------------------------------------------------------------


def _append(
    session: Session, body: dict[str, Any], action: AuditAction, details: dict[str, Any]
) -> None:
    with session.write() as conn:
        seq = append_row(session, conn, body)
        session.audit(conn, action, details, item=f"{ITEM_PREFIX}{seq}")


def record_request(
    session: Session,
    *,
    requester: str,
    relationship: str,
    subject: str,
    received_on: date,
    note: str = "",
) -> SubjectAccessRequest:
    require_dsl(session)
    name = check_request(requester, relationship, received_on, today(session))
    pupil_id, subject_name = resolve_subject(load_roll(session), subject)
    note = " ".join(check_typed(note, "The note", multi_line=True).split())
    if len(note) > MAX_REASON:
        raise InvalidInput(f"The note is too long (at most {MAX_REASON} characters).")
    with session.write() as conn:
        count = sum(1 for r in load_rows(session, conn) if r.kind == REQUEST)
        request_id = f"{PREFIX}{count + 1}"
        body = {
            "kind": REQUEST,
            "id": request_id,
            "requester": name,
            "relationship": relationship,
            "received_on": received_on.isoformat(),
            "subject_name": subject_name,
            "subject_pupil": pupil_id,
            "note": note,
        }
        seq = append_row(session, conn, body)
        session.audit(
            conn,
            AuditAction.SAR_RECORD,
            {"request": request_id, "due": due_on(received_on).isoformat()},
            item=f"{ITEM_PREFIX}{seq}",
        )
    return find_request(session, request_id)


def extend_request(
    session: Session, request_id: str, months: int, reason: str
) -> SubjectAccessRequest:
    request = find_request(session, request_id)
    extension = check_extension(
        request.received_on, request.extension, months, reason, today(session)
    )
    body = {
        "kind": EXTENSION,
        "request": request.id,
        "months": extension.months,
        "reason": extension.reason,
    }
    due = due_on(request.received_on, extension.months)
    _append(session, body, AuditAction.SAR_EXTEND, {"request": request.id, "due": due.isoformat()})
    return find_request(session, request.id)


def withhold_item(
    session: Session, request_id: str, item: str, reason: str
) -> SubjectAccessRequest:
    """Mark a case (by reference) or an evidence item (by id) withheld for serious harm."""
    request = find_request(session, request_id)
    text = check_withholding(reason)
    item = item.strip()
    if not item:
        raise InvalidInput("Say which case reference or evidence id to withhold.")
    if any(held == item for held, _ in request.withheld):
        raise InvalidInput(f"{item} is already withheld from {request.id}.")
    body = {"kind": WITHHOLD, "request": request.id, "item": item, "reason": text}
    _append(session, body, AuditAction.SAR_WITHHOLD, {"request": request.id})
    return find_request(session, request.id)
