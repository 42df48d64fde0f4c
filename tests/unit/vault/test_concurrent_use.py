"""The app runs work on two worker threads with one signed-in session: reading while
another read or a save is under way must neither fail nor leave the device's checkpoint
behind or ahead of what was committed."""

from __future__ import annotations

import threading
from typing import Any

from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, show_case
from safelog.vault.workspace import add_chronology

REPORT = {"category": "cyberbullying-pupil", "summary": "Comments", "description": "Text"}


def test_two_threads_reading_and_saving_on_one_session(school: Any) -> None:
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json(REPORT))
    errors: list[str] = []

    def reader() -> None:
        for _ in range(25):
            try:
                show_case(dana, reference)  # audited: a write transaction and a checkpoint
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    def writer() -> None:
        for n in range(10):
            try:
                add_chronology(dana, reference, f"Entry {n}")
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=f) for f in (reader, reader, writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(show_case(dana, reference).fields["chronology"]) == 10
    dana.lock()
    # The checkpoint saved last is the log's head: signing in again finds no rollback.
    again = school.unlock("Dana DSL")
    assert len(show_case(again, reference).fields["chronology"]) == 10
    profiles = school.vault.data_dir / "profiles"
    assert not [p.name for p in profiles.iterdir() if p.name.endswith(".partial")]
