"""Run by test_gui_appearance in a subprocess (QT_SCALE_FACTOR only takes effect before the
app starts): open the sign-in window, the main window and the report form as SafeLog does,
and print, as JSON, whether each fits the screen and its buttons can be reached.

    python appearance_probe.py DATA_DIR [POINT_SIZE]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE.parent), str(HERE)]

from gui_support import cut_off  # noqa: E402
from PySide6.QtCore import QCoreApplication, QPoint  # noqa: E402
from PySide6.QtGui import QFont  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from support.school import build_school  # noqa: E402

from safelog.gui import app as gui_app  # noqa: E402
from safelog.gui import theme  # noqa: E402

TITLE_BAR = 32  # as test_gui_report_form allows for the frame Qt cannot measure offscreen

# This checkout's style sheet, not the one an editable install elsewhere points at.
theme.template_text = lambda: (ROOT / "resources/style/safelog.qss").read_text("utf-8")


def pump(seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def measure(window: QWidget, buttons: dict[str, QWidget]) -> dict[str, object]:
    area = window.screen().availableGeometry()
    reachable = {}
    for name, button in buttons.items():
        corner = button.mapTo(window, QPoint(button.width() - 1, button.height() - 1))
        reachable[name] = button.isVisible() and window.rect().contains(corner)
    return {
        "size": [window.width(), window.height()],
        "area": [area.width(), area.height()],
        "fits": window.width() <= area.width() and window.height() + TITLE_BAR <= area.height(),
        "reachable": reachable,
        "cut_off": cut_off(window),
    }


def main() -> None:
    from safelog.gui.context import AppContext, SessionEvents
    from safelog.gui.main_window import MainWindow
    from safelog.gui.report_form import ReportConcernDialog
    from safelog.gui.sign_in import SignInWindow
    from safelog.gui.worker import Runner
    from safelog.vault.vault import Vault

    app = gui_app.create_application(["probe"])
    if len(sys.argv) > 2:
        font = QFont(QApplication.font())
        font.setPointSizeF(float(sys.argv[2]))
        QApplication.setFont(font)
        theme.apply(app, theme.current_scheme())
    result: dict[str, object] = {"ratio": app.primaryScreen().devicePixelRatio()}

    sign_in = SignInWindow()
    sign_in.show()
    pump()
    result["sign_in"] = measure(
        sign_in, {"Sign in": sign_in.button, "Forgot": sign_in.forgot_button}
    )
    sign_in.hide()

    vault = Vault(Path(sys.argv[1]))
    school = build_school(vault)
    context = AppContext(vault=vault, runner=Runner(), events=SessionEvents())
    context.session = school.unlock("Dana DSL")
    window = MainWindow(context)
    window.show()
    pump(1.0)
    result["main"] = measure(
        window, {"Report a concern": window.report_button, "Lock": window.lock_button}
    )
    form = ReportConcernDialog(context, window)
    form.show()
    pump()
    result["report"] = measure(form, {"Send": form.send_button, "Cancel": form.cancel_button})
    form.done(0)
    context.runner.wait()
    window.discard()
    context.session.lock()
    vault.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
