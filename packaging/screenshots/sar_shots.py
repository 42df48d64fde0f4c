"""Screenshot of the Subject access… window (issue 15, point 2): a demo school with three
requests (one due within days with its evidence listed and one original ticked, one
overdue, one answered). Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/sar_shots.py
"""

from datetime import timedelta

from shot_support import Shots

shots = Shots("sar")
ROOT = shots.root

from PySide6.QtCore import Qt  # noqa: E402

from safelog.gui.sar_window import SubjectAccessDialog  # noqa: E402
from safelog.vault.case_input import CaseInput  # noqa: E402
from safelog.vault.cases import add_case  # noqa: E402
from safelog.vault.evidence import add_evidence  # noqa: E402
from safelog.vault.roll import import_roll  # noqa: E402
from safelog.vault.sar_export import export_disclosure  # noqa: E402
from safelog.vault.subject_access import extend_request, record_request, today  # noqa: E402

ROLL = b"""UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender
B201201001010,Smith,Jessica,Jess,14/03/2012,Year 8,8B,Female
P201201001020,O'Brien,Liam,Liam,01/09/2011,Year 9,9X,Male
C201201001030,Nowak,Zo\xc3\xab,,7/2/2013,Year 7,7A,Female
"""


vault = shots.vault()
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

window = SubjectAccessDialog(shots.context(vault, dana))
window.show()
shots.pump(lambda: window.table.rowCount() == 3)
window.table.selectRow([r.id for r in window.requests].index("SAR-1"))
try:
    shots.pump(lambda: window.item_list.count() == 2)
except TimeoutError:
    print(window.problem.text(), window.items_label.text(), window.selected())
    raise
window.item_list.item(1).setCheckState(Qt.CheckState.Checked)
window.subject.setText("Aisha Khan")
window.requester.setText("Mrs Khan")
shots.pump(lambda: True)
shots.shot(window, "subject-access")
