"""One damaged byte anywhere that matters is noticed, named, and never crashes or lies.

A pristine SQLite vault is built once per module: the usual school plus a removed member
("Rita Removed", so signed removal records exist) and a member whose access was reset with a
recovery key ("Tess Teacher", so a past identity exists); a staff report with two versions
and a 2.5 MiB evidence file (3 chunks of 1 MiB) added before version 2 re-keyed the case
(escalated to leadership), and a concern about the headteacher with a small evidence file
of its own and a screenshot (a PNG, so an encrypted thumbnail exists). For every binary
column that holds
ciphertext, a wrapped key, a signature, a signed record, an evidence chunk or an audit
entry, one byte of a sampled row is flipped in a fresh copy (first row/first byte, middle
row/middle byte, last row/last byte), and then every user does a full read: unlock, list
cases, open every case they could open before, read every evidence item to the end and
verify the whole audit log (and every item's thumbnail is read too).

What must hold for each flip:
- at least one user is told, with a UserFacingError whose message names what is damaged;
- no user gets any other exception (a crash);
- every step that still succeeds gives exactly the pristine answer (no silent change).

With SQLite the evidence ciphertext may live in files beside the database rather than in
evidence_chunks (store/chunks.py); then the chunk bytes are flipped in those files, and the
files are also cut, grown, reordered, swapped and deleted. Blobs no reader opens are damaged
and then the write that does open them is driven: a reader group's signed record (reused by
its signer for a new case) and the role keys escrowed for the recovery keys (opened by
reset_access). Everything here runs on SQLite only, from one pristine vault per module.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sqlite3
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from support.school import PASSPHRASES, Clock, build_school

from safelog.crypto.encoding import canonical_json
from safelog.crypto.stream import CHUNK_SIZE, TAG_LENGTH
from safelog.crypto.transfer_box import key_fingerprint
from safelog.domain.roles import Role
from safelog.errors import UserFacingError
from safelog.evidence import corpus
from safelog.store.engine import DB_FILE_NAME, sqlite_url
from safelog.store.schema import Base
from safelog.vault.approvals import approvals, decide, make_request
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.authority import MANAGERS
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.evidence import add_evidence
from safelog.vault.evidence_reading import read_evidence, read_thumbnail
from safelog.vault.evidence_thumbnails import make_pending_thumbnails
from safelog.vault.filing import Attachment, added_ids, import_sources
from safelog.vault.receipts import show_receipt
from safelog.vault.roll import add_pupil, import_roll, load_roll, pupil_record
from safelog.vault.session import Session
from safelog.vault.settings import load_settings, set_idle_lock_minutes
from safelog.vault.subject_access import record_request
from safelog.vault.transfer_keys import RecipientKey
from safelog.vault.transfer_store import load_parts, load_rows
from safelog.vault.transfers import send_transfer
from safelog.vault.vault import Vault

RITA = "rita has left the school"
ROLL_CSV = (
    b"UPN,Legal Surname,Legal Forename,DOB,Year,Reg Group\n"
    b"B201201001010,Smith,Jessica,14/03/2012,Year 8,8B\n"
)
MIB = 1024 * 1024
CHUNK_LENGTH = CHUNK_SIZE + TAG_LENGTH  # one stored (encrypted) chunk
BIG_EVIDENCE_SIZE = 2 * MIB + MIB // 2  # three chunks: 1 MiB, 1 MiB, 0.5 MiB

# --------------------------------------------------------------------------------------
# What is tampered with, and what a reader must then be told.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    table: str
    column: str
    # Rows no reader opens are left out (SQL on the table); they are tested by driving the
    # write that opens them (see ESCROW).
    rows: str = ""

    @property
    def id(self) -> str:
        return f"{self.table}.{self.column}"


TARGETS = [
    Target("vault", "record"),
    Target("vault", "signature"),
    Target("vault", "ca_cert"),
    # A removed person can no longer sign in, so their sealed keys are never opened again.
    Target("users", "sealed_keys", rows="status != 'removed'"),
    # A removed person's certificate signs nothing any more and no reader opens it.
    Target("users", "certificate", rows="status != 'removed'"),
    Target("receipts", "summary_ct"),
    Target("membership", "body"),
    Target("membership", "signature"),
    Target("membership", "entry_hash"),
    Target("membership", "prev_hash"),
    Target("role_grants", "wrapped", rows="recipient NOT LIKE 'recovery:%'"),
    Target("audience_keys", "wrapped"),
    # Reader groups: every reader checks the signed record of each group a case's history
    # names (its first, and the one of each re-key) against the iron rule.
    Target("audiences", "record"),
    Target("audiences", "signature"),
    Target("cases", "summary_ct"),
    Target("case_keys", "wrapped"),
    Target("case_versions", "statement"),
    Target("case_versions", "signature"),
    Target("case_fields", "value_ct"),
    Target("evidence", "file_key_wrapped"),
    Target("evidence", "metadata_ct"),
    Target("evidence", "thumbnail_ct"),
    Target("evidence", "statement"),
    Target("evidence", "signature"),
    Target("evidence_chunks", "data_ct"),
    # Thumbnails made after a batch was recorded, signed by the items' author.
    Target("evidence_thumbnails", "thumbnail_ct"),
    Target("evidence_thumbnails", "statement"),
    Target("audit", "body_ct"),
    Target("audit", "entry_hash"),
    Target("audit", "prev_hash"),
    Target("audit", "signature"),
    Target("audit_head", "entry_hash"),
    Target("settings", "record"),
    Target("settings", "signature"),
    Target("roll_batches", "prev_hash"),
    Target("roll_batches", "batch_hash"),
    Target("roll_batches", "wrapped_key"),
    Target("roll_batches", "body_ct"),
    Target("roll_batches", "signature"),
    # Child protection file transfers: the school's key and a file sent, read by the DSL
    # (the list at sign-in opens the bodies; opening a transfer opens its documents).
    Target("transfers", "prev_hash"),
    Target("transfers", "row_hash"),
    Target("transfers", "wrapped_key"),
    Target("transfers", "body_ct"),
    Target("transfers", "parts_hash"),
    Target("transfers", "parts_ct"),
    Target("transfers", "signature"),
    # Requests waiting for a decision: a blocked content request the head approved and a
    # monitoring request about a member of staff (read by everyone who may).
    Target("approvals", "prev_hash"),
    Target("approvals", "row_hash"),
    Target("approvals", "body_ct"),
    Target("approvals", "signature"),
]

# Blobs that no reader opens, only a writer: each has its own test below driving that write.
ESCROW = Target("role_grants", "wrapped", rows="recipient LIKE 'recovery:%'")
WRITE_PATH_ONLY = [ESCROW]
# Copies no reader trusts any more (DESIGN §3.5: who holds which key comes from the signed
# membership log alone): flipping them must change nothing any user sees.
COPIES = [
    Target("users", "invitation"),
    Target("users", "invitation_sig"),
    Target("users", "enrolment"),
    Target("users", "enrolment_sig"),
    Target("users", "removal"),
    Target("users", "removal_sig"),
    Target("past_identities", "invitation"),
    Target("past_identities", "invitation_sig"),
    Target("past_identities", "enrolment"),
    Target("past_identities", "enrolment_sig"),
    Target("role_epochs", "record"),
    Target("role_epochs", "signature"),
]
UNREAD = {
    ("receipts", "slot_ct"): (
        "a damaged receipt slot looks like another reporter's (the database does not say whose "
        "receipt it is, DESIGN §3.5): the reporter no longer lists that report; the case "
        "itself is untouched and its readers are unaffected"
    ),
    ("users", "invitation_mac"): (
        "checked only when someone enrols with their code (before they have any keys); "
        "every user here has enrolled, so nothing opens it again"
    ),
}

# Positions: (which sampled row, which byte in it).
POSITIONS = ("first", "middle", "last")

# Known findings, kept as strict xfails so that each turns into a failure once it is fixed
# (then delete its entry). Keys are (table, column, position).
KNOWN: dict[tuple[str, str, str], str] = {}


def _params() -> list[Any]:
    out = []
    for target in TARGETS:
        positions = POSITIONS + (("kdf-header",) if target.id == "users.sealed_keys" else ())
        for position in positions:
            marks = []
            reason = KNOWN.get((target.table, target.column, position))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(target, position, id=f"{target.id}-{position}", marks=marks))
    return out


def _expected_words(conn: sqlite3.Connection, table: str, rowid: int) -> tuple[str, ...]:
    """Words at least one user's error message must contain: what is damaged."""
    if table in ("cases", "case_keys", "case_versions", "case_fields"):
        if table == "cases":
            ref = conn.execute("SELECT reference FROM cases WHERE rowid = ?", (rowid,)).fetchone()
        else:
            ref = conn.execute(
                f"SELECT c.reference FROM cases c JOIN {table} t ON t.case_id = c.id "
                "WHERE t.rowid = ?",
                (rowid,),
            ).fetchone()
        return (ref[0],)
    if table in ("evidence", "evidence_chunks", "evidence_thumbnails"):
        return ("evidence",)
    if table in ("audit", "audit_head"):
        return ("audit log",)
    if table == "users":
        name = conn.execute("SELECT name FROM users WHERE rowid = ?", (rowid,)).fetchone()[0]
        if name in PASSPHRASES:
            return (name, "your own entry in the user directory")
        # Someone who no longer signs in (removed): what readers can notice is that the
        # entries signed with that person's key no longer verify.
        return (name, "audit log")
    if table == "past_identities":
        # A retired identity: entries signed with the old key no longer verify.
        return ("audit log",)
    if table == "vault":
        return ("school record", "school certificate")
    if table in ("role_epochs", "role_grants"):
        return ("role key", "ca key")
    if table == "settings":
        return ("setting",)
    if table in ("audience_keys", "audiences"):
        return ("reader-group key", "reader group", "who may read")
    if table == "membership":
        return ("membership log",)
    if table == "receipts":
        return ("status of your report",)
    if table == "roll_batches":
        return ("school roll",)
    if table == "transfers":
        return ("transfer record",)
    if table == "approvals":
        return ("register of requests",)
    raise AssertionError(f"no expectation for {table}")


# --------------------------------------------------------------------------------------
# A full read as every user, recording answers, user-facing errors and crashes per step.
# --------------------------------------------------------------------------------------


@dataclass
class UserRun:
    answers: dict[Any, Any] = field(default_factory=dict)
    errors: dict[Any, str] = field(default_factory=dict)
    crashes: dict[Any, str] = field(default_factory=dict)

    def step(self, key: Any, action: Callable[[], Any]) -> Any:
        try:
            value = action()
        except UserFacingError as exc:
            self.errors[key] = f"{type(exc).__name__}: {exc}"
            return None
        except Exception:
            self.crashes[key] = traceback.format_exc(limit=6)
            return None
        self.answers[key] = value
        return value


# Which cases and evidence each user could open in the pristine vault.
Plan = dict[str, dict[str, list[str]]]


def _unlock_answer(session: Any) -> tuple[str, tuple[str, ...]]:
    return session.user_id, tuple(sorted(f"{r.value}:{e}" for r, e in session.role_keys))


def _show_answer(session: Any, reference: str) -> tuple[Any, ...]:
    detail = show_case(session, reference)
    return (
        detail.id,
        detail.reference,
        repr(sorted(detail.fields.items())),
        tuple(detail.versions),
        tuple(detail.evidence),
        tuple(detail.audience),
    )


def _receipt_answer(session: Any, reference: str) -> tuple[Any, ...]:
    receipt = show_receipt(session, reference)
    return (
        receipt.id,
        receipt.reference,
        repr(sorted(receipt.sent.items())),
        receipt.status,
        tuple(receipt.replies),
    )


def _evidence_answer(session: Any, reference: str, evidence_id: str) -> tuple[Any, ...]:
    info, stream = read_evidence(session, reference, evidence_id)
    digest = hashlib.sha256()
    size = 0
    for piece in stream:
        digest.update(piece)
        size += len(piece)
    return info, size, digest.hexdigest()


def _read_as(vault: Vault, name: str, plan: dict[str, list[str]] | None) -> UserRun:
    run = UserRun()
    session = run.step("unlock", partial(vault.unlock, name, PASSPHRASES[name]))
    if session is None:
        return run
    run.answers["unlock"] = _unlock_answer(session)
    listed = run.step("list", lambda: tuple(list_cases(session)))
    if session.list_problems:
        # A damaged entry or key slot is left out of the list and named beside it (the app
        # and the CLI show these warnings): that is the message, not a silent change.
        run.answers.pop("list", None)
        run.errors["list"] = "; ".join(session.list_problems)
    if plan is None:
        plan = {c.reference: [] for c in listed or ()}
    reporter_only = not MANAGERS & session.person.roles
    for reference, evidence_ids in plan.items():
        if reporter_only:  # staff read their own reports through their receipts
            run.step(("receipt", reference), partial(_receipt_answer, session, reference))
            continue
        shown = run.step(("show", reference), partial(_show_answer, session, reference))
        if shown is not None and not evidence_ids:
            evidence_ids = [e.id for e in shown[4]]
            plan[reference] = evidence_ids
        for evidence_id in evidence_ids:
            run.step(
                ("evidence", reference, evidence_id),
                partial(_evidence_answer, session, reference, evidence_id),
            )
            run.step(
                ("thumbnail", reference, evidence_id),
                partial(read_thumbnail, session, reference, evidence_id),
            )
    settings = run.step("settings", partial(load_settings, session))
    if settings is not None and settings.problems:
        # Settings that fail their check fall back to defaults and say so: that is the
        # message a user sees (the app shows it), not a changed answer.
        del run.answers["settings"]
        run.errors["settings"] = "; ".join(settings.problems)
    run.step("roll", lambda: tuple(map(pupil_record, load_roll(session).sorted())))
    if Role.DSL in session.person.roles:  # transfers are the DSL's alone
        transfers = run.step("transfers", partial(_transfer_rows, session))
        for seq, _kind, _body in transfers or ():
            run.step(("transfer parts", seq), partial(_transfer_parts, session, seq))
    run.step("approvals", partial(_approval_answers, session))
    run.step("audit", lambda: verify_whole_log(session)["intact"])
    session.lock()
    return run


def _approval_answers(session: Session) -> tuple[tuple[int, str, str], ...]:
    return tuple((a.seq, a.status, canonical_json(a.fields).decode()) for a in approvals(session))


def _transfer_rows(session: Session) -> tuple[tuple[int, str, str], ...]:
    with session.engine.connect() as conn:
        rows = load_rows(session, conn)
    return tuple((r.seq, r.kind, canonical_json(r.body).decode()) for r in rows)


def _transfer_parts(session: Session, seq: int) -> dict[str, str]:
    with session.engine.connect() as conn:
        parts = load_parts(session, conn, seq)
    return {name: hashlib.sha256(data).hexdigest() for name, data in parts.items()}


def full_read(data_dir: Path, clock: Clock, plan: Plan | None) -> dict[str, UserRun]:
    vault = Vault(data_dir, sqlite_url(data_dir), clock=clock)
    try:
        return {
            name: _read_as(
                vault,
                name,
                None if plan is None else {ref: list(ids) for ref, ids in plan[name].items()},
            )
            for name in PASSPHRASES
        }
    finally:
        vault.close()


# --------------------------------------------------------------------------------------
# The pristine vault, built once.
# --------------------------------------------------------------------------------------


@dataclass
class Pristine:
    data_dir: Path
    clock_end: Any
    runs: dict[str, UserRun]
    plan: Plan
    case_a: str
    case_b: str
    recovery: dict[str, str]

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.data_dir, dest)
        return dest

    def clock(self) -> Clock:
        return Clock(self.clock_end + timedelta(hours=1))


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    corpus.screenshot(200, 120, seed=seed).save(out, "PNG")
    return out.getvalue()


def _build(root: Path) -> Pristine:
    data_dir = root / "data"
    data_dir.mkdir(mode=0o700)
    clock = Clock()
    vault = Vault(data_dir, sqlite_url(data_dir), clock=clock)
    school = build_school(vault)
    dana = school.unlock("Dana DSL")
    # A member who has left: their removal is a record signed by the school CA.
    rita = vault.enrol(vault.invite(dana, "Rita Removed", frozenset({Role.STAFF})), RITA)
    rita.lock()
    dana.lock()
    dana = school.unlock("Dana DSL")  # a fresh directory that lists Rita
    vault.remove_user(dana, "Rita Removed")
    # A member who lost their passphrase: reset with a recovery key, so the keys they signed
    # with before are kept as a past identity.
    code = vault.reset_access(dana, "Tess Teacher", school.recovery["school"])
    vault.enrol(code, PASSPHRASES["Tess Teacher"]).lock()
    set_idle_lock_minutes(dana, 10)  # a signed school-wide setting
    import_roll(dana, ROLL_CSV)  # the school roll: one sealed, signed batch
    add_pupil(dana, {"surname": "Reed", "legal_forename": "Ruby"})  # and a second
    dana.lock()
    sam = school.unlock("Sam Staff")
    case_a = add_case(
        sam,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": "Comments under a video",
                "description": "Pupils posted unkind comments under a video.",
                "occurred_at": "2026-11-19T16:00:00+00:00",
                "platform": "VideoSite",
                "url": "https://video.example/watch?v=1",
                "people": [
                    {
                        "name": "Pupil One",
                        "kind": "pupil",
                        "role": "victim",
                        "date_of_birth": "2013-04-02",
                    }
                ],
            }
        ),
    )
    case_b = add_case(
        sam,
        CaseInput.from_json(
            {
                "category": "staff-online-conduct",
                "summary": "Messages from the head",
                "description": "The headteacher messaged a pupil on a private account.",
                "subjects": ["Hugh Head"],
            }
        ),
    )
    small = root / "note.txt"
    small.write_text("A screenshot transcript.\n" * 40, "utf-8")
    add_evidence(sam, case_b, small, platform="Chat")
    screenshot = root / "screenshot.png"
    screenshot.write_bytes(corpus.png())
    add_evidence(sam, case_b, screenshot, platform="Chat")
    dana = school.unlock("Dana DSL")
    big = root / "recording.bin"
    big.write_bytes(os.urandom(BIG_EVIDENCE_SIZE))
    add_evidence(dana, case_a, big, source_url="https://video.example/watch?v=1")
    # Dana's first touch sealed the report from its reporter (version 2, a new data key);
    # version 3 escalates to leadership, which re-keys the case again: each earlier data key
    # (the first opens version 1 and Sam's evidence) is kept wrapped under its successor.
    changes = {
        "status": "acknowledged",
        "description": "Pupils posted unkind comments; parents informed.",
        "escalated_to_leadership": True,
    }
    assert update_case(dana, case_a, changes) == 3
    # The DSL has opened both reports (which seals each from its reporter), so the full
    # reads below change nothing.
    show_case(dana, case_b)
    # Two screenshots added as one batch, their thumbnails made after by their author.
    shots = [Attachment(f"chat {seed}.png", data=_png(seed)) for seed in (11, 12)]
    assert len(added_ids(import_sources(dana, case_b, shots, {"platform": "Chat"}))) == 2
    assert set(make_pending_thumbnails(dana, case_b).values()) == {"thumbnail"}
    # A child protection file sent to another school: the school's transfer key (one row)
    # and the file's record with its documents (a second).
    other_school = X25519PrivateKey.generate().public_key()
    to_key = RecipientKey(other_school, key_fingerprint(other_school), "School: Elm Academy")
    send_transfer(dana, "B201201001010", to_key, root / "jessica.sltransfer")
    # A subject access request, a row of the same DSL-sealed register (vault/subject_access.py).
    record_request(
        dana,
        requester="Karen Smith",
        relationship="parent",
        subject="B201201001010",
        received_on=date(2026, 11, 19),
    )
    # Two requests waiting for decisions, one decided.
    asked = make_request(
        sam,
        "blocked-content",
        {"url": "https://example.org/a", "site_content": "c", "reasons": "r", "risks": "k"},
    )
    decide(school.unlock("Hugh Head"), asked.seq, "approved", "fine")
    monitoring = {"scope": "e-mail", "grounds": "g", "discussion": "d", "assessment": "a"}
    make_request(dana, "monitoring", monitoring, about="Sam Staff")
    sam.lock()
    dana.lock()
    vault.close()
    # The reference answers come from a full read of a copy, exactly as the tests do it.
    reference = root / "reference"
    shutil.copytree(data_dir, reference)
    clock_end = clock.now
    runs = full_read(reference, Clock(clock_end + timedelta(hours=1)), None)
    plan: Plan = {}
    for name, run in runs.items():
        plan[name] = {}
        for key, value in run.answers.items():
            if isinstance(key, tuple) and key[0] == "show":
                plan[name][key[1]] = [e.id for e in value[4]]
            elif isinstance(key, tuple) and key[0] == "receipt":
                plan[name][key[1]] = []
    return Pristine(data_dir, clock_end, runs, plan, case_a, case_b, dict(school.recovery))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    root = tmp_path_factory.mktemp("tamper")
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (
            ("HOME", ""),
            ("XDG_DATA_HOME", "data"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_CONFIG_HOME", "config"),
        ):
            mp.setenv(var, str(root / "home" / sub))
        return _build(root)


# --------------------------------------------------------------------------------------
# Tampering.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flip:
    rowid: int
    offset: int
    length: int
    words: tuple[str, ...]


def _choose(conn: sqlite3.Connection, target: Target, position: str) -> Flip | None:
    where = f"{target.column} IS NOT NULL AND length({target.column}) > 0"
    if target.rows:
        where += f" AND {target.rows}"
    rows = conn.execute(
        f"SELECT rowid, length({target.column}) FROM {target.table} WHERE {where} ORDER BY rowid"
    ).fetchall()
    if not rows:
        return None
    if position == "kdf-header":
        # Inside the authenticated JSON header of a passphrase seal: the Argon2 memory cost
        # (one bit turns "m":64 into "m":74, a valid-looking parameter).
        rowid, _ = rows[len(rows) // 2]
        blob = conn.execute(
            f"SELECT {target.column} FROM {target.table} WHERE rowid = ?", (rowid,)
        ).fetchone()[0]
        offset = bytes(blob).index(b'"m":') + 4
        return Flip(rowid, offset, len(blob), _expected_words(conn, target.table, rowid))
    index = {"first": 0, "middle": len(rows) // 2, "last": len(rows) - 1}[position]
    rowid, length = rows[index]
    offset = {"first": 0, "middle": length // 2, "last": length - 1}[position]
    return Flip(rowid, offset, length, _expected_words(conn, target.table, rowid))


def _evidence_files(db: Path) -> list[tuple[Path, int]]:
    """(ciphertext file, chunk count) per evidence item, when chunks are kept as files
    beside a SQLite database (store/chunks.py); [] when they are in the database."""
    folder = db.with_name("evidence")
    if not folder.is_dir():
        return []
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, chunk_count FROM evidence ORDER BY rowid").fetchall()
    finally:
        conn.close()
    return [
        (folder / evidence_id, count)
        for evidence_id, count in rows
        if (folder / evidence_id).is_file()
    ]


def _flip_chunk_file(db: Path, position: str) -> Flip:
    """Chunks kept as files: first chunk's first byte of the first item, the middle chunk's
    middle byte of the middle item, the last byte of the last item."""
    files = _evidence_files(db)
    if not files:
        pytest.skip("no evidence chunks stored in the database or as files")
    path, count = files[{"first": 0, "middle": len(files) // 2, "last": -1}[position]]
    data = bytearray(path.read_bytes())
    if position == "first":
        offset = 0
    elif position == "last":
        offset = len(data) - 1
    else:
        chunk = count // 2
        start = chunk * CHUNK_LENGTH
        offset = start + min(CHUNK_LENGTH, len(data) - start) // 2
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    return Flip(-1, offset, len(data), ("evidence",))


def _flip(db: Path, target: Target, position: str) -> Flip:
    conn = sqlite3.connect(db)
    try:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({target.table})")}
        if target.column not in columns:
            pytest.skip(f"{target.id} is not in this schema")
        flip = _choose(conn, target, position)
        if flip is None:
            if target.table == "evidence_chunks":
                return _flip_chunk_file(db, position)
            pytest.skip(f"{target.id} has no rows in the pristine vault")
        blob = bytearray(
            conn.execute(
                f"SELECT {target.column} FROM {target.table} WHERE rowid = ?", (flip.rowid,)
            ).fetchone()[0]
        )
        blob[flip.offset] ^= 0x01  # the smallest change: one bit of one byte
        conn.execute(
            f"UPDATE {target.table} SET {target.column} = ? WHERE rowid = ?",
            (bytes(blob), flip.rowid),
        )
        conn.commit()
    finally:
        conn.close()
    return flip


def _problems(pristine: Pristine, runs: dict[str, UserRun]) -> tuple[list[str], list[str]]:
    """(crashes, silent differences) over every user's run."""
    crashes: list[str] = []
    silent: list[str] = []
    for name, run in runs.items():
        expected = pristine.runs[name].answers
        crashes += [f"{name} / {key}: {tb}" for key, tb in run.crashes.items()]
        for key, value in run.answers.items():
            if key not in expected:
                silent.append(f"{name} / {key}: got an answer the pristine vault did not give")
            elif value != expected[key]:
                silent.append(f"{name} / {key}: answer differs from the pristine vault")
    return crashes, silent


def _describe(runs: dict[str, UserRun]) -> str:
    return (
        "\n".join(
            f"  {name} / {key}: {msg}"
            for name, run in runs.items()
            for key, msg in run.errors.items()
        )
        or "  (no user was told anything)"
    )


# --------------------------------------------------------------------------------------
# Tests.
# --------------------------------------------------------------------------------------


def test_pristine_full_read_is_clean(pristine: Pristine) -> None:
    """The harness itself: everyone reads what they should, nothing is refused."""
    for name, run in pristine.runs.items():
        assert not run.errors and not run.crashes, (name, run.errors, run.crashes)
        assert run.answers["audit"] is True
        assert run.answers["settings"].idle_lock_minutes == 10
    readable = {name: sorted(plan) for name, plan in pristine.plan.items()}
    a, b = pristine.case_a, pristine.case_b
    assert readable == {
        "Dana DSL": sorted([a, b]),
        "Hugh Head": [a],
        "Chris Chair": [b],
        "Sam Staff": sorted([a, b]),
        "Tess Teacher": [],
    }
    dana = pristine.runs["Dana DSL"].answers
    evidence = [
        v for k, v in dana.items() if isinstance(k, tuple) and k[0] == "evidence" and k[1] == a
    ]
    assert [(size, info.size) for info, size, _ in evidence] == [(BIG_EVIDENCE_SIZE,) * 2]
    conn = sqlite3.connect(pristine.data_dir / DB_FILE_NAME)
    try:
        chunks = conn.execute(
            "SELECT e.chunk_count, (SELECT count(*) FROM evidence_chunks c "
            "WHERE c.evidence_id = e.id) FROM evidence e "
            "ORDER BY e.size DESC"
        ).fetchall()
        keys = conn.execute(
            "SELECT c.reference, k.key_no FROM case_keys k JOIN cases c ON c.id = k.case_id "
            "ORDER BY 1, 2"
        ).fetchall()
        versions = conn.execute(
            "SELECT c.reference, count(*) FROM case_versions v JOIN cases c "
            "ON c.id = v.case_id GROUP BY c.reference ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()
    files = _evidence_files(pristine.data_dir / DB_FILE_NAME)
    if files:  # chunks kept as files beside the database, one file per item
        assert sorted(-(-path.stat().st_size // CHUNK_LENGTH) for path, _ in files) == [
            1,
            1,
            1,
            1,
            3,
        ]
        chunks = [(count, 0) for count, _ in chunks]
        assert chunks == [(3, 0)] + [(1, 0)] * 4
    else:
        assert chunks == [(3, 3)] + [(1, 1)] * 4
    thumbnails = {
        name: [v for k, v in run.answers.items() if isinstance(k, tuple) and k[0] == "thumbnail"]
        for name, run in pristine.runs.items()
    }
    # Dana and Chris read case b: three of its four items are pictures with a thumbnail
    # (two made after their batch was recorded). Sam reads his reports through his
    # receipts: what he sent, not the evidence since.
    assert [sorted(t is not None for t in thumbs) for thumbs in thumbnails.values()] == [
        [False, False, True, True, True],
        [False],
        [False, True, True, True],
        [],
        [],
    ]
    assert all(t is None or t.startswith(b"\x89PNG") for ts in thumbnails.values() for t in ts)
    assert versions == [(a, 3), (b, 2)]
    assert keys == [(a, 1), (a, 2), (a, 3), (b, 1), (b, 2)]


def test_every_binary_column_is_covered() -> None:
    """A new binary column must be added to TARGETS, or to UNREAD with its reason."""
    binary = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.type.python_type is bytes
    }
    covered = {(t.table, t.column) for t in TARGETS + WRITE_PATH_ONLY + COPIES} | set(UNREAD)
    assert binary - covered == set()


@pytest.mark.parametrize("target", COPIES, ids=lambda t: t.id)
def test_a_flipped_byte_in_an_untrusted_copy_changes_nothing(
    pristine: Pristine, tmp_path: Path, target: Target
) -> None:
    data_dir = pristine.copy(tmp_path / "data")
    flip = _flip(data_dir / DB_FILE_NAME, target, "middle")
    runs = full_read(data_dir, pristine.clock(), pristine.plan)
    crashes, silent = _problems(pristine, runs)
    where = f"{target.id} row {flip.rowid}"
    assert not crashes and not silent, (where, crashes, silent)
    assert all(not run.errors for run in runs.values()), (where, _describe(runs))


@pytest.mark.parametrize(("target", "position"), _params())
def test_one_flipped_byte_is_named_and_nothing_else_changes(
    pristine: Pristine, tmp_path: Path, target: Target, position: str
) -> None:
    data_dir = pristine.copy(tmp_path / "data")
    flip = _flip(data_dir / DB_FILE_NAME, target, position)
    runs = full_read(data_dir, pristine.clock(), pristine.plan)

    crashes, silent = _problems(pristine, runs)
    where = f"{target.id} row {flip.rowid} byte {flip.offset}/{flip.length}"
    assert not crashes, f"{where}: a user got a crash instead of a clear message:\n" + "\n".join(
        crashes
    )
    assert not silent, f"{where}: a user got a different answer without being told:\n" + "\n".join(
        silent
    )
    messages = [msg.lower() for run in runs.values() for msg in run.errors.values()]
    named = [m for m in messages if any(w.lower() in m for w in flip.words)]
    assert named, (
        f"{where}: no user was told about the damage in words naming it "
        f"({' / '.join(flip.words)}):\n{_describe(runs)}"
    )


def _damage_file(path: Path, other: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated by one byte":
        path.write_bytes(data[:-1])
    elif how == "last chunk cut off":
        path.write_bytes(data[: (len(data) - 1) // CHUNK_LENGTH * CHUNK_LENGTH])
    elif how == "one byte appended":
        path.write_bytes(data + b"\0")
    elif how == "a chunk appended":
        path.write_bytes(data + data[:CHUNK_LENGTH])
    elif how == "first two chunks swapped":
        path.write_bytes(
            data[CHUNK_LENGTH : 2 * CHUNK_LENGTH] + data[:CHUNK_LENGTH] + data[2 * CHUNK_LENGTH :]
        )
    elif how == "replaced by another item's file":
        path.write_bytes(other.read_bytes())
    elif how == "deleted":
        path.unlink()
    else:
        raise AssertionError(how)


FILE_DAMAGE = [
    "truncated by one byte",
    "last chunk cut off",
    "one byte appended",
    "a chunk appended",
    "first two chunks swapped",
    "replaced by another item's file",
    "deleted",
]


@pytest.mark.parametrize("how", FILE_DAMAGE)
def test_damaged_evidence_file_is_named(pristine: Pristine, tmp_path: Path, how: str) -> None:
    """With SQLite, evidence ciphertext lives in files beside the database: whole-file
    damage (cut, grown, reordered, swapped, gone) must be named when the item is read, and
    change nothing else."""
    data_dir = pristine.copy(tmp_path / "data")
    files = _evidence_files(data_dir / DB_FILE_NAME)
    if not files:
        pytest.skip("evidence chunks are kept in the database, not as files")
    (big, count), (small, _) = max(files, key=lambda f: f[1]), min(files, key=lambda f: f[1])
    assert count == 3
    _damage_file(big, small, how)
    runs = full_read(data_dir, pristine.clock(), pristine.plan)
    crashes, silent = _problems(pristine, runs)
    assert not crashes, "\n".join(crashes)
    assert not silent, "\n".join(silent)
    told = {
        (name, key[1])
        for name, run in runs.items()
        for key, msg in run.errors.items()
        if isinstance(key, tuple)
        and key[0] == "evidence"
        and key[2] == big.name
        and "evidence" in msg.lower()
    }
    readers = {
        (name, key[1])
        for name, run in pristine.runs.items()
        for key in run.answers
        if isinstance(key, tuple) and key[0] == "evidence" and key[2] == big.name
    }
    assert told == readers, _describe(runs)


def test_recovery_reset_works_on_a_pristine_copy(pristine: Pristine, tmp_path: Path) -> None:
    """The control for the test below: both recovery keys restore their role keys."""
    data_dir = pristine.copy(tmp_path / "data")
    vault = Vault(data_dir, sqlite_url(data_dir), clock=pristine.clock())
    try:
        dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
        for kind in ("school", "governors"):
            assert vault.reset_access(dana, "Sam Staff", pristine.recovery[kind])
    finally:
        vault.close()


@pytest.mark.parametrize("position", POSITIONS)
def test_damaged_recovery_escrow_is_named_when_the_recovery_key_is_used(
    pristine: Pristine, tmp_path: Path, position: str
) -> None:
    """Role keys escrowed for the printed recovery keys are opened only when an admin uses
    one (reset_access); no reader touches them. A damaged one must then be named."""
    data_dir = pristine.copy(tmp_path / "data")
    flip = _flip(data_dir / DB_FILE_NAME, ESCROW, position)
    conn = sqlite3.connect(data_dir / DB_FILE_NAME)
    try:
        role, recipient = conn.execute(
            "SELECT role, recipient FROM role_grants WHERE rowid = ?", (flip.rowid,)
        ).fetchone()
    finally:
        conn.close()
    clock = pristine.clock()
    runs = full_read(data_dir, clock, pristine.plan)
    crashes, silent = _problems(pristine, runs)
    assert not crashes and not silent, crashes + silent
    assert not any(run.errors for run in runs.values()), _describe(runs)

    kind = recipient.split(":", 1)[1]
    vault = Vault(data_dir, sqlite_url(data_dir), clock=clock)
    try:
        dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
        with pytest.raises(UserFacingError) as refused:
            vault.reset_access(dana, "Sam Staff", pristine.recovery[kind])
        message = str(refused.value).lower()
        assert "recovery key" in message and role in message, message
        # Nothing was changed by the refused reset: Sam still signs in and reads as before.
        sam = vault.unlock("Sam Staff", PASSPHRASES["Sam Staff"])
        assert [c.reference for c in list_cases(sam)] == [
            c.reference for c in pristine.runs["Sam Staff"].answers["list"]
        ]
    finally:
        vault.close()
