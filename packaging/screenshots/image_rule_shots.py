"""Screenshots of the indecent-images rule (issue 18 point 1): a PDF refused on a
nudes-sharing case, and the evidence panel of a case moved into that category with its
picture quarantined. Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/image_rule_shots.py
"""

import io

from shot_support import Shots

shots = Shots("images")
ROOT = shots.root

from safelog.domain.categories import category_by_code  # noqa: E402
from safelog.evidence import corpus  # noqa: E402
from safelog.evidence.intake import NOT_TEXT  # noqa: E402
from safelog.gui.evidence.image_report import ImageReportDialog  # noqa: E402
from safelog.gui.workspace.case_workspace import CaseWorkspace  # noqa: E402
from safelog.store.engine import sqlite_url  # noqa: E402
from safelog.vault.case_input import CaseInput  # noqa: E402
from safelog.vault.cases import add_case, update_case  # noqa: E402
from safelog.vault.evidence import import_stream  # noqa: E402
from safelog.vault.vault import Vault  # noqa: E402


def category_shot(vault_, dana_):
    from safelog.gui.workspace.category_dialog import CategoryDialog
    from safelog.vault.evidence_reading import list_case_evidence

    other = add_case(
        dana_,
        CaseInput.from_json(
            {"category": "unwanted-contact", "summary": "Messages", "description": "x"}
        ),
    )
    import_stream(dana_, other, io.BytesIO(corpus.jpeg()), original_name="message.jpg")
    items = [i.info for i in list_case_evidence(dana_, other)]
    dialog = CategoryDialog("unwanted-contact", items)
    dialog.show()
    dialog.category.setCurrentIndex(dialog.category.findData("nudes-sharing"))
    dialog.locked_away.setText("Phone sealed in an evidence bag in the head's safe")
    shots.shot(dialog, "change-category")


(ROOT / "data").mkdir(mode=0o700)
vault = Vault(ROOT / "data", sqlite_url(ROOT / "data"))
vault.create("Ravens Wood School", "Dana DSL", "dana correct horse").session.lock()
dana = vault.unlock("Dana DSL", "dana correct horse")
reference = add_case(
    dana,
    CaseInput.from_json(
        {
            "category": "cyberbullying-pupil",
            "summary": "Messages and a picture in the Year 9 group chat",
            "description": "A pupil showed me the chat on Monday; one picture may be a nude.",
        }
    ),
)
for name, data in (
    ("group-chat.png", corpus.png()),
    ("chat-export.pdf", corpus.pdf()),
    ("what-she-said.txt", corpus.text()),
):
    import_stream(dana, reference, io.BytesIO(data), original_name=name)
update_case(
    dana,
    reference,
    {"category": "nudes-sharing", "device_locked_away": "Phone bagged in the head's safe"},
)
context = shots.context(vault, dana)

refused = ImageReportDialog(
    context, reference, category_by_code("nudes-sharing").guidance, None, kind=NOT_TEXT
)
refused.resize(760, 640)
refused.show()
shots.shot(refused, "pdf-refused")

workspace = CaseWorkspace(context, None, reference)
workspace.resize(1280, 720)
workspace.show()
shots.pump(lambda: workspace.evidence_panel.list.count() == 3, 30)
workspace.tabs.setCurrentWidget(workspace.evidence_panel)
workspace.evidence_panel.list.setCurrentRow(0)
shots.shot(workspace, "quarantined")
category_shot(vault, dana)
