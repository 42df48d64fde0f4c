"""Screenshot of the Subject access… window (issue 15, point 2): a demo school with three
requests (one due within days with its evidence listed and one original ticked, one
overdue, one answered). Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/sar_shots.py
"""

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "sar")
OUT.mkdir(parents=True, exist_ok=True)
ROOT = Path(tempfile.mkdtemp(prefix="safelog-sar-shots-"))
for var in ("HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
    os.environ[var] = str(ROOT / "home" / var.lower())

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

from safelog.gui import app as gui_app  # noqa: E402

qapp = gui_app.create_application(["shots"])

from safelog.gui.context import AppContext, SessionEvents  # noqa: E402
from safelog.gui.sar_window import SubjectAccessDialog  # noqa: E402
from safelog.gui.worker import Runner  # noqa: E402
from safelog.store.engine import sqlite_url  # noqa: E402
from safelog.vault.case_input import CaseInput  # noqa: E402
from safelog.vault.cases import add_case  # noqa: E402
from safelog.vault.evidence import add_evidence  # noqa: E402
from safelog.vault.roll import import_roll  # noqa: E402
from safelog.vault.sar_export import export_disclosure  # noqa: E402
from safelog.vault.subject_access import extend_request, record_request, today  # noqa: E402
from safelog.vault.vault import Vault  # noqa: E402

ROLL = b"""UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender
B201201001010,Smith,Jessica,Jess,14/03/2012,Year 8,8B,Female
P201201001020,O'Brien,Liam,Liam,01/09/2011,Year 9,9X,Male
C201201001030,Nowak,Zo\xc3\xab,,7/2/2013,Year 7,7A,Female
"""


def pump(cond, timeout=30):
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
vault = Vault(ROOT / "data", sqlite_url(ROOT / "data"))
vault.create("Ravens Wood School", "Dana DSL", "dana correct horse").session.lock()
dana = vault.unlock("Dana DSL", "dana correct horse")
import_roll(dana, ROLL)
reference = add_case(
    dana,
    CaseInput.from_json(
        {
            "category": "cyberbullying-pupil",
            "summary": "Abusive messages in the Year 8 group chat",
            "description": "Jess showed me messages from Jordan Price sent on Monday evening.",
            "people": [
                {"pupil": "B201201001010", "role": "victim"},
                {"name": "Jordan Price", "kind": "pupil", "role": "alleged-perpetrator"},
            ],
        }
    ),
)
for name in ("jordan_chat.txt", "meeting-notes.txt"):
    (ROOT / name).write_bytes(f"{name}: notes and transcript\n".encode() * 40)
    add_evidence(dana, reference, ROOT / name)
now = today(dana)
record_request(
    dana,
    requester="Karen Smith",
    relationship="parent",
    subject="B201201001010",
    received_on=now - timedelta(days=27),
)
record_request(
    dana,
    requester="Liam O'Brien",
    relationship="pupil",
    subject="P201201001020",
    received_on=now - timedelta(days=45),
)
answered = record_request(
    dana,
    requester="Mr Price",
    relationship="parent",
    subject="Jordan Price",
    received_on=now - timedelta(days=20),
)
extend_request(dana, answered.id, 1, "Records from two schools")
export_disclosure(dana, ROOT / "jordan.pdf", request_id=answered.id)

window = SubjectAccessDialog(
    AppContext(vault=vault, runner=Runner(), events=SessionEvents(), session=dana)
)
window.show()
pump(lambda: window.table.rowCount() == 3)
window.table.selectRow([r.id for r in window.requests].index("SAR-1"))
try:
    pump(lambda: window.item_list.count() == 2)
except TimeoutError:
    print(window.problem.text(), window.items_label.text(), window.selected())
    raise
window.item_list.item(1).setCheckState(Qt.CheckState.Checked)
window.subject.setText("Aisha Khan")
window.requester.setText("Mrs Khan")
pump(lambda: True)
window.grab().save(str(OUT / "subject-access.png"))
print("saved", OUT / "subject-access.png", window.size())
