"""Screenshots of requests that wait for a decision and of the Violent Incident Report
(issue 18): the headteacher's Blocked content requests window and inbox, a new family link,
the chair's Monitoring requests window, the workspace button, and page 1 of the printed
forms. Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/approvals_shots.py
"""

import subprocess

from shot_support import Shots

shots = Shots("approvals")

from safelog.domain.approvals import KINDS, ApprovalKind  # noqa: E402
from safelog.domain.roles import Role  # noqa: E402
from safelog.gui.approvals_window import (  # noqa: E402
    BlockedContentDialog,
    MonitoringDialog,
    RequestForm,
)
from safelog.gui.inbox import InboxView  # noqa: E402
from safelog.gui.workspace.case_workspace import CaseWorkspace  # noqa: E402
from safelog.vault.approvals import decide, make_request, print_approval  # noqa: E402
from safelog.vault.case_input import CaseInput  # noqa: E402
from safelog.vault.cases import add_case  # noqa: E402
from safelog.vault.violent_incident import print_violent_incident_report  # noqa: E402

PASSPHRASES = {
    "Dana DSL": "dana correct horse",
    "Hugh Head": "hugh battery staple",
    "Chris Chair": "chris governor key",
    "Sam Staff": "sam staffroom tea",
    "Tess Teacher": "tess lesson plans",
}
vault = shots.vault()
setup = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
roles = {
    "Hugh Head": {Role.HEADTEACHER},
    "Chris Chair": {Role.CHAIR},
    "Sam Staff": {Role.STAFF},
    "Tess Teacher": {Role.STAFF},
}
for name, held in roles.items():
    vault.enrol(vault.invite(setup, name, frozenset(held)), PASSPHRASES[name]).lock()
vault.admit(setup, "Hugh Head")
setup.lock()
vault.admit_with_recovery("Chris Chair", shots.recovery["governors"])
for name in ("Hugh Head", "Chris Chair", "Dana DSL"):
    vault.unlock(name, PASSPHRASES[name]).lock()


def unlock(name):
    return vault.unlock(name, PASSPHRASES[name])


sam, tess = unlock("Sam Staff"), unlock("Tess Teacher")
make_request(
    sam,
    "blocked-content",
    {
        "url": "https://www.youtube.com/watch?v=water-cycle-year-4",
        "site_content": "A BBC Bitesize video explaining the water cycle",
        "reasons": "Year 4 science lesson on Tuesday 8 December",
        "risks": "Played from the teacher's screen only; comments hidden; full screen",
    },
)
first = make_request(
    tess,
    "blocked-content",
    {
        "url": "https://www.tiktok.com/@museum/video/1",
        "site_content": "The Natural History Museum's dinosaur clip",
        "reasons": "Year 2 topic on fossils",
        "risks": "Downloaded by the IT technician and played offline",
    },
)
decide(unlock("Hugh Head"), first.seq, "refused", "TikTok stays blocked; ask IT to download it.")
make_request(
    tess,
    "family-link",
    {
        "pupil": "Jamie Fox (year 3)",
        "relationship": "family member",
        "details": "Jamie is my nephew. We are friends on Facebook; I never message him.",
    },
)
monitoring = make_request(
    unlock("Dana DSL"),
    "monitoring",
    {
        "scope": "School e-mail account, 1 March to 31 May",
        "grounds": "A parent reported messages to a pupil sent from this account",
        "discussion": "HR (J Smith), ICT (K Patel) and audit services, 3 December",
        "assessment": "Necessary to establish whether unauthorised contact took place",
    },
    about="Sam Staff",
)

hugh = shots.context(vault, unlock("Hugh Head"))
inbox = InboxView(hugh)
inbox.resize(1100, 640)
inbox.show()
inbox.refresh()
shots.pump(lambda: inbox.data is not None and inbox.approvals.isVisible())
shots.shot(inbox, "inbox-waiting-for-decision")

window = BlockedContentDialog(hugh)
window.show()
shots.pump(lambda: window.table.rowCount() == 2)
window.table.selectRow(0)
shots.shot(window, "blocked-content-requests")

tess_context = shots.context(vault, unlock("Tess Teacher"))
form = RequestForm(KINDS[ApprovalKind.FAMILY_LINK], [], None)
form.inputs["pupil"].setText("Amy Fox (year 5)")
form.inputs["relationship"].setCurrentIndex(0)
form.inputs["details"].setPlainText("Amy is my niece, Jamie's sister.")
form.show()
shots.shot(form, "new-family-link")

chris = shots.context(vault, unlock("Chris Chair"))
monitor = MonitoringDialog(chris)
monitor.show()
shots.pump(lambda: monitor.table.rowCount() == 1)
monitor.table.selectRow(0)
shots.shot(monitor, "monitoring-requests-chair")

threat = add_case(
    sam,
    CaseInput.from_json(
        {
            "category": "public-threats",
            "summary": "Threat on the village Facebook group",
            "description": "A parent posted that they would 'sort out' Mr Staff after school.",
            "platform": "Facebook",
            "people": [
                {"name": "Sam Staff", "kind": "staff", "role": "victim"},
                {"name": "Pat Parent", "kind": "parent", "role": "alleged-perpetrator"},
            ],
        }
    ),
)
dana = shots.context(vault, unlock("Dana DSL"))
workspace = CaseWorkspace(dana)
workspace.resize(1280, 720)
workspace.show()
workspace.load(threat)
shots.pump(lambda: workspace.vir_button.isVisible())
menu = workspace.more_button.menu()  # a popup: grabbed on its own
menu.popup(workspace.more_button.mapToGlobal(workspace.more_button.rect().bottomLeft()))
shots.pump(menu.isVisible)
shots.shot(menu, "workspace-more-menu")
menu.hide()

for name, write in (
    ("blocked-content-form", lambda out: print_approval(unlock("Hugh Head"), first.seq, out)),
    ("monitoring-form", lambda out: print_approval(unlock("Chris Chair"), monitoring.seq, out)),
    (
        "violent-incident-report",
        lambda out: print_violent_incident_report(unlock("Dana DSL"), threat, out),
    ),
):
    pdf = shots.root / f"{name}.pdf"
    write(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(shots.out / name),
        ],
        check=True,
    )
    print("saved", name)
