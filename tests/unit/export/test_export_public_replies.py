"""The signed case file of adverse criticism shows the replies made online, with who approved
each and when, and the warning for one made without approval (004, the paragraph after
8.1.9); and a decision not to involve the police, with its reasons (004 9.4). Read back with
pdftotext."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from export_support import flat, needs_tools, pages_text

from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.export import export_case
from safelog.vault.public_replies import log_public_reply
from safelog.vault.workspace import record_escalation

pytestmark = pytest.mark.slow


def test_the_case_file_shows_replies_their_approval_and_the_police_decision(
    school: Any, tmp_path: Path
) -> None:
    needs_tools()
    dsl = school.unlock("Dana DSL")
    reference = add_case(
        dsl,
        CaseInput.from_json(
            {
                "category": "adverse-criticism",
                "summary": "Criticism of the school trip on Facebook",
                "description": "A post says the trip was unsafe.",
            }
        ),
    )
    log_public_reply(
        dsl,
        reference,
        text="Please contact the school office.",
        where="Village Facebook group",
        replied_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        approved_by="Hugh Head",
        approved_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    log_public_reply(dsl, reference, text="We are looking into it.")
    record_escalation(
        dsl, reference, "police", not_needed_reason="Criticism, not a threat or a hate crime."
    )
    out = tmp_path / "case.pdf"
    export_case(dsl, reference, out)
    text = flat(" ".join(pages_text(out)))
    assert "Replies made online, and their approval" in text
    assert (
        "Reply 1 (Village Facebook group, 20 November 2026, 09:30 GMT): Please contact the "
        "school office. Approved by Hugh Head, 20 November 2026, 09:00 GMT." in text
    )
    assert "Reply 2 (where not given, time not given): We are looking into it." in text
    assert "No approval recorded." in text
    assert "No approval is recorded for this reply" in text
    assert "Decided not to involve the police: Criticism, not a threat or a hate crime." in text
