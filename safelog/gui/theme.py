"""Light or dark, and text size, as the desktop has them (issue 11).

One style sheet, resources/style/safelog.qss, holds `$name` tokens; a light and a dark
palette fill them, so the two schemes cannot drift apart. The same palette sets Fusion's
QPalette (for what the sheet does not draw) and gives the few colours widgets use in code
(`colour`). Which palette: SAFELOG_THEME=light|dark if set (for testing, and for desktops
that report no scheme), else the desktop's colour scheme, followed when it changes.

Asking Qt for the desktop's scheme hands Python a `Qt.ColorScheme`, which makes PySide6 build
its whole `Qt` namespace type (some 120 enums, ~22 ms on this project's 2-core machine) and
so delays the sign-in window's first paint (issue 17). It is asked before that paint only when
the answer could be dark (`starting_scheme`), and always once the window is painted
(`check_desktop_scheme`). Elsewhere the namespace is reached as `QtCore.Qt` when used.

Text sizes are points, from the desktop's default font (QApplication.font()), never smaller
than the 11pt SafeLog was designed at; headings are multiples of it, so "larger text" in the
desktop's settings makes every heading larger too.

Every text colour is declared with the backgrounds it is drawn on (`TEXT_PAIRS`): WCAG AA
asks 4.5:1 of text, 3:1 of a focus ring or a field's border (`EDGE_PAIRS`). The numbers in
the style sheet's header are these, worked out by `contrast_lines`.
"""

from __future__ import annotations

import os
from string import Template
from typing import TYPE_CHECKING, Literal

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from safelog.gui.shipped_files import shipped_text

if TYPE_CHECKING:
    from PySide6.QtCore import Qt

Scheme = Literal["light", "dark"]
ENV = "SAFELOG_THEME"
MIN_BASE_PT = 11.0  # the size the windows were designed and tested at

LIGHT: dict[str, str] = {
    "window": "#f6f7f9",
    "base": "#ffffff",
    "alt_base": "#f3f5f8",
    "text": "#1b1f24",
    "muted": "#4a5561",
    "heading": "#0f3550",
    "accent": "#1d5c87",
    "accent_hover": "#174c70",
    "accent_border": "#0f3550",
    "on_accent": "#ffffff",
    "hover_back": "#eef3f8",
    "hover_border": "#1d5c87",
    "pressed_back": "#dbe6f0",
    "focus": "#c77700",
    "border": "#6b7785",
    "soft_border": "#b8c0c8",
    "grid": "#dde2e7",
    "header_back": "#e9edf1",
    "header_line": "#c9d0d7",
    "disabled_back": "#eceef1",
    "disabled_text": "#6b7785",
    "warning_back": "#fff4e0",
    "warning_text": "#5c3a00",
    "warning_border": "#c77700",
    "notice_back": "#e8f1f8",
    "notice_text": "#0f3550",
    "notice_border": "#1d5c87",
    "danger": "#a4262c",
    "danger_back": "#fbeaea",
    "due_today": "#7a4a00",
    "good": "#1e6b2e",
    "meter_text": "#1b1f24",
    "meter_back": "#ffffff",
    "meter_weak": "#de6464",
    "meter_fair": "#c07b29",
    "meter_strong": "#22a036",
    "note_text": "#3b3b3b",
    "note_open_back": "#fff4e0",
    "note_late_back": "#eef2f7",
    "tooltip_back": "#1b1f24",
    "tooltip_text": "#ffffff",
}

DARK: dict[str, str] = {
    "window": "#1b1e22",
    "base": "#24282e",
    "alt_base": "#2b3036",
    "text": "#e6e9ed",
    "muted": "#b4bdc7",
    "heading": "#9ccaf2",
    "accent": "#2a6796",
    "accent_hover": "#22587f",
    "accent_border": "#7fb6e3",
    "on_accent": "#ffffff",
    "hover_back": "#2f3a46",
    "hover_border": "#7fb6e3",
    "pressed_back": "#37485a",
    "focus": "#ffb347",
    "border": "#8a95a2",
    "soft_border": "#4f5862",
    "grid": "#3a4047",
    "header_back": "#2f353c",
    "header_line": "#4f5862",
    "disabled_back": "#2a2e33",
    "disabled_text": "#8a939d",
    "warning_back": "#3a2c10",
    "warning_text": "#ffd591",
    "warning_border": "#e0a040",
    "notice_back": "#16293a",
    "notice_text": "#cfe5f8",
    "notice_border": "#5a9fd4",
    "danger": "#ff9b94",
    "danger_back": "#3d2225",
    "due_today": "#ffc266",
    "good": "#8fd9a0",
    "meter_text": "#ffffff",
    "meter_back": "#1b1e22",
    "meter_weak": "#c53939",
    "meter_fair": "#92622a",
    "meter_strong": "#247c32",
    "note_text": "#d5d9de",
    "note_open_back": "#3a2c10",
    "note_late_back": "#262f3a",
    "tooltip_back": "#e6e9ed",
    "tooltip_text": "#1b1f24",
}

PALETTES: dict[Scheme, dict[str, str]] = {"light": LIGHT, "dark": DARK}

# (text, background) pairs drawn on screen; each must reach 4.5:1 in both schemes.
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "window"),
    ("text", "base"),
    ("text", "alt_base"),
    ("text", "header_back"),
    ("text", "hover_back"),
    ("text", "pressed_back"),
    ("muted", "window"),
    ("muted", "base"),
    ("muted", "disabled_back"),
    ("heading", "window"),
    ("heading", "base"),
    ("on_accent", "accent"),
    ("on_accent", "accent_hover"),
    ("warning_text", "warning_back"),
    ("notice_text", "notice_back"),
    ("danger", "base"),
    ("danger", "window"),
    ("danger", "alt_base"),
    ("danger", "danger_back"),
    ("due_today", "base"),
    ("due_today", "window"),
    ("due_today", "warning_back"),
    ("good", "base"),
    ("good", "window"),
    ("note_text", "note_open_back"),
    ("note_text", "note_late_back"),
    ("tooltip_text", "tooltip_back"),
    # The passphrase meter's word sits partly on its bar, partly on the rest.
    ("meter_text", "meter_back"),
    ("meter_text", "meter_weak"),
    ("meter_text", "meter_fair"),
    ("meter_text", "meter_strong"),
)
# Edges a person must see to find a field or the focus: 3:1 (WCAG 1.4.11).
EDGE_PAIRS: tuple[tuple[str, str], ...] = (
    ("focus", "base"),
    ("focus", "window"),
    ("border", "base"),
    ("border", "window"),
    ("meter_weak", "meter_back"),
    ("meter_fair", "meter_back"),
    ("meter_strong", "meter_back"),
)
TEXT_CONTRAST = 4.5
EDGE_CONTRAST = 3.0

# Text sizes as multiples of the base size (the original sheet's 11pt gave 18pt headings).
SIZES: dict[str, float] = {
    "size_base": 1.0,
    "size_heading": 18 / 11,
    "size_subheading": 13 / 11,
    "size_verdict": 12 / 11,
    "size_number": 26 / 11,
}


# -- contrast (WCAG 2.x) -------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_lines(scheme: Scheme) -> list[str]:
    """The style sheet header's table for one scheme (a test keeps the two the same)."""
    palette = PALETTES[scheme]
    return [
        f"{fore:<13}{palette[fore]} on {back:<15}{palette[back]} "
        f"{contrast(palette[fore], palette[back]):5.1f}:1"
        for fore, back in TEXT_PAIRS + EDGE_PAIRS
    ]


# -- which scheme ---------------------------------------------------------------------------


def requested_scheme() -> Scheme | None:
    """What SAFELOG_THEME asks for, if it says light or dark."""
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted in ("light", "dark"):
        return "dark" if wanted == "dark" else "light"
    return None


def chosen_scheme(desktop: Qt.ColorScheme) -> Scheme:
    """SAFELOG_THEME if it says light or dark; otherwise what the desktop reports (an
    unknown scheme is light, as SafeLog always was)."""
    wanted = requested_scheme()
    if wanted is not None:
        return wanted
    return "dark" if desktop == QtCore.Qt.ColorScheme.Dark else "light"


def desktop_scheme() -> Qt.ColorScheme:
    return QGuiApplication.styleHints().colorScheme()


def looks_dark(palette: QPalette) -> bool:
    """Light text on a darker window: how Qt's KDE theme tells a dark palette."""
    role = QPalette.ColorRole
    return palette.color(role.WindowText).lightness() > palette.color(role.Window).lightness()


def starting_scheme(app: QApplication) -> Scheme:
    """The scheme to draw the first window in, asking the desktop (see the module's note)
    only when its answer could be dark: SAFELOG_THEME decides alone, and a desktop whose own
    palette is light is not asking for dark. Qt (6.5 and later) gives a dark scheme a dark
    palette: Windows and macOS their own, and the Fusion palette the other platforms fall
    back on; KDE derives its scheme from its palette. Once SafeLog has set its own palette
    (a second call), the desktop is asked."""
    wanted = requested_scheme()
    if wanted is not None:
        return wanted
    if _applied.applied or looks_dark(app.palette()):
        return chosen_scheme(desktop_scheme())
    return "light"


# -- the colours in use ----------------------------------------------------------------------


class _Applied:
    """The scheme on screen now. Set only by `apply`, so code that colours a cell or an
    item (`colour`) always agrees with the style sheet. (A plain class: the dataclasses
    module is not otherwise loaded before the sign-in window's first paint.)"""

    def __init__(self) -> None:
        self.scheme: Scheme = "light"
        self.applied = False  # whether SafeLog's palette has replaced the platform's


_applied = _Applied()


def current_scheme() -> Scheme:
    return _applied.scheme


def colour(name: str) -> QColor:
    """A palette colour of the scheme on screen, for model data and painted items."""
    return QColor(PALETTES[_applied.scheme][name])


def base_point_size() -> float:
    """The desktop's default text size, not below the size SafeLog was designed at."""
    size = QApplication.font().pointSizeF()
    return max(size, MIN_BASE_PT) if size > 0 else MIN_BASE_PT


def _points(value: float) -> str:
    return f"{round(value, 1):g}pt"


def template_text() -> str:
    return shipped_text("style", "safelog.qss")


def style_sheet(scheme: Scheme, base_pt: float = MIN_BASE_PT) -> str:
    """The style sheet for `scheme` with text sizes from `base_pt`."""
    tokens = dict(PALETTES[scheme])
    tokens.update({name: _points(base_pt * factor) for name, factor in SIZES.items()})
    return Template(template_text()).substitute(tokens)


def current_style_sheet() -> str:
    """The style sheet as it is on screen now: its scheme and the desktop's text size."""
    return style_sheet(_applied.scheme, base_point_size())


def qpalette(scheme: Scheme) -> QPalette:
    """Fusion's palette for the scheme: what the style sheet leaves to the style (scroll
    bars, check boxes, calendar pop-ups, message boxes) in the same colours."""
    c = {name: QColor(value) for name, value in PALETTES[scheme].items()}
    palette = QPalette()
    role = QPalette.ColorRole
    for r, name in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "base"),
        (role.AlternateBase, "alt_base"),
        (role.Text, "text"),
        (role.Button, "base"),
        (role.ButtonText, "text"),
        (role.BrightText, "on_accent"),
        (role.Highlight, "accent"),
        (role.HighlightedText, "on_accent"),
        (role.ToolTipBase, "tooltip_back"),
        (role.ToolTipText, "tooltip_text"),
        (role.PlaceholderText, "muted"),
        (role.Link, "heading"),
        (role.LinkVisited, "heading"),
        (role.Light, "hover_back"),
        (role.Midlight, "header_back"),
        (role.Mid, "soft_border"),
        (role.Dark, "border"),
        (role.Shadow, "window" if scheme == "dark" else "border"),
    ):
        palette.setColor(r, c[name])
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, r, c["disabled_text"])
    palette.setColor(disabled, role.Base, c["disabled_back"])
    palette.setColor(disabled, role.Button, c["disabled_back"])
    return palette


def box_palette(scheme: Scheme) -> QPalette:
    """Check boxes and radio buttons: Fusion draws their edge in the window colour made 40%
    darker, which on a dark window is no edge at all. Giving them a window colour 40% lighter
    than the field border makes the edge the field border's colour, in both schemes."""
    palette = qpalette(scheme)
    palette.setColor(QPalette.ColorRole.Window, QColor(PALETTES[scheme]["border"]).lighter(140))
    return palette


def apply(app: QApplication, scheme: Scheme) -> None:
    """Draw every window in `scheme` from now on (open ones are re-styled at once)."""
    _applied.scheme = scheme
    _applied.applied = True
    app.setPalette(qpalette(scheme))
    for kind in ("QCheckBox", "QRadioButton"):
        app.setPalette(box_palette(scheme), kind)  # type: ignore[arg-type]  # stub says bytes
    app.setStyleSheet(style_sheet(scheme, base_point_size()))


class _Follower(QObject):
    """Re-applies the style when the desktop's scheme or default text size changes; a child
    of the app, so it lives exactly as long as the app does. The text size is followed by
    the app's fontChanged signal at once, and by its ApplicationFontChange event once the
    first window is painted (`watch_font_events`): an application-wide event filter costs
    ~30 ms of PySide type set-up as the first window's events pass (issue 17)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("safelogThemeFollower")
        self._size = base_point_size()
        self._watching = False
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.scheme_changed)
        app.fontChanged.connect(self.font_changed)

    def watch_font_events(self) -> None:
        app = self.parent()
        if not self._watching and isinstance(app, QApplication):
            self._watching = True
            app.installEventFilter(self)
            self.font_changed()  # a change before now counts too

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.ApplicationFontChange:
            self.font_changed()
        return False

    def font_changed(self, *_font: object) -> None:
        app = self.parent()
        if isinstance(app, QApplication) and base_point_size() != self._size:
            self._size = base_point_size()
            apply(app, _applied.scheme)

    def scheme_changed(self, desktop: Qt.ColorScheme) -> None:
        app = self.parent()
        if isinstance(app, QApplication):
            scheme = chosen_scheme(desktop)
            if scheme != _applied.scheme:
                apply(app, scheme)


def follow_desktop(app: QApplication) -> None:
    """Apply the scheme SAFELOG_THEME or the desktop asks for, and follow the desktop."""
    apply(app, starting_scheme(app))
    if app.findChild(_Follower, "safelogThemeFollower") is None:
        _Follower(app)


def check_desktop_scheme(app: QApplication) -> None:
    """Ask the desktop for its scheme now (once the first window is painted) and switch to
    it if `starting_scheme` did not ask."""
    follower = app.findChild(_Follower, "safelogThemeFollower")
    if follower is not None:
        follower.scheme_changed(desktop_scheme())


def watch_font_events(app: QApplication) -> None:
    """Also follow the text size by the app's font events (once a window is painted)."""
    follower = app.findChild(_Follower, "safelogThemeFollower")
    if follower is not None:
        follower.watch_font_events()


def set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Set a property the style sheet selects on (alert, ok, level) and redraw with it:
    Qt only re-reads the sheet's selectors when the widget is polished again."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
