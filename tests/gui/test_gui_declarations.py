"""Policy declarations in the app (issue 18): a member of staff signs from the Records menu's
window; the DSL sees who has and has not signed and prints the register."""

# ruff: noqa: F811
from __future__ import annotations

from pathlib import Path

from case_views_support import LOAD_MS, Desk, desk, sqlite_only, unnamed_controls  # noqa: F401
from pytestqt.qtbot import QtBot

from safelog.domain.roles import Role
from safelog.gui.declarations_window import DeclarationsDialog
from safelog.gui.records_menu import offered


def test_everyone_is_offered_the_declarations() -> None:
    for role in Role:
        assert "DeclarationsDialog" in [w.name for w in offered(frozenset({role}))]


@sqlite_only
def test_staff_sign_and_the_dsl_sees_and_prints_the_register(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    sam = DeclarationsDialog(desk.sign_in("Sam Staff"))
    qtbot.addWidget(sam)
    sam.show()
    assert unnamed_controls(sam) == []
    assert not sam.register.isVisible() and not sam.print_button.isVisible()
    sam.sign_buttons["acceptable-use"].click()
    qtbot.waitUntil(
        lambda: "Signed just now" in sam.states["acceptable-use"].text(), timeout=LOAD_MS
    )

    dana = DeclarationsDialog(desk.sign_in("Dana DSL"))
    qtbot.addWidget(dana)
    dana.show()
    qtbot.waitUntil(lambda: "signed   Sam Staff" in dana.register.toPlainText(), timeout=LOAD_MS)
    text = dana.register.toPlainText()
    social = text.split("School social media policy")[1]
    assert "Sam Staff" in social.split("not yet")[1]  # signed one, not the other
    out = tmp_path / "register.pdf"
    dana.save_register(out)
    qtbot.waitUntil(lambda: "Saved register.pdf" in dana.register.toPlainText(), timeout=LOAD_MS)
    assert out.read_bytes().startswith(b"%PDF")


@sqlite_only
def test_image_consent_recorded_by_the_dsl_and_read_by_staff(qtbot: QtBot, desk: Desk) -> None:
    from support.roll_files import SIMS_CSV

    from safelog.gui.consent_window import ConsentDialog
    from safelog.vault.roll import import_roll

    dana_session = desk.school.unlock("Dana DSL")
    import_roll(dana_session, SIMS_CSV.replace("31/02/2011", "28/02/2011").encode())
    dana = ConsentDialog(desk.sign_in("Dana DSL"))
    qtbot.addWidget(dana)
    dana.show()
    assert unnamed_controls(dana) == []
    qtbot.waitUntil(lambda: dana.table.rowCount() > 0, timeout=LOAD_MS)
    first = dana.pupil.itemText(0)
    dana.medium.setCurrentIndex(dana.medium.findData("website-images"))
    dana.status.setCurrentIndex(dana.status.findData("given"))
    dana.record()  # nobody named: refused in plain words
    qtbot.waitUntil(lambda: "in writing" in dana.error.text(), timeout=LOAD_MS)
    dana.by.setText("Mrs Smith (parent)")
    dana.record()
    qtbot.waitUntil(lambda: dana.table.item(0, 1).text() == "may post", timeout=LOAD_MS)

    out = dana_session.data_dir.parent / "consent.pdf"
    dana.save_record(out)
    qtbot.waitUntil(out.exists, timeout=LOAD_MS)
    assert out.read_bytes().startswith(b"%PDF")

    sam = ConsentDialog(desk.sign_in("Sam Staff"))
    qtbot.addWidget(sam)
    sam.show()
    assert not sam.form.isVisible() and not sam.record_button.isVisible()
    assert not sam.print_button.isVisible()
    qtbot.waitUntil(lambda: sam.table.rowCount() > 0, timeout=LOAD_MS)
    sam.search.setText(first.split()[0])
    assert sam.table.item(0, 0).text() == first
    assert sam.table.item(0, 1).text() == "may post"
    assert sam.table.item(0, 2).text() == "not asked"
