"""The school's own rules in the app (issue 18): a DSL saves the rules in force, an edited
file becomes the school's rules (checked first, every problem said), and the history shows
who set each version."""

# ruff: noqa: F811

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from safelog.domain.categories import category_by_code
from safelog.domain.routes import Route
from safelog.gui.school_rules_window import SchoolRulesDialog

pytestmark = sqlite_only


def open_dialog(qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: Any) -> SchoolRulesDialog:
    context = desk.sign_in("Dana DSL")
    dialog = SchoolRulesDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.lines()), timeout=LOAD_MS)
    return dialog


def test_a_dsl_saves_edits_and_sets_the_schools_rules(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = open_dialog(qtbot, desk, tmp_path, monkeypatch)
    assert unnamed_controls(dialog) == []
    assert dialog.lines() == ["The seed policies' rules are in force: none set yet."]
    saved = tmp_path / "rules.json"
    monkeypatch.setattr(dialog, "choose_export_file", lambda: saved)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "saved to rules.json" in dialog.notice.text()

    document = json.loads(saved.read_text("utf-8"))
    threats = next(c for c in document["categories"] if c["code"] == "public-threats")
    police = next(r for r in threats["routes"] if r["route"] == "police")
    police.update(required=True, when=[])
    nudes = next(c for c in document["categories"] if c["code"] == "nudes-sharing")
    nudes["blocks_image_import"] = False
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document), "utf-8")
    monkeypatch.setattr(dialog, "choose_import_file", lambda: edited)

    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy.busy, timeout=LOAD_MS)
    assert "refuses pictures cannot be changed" in dialog.problem.text()
    assert dialog.lines() == ["The seed policies' rules are in force: none set yet."]

    nudes.pop("blocks_image_import")
    edited.write_text(json.dumps(document), "utf-8")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "version 1" in dialog.notice.text(), timeout=LOAD_MS)
    qtbot.waitUntil(lambda: dialog.lines()[0].startswith("Version 1"), timeout=LOAD_MS)
    assert "by Dana DSL: public-threats" in dialog.lines()[0]
    assert dialog.problem.isHidden()
    police_now = next(
        r for r in category_by_code("public-threats").routes if r.route is Route.POLICE
    )
    assert police_now.required
