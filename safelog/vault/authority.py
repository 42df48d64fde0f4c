"""Every reader re-checks who was allowed to write what (DESIGN §3.5).

A signed case version, re-key or evidence item proves who made it, not that they were
allowed to. So each reader checks, against the membership log it replayed itself:

- the author held, at the point of the log the statement names, a role allowed to make
  that change: DSL, headteacher or chair manage cases; a reporter writes their submission,
  and after it only adds evidence (and its sightings) while the case is still new;
- the log point named never goes backwards along a case, nor beyond the log's head;
- a low-level concern about staff names a member of staff it is about (domain/low_level.py),
  so that the iron rule keeps them out;
- every reader group a case was given (at creation, and at each re-key) is exactly the one
  the iron rule gives for the case's signed subjects and category at that point, and the
  case's current reader group is the one its latest signed version names.

What fails is reported as tampering with the case reference and what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection

from safelog.audit import log as audit_log
from safelog.crypto.slot_tags import padded_count
from safelog.domain.access import AudiencePlan, NoOneCanRead, UnknownSubject, plan_audience
from safelog.domain.low_level import NO_STAFF_SUBJECT, is_low_level, missing_staff_subject
from safelog.domain.outcomes import CaseStatus
from safelog.domain.roles import CASE_MANAGERS, KeyRole, Role
from safelog.errors import InvalidInput, KeyNotTrusted, TamperDetected
from safelog.vault.case_schema import CaseField
from safelog.vault.directory import Directory, Person
from safelog.vault.session import Session

# Who may amend a case they can read: staff add to a case only by reporting again.
MANAGERS = CASE_MANAGERS

# Fields whose change can change who may read the case.
AUDIENCE_FIELDS = frozenset(
    {CaseField.SUBJECTS, CaseField.CATEGORY, CaseField.ESCALATED_TO_LEADERSHIP}
)

# A reporter may add evidence (and record that a file was seen again) while their report is
# in one of these states; nothing else after the version that sent it. (A tuple: a status
# read back from a case is compared, never hashed, whatever a modified client stored.)
REPORTER_MAY_ADD = (CaseStatus.NEW, CaseStatus.ACKNOWLEDGED)
REPORTER_MAY_SET_LATER = frozenset({CaseField.EVIDENCE_SIGHTINGS, CaseField.IMAGE_REPORTS})

# What a report sent by someone who does not manage cases may set: never an
# acknowledgement, an escalation, a decision, an outcome or a status beyond "new".
MANAGEMENT_FIELDS = frozenset(
    {
        CaseField.ACKNOWLEDGED,
        CaseField.ESCALATIONS,
        CaseField.CHRONOLOGY,
        CaseField.ACTIONS,
        CaseField.DECISIONS,
        CaseField.OUTCOME,
        CaseField.ALLEGATION_OUTCOME,
        CaseField.OUTCOME_NOTE,
        CaseField.ESCALATED_TO_LEADERSHIP,
        CaseField.REPLIES,
        CaseField.PUBLIC_REPLIES,
    }
)


class VersionAuthor(NamedTuple):
    """Who wrote one version of a case, and the case's status after it."""

    author_id: str
    status: str


def plan_for(
    directory: Directory, reporter_id: str, fields: Mapping[str, Any], at: int | None = None
) -> AudiencePlan:
    """The reader group the iron rule gives a case with these fields, with the membership
    as it stood after log entry `at` (or now)."""
    subjects = frozenset(fields.get(CaseField.SUBJECTS) or [])
    return plan_audience(
        reporter_id=reporter_id,
        subject_ids=subjects,
        members=directory.active_members(at),
        escalated_to_leadership=bool(fields.get(CaseField.ESCALATED_TO_LEADERSHIP, False)),
        established=directory.established_roles(at),
        subject_roles_of=directory.subject_roles(at),
    )


def names_no_staff(directory: Directory, fields: Mapping[str, Any], at: int | None = None) -> bool:
    """A low-level concern about staff that names no member of staff as a subject (with
    the roles people held after log entry `at`, or now)."""
    category = str(fields.get(CaseField.CATEGORY) or "")
    if not is_low_level(category):
        return False  # the usual case: no need to replay anyone's roles
    roles_of = directory.subject_roles(at)
    subjects = fields.get(CaseField.SUBJECTS) or []
    return missing_staff_subject(category, (roles_of.get(str(s), frozenset()) for s in subjects))


def writer_plan(session: Session, reporter_id: str, fields: Mapping[str, Any]) -> AudiencePlan:
    if names_no_staff(session.directory, fields):
        raise InvalidInput(NO_STAFF_SUBJECT)
    # Every person comes from the replayed membership log (a record that fails its check
    # stops the whole log), so no one the iron rule must know about can be missing here.
    try:
        return plan_for(session.directory, reporter_id, fields)
    except NoOneCanRead as exc:
        raise InvalidInput(str(exc)) from None
    except UnknownSubject as exc:
        raise KeyNotTrusted(str(exc)) from None


def expected_slots(directory: Directory, plan: AudiencePlan, at: int) -> frozenset[str]:
    """The key slots a reader group for this plan has, with role epochs current at `at`."""
    slots = set()
    for recipient in plan.recipients:
        if recipient.kind == "role":
            epoch = directory.epoch_at(KeyRole(recipient.name), at)
            slots.add(f"role:{recipient.name}:{epoch.epoch if epoch else '?'}")
        else:
            slots.add(str(recipient))
    return frozenset(slots)


@dataclass
class CaseAuthority:
    """Walks one case's versions in order, checking each author's authority."""

    session: Session
    conn: Connection
    reference: str
    audience_id: str
    case_id: str = ""
    reporter: str = ""
    last_seq: int = 0
    last_audience: str = ""
    first_manager_version: int = 0
    _items: dict[str, tuple[int, int | None]] | None = None

    @property
    def items(self) -> dict[str, tuple[int, int | None]]:
        """What the audit log records of this case: item -> (entry, membership point)."""
        if self._items is None:
            self._items = audit_log.case_items(self.conn, self.case_id)
        return self._items

    def membership_seq(self, statement: Mapping[str, Any], where: str) -> int:
        directory = self.session.directory
        raw = statement.get("membership")
        if raw is None:
            raise TamperDetected(f"{where} does not say which membership it was written under.")
        seq = int(raw)
        if seq > directory.head_seq:
            self.session.reload_directory(self.conn)
        if seq > self.session.directory.head_seq or seq < self.last_seq or seq < 1:
            raise TamperDetected(
                f"{where} names a point of the membership log that does not fit its history: "
                "the case or the membership log has been tampered with."
            )
        return seq

    def author_roles(self, author: Person, seq: int, where: str) -> frozenset[Role]:
        roles = author.roles_at(seq)
        if not roles:
            raise TamperDetected(
                f"{where} was written by {author.name}, who did not hold any role in SafeLog "
                "at that point (not admitted, or removed): it is not accepted."
            )
        return roles

    def check_version(
        self,
        version: int,
        statement: Mapping[str, Any],
        author: Person,
        before: Mapping[str, Any],
        changed: Mapping[str, Any],
    ) -> None:
        where = f"Case {self.reference}, version {version},"
        seq = self.membership_seq(statement, where)
        recorded = self.items.get(f"v{version}")
        if recorded is None:
            raise TamperDetected(f"{where} is not recorded in the audit log.")
        if recorded[1] is not None and recorded[1] != seq:
            raise TamperDetected(
                f"{where} names another point of the membership log than its audit entry: its "
                "author's authority was backdated. It is not accepted."
            )
        roles = self.author_roles(author, seq, where)
        manager = bool(MANAGERS & roles)
        if manager and not self.first_manager_version:
            self.first_manager_version = version
        if version == 1:
            self.reporter = str(changed.get(CaseField.REPORTER, ""))
            if self.reporter != author.id:
                raise TamperDetected(f"{where} names a reporter other than its author.")
            if not manager:
                sets = MANAGEMENT_FIELDS & set(changed)
                if sets or changed.get(CaseField.STATUS, CaseStatus.NEW) != CaseStatus.NEW:
                    raise TamperDetected(
                        f"{where} was sent by {author.name}, who does not manage cases, yet it "
                        f"sets {', '.join(sorted(sets or {'status'}))}: it is not accepted."
                    )
        elif not manager:
            # A reporter only adds sightings to their own report, under its first key, until
            # someone who manages cases has written to it; never a new reader group.
            reporter_adds = (
                author.id == self.reporter
                and bool(changed)
                and set(changed) <= REPORTER_MAY_SET_LATER
                and before.get(CaseField.STATUS, CaseStatus.NEW) in REPORTER_MAY_ADD
                and not self.first_manager_version
                and "audience" not in statement
                and statement.get("key_no") == 1
            )
            if not reporter_adds:
                raise TamperDetected(
                    f"{where} was written by {author.name}, who may not change this case "
                    f"(only a DSL, the headteacher or the chair can): it is not accepted."
                )
        if (version == 1 or AUDIENCE_FIELDS & set(changed)) and names_no_staff(
            self.session.directory, {**before, **changed}, seq
        ):
            raise TamperDetected(
                f"{where} is a low-level concern about staff that does not name the member of "
                "staff it is about, so they might be able to read it: it is not accepted."
            )
        audience = statement.get("audience")
        if version == 1:
            # The log names where the report was sent, in an entry later ones are chained to.
            sent_to = audit_log.first_sent_to(self.conn, self.case_id)
            if sent_to is not None and sent_to != audience:
                raise TamperDetected(
                    f"Case {self.reference} has been given to other readers outside SafeLog: "
                    "its first version is not the one its audit log names."
                )
        if audience is not None or version == 1:
            self.check_reader_group(str(audience or ""), {**before, **changed}, seq, where)
        elif AUDIENCE_FIELDS & set(changed) and self.last_audience:
            # Who it is about changed without a new reader group: still the right one?
            self.check_reader_group(self.last_audience, {**before, **changed}, seq, where)
        self.last_seq = seq

    def check_reader_group(
        self, audience_id: str, fields: Mapping[str, Any], seq: int, where: str
    ) -> None:
        """The reader group named must be the one the iron rule gives at that point."""
        if not audience_id:
            raise TamperDetected(f"{where} does not name who may read the case.")
        directory = self.session.directory
        try:
            plan = plan_for(directory, self.reporter, fields, at=seq)
        except (NoOneCanRead, UnknownSubject):
            raise TamperDetected(
                f"{where} gave the case to readers the rules do not allow."
            ) from None
        expected = expected_slots(directory, plan, seq)
        try:
            labels = self.session.audience_recipients(self.conn, audience_id)
            # Only a group's members can tell who its slots are for (they are blinded);
            # anyone else who reads the case now (re-keyed to them) checks how many there are.
            wrong = (
                frozenset(labels) != expected
                if labels is not None
                else self.session.audience_slot_count(self.conn, audience_id)
                != padded_count(len(expected))
            )
        except TamperDetected as exc:
            raise TamperDetected(f"Case {self.reference}: {exc}") from None
        if wrong:
            raise TamperDetected(
                f"{where} gave the case to readers other than the ones the rules give for who "
                "it is about (someone may have tried to let the subject of the concern read it, "
                "or to take it away from the DSL): it is not accepted."
            )
        self.last_audience = audience_id

    def finish(self) -> None:
        """The case's current reader group must be the one its signed history names."""
        if self.last_audience and self.last_audience != self.audience_id:
            raise TamperDetected(
                f"Case {self.reference} has been given to other readers outside SafeLog: its "
                "reader group is not the one its signed history names."
            )


def check_evidence_author(
    session: Session,
    author: Person,
    statement: Mapping[str, Any],
    history: Sequence[VersionAuthor],
    where: str,
    recorded: Mapping[str, tuple[int, int | None]],
    first_manager_version: int,
    item: str = "",
) -> None:
    """An evidence item (or what its author later adds to it, named `item` in the audit
    log: its thumbnail) must come from someone managing the case at that point, or from
    the reporter while they may still add to their own report.

    `history` says who wrote each version of the case and its status after it."""
    raw = statement.get("membership")
    if raw is None:
        raise TamperDetected(f"{where} does not say which membership it was added under.")
    seq = int(raw)
    case_version = int(statement.get("case_version", 0))
    if not 1 <= case_version <= len(history) or seq > session.directory.head_seq:
        raise TamperDetected(f"{where} names a point in the case that does not fit its history.")
    entry = recorded.get(item or f"e:{statement.get('id')}")
    if entry is None or (entry[1] is not None and entry[1] != seq):
        raise TamperDetected(f"{where} is not recorded in the audit log as it says.")
    roles = author.roles_at(seq)
    if MANAGERS & roles:
        return
    reporter = history[0].author_id
    status = history[case_version - 1].status
    # The reporter's item must have been added before anyone managing the case wrote to it
    # (the audit log's order, not the version the item names, says when).
    before_managers = (
        not first_manager_version
        or entry[0] < recorded.get(f"v{first_manager_version}", (0, None))[0]
    )
    if roles and author.id == reporter and status in REPORTER_MAY_ADD and before_managers:
        return
    raise TamperDetected(
        f"{where} was added by {author.name}, who may not add to this case at that point: "
        "it is not accepted."
    )
