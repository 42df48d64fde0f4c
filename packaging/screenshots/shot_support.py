"""What every screenshot script shares: a throw-away home and data folder, the Qt
application, waiting for the worker, saving a widget as a PNG, and an app context for a
signed-in person. Import it first (it sets the environment before Qt starts):

    from shot_support import Shots
    shots = Shots("approvals")          # PNGs go to packaging/screenshots/approvals/
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"

HERE = Path(__file__).parent


class Shots:
    def __init__(self, folder: str) -> None:
        self.out = Path(sys.argv[1] if len(sys.argv) > 1 else HERE / folder)
        self.out.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=f"safelog-{folder}-shots-"))
        for var in ("HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = str(self.root / "home" / var.lower())
        from safelog.gui import app as gui_app

        self.qapp = gui_app.create_application(["shots"])

    def pump(self, cond: Any = lambda: True, timeout: float = 20) -> None:
        """Run the event loop until `cond()` (then a little more, for the last paint)."""
        from PySide6.QtCore import QCoreApplication

        end = time.time() + timeout
        while not cond():
            QCoreApplication.processEvents()
            time.sleep(0.01)
            if time.time() > end:
                raise TimeoutError
        for _ in range(30):
            QCoreApplication.processEvents()
            time.sleep(0.005)

    def shot(self, widget: Any, name: str) -> None:
        self.pump()
        widget.grab().save(str(self.out / f"{name}.png"))
        print("saved", name)

    def vault(self, folder: str = "data", school: str = "Ravens Wood School") -> Any:
        """A new vault whose first DSL is Dana DSL (passphrase "dana correct horse"); its
        recovery keys are kept in `self.recovery` ("school", "governors")."""
        from safelog.store.engine import sqlite_url
        from safelog.vault.vault import Vault

        (self.root / folder).mkdir(mode=0o700)
        vault = Vault(self.root / folder, sqlite_url(self.root / folder))
        created = vault.create(school, "Dana DSL", "dana correct horse")
        created.session.lock()
        self.recovery = {
            "school": created.school_recovery_key,
            "governors": created.governors_recovery_key,
        }
        return vault

    @staticmethod
    def context(vault: Any, session: Any) -> Any:
        from safelog.gui.context import AppContext, SessionEvents
        from safelog.gui.worker import Runner

        return AppContext(vault=vault, runner=Runner(), events=SessionEvents(), session=session)
