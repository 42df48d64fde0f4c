"""Screenshots of backups (issue 14): the Backups window after a backup, and the inbox's
warning when the backup folder is missing. Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/backups_shots.py
"""

import contextlib
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "backups")
OUT.mkdir(parents=True, exist_ok=True)
ROOT = Path(tempfile.mkdtemp(prefix="safelog-backup-shots-"))
for var in ("HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
    os.environ[var] = str(ROOT / "home" / var.lower())

from PySide6.QtCore import QCoreApplication  # noqa: E402

from safelog.gui import app as gui_app  # noqa: E402

qapp = gui_app.create_application(["shots"])

from safelog.backup.schedule import back_up_now, set_plan  # noqa: E402
from safelog.errors import UserFacingError  # noqa: E402
from safelog.gui.backups_window import BackupsDialog  # noqa: E402
from safelog.gui.context import AppContext, SessionEvents  # noqa: E402
from safelog.gui.inbox import InboxView  # noqa: E402
from safelog.gui.worker import Runner  # noqa: E402
from safelog.store.engine import sqlite_url  # noqa: E402
from safelog.vault.vault import Vault  # noqa: E402


def now():
    return datetime.now().astimezone()


def pump(cond, timeout=20):
    end = time.time() + timeout
    while not cond():
        QCoreApplication.processEvents()
        time.sleep(0.01)
        if time.time() > end:
            raise TimeoutError
    for _ in range(30):
        QCoreApplication.processEvents()
        time.sleep(0.005)


def shot(widget, name):
    pump(lambda: True)
    widget.grab().save(str(OUT / f"{name}.png"))
    print("saved", name)


(ROOT / "data").mkdir(mode=0o700)
vault = Vault(ROOT / "data", sqlite_url(ROOT / "data"))
vault.create("Ravens Wood School", "Dana DSL", "dana correct horse").session.lock()
dana = vault.unlock("Dana DSL", "dana correct horse")
usb = ROOT / "media" / "SAFELOG-USB"
usb.mkdir(parents=True)
set_plan(vault.data_dir, str(usb), daily=True, at_sign_out=True, keep=14)
back_up_now(vault.data_dir, vault.url, now)
context = AppContext(vault=vault, runner=Runner(), events=SessionEvents(), session=dana)

dialog = BackupsDialog(context)
dialog.show()
shot(dialog, "backups-window")

usb.rename(ROOT / "media" / "unplugged")
with contextlib.suppress(UserFacingError):  # the failure is what the inbox shows
    back_up_now(vault.data_dir, vault.url, now)
inbox = InboxView(context)
inbox.resize(1100, 640)
inbox.show()
inbox.refresh()
pump(lambda: inbox.data is not None and inbox.backups.isVisible())
shot(inbox, "inbox-backup-failed")
