"""Image and video consent on the school roll (domain/image_consent.py; 003 4.1-4.8, 4.15):
recorded by a keeper of the roll (the DSL or admin, who hold the consent forms), read by
every member, who checks it before posting a picture of a pupil. Each event is a record in
a sealed, signed batch of the roll, so every reader re-checks who wrote it (vault/roll_store.py)
and nothing is ever rewritten: a withdrawal is a new event, and so is a post removed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from safelog.audit.actions import AuditAction
from safelog.domain.image_consent import (
    REGISTER,
    ConsentEvent,
    academic_year,
    consent_summary,
    validate_event,
)
from safelog.domain.roll import Pupil
from safelog.errors import InvalidInput
from safelog.store.files import write_atomically
from safelog.vault.roll import load_roll, load_roll_in
from safelog.vault.roll_store import ITEM_PREFIX, append_batch, require_roll_keeper
from safelog.vault.session import Session

CONSENT = "consent"  # the kind of roll batch


@dataclass(frozen=True)
class PupilConsent:
    pupil: Pupil
    events: tuple[ConsentEvent, ...]
    summary: dict[str, str]  # medium -> "may post", "refused", "withdrawn", "not asked..."


def _today(session: Session) -> date:
    from safelog.domain.deadlines import LONDON

    return session.clock().astimezone(LONDON).date()


def record_consent(session: Session, id_or_upn: str, values: Mapping[str, Any]) -> ConsentEvent:
    """One event for one pupil and medium, by a keeper of the roll."""
    require_roll_keeper(session)
    today = _today(session)
    checked = validate_event(values, today)
    with session.write() as conn:
        pupil = load_roll_in(session, conn).find(id_or_upn)
        record = {
            "register": REGISTER,
            "id": str(uuid.uuid4()),
            "pupil": pupil.id,
            "medium": checked["medium"],
            "status": checked["status"],
            "on": checked["on"].isoformat(),
            "by": checked["by"],
            "year": str(values.get("year") or academic_year(checked["on"])),
            "note": checked["note"],
        }
        seq = append_batch(session, conn, CONSENT, [record])
        session.audit(
            conn,
            AuditAction.ROLL_CONSENT,
            {"pupil": pupil.id, "medium": checked["medium"], "status": checked["status"]},
            item=f"{ITEM_PREFIX}{seq}",
        )
    return ConsentEvent(
        id=record["id"],
        pupil=pupil.id,
        medium=record["medium"],
        status=record["status"],
        on=checked["on"],
        by=record["by"],
        year=record["year"],
        note=record["note"],
        seq=seq,
    )


def consent_of(session: Session, id_or_upn: str) -> PupilConsent:
    """What stands for one pupil, with every event (any member may read it)."""
    roll = load_roll(session)
    pupil = roll.find(id_or_upn)
    events = roll.consents.get(pupil.id, ())
    return PupilConsent(pupil, events, consent_summary(events, _today(session)))


def consent_register(session: Session) -> list[PupilConsent]:
    """Every pupil on the roll now (not the leavers), with what stands for each medium."""
    roll = load_roll(session)
    today = _today(session)
    return [
        PupilConsent(
            p, roll.consents.get(p.id, ()), consent_summary(roll.consents.get(p.id, ()), today)
        )
        for p in roll.sorted()
        if p.left_on is None
    ]


def print_consent(session: Session, out: Path) -> str:
    """The record of consent as a printable PDF (export/consent_form.py), for the DSL and
    admin; audited with its SHA-256, which it returns."""
    from safelog.export.consent_form import render_consent

    require_roll_keeper(session)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    rows = consent_register(session)
    digest = write_atomically(out, render_consent(session.directory.school, rows, session.clock()))
    with session.write() as conn:
        session.audit(
            conn,
            AuditAction.ROLL_CONSENT_PRINT,
            {"file": out.name, "sha256": digest, "pupils": len(rows)},
        )
    return digest
