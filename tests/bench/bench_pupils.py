"""The pupils' paths (issue 13), with their budgets and, as DESIGN §7 asks, a baseline taken
in the same run:

- importing a roll of 2,000 pupils (an MIS export) into an empty vault: under 3 s; baseline:
  Python's csv module reading the same file (the least any import does);
- the pupil's page for a child named in 30 cases out of the vault's cases, after unlock:
  under 100 ms; baseline: listing every case (what any view after unlock starts from);
- picking a pupil as you type over 2,000 pupils: under 20 ms a keystroke (worst); baseline:
  a plain substring scan of the 2,000 display names.

Run through tests/bench/run.py (`--only pupils`).
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

IMPORT_BUDGET_S = 3.0
PAGE_BUDGET_S = 0.100
PICK_BUDGET_MS = 20.0
PUPILS = 2000
CASES_ABOUT_ONE = 30

_FORENAMES = [
    "Aisha",
    "Amelia",
    "Arjun",
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Evie",
    "Finn",
    "Freya",
    "George",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Jacob",
    "Jess",
    "Leo",
    "Liam",
    "Lily",
    "Mia",
    "Mohammed",
    "Noah",
    "Olivia",
    "Oscar",
    "Poppy",
    "Ruby",
    "Sofia",
    "Theo",
    "Yusuf",
    "Zara",
    "Zoë",
]
_SURNAMES = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Green",
    "Hall",
    "Hughes",
    "Jackson",
    "Jones",
    "Khan",
    "Lewis",
    "Martin",
    "Nowak",
    "O'Brien",
    "Patel",
    "Roberts",
    "Robinson",
    "Smith",
    "Smith-Jones",
    "Taylor",
    "Thomas",
    "Walker",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _upn(index: int) -> str:
    """A valid permanent UPN (DfE check letter) for pupil `index`."""
    from safelog.domain.upn import upn_problem

    body = f"{201201:06d}{index:06d}"
    for letter in _UPN_LETTERS:
        if upn_problem(letter + body) is None:
            return letter + body
    raise AssertionError("no check letter fits")


def roll_csv(count: int = PUPILS, seed: int = 2026) -> bytes:
    """A SIMS-style export of `count` pupils, Reception to Year 11."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write("UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Reg Group,Gender\n")
    for index in range(count):
        year = index % 12  # 0 = Reception
        born = 2021 - year
        out.write(
            f"{_upn(index)},{rng.choice(_SURNAMES)},{rng.choice(_FORENAMES)},,"
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{born},"
            f"{'Reception' if year == 0 else f'Year {year}'},"
            f"{'R' if year == 0 else year}{'ABC'[index % 3]},"
            f"{rng.choice(('Female', 'Male'))}\n"
        )
    return out.getvalue().encode()


def _best(runs: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(runs))


def bench_roll_import(root: Path, new_vault: Callable[[Path, str], Any], runs: int) -> dict:
    from safelog.vault.roll import import_roll

    data = roll_csv()

    def baseline() -> float:
        t0 = time.perf_counter()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert len(rows) == PUPILS + 1
        return time.perf_counter() - t0

    def one() -> float:
        _vault, dsl = new_vault(root, "roll")
        t0 = time.perf_counter()
        result = import_roll(dsl, data)
        seconds = time.perf_counter() - t0
        assert result.imported and result.counts["added"] == PUPILS, result.rejected[:3]
        dsl.lock()
        return seconds

    return {"import_s": _best(runs, one), "baseline_s": _best(runs, baseline)}


def bench_pupil_page(vault: Any, passphrase: str, runs: int) -> dict:
    """Link one pupil into CASES_ABOUT_ONE of the vault's cases, then time the page."""
    from safelog.vault.cases import list_cases, update_case
    from safelog.vault.pupils import pupil_page
    from safelog.vault.roll import import_roll, load_roll

    dsl = vault.unlock("Dana DSL", passphrase)
    import_roll(dsl, roll_csv())
    pupil = load_roll(dsl).sorted()[PUPILS // 2]
    readable = [c.reference for c in list_cases(dsl)]
    step = max(1, len(readable) // CASES_ABOUT_ONE)
    for reference in readable[::step][:CASES_ABOUT_ONE]:
        update_case(dsl, reference, {"people": [{"pupil": pupil.id, "role": "victim"}]})
    dsl.lock()

    def measure() -> tuple[float, float, int]:
        session = vault.unlock("Dana DSL", passphrase)
        t0 = time.perf_counter()
        list_cases(session)
        t1 = time.perf_counter()
        page = pupil_page(session, pupil.id)
        t2 = time.perf_counter()
        session.lock()
        return t2 - t1, t1 - t0, len(page.cases)

    # The first page on this device verifies each case in full; it then keeps what it
    # verified (vault/verified_cases.py), so later pages check only what changed since.
    first_s, _, _ = measure()
    samples = [measure() for _ in range(runs)]
    page_s, _, cases = min(samples)
    return {
        "page_s": page_s,
        "baseline_s": min(s[1] for s in samples),
        "cases": cases,
        "first_on_this_device_s": first_s,
    }


def bench_picking(runs: int) -> dict:
    from safelog.domain.pupil_search import PupilIndex
    from safelog.domain.roll import plan_import, pupil_from_entry
    from safelog.domain.roll_import import read_roll

    read = read_roll(roll_csv())
    plan = plan_import([], read.entries, today=_today())
    pupils = [pupil_from_entry(e, str(i), _today()) for i, e in enumerate(plan.added)]
    names = [p.display_name.casefold() for p in pupils]
    queries = ["jess sm", "8b", "year 9 o'b", "zoë", "smith-j", "y11 taylor", "oliv"]
    keystrokes = [q[:n] for q in queries for n in range(1, len(q) + 1)]

    t0 = time.perf_counter()
    index = PupilIndex(pupils)
    build_ms = 1000 * (time.perf_counter() - t0)

    def worst(fn: Callable[[str], object]) -> float:
        slowest = 0.0
        for text in keystrokes:
            t = time.perf_counter()
            fn(text)
            slowest = max(slowest, time.perf_counter() - t)
        return 1000 * slowest

    pick_ms = _best(runs, lambda: worst(lambda text: index.match(text, 20)))
    base_ms = _best(runs, lambda: worst(lambda text: [n for n in names if text in n]))
    return {"pick_ms": pick_ms, "baseline_ms": base_ms, "index_build_ms": build_ms}


def _today() -> Any:
    from datetime import date

    return date(2026, 12, 3)
