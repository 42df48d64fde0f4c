"""Screenshots of backups (issue 14): the Backups window after a backup, and the inbox's
warning when the backup folder is missing. Run under Xvfb:

    xvfb-run -s "-screen 0 1280x720x24" .venv/bin/python packaging/screenshots/backups_shots.py
"""

import contextlib
from datetime import datetime

from shot_support import Shots

shots = Shots("backups")

from safelog.backup.schedule import back_up_now, set_plan  # noqa: E402
from safelog.errors import UserFacingError  # noqa: E402
from safelog.gui.backups_window import BackupsDialog  # noqa: E402
from safelog.gui.inbox import InboxView  # noqa: E402


def now():
    return datetime.now().astimezone()


vault = shots.vault()
dana = vault.unlock("Dana DSL", "dana correct horse")
usb = shots.root / "media" / "SAFELOG-USB"
usb.mkdir(parents=True)
set_plan(vault.data_dir, str(usb), daily=True, at_sign_out=True, keep=14)
back_up_now(vault.data_dir, vault.url, now)
context = shots.context(vault, dana)

dialog = BackupsDialog(context)
dialog.show()
shots.shot(dialog, "backups-window")

usb.rename(shots.root / "media" / "unplugged")
with contextlib.suppress(UserFacingError):  # the failure is what the inbox shows
    back_up_now(vault.data_dir, vault.url, now)
inbox = InboxView(context)
inbox.resize(1100, 640)
inbox.show()
inbox.refresh()
shots.pump(lambda: inbox.data is not None and inbox.backups.isVisible())
shots.shot(inbox, "inbox-backup-failed")
