"""Hostile text typed into a case (issue 10, point 7), tried as an attacker with an ordinary
account would: terminal escapes, direction overrides and lone surrogates in every field a
person types, refused at the core with a message that names the field and not the value; and
a case too big for the signed case file to be made from it, refused before anything is kept.

Newlines and tabs stay allowed where a field may hold several lines."""

from __future__ import annotations

import io
from typing import Any

import pytest

from safelog.domain.roles import Role
from safelog.errors import InvalidInput
from safelog.evidence import corpus
from safelog.vault.case_input import (
    MAX_CASE_TEXT,
    MAX_PEOPLE,
    MAX_PERSON_NOTES,
    CaseInput,
    validate_changes,
)
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.content_form import check_first_part
from safelog.vault.evidence import import_stream, record_image_report
from safelog.vault.evidence_reading import list_case_evidence
from safelog.vault.workspace import (
    add_chronology,
    complete_action,
    record_decision,
    record_escalation,
    set_outcome,
)

ESC = "\x1b]0;SafeLog: all clear\x07\x1b[2J"  # sets the window title, clears the screen
HIDDEN = {
    "ESC": ESC,
    "8-bit CSI": "\x9b2J",
    "NUL": "a\x00b",
    "DEL": "rub\x7fout",
    "backspace": "Approved\x08\x08\x08\x08\x08\x08\x08\x08Refused",
    "RLO": "Sam \u202eSSAP",
    "RLI": "Sam \u2067tluaf\u2069",
    "lone surrogate": "half\ud800",
}
BASE = {
    "category": "online-abuse-disclosure",
    "summary": "A pupil was sent messages",
    "description": "What the pupil told me.",
}
PERSON = {"name": "Pupil A", "kind": "pupil", "role": "victim"}


def with_field(field: str, value: str) -> dict[str, Any]:
    data: dict[str, Any] = dict(BASE)
    if field in ("name", "notes"):
        data["people"] = [{**PERSON, field: value}]
    elif field == "subjects":
        data["subjects"] = [value]
    elif field == "nature":
        data["content_report"] = {"nature": value, "urls": ["https://example.com/post"]}
    elif field == "accessed_by":
        data["content_report"] = {"accessed_by": value, "urls": ["https://example.com/post"]}
    else:
        data[field] = data.get(field, "") + value
    return data


FIELDS = [
    "summary",
    "description",
    "platform",
    "url",
    "name",
    "notes",
    "subjects",
    "nature",
    "accessed_by",
]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("label", HIDDEN, ids=HIDDEN)
def test_hidden_characters_in_any_case_field_are_refused(field: str, label: str) -> None:
    value = HIDDEN[label]
    with pytest.raises(InvalidInput) as caught:
        CaseInput.from_json(with_field(field, value))
    message = str(caught.value)
    assert "contains" in message and "remove it" in message, message
    assert value not in message  # the refusal never repeats what was typed
    assert message.isprintable()


def test_the_refusal_says_which_field_and_which_character() -> None:
    with pytest.raises(InvalidInput, match=r"^'summary' contains a control character \(U\+001B"):
        CaseInput.from_json(with_field("summary", ESC))
    with pytest.raises(InvalidInput, match=r"^'name' contains .*direction of the text"):
        CaseInput.from_json(with_field("name", HIDDEN["RLO"]))
    with pytest.raises(InvalidInput, match=r"^The nature of the content contains .*surrogate"):
        check_first_part({"nature": "x\udfff"})


def test_several_lines_tabs_and_any_script_go_in(school: Any) -> None:
    case = CaseInput.from_json(
        {
            **BASE,
            "description": "First line\r\nSecond\tline\rThird line",
            "people": [{**PERSON, "notes": "Year 9\r\nForm 9B"}],
        }
    )
    assert case.description == "First line\nSecond\tline\nThird line"
    assert case.people[0]["notes"] == "Year 9\nForm 9B"
    for one_line in ("summary", "platform", "url", "name"):
        with pytest.raises(InvalidInput, match="single line"):
            CaseInput.from_json(with_field(one_line, "one\u2028two"))
    # Ordinary writing in any script is not mistaken for an attack.
    sam = school.unlock("Sam Staff")
    reference = add_case(
        sam,
        CaseInput.from_json(
            {
                **BASE,
                "summary": "Zoë said محمد sent it 👍",
                "people": [{**PERSON, "name": "\u200fמיכל כהן"}, {**PERSON, "name": "李小龙"}],
            }
        ),
    )
    dana = school.unlock("Dana DSL")
    fields = show_case(dana, reference).fields
    assert fields["summary"] == "Zoë said محمد sent it 👍"
    assert [p["name"] for p in fields["people"]] == ["\u200fמיכל כהן", "李小龙"]


@pytest.mark.parametrize("label", HIDDEN, ids=HIDDEN)
def test_amendments_refuse_them_too_and_nothing_is_recorded(school: Any, label: str) -> None:
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json(BASE))
    before = len(show_case(dana, reference).versions)
    value = HIDDEN[label]
    for changes in (
        {"summary": "Changed " + value},
        {"description": "More\n" + value},
        {"outcome": value},
        {"people": [{**PERSON, "name": value}]},
    ):
        with pytest.raises(InvalidInput):
            update_case(dana, reference, changes)
    for attempt in (
        lambda: add_chronology(dana, reference, "Spoke to parent " + value),
        lambda: record_decision(dana, reference, "Refer " + value, "Because"),
        lambda: record_escalation(dana, reference, "police", told="PC Smith", how=value),
        lambda: record_escalation(
            dana, reference, "police", told="PC Smith", reference_number="CR/1/" + value
        ),
        lambda: set_outcome(dana, reference, "no-further-action", note=value),
        lambda: complete_action(dana, reference, "any action", note="Done " + value),
    ):
        with pytest.raises(InvalidInput, match="contains"):
            attempt()
    assert len(show_case(dana, reference).versions) == before


@pytest.mark.parametrize("label", HIDDEN, ids=HIDDEN)
def test_evidence_details_and_image_reports_refuse_them(school: Any, label: str) -> None:
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json(BASE))
    value = HIDDEN[label]
    for key in ("source_url", "platform", "handle", "description"):
        with pytest.raises(InvalidInput, match="contains"):
            import_stream(
                dana,
                reference,
                io.BytesIO(corpus.text()),
                original_name="messages.txt",
                metadata={key: "seen " + value},
            )
    assert list_case_evidence(dana, reference) == []
    blocked = add_case(dana, CaseInput.from_json({**BASE, "category": "nudes-sharing"}))
    with pytest.raises(InvalidInput, match="contains"):
        record_image_report(dana, blocked, "Told in person " + value, "the DSL")
    with pytest.raises(InvalidInput, match="contains"):
        record_image_report(dana, blocked, "Told in person", "the DSL " + value)


# C0 controls (ESC, NUL, backspace) were already refused in names; these got through.
NAME_GAPS = ["8-bit CSI", "DEL", "RLO", "RLI", "lone surrogate"]


@pytest.mark.parametrize("label", NAME_GAPS)
def test_a_name_given_at_invitation_cannot_hide_characters(school: Any, label: str) -> None:
    dana = school.unlock("Dana DSL")
    name = "Eve " + HIDDEN[label] + " Admin"
    with pytest.raises(InvalidInput, match="printable"):
        school.vault.invite(dana, name, frozenset({Role.STAFF}))
    assert all(HIDDEN[label] not in person.name for person in dana.directory.people.values())


# -- size ------------------------------------------------------------------------------------


def people(count: int, notes: int = 0) -> list[dict[str, str]]:
    return [
        {**PERSON, "name": f"Pupil {i}", **({"notes": "n" * notes} if notes else {})}
        for i in range(count)
    ]


def test_more_people_than_a_case_file_can_list_are_refused(school: Any) -> None:
    sam = school.unlock("Sam Staff")
    CaseInput.from_json({**BASE, "people": people(MAX_PEOPLE)})  # the limit itself is fine
    with pytest.raises(InvalidInput, match=f"at most {MAX_PEOPLE}"):
        CaseInput.from_json({**BASE, "people": people(MAX_PEOPLE + 1)})
    with pytest.raises(InvalidInput, match=f"at most {MAX_PEOPLE}"):
        CaseInput.from_json({**BASE, "people": people(100_000)})
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json(BASE))
    with pytest.raises(InvalidInput, match=f"at most {MAX_PEOPLE}"):
        update_case(dana, reference, {"people": people(MAX_PEOPLE + 1)})
    assert list_cases(sam) == []


def test_a_case_with_more_text_than_the_cap_is_refused_whole() -> None:
    # Every field within its own limit, the whole well over the cap.
    notes_each = MAX_PERSON_NOTES
    count = MAX_CASE_TEXT // notes_each + 1
    assert count <= MAX_PEOPLE
    with pytest.raises(InvalidInput) as caught:
        CaseInput.from_json({**BASE, "people": people(count, notes_each)})
    message = str(caught.value)
    assert message.startswith("The case holds ")
    assert f"at most {MAX_CASE_TEXT:,}" in message and "evidence files" in message
    with pytest.raises(InvalidInput, match=r"^The change holds "):
        validate_changes({"people": people(count, notes_each)})
    with pytest.raises(InvalidInput, match=f"longer than {MAX_PERSON_NOTES}"):
        CaseInput.from_json({**BASE, "people": people(1, MAX_PERSON_NOTES + 1)})
    # Just under the cap is accepted.
    CaseInput.from_json({**BASE, "people": people(count - 2, notes_each)})
