"""The first part of the Inappropriate Content Report Form (policy 003, appendix b), as
typed: checking it, and the entry it becomes in the case's field "content_reports" (the
form as part of a case is vault/content_form.py). Checked both when a case is recorded
with a `content_report` (vault/case_input.py) and when a report is added to a case."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime
from typing import Any

from safelog.domain.deadlines import LONDON
from safelog.errors import InvalidInput
from safelog.text import check_typed, required_text
from safelog.vault.case_schema import ContentReportEntry, ContentReportPart
from safelog.vault.session import Session

MAX_URLS = 20
MAX_URL = 2000
MAX_NAME = 200
MAX_NATURE = 5000
REPORT_KEYS = frozenset(ContentReportPart.__annotations__)

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(.*)", re.DOTALL)
_PORT_THEN_PATH = re.compile(r"\d{1,5}(?:[/?#].*)?", re.DOTALL)


def _host_ok(host: str) -> bool:
    host = host.rsplit("@", 1)[-1]  # user@host is allowed by URLs; the host is what counts
    host = re.sub(r":\d{1,5}$", "", host)
    if "." not in host.strip(".") or host.startswith(".") or ".." in host:
        return False
    return all(c.isalnum() or c in ".-_" for c in host)


def check_url(value: str, number: int = 1) -> str:
    """One web address as typed: http(s)://host/... or a bare domain (example.com/page).
    Returns it stripped; raises InvalidInput in plain words."""
    where = f"Web address {number}"
    url = value.strip()
    if not url:
        raise InvalidInput(f"{where} is empty.")
    if len(url) > MAX_URL:
        raise InvalidInput(f"{where} is longer than {MAX_URL} characters.")
    if any(c.isspace() for c in url):
        raise InvalidInput(f"{where} has a space or line break in it: put one address per line.")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in url):
        raise InvalidInput(f"{where} has invisible or control characters in it.")
    scheme = _SCHEME.fullmatch(url)
    if scheme and not _PORT_THEN_PATH.fullmatch(scheme.group(2)):
        if scheme.group(1).lower() not in ("http", "https"):
            raise InvalidInput(
                f"{where} is not a web address: only http://, https:// or a site name "
                "like example.com can go here."
            )
        rest = scheme.group(2)
        if not rest.startswith("//"):
            raise InvalidInput(f"{where} should start http:// or https://.")
        host = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    else:
        host = re.split(r"[/?#]", url, maxsplit=1)[0]
    if not _host_ok(host):
        raise InvalidInput(f"{where} has no site name in it (like example.com).")
    return url


def check_urls(urls: Any) -> list[str]:
    """A list of web addresses, or text with one per line; blank lines are ignored."""
    if urls in (None, ""):
        return []
    if isinstance(urls, str):
        urls = urls.splitlines()
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise InvalidInput("The web addresses must be text, one per line.")
    lines = [u for u in urls if u.strip()]
    if len(lines) > MAX_URLS:
        raise InvalidInput(f"At most {MAX_URLS} web addresses go on one report.")
    return [check_url(u, number) for number, u in enumerate(lines, start=1)]


def _one_line(value: Any, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text.")
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise InvalidInput(f"The {what} must be a single line.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return check_typed(value, f"The {what}")


def checked_day(value: date | datetime | str, what: str, today: date) -> str:
    """A date (or a date and time with its zone), not in the future, as ISO text."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"The {what} must be a date like 2026-11-20.") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput(f"The {what} needs a time zone, like +00:00.")
        if value.astimezone(LONDON).date() > today:
            raise InvalidInput(f"The {what} is in the future.")
        return value.isoformat()
    if not isinstance(value, date):
        raise InvalidInput(f"The {what} must be a date like 2026-11-20.")
    if value > today:
        raise InvalidInput(f"The {what} is in the future.")
    return value.isoformat()


def check_first_part(data: Any) -> ContentReportPart:
    """The first part as JSON (`content_report` in a new case, or `case content-report
    --json`): {"accessed_by", "seen_on", "urls", "nature"}; seen_on may be left out (the
    date the concern happened, or today). Returns the checked values; seen_on unresolved."""
    if not isinstance(data, dict):
        raise InvalidInput("The content report must be a JSON object.")
    unknown = set(data) - REPORT_KEYS
    if unknown:
        raise InvalidInput(
            f"Unknown keys in the content report: {', '.join(sorted(unknown))}. "
            f"Allowed: {', '.join(sorted(REPORT_KEYS))}."
        )
    nature = data.get("nature")
    if nature is not None and not isinstance(nature, str):
        raise InvalidInput("The nature of the content must be text.")
    seen_on = data.get("seen_on")
    if seen_on not in (None, ""):
        if not isinstance(seen_on, str):
            raise InvalidInput("'seen_on' must be a date like 2026-11-20.")
        checked_day(seen_on, "date", date.max)  # the form of it; the future is checked when stamped
    return {
        "accessed_by": _one_line(data.get("accessed_by"), "name of who accessed it", MAX_NAME),
        "seen_on": seen_on or "",
        "urls": check_urls(data.get("urls")),
        "nature": required_text(nature or "", "nature of the content", limit=MAX_NATURE),
    }


def london_today(session: Session) -> date:
    return session.clock().astimezone(LONDON).date()


def new_entry(
    session: Session,
    *,
    accessed_by: str,
    seen_on: date | datetime | str,
    urls: list[str] | str,
    nature: str,
) -> ContentReportEntry:
    """A checked first part, stamped with who is submitting it (the signed-in user)."""
    checked = check_first_part(
        {"accessed_by": accessed_by, "urls": urls, "nature": nature, "seen_on": None}
    )
    return {
        "id": str(uuid.uuid4()),
        "submitted_by": session.user_id,
        "submitted_by_name": session.person.name,
        "submitted_at": session.clock().isoformat(),
        "accessed_by": checked["accessed_by"],
        "seen_on": checked_day(seen_on, "date", london_today(session)),
        "urls": checked["urls"],
        "nature": checked["nature"],
    }


def entry_from_case_input(
    session: Session, first_part: ContentReportPart, occurred_at: str
) -> ContentReportEntry:
    """The first entry of a new case whose JSON had a `content_report` (already checked by
    CaseInput): the date defaults to when the concern happened, else today."""
    seen_on: date | datetime | str = first_part.get("seen_on") or ""
    if not seen_on:
        seen_on = (
            datetime.fromisoformat(occurred_at).astimezone(LONDON).date()
            if occurred_at
            else london_today(session)
        )
    return new_entry(
        session,
        accessed_by=first_part.get("accessed_by", ""),
        seen_on=seen_on,
        urls=first_part.get("urls", []),
        nature=first_part.get("nature", ""),
    )
