"""A scripted walk-through of SafeLog's main screens, for the README and for looking at.

Builds a fictional school in a temporary data directory (fast, insecure key derivation:
demo data only), then starts the real app (AppController, as `safelog` does), signs in as
each person through the sign-in window and saves a picture of the whole X screen for every
main screen, so anything a window puts off-screen shows as missing.

    xvfb-run -a -s "-screen 0 1280x720x24" python packaging/screenshots/walkthrough.py 1280x720
    SAFELOG_THEME=dark ... walkthrough.py 1280x720 --dark   (the DSL's inbox in dark mode)

Pictures go to packaging/screenshots/<W>x<H>/NN-name.png. walkthrough.sh runs both sizes and
both themes. Everything shown is made up: no real school, pupil or member of staff.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ["SAFELOG_INSECURE_TEST_KDF"] = "1"  # demo vault: quick to make, not for real use

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "1280x720"
DARK = "--dark" in sys.argv
if DARK:
    os.environ["SAFELOG_THEME"] = "dark"
OUT = HERE / SIZE
OUT.mkdir(parents=True, exist_ok=True)
WORK = Path(tempfile.mkdtemp(prefix="safelog-walkthrough-"))
DATA = WORK / "data"
DATA.mkdir(mode=0o700)
# Nothing the walk-through does may reach the real user's settings or fault log.
for var, sub in (
    ("HOME", "home"),
    ("XDG_CONFIG_HOME", "home/config"),
    ("XDG_DATA_HOME", "home/data"),
    ("XDG_STATE_HOME", "home/state"),
):
    os.environ[var] = str(WORK / sub)
os.environ.pop("SAFELOG_DATA_DIR", None)
os.environ.pop("SAFELOG_DATABASE_URL", None)

SCHOOL = "Hollybrook Academy"
DSL, HEAD, CHAIR = "Dana Whitfield", "Hugh Marsden", "Christine Appleby"
SAM, TESS, OWEN = "Sam Patel", "Tess Morgan", "Owen Price"
PASSPHRASES = {
    DSL: "dana kettle orbit lantern",
    HEAD: "hugh battery staple",
    CHAIR: "christine governor key",
    SAM: "sam staffroom tea",
    TESS: "tess lesson plans",
    OWEN: "owen whistle pitch",
}
LONDON = ZoneInfo("Europe/London")


# -- the demo school, written with the vault API --------------------------------------------


class DemoClock:
    """The vault's clock while the history is written: moved by hand, never ahead of now."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=30)

    def at(self, days_ago: int, hour: int, minute: int = 0) -> None:
        day = datetime.now(LONDON).date() - timedelta(days=days_ago)
        wanted = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
        latest = datetime.now(UTC) - timedelta(minutes=20)
        self.now = max(self.now, min(wanted.astimezone(UTC), latest))

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)  # strictly increasing, like a real clock
        return self.now


def when(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(LONDON).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def in_days(days: int) -> date:
    return datetime.now(LONDON).date() + timedelta(days=days)


def person(name: str, kind: str, role: str, born: str = "") -> dict[str, str]:
    entry = {"name": name, "kind": kind, "role": role}
    if born:
        entry["date_of_birth"] = born
    return entry


def build_school(data: Path) -> dict[str, str]:
    """Returns the references of the cases the walk-through opens, by a short name."""
    from safelog.domain.roles import Role
    from safelog.vault import workspace as ws
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case, show_case
    from safelog.vault.vault import Vault

    clock = DemoClock()
    vault = Vault(data, clock=clock)
    refs: dict[str, str] = {}

    def unlock(name: str):  # type: ignore[no-untyped-def]
        return vault.unlock(name, PASSPHRASES[name])

    def report(name: str, case: dict[str, object]) -> str:
        session = unlock(name)
        try:
            return add_case(session, CaseInput.from_json(case))
        finally:
            session.lock()

    def action_id(session, reference: str, text: str) -> str:  # type: ignore[no-untyped-def]
        actions = show_case(session, reference).fields["actions"]
        return next(a["id"] for a in actions if a["text"] == text)

    clock.at(30, 8, 30)
    setup = vault.create(SCHOOL, DSL, PASSPHRASES[DSL])
    dana = setup.session
    people = [
        (HEAD, {Role.HEADTEACHER}),
        (CHAIR, {Role.CHAIR}),
        (SAM, {Role.STAFF}),
        (TESS, {Role.STAFF}),
        (OWEN, {Role.STAFF}),
    ]
    for name, roles in people:
        code = vault.invite(dana, name, frozenset(roles))
        vault.enrol(code, PASSPHRASES[name]).lock()
    vault.admit(dana, HEAD)
    dana.lock()
    vault.admit_with_recovery(CHAIR, setup.governors_recovery_key)
    for name in (HEAD, CHAIR, DSL):  # role keys made and handed on at these sign-ins
        unlock(name).lock()

    # A low-level concern about a teacher, twelve days ago; a second one a week later.
    clock.at(12, 15, 40)
    refs["lift"] = report(
        SAM,
        {
            "category": "low-level-staff",
            "summary": "Mr Price gave two Year 11 pupils a lift home after football",
            "description": "After Tuesday's match I saw Mr Price drive two Year 11 boys home in "
            "his own car. No other adult was with them and it was not on the trip form.",
            "occurred_at": when(12, 17, 10).isoformat(),
            "subjects": [OWEN],
        },
    )
    clock.at(9, 10, 20)
    refs["chat"] = report(
        SAM,
        {
            "category": "cyberbullying-pupil",
            "summary": "Unkind messages about Maya in the Year 8 WhatsApp group",
            "description": "Maya came to me at break in tears. She showed me messages in the "
            "'8T banter' WhatsApp group calling her names and sharing a photo of her "
            "with a cruel caption. She said it has been going on since half term.",
            "occurred_at": when(10, 19, 30).isoformat(),
            "platform": "WhatsApp",
            "people": [
                person("Maya Thompson", "pupil", "victim", "2013-02-14"),
                person("Lewis Grant", "pupil", "alleged-perpetrator", "2012-11-03"),
                person("Ruby Akhtar", "pupil", "witness"),
            ],
        },
    )
    clock.at(9, 11, 5)
    dana = unlock(DSL)
    ws.acknowledge(dana, refs["chat"])
    clock.at(9, 12, 50)
    ws.add_chronology(
        dana,
        refs["chat"],
        "Spoke to Maya with her form tutor. She showed "
        "the messages on her phone; screenshots taken.",
        when(9, 12, 30),
    )
    clock.at(9, 16, 5)
    ws.add_chronology(
        dana,
        refs["chat"],
        "Phoned Maya's mother, Mrs Thompson. She knew of "
        "the group and is relieved school is acting.",
        when(9, 15, 40),
    )
    clock.at(8, 9, 30)
    ws.add_chronology(
        dana,
        refs["chat"],
        "Met Lewis and his father. Lewis admitted posting the photo and has left the group.",
        when(8, 9, 15),
    )
    ws.record_decision(
        dana,
        refs["chat"],
        "Support plan for Maya; restorative meeting when she is ready",
        "Maya wants to stay in her form group; her mother agrees. No threat of harm.",
    )
    ws.record_escalation(
        dana,
        refs["chat"],
        "headteacher",
        told=HEAD,
        how="In person, at the daily briefing",
        done_at=when(8, 8, 45),
    )
    ws.record_escalation(
        dana,
        refs["chat"],
        "platform-report",
        not_needed_reason="A private group; Lewis deleted the photo in front of us.",
    )
    ws.add_action(dana, refs["chat"], "Check in with Maya at the end of the week", DSL, in_days(2))
    ws.add_action(
        dana, refs["chat"], "Write to Year 8 parents about group chats", HEAD, in_days(-2)
    )
    ws.add_action(dana, refs["chat"], "Save the screenshots to the case", DSL, in_days(-7))
    ws.complete_action(
        dana,
        refs["chat"],
        action_id(dana, refs["chat"], "Save the screenshots to the case"),
        "Added as evidence",
    )
    ws.reply_to_reporter(
        dana,
        refs["chat"],
        "Thank you, Sam. We have spoken to Maya and her "
        "family and are supporting her. Please keep an eye on her in form time.",
    )
    dana.lock()

    clock.at(7, 12, 15)
    refs["swore"] = report(
        TESS,
        {
            "category": "low-level-staff",
            "summary": "Mr Patel swore at a Year 9 class when they would not settle",
            "description": "Walking past 9P's lesson I heard Mr Patel shout and swear at the "
            "class. Several pupils mentioned it at lunch.",
            "subjects": [SAM],
        },
    )
    clock.at(6, 13, 10)
    refs["roblox"] = report(
        TESS,
        {
            "category": "unwanted-contact",
            "summary": "An adult stranger messaging a Year 7 pupil on Roblox",
            "description": "Jayden told me a player who says he is 'a youth coach' has asked "
            "him to move to Snapchat and send a photo in his kit.",
            "occurred_at": when(7, 20, 0).isoformat(),
            "platform": "Roblox",
            "people": [person("Jayden Cole", "pupil", "victim", "2014-06-21")],
        },
    )
    clock.at(6, 14, 0)
    dana = unlock(DSL)
    ws.acknowledge(dana, refs["roblox"])
    clock.at(6, 14, 45)
    ws.add_chronology(
        dana,
        refs["roblox"],
        "Spoke to Jayden; he has not replied since Tuesday. Account name noted.",
        when(6, 14, 30),
    )
    ws.add_action(
        dana,
        refs["roblox"],
        "Follow up with Jayden's parents about privacy settings",
        DSL,
        in_days(-1),
    )
    clock.at(6, 16, 30)
    ws.record_escalation(
        dana,
        refs["roblox"],
        "ceop",
        told="CEOP online report",
        how="CEOP Safety Centre form",
        reference_number="CS-2611-4471",
        done_at=when(6, 16, 20),
    )
    dana.lock()

    clock.at(5, 8, 40)
    refs["phone"] = report(
        TESS,
        {
            "category": "low-level-staff",
            "summary": "Mr Price messages pupils from his own phone about training",
            "description": "Two Year 10 girls showed me texts from Mr Price's personal number "
            "changing the time of netball training.",
            "subjects": [OWEN],
        },
    )
    clock.at(4, 16, 5)
    refs["head"] = report(
        TESS,
        {
            "category": "staff-online-conduct",
            "summary": "The headteacher follows current pupils from a personal Instagram",
            "description": "A Year 12 pupil told me Mr Marsden's personal Instagram account "
            "follows her and several of her friends, and has liked their photos.",
            "platform": "Instagram",
            "subjects": [HEAD],
        },
    )
    clock.at(4, 16, 45)
    dana = unlock(DSL)
    ws.acknowledge(dana, refs["head"])
    clock.at(4, 17, 40)
    ws.record_escalation(
        dana,
        refs["head"],
        "chair-of-governors",
        told=CHAIR,
        how="Telephone",
        done_at=when(4, 17, 30),
    )
    ws.add_action(
        dana, refs["head"], "Ask the LADO for advice before speaking to the head", CHAIR, in_days(1)
    )
    for key in ("lift", "phone"):
        ws.acknowledge(dana, refs[key])
    ws.add_action(
        dana,
        refs["lift"],
        "Remind Mr Price of the staff code of conduct on lifts",
        HEAD,
        in_days(-1),
    )
    ws.add_action(
        dana, refs["phone"], "Check the trip and club forms for the autumn term", DSL, in_days(3)
    )
    dana.lock()

    clock.at(3, 8, 50)
    refs["video"] = report(
        SAM,
        {
            "category": "inappropriate-content",
            "summary": "Year 9 pupils sharing a violent video in the lunch queue",
            "description": "Three Year 9 boys were watching and passing round a video of a "
            "street fight on TikTok. One said it was filmed in town.",
            "platform": "TikTok",
        },
    )
    clock.at(0, 9, 15)
    refs["fake"] = report(
        TESS,
        {
            "category": "cyberbullying-pupil",
            "summary": "Fake Instagram account mocking a Year 10 pupil",
            "description": "Priya says someone has made an account with her name and photo "
            "and is posting jokes about her weight.",
            "platform": "Instagram",
            "people": [person("Priya Shah", "pupil", "victim", "2011-09-30")],
        },
    )
    vault.close()
    return refs


# -- driving the app ----------------------------------------------------------------------------

from PySide6.QtCore import QCoreApplication, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from safelog.gui import app as gui_app  # noqa: E402
from safelog.gui.context import SessionEvents  # noqa: E402
from safelog.gui.worker import Runner  # noqa: E402

shots: list[str] = []
surprises: list[str] = []


def pump(seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def wait_for(cond: Callable[[], bool], what: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not cond():
        QCoreApplication.processEvents()
        time.sleep(0.01)
        if time.monotonic() > end:
            raise TimeoutError(f"waited too long for {what}")


def settle(runner: Runner, seconds: float = 0.6) -> None:
    """Until the worker has nothing left to do, then a little longer for the paint."""
    wait_for(lambda: not runner._tasks, "the worker", 60)
    pump(seconds)
    wait_for(lambda: not runner._tasks, "the worker", 60)
    pump(0.2)


def shot(name: str) -> None:
    pump(0.25)
    number = len(shots) + 1 if not DARK else 30 + len(shots)
    filename = f"{number:02d}-{name}.png"
    screen = QGuiApplication.primaryScreen()
    screen.grabWindow(0).save(str(OUT / filename))
    shots.append(filename)
    print("saved", OUT.name + "/" + filename, flush=True)


def close_surprise_boxes() -> None:
    """A message box nobody planned for would stop the script: keep a picture, close it."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QMessageBox) and widget.isVisible():
            surprises.append(widget.windowTitle())
            QGuiApplication.primaryScreen().grabWindow(0).save(
                str(OUT / f"surprise-{len(surprises)}.png")
            )
            widget.done(0)


def main() -> int:
    refs = build_school(DATA)
    qapp = gui_app.create_application(["safelog"])
    runner = Runner()
    controller = gui_app.AppController(str(DATA), runner, SessionEvents())
    watchdog = QTimer()
    watchdog.setInterval(300)
    watchdog.timeout.connect(close_surprise_boxes)
    watchdog.start()
    controller.start()
    sign_in = controller.sign_in
    wait_for(lambda: sign_in.name.count() > 0, "the names on the sign-in window")
    settle(runner)

    def sign_in_as(name: str, picture: str = "") -> object:
        wait_for(lambda: sign_in.isVisible() and sign_in.name.count() > 0, "sign-in")
        sign_in.name.setCurrentText(name)
        sign_in.passphrase.setText(PASSPHRASES[name])
        if picture:
            shot(picture)
        sign_in.submit()
        wait_for(lambda: controller.main_window is not None, f"{name}'s main window")
        window = controller.main_window
        assert window is not None
        settle(runner, 1.0)
        return window

    def lock(window: object) -> None:
        window.lock()  # type: ignore[attr-defined]
        wait_for(lambda: controller.main_window is None, "the lock")
        settle(runner)

    def tab(tabs: object, title: str) -> None:
        for i in range(tabs.count()):  # type: ignore[attr-defined]
            if tabs.tabText(i).replace("&", "").startswith(title):  # type: ignore[attr-defined]
                tabs.setCurrentIndex(i)  # type: ignore[attr-defined]
                return
        raise LookupError(title)

    if DARK:
        main = sign_in_as(DSL)
        shot("dark-dsl-inbox")
        main.open_case(refs["chat"])  # type: ignore[attr-defined]
        settle(runner, 1.0)
        tab(main.workspaces[refs["chat"]].tabs, "Chronology")  # type: ignore[attr-defined]
        settle(runner)
        shot("dark-case-chronology")
        lock(main)
        return finish(controller, runner)

    # -- a member of staff ------------------------------------------------------------------
    main = sign_in_as(SAM, "sign-in")
    from safelog.gui.report_form import ReportConcernDialog

    shot("staff-my-reports")
    form = ReportConcernDialog(controller.context, main)  # what "Report a concern" opens
    form.show()
    settle(runner)
    shot("report-form-empty")
    form.category.setCurrentIndex(form.category.findData("cyberbullying-pupil"))
    form.summary.setText("Year 7 pupil left out of the class Snapchat group and laughed at")
    form.description.setPlainText(
        "At the end of period 4 Ellie told me the rest of her form have made a Snapchat group "
        "without her and post pictures of her from PE with laughing faces. She was upset and "
        "did not want to go to lunch."
    )
    form.platform.setCurrentIndex(form.platform.findData("Snapchat"))
    form.person_name.setText("Ellie Brooks")
    form.person_kind.setCurrentIndex(form.person_kind.findData("pupil"))
    form.person_role.setCurrentIndex(form.person_role.findData("victim"))
    form.person_birth.setText("08/05/2014")
    form.add_person()
    form.action_taken.setPlainText("Sat with Ellie at lunch; asked her to show me the group")
    form.told_dsl.setChecked(True)
    pump(0.3)
    shot("report-form-filled")
    bar = form.scroller.verticalScrollBar()
    bar.setValue(bar.maximum())
    shot("report-form-send")
    form.send_button.click()
    wait_for(lambda: not form.isVisible(), "the report to be sent")
    main.context.events.cases_changed.emit(form.reference or "")  # type: ignore[attr-defined]
    settle(runner)
    lock(main)

    # -- the DSL --------------------------------------------------------------------------
    main = sign_in_as(DSL)
    shot("dsl-inbox")
    tab(main.tabs, "All cases")  # type: ignore[attr-defined]
    settle(runner)
    all_cases = main.nav["all-cases"]  # type: ignore[attr-defined]
    all_cases.search.setText("year 8")
    settle(runner)
    shot("all-cases-search")
    all_cases.search.clear()
    settle(runner)
    main.open_case(refs["chat"])  # type: ignore[attr-defined]
    settle(runner, 1.0)
    workspace = main.workspaces[refs["chat"]]  # type: ignore[attr-defined]
    shot("case-summary")
    for title, name in (
        ("Chronology", "case-chronology"),
        ("Actions", "case-actions"),
        ("Escalations", "case-escalations"),
        ("History", "case-history"),
    ):
        tab(workspace.tabs, title)
        settle(runner)
        shot(name)
    tab(main.tabs, "My actions")  # type: ignore[attr-defined]
    settle(runner)
    shot("dsl-my-actions")

    from safelog.gui.low_level_review import LowLevelReviewDialog
    from safelog.gui.people_window import PeopleWindow

    people = PeopleWindow(controller.context, main)  # what People… opens
    people.show()
    settle(runner)
    shot("people")
    people.done(0)
    review = LowLevelReviewDialog(controller.context, main)  # SafeLog ▸ Low-level concerns…
    review.show()
    settle(runner)
    shot("low-level-review")
    review.done(0)

    # A concern reported on another PC reaches the inbox by itself (gui/arrivals.py).
    tab(main.tabs, "All cases")  # type: ignore[attr-defined]
    settle(runner)
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case
    from safelog.vault.vault import Vault

    other_pc = Vault(DATA)
    owen = other_pc.unlock(OWEN, PASSPHRASES[OWEN])
    add_case(
        owen,
        CaseInput.from_json(
            {
                "category": "unwanted-contact",
                "summary": "A Year 11 pupil's ex-boyfriend keeps turning up at the gate",
                "description": "Hannah says he is 19 and will not stop messaging her.",
            }
        ),
    )
    owen.lock()
    other_pc.close()
    main.arrivals.check()  # type: ignore[attr-defined]
    wait_for(
        lambda: "new" in main.windowTitle(),  # type: ignore[attr-defined]
        "the arrival to be announced",
    )
    settle(runner)
    shot("dsl-new-concern-arrived")
    lock(main)

    # -- the headteacher and the chair of governors ------------------------------------------
    main = sign_in_as(HEAD)
    shot("head-cases")
    tab(main.tabs, "My actions")  # type: ignore[attr-defined]
    settle(runner)
    shot("head-my-actions")
    lock(main)
    main = sign_in_as(CHAIR)
    shot("chair-cases")
    main.open_case(refs["head"])  # type: ignore[attr-defined]
    settle(runner, 1.0)
    shot("chair-case-about-head")
    lock(main)
    shot("locked")
    del qapp
    return finish(controller, runner)


def finish(controller: gui_app.AppController, runner: Runner) -> int:
    controller.shutdown()
    runner.wait()
    faults = sorted((WORK / "home").rglob("faults.log"))
    shutil.rmtree(WORK, ignore_errors=True)
    print(f"{len(shots)} screenshots in {OUT}", flush=True)
    if surprises:
        print("unexpected message boxes:", ", ".join(surprises), flush=True)
    if faults:
        print("the app logged a fault during the walk-through", flush=True)
        return 1
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
