"""Dates, times and labels as SafeLog shows them: UK dates and times on the school's clock
(whatever the PC is set to), and the plain titles of statuses and categories."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime

from safelog.domain.categories import category_by_code
from safelog.domain.deadlines import LONDON
from safelog.domain.outcomes import CaseStatus
from safelog.errors import UserFacingError


def uk_datetime(value: datetime | str | None) -> str:
    """dd/mm/yyyy HH:MM in UK time (the school's clock, whatever the PC is set to)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    if value.tzinfo is None:
        return value.strftime("%d/%m/%Y %H:%M")
    return value.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


def uk_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(LONDON)
    return value.strftime("%d/%m/%Y")


def uk_time(value: datetime) -> str:
    return value.astimezone(LONDON).strftime("%H:%M") if value.tzinfo else value.strftime("%H:%M")


def to_qdatetime(value: datetime) -> QDateTime:
    """A wall-clock UK time for a QDateTimeEdit."""
    local = value.astimezone(LONDON) if value.tzinfo else value
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime) -> datetime:
    """The UK wall-clock time shown in a QDateTimeEdit, as an aware datetime."""
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=LONDON)


def status_label(code: str) -> str:
    try:
        return CaseStatus(code).label
    except ValueError:
        return code


def category_title(code: str) -> str:
    try:
        return category_by_code(code).title
    except UserFacingError:
        return code
