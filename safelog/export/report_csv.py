"""The governors' report and the inspection pack as CSV, for a spreadsheet.

A cell that begins with =, +, - or @ (or a tab or carriage return) would be run as a
formula by a spreadsheet: an external reference typed into SafeLog must not become one, so
such a cell is written with a leading apostrophe (OWASP's advice for CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from safelog.domain.reports import GovernorsFigures, ReferralRow

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    # With a byte order mark, Excel reads the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def governors_csv(figures: GovernorsFigures, entries: int, head: str) -> bytes:
    """One figure a row: section, item, measure, value."""
    rows: list[Sequence[object]] = [("section", "item", "measure", "value")]
    rows.append(("period", "from", "date", figures.start.isoformat()))
    rows.append(("period", "to", "date", figures.end.isoformat()))
    rows.append(("copy", figures.copy.label, "counts concerns about the headteacher",
                 "yes" if figures.copy.counts_head_cases else "no"))  # fmt: skip
    rows.append(("concerns", "all", "raised", figures.concerns))
    rows += [("category", name, "raised", count) for name, count in figures.by_category]
    for r in figures.routes:
        rows += [
            ("route", r.title, "made", r.made),
            ("route", r.title, "within deadline", r.met),
            ("route", r.title, "made late", r.missed),
            ("route", r.title, "outstanding past deadline", r.outstanding),
            ("route", r.title, "no deadline", r.no_deadline),
        ]
    rows += [("outcome", name, "concerns", count) for name, count in figures.outcomes]
    for month, raised, referred in zip(
        figures.months, figures.concerns_by_month, figures.referrals_by_month, strict=True
    ):
        rows.append(("month", month.strftime("%Y-%m"), "concerns raised", raised))
        rows.append(("month", month.strftime("%Y-%m"), "referrals made", referred))
    rows.append(("audit log", "checkpoint", "entries", entries))
    rows.append(("audit log", "checkpoint", "head sha256", head))
    return _csv(rows)


def inspection_csv(rows: list[ReferralRow]) -> bytes:
    out: list[Sequence[object]] = [
        ("route", "made_at", "external_reference", "case_reference", "category", "outcome",
         "pupils"),
    ]  # fmt: skip
    out += [
        (
            r.route_title,
            r.made_at.isoformat(),
            r.external_reference,
            r.case_reference,
            r.category,
            r.outcome,
            "; ".join(p.shown for p in r.pupils),
        )
        for r in rows
    ]
    return _csv(out)
