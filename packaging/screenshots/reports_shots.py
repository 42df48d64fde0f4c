"""Screenshots of the reports for governors and inspectors (issue 15 point 3): the Reports
window after a governors' report was saved, and page 1 of that report. Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/reports_shots.py

The school and its cases are the tests' (tests/support/report_cases.py)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"
HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else HERE / "reports")
OUT.mkdir(parents=True, exist_ok=True)
ROOT = Path(tempfile.mkdtemp(prefix="safelog-report-shots-"))
for var in ("HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
    os.environ[var] = str(ROOT / "home" / var.lower())
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from PySide6.QtCore import QCoreApplication  # noqa: E402

from safelog.gui import app as gui_app  # noqa: E402

qapp = gui_app.create_application(["shots"])

from support.report_cases import END, SCHOOL_START, START, build_report_cases  # noqa: E402
from support.school import Clock, build_school  # noqa: E402

from safelog.gui.context import AppContext, SessionEvents  # noqa: E402
from safelog.gui.reports_window import ReportsDialog  # noqa: E402
from safelog.gui.worker import Runner  # noqa: E402
from safelog.store.engine import sqlite_url  # noqa: E402
from safelog.vault.vault import Vault  # noqa: E402


def pump(cond, timeout=60):
    end = time.time() + timeout
    while not cond():
        QCoreApplication.processEvents()
        time.sleep(0.01)
        if time.time() > end:
            raise TimeoutError
    for _ in range(30):
        QCoreApplication.processEvents()
        time.sleep(0.005)


(ROOT / "data").mkdir(mode=0o700)
clock = Clock(SCHOOL_START)
vault = Vault(ROOT / "data", sqlite_url(ROOT / "data"), clock=clock)
school = build_school(vault)
build_report_cases(school, clock)
context = AppContext(
    vault=vault,
    runner=Runner(),
    events=SessionEvents(),
    clock=clock,
    session=school.unlock("Dana DSL"),
)
dialog = ReportsDialog(context)
dialog.show()
for edit, text in ((dialog.start, START), (dialog.end, END)):
    y, m, d = (int(part) for part in text.split("-"))
    edit.setDate(edit.date().fromString(f"{d:02d}/{m:02d}/{y}", "dd/MM/yyyy"))
folder = ROOT / "Documents"
folder.mkdir()
pdf = folder / "governors-report.pdf"
dialog.save(pdf, pdf.with_suffix(".csv"))
pump(lambda: "CSV SHA-256" in dialog.status.text())
dialog.grab().save(str(OUT / "reports.png"))
print("saved reports.png")
subprocess.run(
    ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
     str(OUT / "governors-report")],
    check=True,
)  # fmt: skip
print("saved governors-report.png")
context.runner.wait()
