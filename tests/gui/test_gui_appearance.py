"""Dark mode and large text follow the desktop; everything stays usable at 150% (issue 11).

What a person sees is checked where it can be: the colour of a window's pixels, the colour a
label is drawn in, whether Send and Lock are inside the window on a 1280×720 screen."""

# Fixtures imported from gui_support are used as test arguments, which ruff reads as
# redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gui_support import context, cut_off, gui_vault, modals  # noqa: F401
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel
from pytestqt.qtbot import QtBot
from support.school import build_school

from safelog.gui import theme
from safelog.gui.app import create_application, load_style_sheet
from safelog.gui.sign_in import SignInWindow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "resources" / "style" / "safelog.qss"
PROBE = Path(__file__).with_name("appearance_probe.py")


@pytest.fixture(autouse=True)
def restore_app(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test may change the app's scheme and font; later tests get the app back as it
    was. The style sheet is read from this checkout (an editable install made from another
    checkout would hand out that one's)."""
    monkeypatch.setattr(theme, "template_text", lambda: TEMPLATE.read_text("utf-8"))
    monkeypatch.delenv(theme.ENV, raising=False)
    sheet, palette, font = qapp.styleSheet(), QApplication.palette(), QApplication.font()
    box_palette = QApplication.palette("QCheckBox")
    scheme = theme.current_scheme()
    yield
    QApplication.setFont(font)
    qapp.setPalette(palette)
    for kind in ("QCheckBox", "QRadioButton"):
        qapp.setPalette(box_palette, kind)
    qapp.setStyleSheet(sheet)
    theme._applied.scheme = scheme


def luminance(colour: QColor) -> float:
    return theme._luminance(colour.name())


def shown_background(qtbot: QtBot, widget: Any) -> QColor:
    """The colour of the window's pixels away from any control, as a person sees it."""
    widget.show()
    qtbot.waitExposed(widget)
    return widget.grab().toImage().pixelColor(3, widget.height() - 3)


def label_colour(label: QLabel) -> str:
    return label.palette().color(QPalette.ColorRole.WindowText).name()


# -- choosing the scheme ------------------------------------------------------------------------


def test_light_is_the_default_when_the_desktop_says_nothing(
    qtbot: QtBot, qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert theme.desktop_scheme() != Qt.ColorScheme.Dark  # offscreen reports no scheme
    create_application(["appearance"])
    assert theme.current_scheme() == "light"
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == theme.LIGHT["window"]
    window = SignInWindow()
    qtbot.addWidget(window)
    assert luminance(shown_background(qtbot, window)) > 0.8
    # An unknown value of SAFELOG_THEME is not an error: it follows the desktop.
    assert theme.chosen_scheme(Qt.ColorScheme.Unknown) == "light"
    monkeypatch.setenv(theme.ENV, "purple")
    assert theme.chosen_scheme(Qt.ColorScheme.Dark) == "dark"
    assert theme.chosen_scheme(Qt.ColorScheme.Light) == "light"


def test_a_dark_desktop_or_safelog_theme_dark_gives_the_dark_sheet_and_palette(
    qtbot: QtBot, qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert theme.chosen_scheme(Qt.ColorScheme.Dark) == "dark"
    monkeypatch.setenv(theme.ENV, "dark")
    assert theme.chosen_scheme(Qt.ColorScheme.Light) == "dark"
    create_application(["appearance"])
    assert theme.current_scheme() == "dark"

    palette = qapp.palette()
    window_colour = palette.color(QPalette.ColorRole.Window)
    text_colour = palette.color(QPalette.ColorRole.WindowText)
    assert luminance(window_colour) < 0.05 and luminance(text_colour) > 0.7
    assert luminance(palette.color(QPalette.ColorRole.Base)) < 0.05  # no white fields
    sheet = qapp.styleSheet()
    assert sheet == load_style_sheet() and f"background: {theme.DARK['window']}" in sheet
    assert theme.LIGHT["window"] not in sheet.split("*/", 1)[1]

    window = SignInWindow()
    qtbot.addWidget(window)
    assert luminance(shown_background(qtbot, window)) < 0.05
    # The passphrase field is drawn dark with light text, not white on white.
    field = window.passphrase.palette()
    back, text = field.color(QPalette.ColorRole.Base), field.color(QPalette.ColorRole.Text)
    assert luminance(back) < 0.05
    assert theme.contrast(text.name(), back.name()) >= theme.TEXT_CONTRAST
    # A check box's edge is as visible as a field's border (Fusion draws it from the
    # window colour, which on a dark window would leave no edge at all).
    box = QCheckBox("Show what I type")
    qtbot.addWidget(box)
    box.ensurePolished()
    edge = box.palette().color(QPalette.ColorRole.Window).darker(140)
    assert theme.contrast(edge.name(), theme.DARK["window"]) >= theme.EDGE_CONTRAST


def test_switching_the_desktop_scheme_restyles_open_windows(
    qtbot: QtBot, qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_application(["appearance"])
    assert theme.current_scheme() == "light"
    window = SignInWindow()
    qtbot.addWidget(window)
    verdict = QLabel("✘ The case file has been altered.")  # as the verify dialog shows it
    verdict.setObjectName("verdict")
    theme.set_style_property(verdict, "ok", False)
    qtbot.addWidget(verdict)
    verdict.show()
    assert label_colour(verdict) == theme.LIGHT["danger"]
    assert luminance(shown_background(qtbot, window)) > 0.8

    hints = QApplication.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.current_scheme() == "dark"
    assert luminance(shown_background(qtbot, window)) < 0.05
    assert label_colour(verdict) == theme.DARK["danger"]

    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert luminance(shown_background(qtbot, window)) > 0.8
    assert label_colour(verdict) == theme.LIGHT["danger"]

    # Someone who chose light keeps it whatever the desktop does.
    monkeypatch.setenv(theme.ENV, "light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert theme.current_scheme() == "light"
    assert luminance(shown_background(qtbot, window)) > 0.8
    # Following the desktop is set up once, however often the app is configured.
    create_application(["appearance"])
    assert len(qapp.findChildren(theme._Follower)) == 1


class Desktop:
    """A desktop reporting `scheme`, counting how often SafeLog asks it (each ask builds
    PySide's `Qt` namespace type, ~22 ms before the first paint: issue 17)."""

    def __init__(self, scheme: Qt.ColorScheme) -> None:
        self.scheme = scheme
        self.asked = 0

    def __call__(self) -> Qt.ColorScheme:
        self.asked += 1
        return self.scheme


def first_start(
    qapp: Any, monkeypatch: pytest.MonkeyPatch, platform: str, desktop: Desktop
) -> None:
    """As at a real start: the platform's own palette (light or dark) is still in place."""
    monkeypatch.setattr(theme._applied, "applied", False)
    monkeypatch.setattr(theme, "desktop_scheme", desktop)
    qapp.setPalette(theme.qpalette(platform))  # type: ignore[arg-type]


def test_a_light_platform_palette_paints_light_first_and_a_dark_desktop_is_followed_after(
    qtbot: QtBot, qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = Desktop(Qt.ColorScheme.Dark)
    first_start(qapp, monkeypatch, "light", desktop)
    theme.follow_desktop(qapp)
    assert desktop.asked == 0, "a light platform palette is not a dark desktop: not asked"
    assert theme.current_scheme() == "light"
    window = SignInWindow()
    qtbot.addWidget(window)
    assert luminance(shown_background(qtbot, window)) > 0.8
    # Once the window is painted the desktop is asked, and a dark one is followed.
    theme.check_desktop_scheme(qapp)
    assert desktop.asked == 1 and theme.current_scheme() == "dark"
    assert luminance(shown_background(qtbot, window)) < 0.05


def test_a_dark_platform_palette_asks_the_desktop_before_the_first_paint(
    qtbot: QtBot, qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = Desktop(Qt.ColorScheme.Dark)
    first_start(qapp, monkeypatch, "dark", desktop)
    theme.follow_desktop(qapp)
    assert desktop.asked == 1 and theme.current_scheme() == "dark"
    window = SignInWindow()
    qtbot.addWidget(window)
    assert luminance(shown_background(qtbot, window)) < 0.05, "dark from the first paint"
    # A dark palette on a desktop that says nothing (or light) is still SafeLog's light.
    unknown = Desktop(Qt.ColorScheme.Unknown)
    first_start(qapp, monkeypatch, "dark", unknown)
    theme.follow_desktop(qapp)
    assert unknown.asked == 1 and theme.current_scheme() == "light"


def test_safelog_theme_decides_without_asking_the_desktop(
    qtbot: QtBot, qapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    desktop = Desktop(Qt.ColorScheme.Light)
    first_start(qapp, monkeypatch, "light", desktop)
    monkeypatch.setenv(theme.ENV, "dark")
    theme.follow_desktop(qapp)
    assert desktop.asked == 0 and theme.current_scheme() == "dark"
    theme.check_desktop_scheme(qapp)  # the desktop says light: SAFELOG_THEME still wins
    assert theme.current_scheme() == "dark"
    # Once SafeLog's own palette is in place, configuring the app again asks the desktop.
    monkeypatch.delenv(theme.ENV)
    theme.follow_desktop(qapp)
    assert desktop.asked == 2 and theme.current_scheme() == "light"


def test_colours_set_in_code_follow_the_scheme(qtbot: QtBot, qapp: Any) -> None:
    """The inbox's counts and the case list's deadlines are coloured in code, from the same
    palette as the style sheet, so they change with it."""
    from safelog.gui.inbox import _Count

    parent = QLabel()
    qtbot.addWidget(parent)
    count = _Count("Overdue", parent)
    for scheme in ("light", "dark"):
        theme.apply(qapp, scheme)
        palette = theme.PALETTES[scheme]
        count.set_count(3, "danger")
        assert label_colour(count.number) == palette["danger"]
        count.set_count(0, "danger")  # nothing overdue: not red
        assert label_colour(count.number) == palette["heading"]
        assert theme.colour("danger").name() == palette["danger"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_passphrase_meter_is_red_then_green_in_both_schemes(
    qtbot: QtBot, qapp: Any, scheme: theme.Scheme
) -> None:
    from safelog.gui.dialogs import NewPassphraseForm

    theme.apply(qapp, scheme)
    form = NewPassphraseForm()
    qtbot.addWidget(form)
    form.resize(500, 200)
    form.show()
    qtbot.waitExposed(form)

    def bar_colour() -> str:
        meter = form.meter
        return meter.grab().toImage().pixelColor(4, meter.height() // 2).name()

    form.passphrase.setText("abc")
    assert bar_colour() == theme.PALETTES[scheme]["meter_weak"]
    form.passphrase.setText("kettle orbit lantern")
    assert bar_colour() == theme.PALETTES[scheme]["meter_strong"]


# -- the palettes ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_declared_text_and_background_pair_meets_wcag_aa(scheme: theme.Scheme) -> None:
    palette = theme.PALETTES[scheme]
    for fore, back in theme.TEXT_PAIRS:
        ratio = theme.contrast(palette[fore], palette[back])
        assert ratio >= theme.TEXT_CONTRAST, f"{scheme}: {fore} on {back} is {ratio:.2f}:1"
    for fore, back in theme.EDGE_PAIRS:
        ratio = theme.contrast(palette[fore], palette[back])
        assert ratio >= theme.EDGE_CONTRAST, f"{scheme}: {fore} on {back} is {ratio:.2f}:1"
    # The table in the style sheet's header is the one worked out here.
    header = TEMPLATE.read_text("utf-8").split("*/", 1)[0]
    for line in theme.contrast_lines(scheme):
        assert line in header, f"the style sheet's header lacks or misstates: {line}"


def test_one_template_serves_both_schemes_with_no_colour_or_pixel_text_size_of_its_own() -> None:
    assert theme.LIGHT.keys() == theme.DARK.keys()
    text = TEMPLATE.read_text("utf-8")
    rules = text.split("*/", 1)[1]
    assert re.findall(r"#[0-9a-fA-F]{3,8}\b", rules) == [], "a colour not from the palettes"
    assert re.findall(r"font-size:\s*[\d.]+px", rules) == []
    assert re.findall(r"font-size:\s*[\d.]+pt", rules) == [], "a size not from the tokens"
    used = set(re.findall(r"\$(\w+)", rules))
    assert used <= theme.LIGHT.keys() | theme.SIZES.keys()
    for scheme in ("light", "dark"):
        filled = theme.style_sheet(scheme)
        assert "$" not in filled.split("*/", 1)[1]


def test_no_widget_sets_its_own_colours_or_text_size() -> None:
    """Inline style sheets with colours are what turns text invisible in dark mode."""
    found = []
    for path in (ROOT / "safelog" / "gui").rglob("*.py"):
        if path.name == "theme.py":
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            styled = "setStyleSheet(" in line
            if styled and re.search(r"color|background|#[0-9a-f]{6}|\dpt|px", line):
                found.append(f"{path.name}:{number}: {line.strip()}")
            # Drawn pictures keep their own colours: evidence placeholder tiles (on a light
            # tile of their own) and the tray badge (on the desktop's panel, not in a window).
            pictures = ("evidence/item_list.py", "gui/arrivals.py")
            if re.search(r"QColor\(\"#", line) and not path.as_posix().endswith(pictures):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


# -- large text -------------------------------------------------------------------------------


def larger_desktop_text(qapp: Any, points: float) -> None:
    font = QFont(QApplication.font())
    font.setPointSizeF(points)
    QApplication.setFont(font)
    theme.apply(qapp, theme.current_scheme())


def test_text_follows_the_desktop_size_and_headings_grow_with_it(qapp: Any) -> None:
    larger_desktop_text(qapp, 8)
    assert "font-size: 11pt;" in qapp.styleSheet()  # never below what SafeLog was made at
    larger_desktop_text(qapp, 14)
    sheet = qapp.styleSheet()
    assert "QWidget {\n    color: #1b1f24;\n    font-size: 14pt;" in sheet
    assert "font-size: 22.9pt;" in sheet  # a heading: 18/11 of the text size
    heading = QLabel("Inbox")
    heading.setObjectName("heading")
    heading.ensurePolished()
    assert heading.font().pointSizeF() == pytest.approx(22.9)
    body = QLabel("Body")
    body.ensurePolished()
    assert body.font().pointSizeF() == pytest.approx(14)


def test_a_change_to_the_desktop_text_size_restyles_open_windows(qtbot: QtBot, qapp: Any) -> None:
    create_application(["appearance"])
    label = QLabel("Body")
    qtbot.addWidget(label)
    label.show()
    before = label.font().pointSizeF()
    font = QFont(QApplication.font())
    font.setPointSizeF(16)
    QApplication.setFont(font)  # what Qt does when the desktop's setting changes
    assert "font-size: 16pt;" in qapp.styleSheet()
    assert label.font().pointSizeF() == pytest.approx(16) != before


def test_the_text_size_is_followed_by_font_events_once_a_window_is_up(
    qtbot: QtBot, qapp: Any
) -> None:
    # Until the first paint the app's fontChanged signal is followed; after it, its
    # ApplicationFontChange events too (an app-wide filter is costly before the paint).
    create_application(["appearance"])
    theme.watch_font_events(qapp)
    theme.watch_font_events(qapp)  # once, however often
    font = QFont(QApplication.font())
    font.setPointSizeF(17)
    qapp.blockSignals(True)  # the event alone, as a platform might send it
    try:
        QApplication.setFont(font)
    finally:
        qapp.blockSignals(False)
    assert "font-size: 17pt;" in qapp.styleSheet()


@pytest.fixture
def school(gui_vault: Any) -> Any:
    return build_school(gui_vault)


def reachable(window: Any, button: Any) -> bool:
    corner = button.mapTo(window, QPoint(button.width() - 1, button.height() - 1))
    return bool(button.isVisible() and window.rect().contains(corner))


def test_with_14pt_text_the_main_window_and_report_form_fit_1280_by_720(
    qtbot: QtBot, qapp: Any, context: Any, school: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safelog.gui.main_window import MainWindow
    from safelog.gui.report_form import ReportConcernDialog

    create_application(["appearance"])
    larger_desktop_text(qapp, 14)
    area = QRect(0, 0, 1280, 720 - 40)  # less a taskbar
    monkeypatch.setattr("safelog.gui.screen_fit.available_geometry", lambda _w: area)
    title_bar = 32
    context.session = school.unlock("Dana DSL")
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.width() <= area.width() and window.height() + title_bar <= area.height()
    for button in (window.report_button, window.lock_button):
        assert reachable(window, button), button.text()
    assert cut_off(window) == []

    form = ReportConcernDialog(context, window)
    qtbot.addWidget(form)
    monkeypatch.setattr(ReportConcernDialog, "confirm_discard", lambda _self: True)
    form.show()
    qtbot.waitExposed(form)
    assert form.width() <= area.width() and form.height() + title_bar <= area.height()
    for button in (form.send_button, form.cancel_button):
        assert reachable(form, button), button.text()
    assert cut_off(form) == []
    window.discard()


@pytest.mark.parametrize("points", [11.0, 14.0])
def test_opening_a_case_keeps_the_main_window_on_a_1280_by_720_screen(
    qtbot: QtBot,
    qapp: Any,
    context: Any,
    school: Any,
    monkeypatch: pytest.MonkeyPatch,
    points: float,
) -> None:
    """A case's workspace needs more height than 1280×720 leaves; the window used to grow
    past the bottom of the screen to make room. Now what does not fit scrolls."""
    from safelog.gui.main_window import MainWindow
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case

    create_application(["appearance"])
    larger_desktop_text(qapp, points)
    area = QRect(0, 0, 1280, 720 - 40)
    monkeypatch.setattr("safelog.gui.screen_fit.available_geometry", lambda _w: area)
    context.session = school.unlock("Dana DSL")
    reference = add_case(
        context.session,
        CaseInput.from_json(
            {
                "category": "online-abuse-disclosure",
                "summary": "Pupil says a teacher messaged her privately",
                "description": "Disclosed to her form tutor this morning.",
                "subjects": ["Tess Teacher"],
            }
        ),
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.open_case(reference)
    workspace = window.workspaces[reference]
    with qtbot.waitSignal(workspace.loaded, timeout=20000):
        pass
    for index in range(workspace.tabs.count()):
        workspace.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        assert window.height() + 32 <= area.height(), workspace.tabs.tabText(index)
        assert reachable(window, window.lock_button)
    context.runner.wait()
    window.close_current_case()
    window.discard()


# -- 150% scaling -------------------------------------------------------------------------------


@pytest.mark.parametrize("points", [None, 14.0], ids=["desktop-text", "14pt-text"])
def test_at_150_percent_on_a_1920_by_1080_screen_every_window_fits_with_its_buttons(
    tmp_path: Path, points: float | None
) -> None:
    screens = tmp_path / "screens.json"
    screens.write_text(
        json.dumps(
            {
                "screens": [
                    {"name": "laptop", "x": 0, "y": 0, "width": 1920, "height": 1080}
                    | {"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}
                ]
            }
        )
    )
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
        QT_SCALE_FACTOR="1.5",
        SAFELOG_INSECURE_TEST_KDF="1",
        PYTHONPATH=str(ROOT),
    )
    args = [sys.executable, str(PROBE), str(tmp_path / "data")]
    if points:
        args.append(str(points))
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ratio"] == 1.5
    for name in ("sign_in", "main", "report"):
        window = result[name]
        assert window["area"] == [1280, 720], window  # 1920×1080 at 150%
        assert window["fits"], f"{name} is larger than the screen: {window}"
        assert all(window["reachable"].values()), f"{name}: {window['reachable']}"
        assert window["cut_off"] == [], name
