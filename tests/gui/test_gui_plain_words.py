"""Teacher-facing words (issue 11): no "vault", "checksum", "decompression bomb", KiB or MiB,
and no policy section numbers in the guidance a member of staff reads; a DSL gets the policy
sections on a line of their own."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from case_views_support import Desk, shown_text, sqlite_only
from gui_support import modals, wait_for  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

import safelog.gui
from safelog.domain.categories import CATEGORIES
from safelog.evidence.intake import describe_size
from safelog.gui.enrol_dialog import EnrolDialog
from safelog.gui.report_form import ReportConcernDialog

JARGON = re.compile(r"\bvaults?\b|checksum|decompression|\b[KMG]iB\b", re.IGNORECASE)
SECTION = re.compile(r"\b00[0-4] (\d|App|appendix)")


@pytest.fixture
def desk(qapp: Any, school: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    desk = Desk(school, clock, monkeypatch)
    yield desk
    desk.close()


def gui_strings() -> list[tuple[str, int, str]]:
    """Every string literal in safelog/gui that is not a docstring or a dotted name."""
    found = []
    for path in sorted(Path(safelog.gui.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                first = node.body[0] if node.body else None
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docstrings.add(id(first.value))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and not re.fullmatch(r"[\w.]+", node.value)
            ):
                found.append((path.name, node.lineno, node.value))
    return found


def test_no_jargon_in_the_strings_of_the_windows() -> None:
    assert [s for s in gui_strings() if JARGON.search(s[2]) or SECTION.search(s[2])] == []


def raised_messages() -> list[tuple[str, int, str]]:
    """Every string literal in what the layers below the windows raise (their words reach
    people through the windows and the command line)."""
    root = Path(safelog.gui.__file__).parent.parent
    found = []
    for package in ("vault", "audit", "store", "evidence", "export", "crypto"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Raise) and node.exc is not None:
                    found += [
                        (path.name, part.lineno, part.value)
                        for part in ast.walk(node.exc)
                        if isinstance(part, ast.Constant) and isinstance(part.value, str)
                    ]
    return found


def test_no_jargon_in_what_the_vault_layers_tell_people() -> None:
    messages = raised_messages()
    assert len(messages) > 100  # the walk found the messages
    assert [m for m in messages if JARGON.search(m[2])] == []


def test_sizes_read_as_a_teacher_would_write_them() -> None:
    assert describe_size(1536) == "1.5 KB"
    assert describe_size(5 * 1024 * 1024) == "5 MB"
    assert describe_size(2 * 1024**3) == "2 GB"


@sqlite_only
def test_staff_get_plain_guidance_and_a_dsl_gets_the_policy_line(qtbot: QtBot, desk: Desk) -> None:
    for name, is_dsl in (("Sam Staff", False), ("Dana DSL", True)):
        dialog = ReportConcernDialog(desk.sign_in(name))
        qtbot.addWidget(dialog)
        dialog.show()
        for category in CATEGORIES:
            dialog.category.setCurrentIndex(dialog.category.findData(category.code))
            guidance = dialog.category_guidance.text()
            assert guidance and not SECTION.search(guidance), guidance
            text = shown_text(dialog.body)
            assert not JARGON.search(text)
            if is_dsl:
                assert dialog.category_policy.isVisible()
                assert dialog.category_policy.text() == category.policy
                for ref in category.policy_refs:
                    assert ref in category.policy
            else:
                assert not dialog.category_policy.isVisible()
                assert not SECTION.search(text) and "Policy:" not in text, category.code


@sqlite_only
def test_a_mistyped_enrolment_code_is_explained_in_plain_words(qtbot: QtBot, desk: Desk) -> None:
    dialog = EnrolDialog(desk.sign_in("Sam Staff"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code, "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6")
    qtbot.keyClicks(dialog.form.passphrase, "another long passphrase")
    qtbot.keyClicks(dialog.form.confirmation, "another long passphrase")
    qtbot.mouseClick(dialog.enrol_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: dialog.message.isVisible())
    assert "typo" in dialog.message.text()
    assert not JARGON.search(dialog.message.text()), dialog.message.text()


def test_a_picture_too_large_to_open_is_refused_in_plain_words() -> None:
    from safelog.evidence.corpus import png_bomb
    from safelog.evidence.images import ImageBomb, make_thumbnail

    with pytest.raises(ImageBomb) as refused:
        make_thumbnail(png_bomb(), "image/png")
    assert "far larger than any real screenshot" in str(refused.value)
    assert not JARGON.search(str(refused.value))
