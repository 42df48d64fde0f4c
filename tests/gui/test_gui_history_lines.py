"""The History tab says in words what each kind of entry set: never a raw Python value."""

from __future__ import annotations

from safelog.gui.workspace.history import describe_field


def test_content_reports_image_reports_and_sightings_read_as_sentences() -> None:
    report = {"id": "r1", "nature": "Gambling site", "urls": ["https://bet.example"]}
    done = {**report, "officer": {"action_taken": "Site blocked by the filter"}}
    lines = describe_field("content_reports", [report], None, {})
    assert lines == [
        "Inappropriate content report: Gambling site\n  Web addresses: https://bet.example"
    ]
    lines = describe_field("content_reports", [done], [report], {})
    assert lines == [
        "Inappropriate content report completed by the e-safety officer: Site blocked by the filter"
    ]
    image = {"id": "i1", "description": "Two images", "informed": "PC Jones"}
    [line] = describe_field("image_reports", [image], None, {})
    assert line.startswith("Images reported in words (never stored): Two images")
    first = {"evidence_id": "e1", "file_name": "a.png", "recorded_by": "Sam Staff"}
    second = {"evidence_id": "e1", "file_name": "copy of a.png", "recorded_by": "Dana DSL"}
    [line] = describe_field("evidence_sightings", [first, second], [first], {})
    assert line == "The same file was added again: copy of a.png (already evidence e1), by Dana DSL"
    for name, value in (("content_reports", [done]), ("image_reports", [image])):
        assert all(
            "{" not in text and "[" not in text for text in describe_field(name, value, None, {})
        )
