"""Screenshots of child protection file transfer (issue 15): two demo schools, a file sent
from Ravens Wood to Oak Hill, the receiving DSL's Transfers window, the send dialog and the
sending DSL's inbox with the file awaiting receipt. Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/transfers_shots.py
"""

from datetime import UTC, datetime

from shot_support import Shots

shots = Shots("transfers")
ROOT = shots.root

from safelog.gui.inbox import InboxView  # noqa: E402
from safelog.gui.transfer_send_dialog import SendTransferDialog  # noqa: E402
from safelog.gui.transfers_window import TransfersDialog  # noqa: E402
from safelog.store.engine import sqlite_url  # noqa: E402
from safelog.vault.case_input import CaseInput  # noqa: E402
from safelog.vault.cases import add_case  # noqa: E402
from safelog.vault.evidence import add_evidence  # noqa: E402
from safelog.vault.roll import import_roll, load_roll  # noqa: E402
from safelog.vault.transfer_keys import export_school_key, read_recipient_key  # noqa: E402
from safelog.vault.transfer_receive import receive_transfer  # noqa: E402
from safelog.vault.transfers import send_transfer, send_with_passphrase  # noqa: E402
from safelog.vault.vault import Vault  # noqa: E402

ROLL = b"""UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender
B201201001010,Smith,Jessica,Jess,14/03/2012,Year 8,8B,Female
P201201001020,O'Brien,Liam,Liam,01/09/2011,Year 9,9X,Male
C201201001030,Nowak,Zo\xc3\xab,,7/2/2013,Year 7,7A,Female
"""


def school(folder, name, dsl, passphrase):
    (ROOT / folder).mkdir(mode=0o700)
    vault = Vault(ROOT / folder, sqlite_url(ROOT / folder))
    vault.create(name, dsl, passphrase).session.lock()
    vault.unlock(dsl, passphrase).lock()
    return vault


ravens = school("ravens", "Ravens Wood School", "Dana DSL", "dana correct horse")
oak = school("oak", "Oak Hill Academy", "Olive Oak", "olive oak hill school")
dana = ravens.unlock("Dana DSL", "dana correct horse")
import_roll(dana, ROLL)
reference = add_case(
    dana,
    CaseInput.from_json(
        {
            "category": "cyberbullying-pupil",
            "summary": "Abusive messages in the Year 8 group chat",
            "description": "Jess showed me messages about her sent on Monday evening.",
            "people": [{"pupil": "B201201001010", "role": "victim"}],
        }
    ),
)
(ROOT / "chat.txt").write_bytes(b"Transcript of the group chat\n" * 20)
add_evidence(dana, reference, ROOT / "chat.txt")
olive = oak.unlock("Olive Oak", "olive oak hill school")
export_school_key(olive, ROOT / "oak.pem")
key = read_recipient_key(ROOT / "oak.pem")
send_transfer(dana, "B201201001010", key, ROOT / "jess.sltransfer")
send_with_passphrase(dana, "P201201001020", "a one-time passphrase", ROOT / "liam.pdf")
receive_transfer(olive, ROOT / "jess.sltransfer", ROOT / "receipt.json")


context = shots.context


oak_window = TransfersDialog(context(oak, olive))
oak_window.resize(1100, 640)
oak_window.show()
shots.pump(lambda: oak_window.save_key_button.isEnabled() and oak_window.rows())
oak_window._say(oak_window.notice, "")
shots.shot(oak_window, "transfers-receiving-school")

ravens_context = context(ravens, dana)
ravens_window = TransfersDialog(ravens_context)
ravens_window.resize(1100, 640)
ravens_window.show()
shots.pump(lambda: len(ravens_window.rows()) == 2)
shots.shot(ravens_window, "transfers-sending-school")

send = SendTransferDialog(ravens_context, None, load_roll(dana).find("C201201001030").id)
send.show()
shots.pump(lambda: send.pupil.count() == 3)
send.key = key
send.key_words.setText(f"{key.school}\nFingerprint: {key.phone}")
send.checked.setChecked(True)
send._update()
shots.shot(send, "transfer-send")

inbox = InboxView(ravens_context)
inbox.resize(1100, 640)
inbox.show()
shots.pump(lambda: inbox.data is not None and inbox.transfers.isVisible())
shots.shot(inbox, "inbox-awaiting-receipt")
print(datetime.now(UTC))
