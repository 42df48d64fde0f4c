"""The sign-in window while the vault opens, and the shell after it (a quick look at start-up):

xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/demo_shell.py
"""

import sys
import time

from shot_support import Shots

shots = Shots(".")
OUT, DATA = shots.out, shots.root / "demo"
pump, shot = shots.pump, shots.shot

from safelog.gui.context import AppContext, SessionEvents  # noqa: E402

# -- sign-in while opening
from safelog.gui.sign_in import SignInWindow  # noqa: E402
from safelog.gui.worker import Runner  # noqa: E402
from safelog.vault.vault import Vault  # noqa: E402

opening = SignInWindow()
opening.show()
pump(lambda: opening._painted)
shot(opening, "00-sign-in-opening")
opening.close()

vault = Vault(DATA)
context = AppContext(vault=vault, runner=Runner(), events=SessionEvents())

from safelog.gui.setup_wizard import SetupWizard  # noqa: E402

wizard = SetupWizard(context)
wizard.show()
shot(wizard, "01-wizard-school")
wizard.school_page.school.setText("Ravens Wood Primary School")
wizard.next()
wizard.account_page.name.setText("Dana Smith")
wizard.account_page.form.passphrase.setText("password123")
shot(wizard, "02-wizard-account-weak")
wizard.account_page.form.passphrase.setText("kettle orbit lantern")
wizard.account_page.form.confirmation.setText("kettle orbit lantern")
shot(wizard, "03-wizard-account-ok")
wizard.next()
shot(wizard, "04-wizard-creating")
pump(lambda: wizard.currentId() == 3)
shot(wizard, "05-wizard-recovery")
html = wizard.sheet_html()
from PySide6.QtGui import QPageSize, QPdfWriter, QTextDocument  # noqa: E402

doc = QTextDocument()
doc.setHtml(html)
writer = QPdfWriter(str(OUT / "recovery-sheet.pdf"))
writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
doc.print_(writer)
wizard.recovery_page.kept.setChecked(True)
wizard.next()
panel = wizard.invite_page.panel
for name, roles in (("Hugh Head", ["headteacher"]), ("Chris Chair", ["chair"]), ("Sam Staff", [])):
    panel.name.setText(name)
    for r in roles:
        getattr(panel, r).setChecked(True)
    n = len(panel.codes)
    panel.invite()
    pump(lambda n=n: len(panel.codes) == n + 1)
panel.name.setText("Tess Teacher")
shot(wizard, "06-wizard-invite")
codes = {row[0]: row[2] for row in panel.codes}
session = wizard.session
wizard.accept()

from safelog.gui.enrol_dialog import EnrolDialog  # noqa: E402

enrol = EnrolDialog(context)
enrol.show()
enrol.code.setText(codes["Hugh Head"])
enrol.form.passphrase.setText("hugh battery staple")
enrol.form.confirmation.setText("hugh battery stap")
shot(enrol, "07-enrol")
enrol.form.confirmation.setText("hugh battery staple")
enrol.submit()
pump(lambda: enrol.session is not None)
enrol.session.lock()
for name, pw in (("Chris Chair", "chris governor key"), ("Sam Staff", "sam staffroom tea")):
    vault.enrol(codes[name], pw).lock()

# -- sign-in
session.lock()
window = SignInWindow(context)
window.show()
pump(lambda: window.name.count() > 0)
shot(window, "08-sign-in")
window.name.setCurrentText("Dana Smith")
window.passphrase.setText("wrong one")
window.submit()
pump(lambda: window.message.isVisible())
shot(window, "09-sign-in-wrong")
window._show_caps(True)
shot(window, "10-sign-in-caps")
window._show_caps(False)
for _ in range(3):
    window.passphrase.setText("wrong again")
    window.submit()
    pump(lambda: not window.busy.busy and window.passphrase.isEnabled())
shot(window, "11-sign-in-countdown")
window.close()

# -- main window (DSL) with real views
from safelog.gui.main_window import MainWindow  # noqa: E402
from safelog.vault.case_input import CaseInput  # noqa: E402
from safelog.vault.cases import add_case  # noqa: E402

time.sleep(2.5)
dana = vault.unlock("Dana Smith", "kettle orbit lantern")
context.session = dana
ref = add_case(
    dana,
    CaseInput.from_json(
        {
            "category": "cyberbullying-pupil",
            "summary": "Unkind messages in the Year 6 group chat",
            "description": "A parent forwarded screenshots.",
        }
    ),
)
main = MainWindow(context)
main.show()
pump(lambda: True, 2)
time.sleep(1)
pump(lambda: True)
shot(main, "12-main-dsl")
main.open_case(ref)
time.sleep(1)
pump(lambda: True)
shot(main, "13-main-dsl-case")
from safelog.gui.dialogs import IdleLockDialog  # noqa: E402

settings = IdleLockDialog(5, main)
settings.show()
shot(settings, "14-settings")
settings.close()
from safelog.gui.invite_panel import InviteDialog  # noqa: E402

invite = InviteDialog(context, main)
invite.show()
shot(invite, "15-invite-dialog")
invite.close()
main.discard()
dana.lock()

sam = vault.unlock("Sam Staff", "sam staffroom tea")
context.session = sam
main = MainWindow(context)
main.show()
time.sleep(1)
pump(lambda: True)
shot(main, "16-main-staff")
main.discard()

from safelog.gui.crash_dialog import CrashDialog  # noqa: E402

try:
    raise ValueError("Pupil secret text")
except ValueError as exc:
    crash = CrashDialog(exc)
crash.show()
shot(crash, "17-crash")
context.runner.wait()
print("done")
sys.exit(0)
