"""No plaintext reaches the disk: unique markers typed into every field of a case (summary,
description, platform, URL, people's names and notes), an update, the case workspace
(chronology, actions, decisions and reasons, escalations) and an evidence file (its content,
its name and its source details) must not be found, in any encoding the app could write
(UTF-8, UTF-16-LE/BE, base64 and base64url at all three alignments, hex in both cases, URL
encoding), in the data directory (database, -wal, -shm, journal, evidence files, profiles,
config), the temporary directories (files changed during the test), the log/config
directories under the test's HOME or (on PostgreSQL) any row of any table.

Images are checked by their bytes, since a marker drawn into a picture does not survive as
bytes: an image made for the test (unique noise, so its bytes occur nowhere else) goes in
as evidence, with a marker in its name, and slices of its original bytes and of the exact
thumbnail PNG SafeLog made and stored (encrypted) for it must be found nowhere either (raw,
hex or base64).

The same is checked through the API and through the `safelog` command line. The inputs the
test writes itself (the case JSON, the evidence original, the extracted copy) hold markers
on purpose and are left out of the search; they also serve as the positive control that the
search finds what it looks for.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from support.school import PASSPHRASES

from safelog.evidence.images import make_thumbnail
from safelog.vault import workspace
from safelog.vault.audit_view import verify_whole_log
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case, list_cases, show_case, update_case
from safelog.vault.evidence import add_evidence
from safelog.vault.evidence_reading import extract_evidence, read_evidence, read_thumbnail
from safelog.vault.vault import Vault

PREFIX = "MRKSAFELOG"  # shared by every marker, so each encoding has one cheap anchor
CHUNK = 8 * 1024 * 1024


def new_marker() -> str:
    return PREFIX + uuid.uuid4().hex


# --------------------------------------------------------------------------------------
# Encodings and the search.
# --------------------------------------------------------------------------------------


def _base64_fragment(raw: bytes, shift: int, urlsafe: bool) -> bytes:
    """The part of base64 that depends only on `raw`, when `raw` starts `shift` bytes into
    a 3-byte group of whatever is being encoded."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode(b"\0" * shift + raw)
    start = (shift + 2) // 3 * 4
    end = (shift + len(raw)) // 3 * 4
    return encoded[start:end]


def encodings(text: str) -> dict[str, bytes]:
    """Every way the app could plausibly write `text` out."""
    raw = text.encode("utf-8")
    out = {
        "utf-8": raw,
        "utf-16-le": text.encode("utf-16-le"),
        "utf-16-be": text.encode("utf-16-be"),
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "url": quote(text, safe="").encode(),
        "url-every-byte": "".join(f"%{b:02X}" for b in raw).encode(),
        "url-every-byte-lower": "".join(f"%{b:02x}" for b in raw).encode(),
    }
    for shift in range(3):
        out[f"base64/{shift}"] = _base64_fragment(raw, shift, urlsafe=False)
        out[f"base64url/{shift}"] = _base64_fragment(raw, shift, urlsafe=True)
    return out


@dataclass(frozen=True)
class Hit:
    where: str
    label: str
    encoding: str


@dataclass
class Markers:
    """Marker per field label, with their encodings precomputed."""

    by_label: dict[str, str] = field(default_factory=dict)

    def new(self, label: str) -> str:
        marker = new_marker()
        self.by_label[label] = marker
        return marker

    def patterns(self) -> dict[str, list[tuple[str, bytes]]]:
        """encoding -> [(label, pattern)]"""
        out: dict[str, list[tuple[str, bytes]]] = {}
        for label, marker in self.by_label.items():
            for name, pattern in encodings(marker).items():
                out.setdefault(name, []).append((label, pattern))
        return out


class Scanner:
    def __init__(self, markers: Markers) -> None:
        self.patterns = markers.patterns()
        self.anchors = {name: pattern for name, pattern in encodings(PREFIX).items()}
        self.overlap = max(len(p) for ps in self.patterns.values() for _, p in ps)
        self.files_scanned = 0
        self.bytes_scanned = 0

    def scan_bytes(self, data: bytes, where: str) -> list[Hit]:
        hits = []
        for name, anchor in self.anchors.items():
            if anchor not in data:
                continue
            hits += [
                Hit(where, label, name) for label, pattern in self.patterns[name] if pattern in data
            ]
        return hits

    def scan_file(self, path: Path) -> list[Hit]:
        hits: set[Hit] = set()
        try:
            with path.open("rb") as handle:
                tail = b""
                while True:
                    block = handle.read(CHUNK)
                    if not block:
                        break
                    hits |= set(self.scan_bytes(tail + block, str(path)))
                    self.bytes_scanned += len(block)
                    tail = block[-self.overlap :]
        except (PermissionError, FileNotFoundError, IsADirectoryError, OSError):
            return []
        self.files_scanned += 1
        # A file named after the evidence would leak it too.
        hits |= {
            Hit(str(path), h.label, "file name")
            for h in self.scan_bytes(os.fsencode(path), str(path))
        }
        return sorted(hits, key=lambda h: (h.where, h.label, h.encoding))


def _files(root: Path, since: float | None, exclude: set[Path]) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not Path(dirpath, d).is_symlink()]
        for name in filenames:
            path = Path(dirpath, name)
            if path in exclude:
                continue
            try:
                st = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink():
                continue
            if since is not None and max(st.st_mtime, st.st_ctime) < since:
                continue
            yield path


@dataclass
class Search:
    data_dir: Path
    home: Path
    started: float
    exclude: set[Path]

    def roots(self) -> list[tuple[Path, float | None]]:
        """(root, only files changed since) — everything in our own dirs; in the shared
        temporary directories only what changed during the test."""
        since = self.started - 2
        roots: list[tuple[Path, float | None]] = [(self.data_dir, None), (self.home, None)]
        for shared in (Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/dev/shm")):
            if shared.is_dir():
                roots.append((shared, since))
        return roots

    def run(self, scanner: Scanner) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[Path] = set()
        for root, since in self.roots():
            for path in _files(root, since, self.exclude):
                if path in seen:
                    continue
                seen.add(path)
                hits += scanner.scan_file(path)
        return hits


def dump_database(url: str) -> Iterable[tuple[str, bytes]]:
    """(table, every value of every row as bytes) for each table of a database."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                parts = []
                for row in conn.execute(select(table)):
                    for value in row:
                        if value is None:
                            continue
                        if isinstance(value, memoryview):
                            value = value.tobytes()
                        parts.append(
                            value if isinstance(value, bytes) else str(value).encode("utf-8")
                        )
                yield table.name, b"\x00".join(parts)
    finally:
        engine.dispose()


def assert_nothing_found(hits: list[Hit], scanner: Scanner) -> None:
    assert scanner.files_scanned > 0
    report = "\n".join(f"  {h.label!r} found as {h.encoding} in {h.where}" for h in hits)
    assert not hits, f"plaintext markers reached storage:\n{report}"


# --------------------------------------------------------------------------------------
# Raw bytes (images and their thumbnails) and the search for them.
# --------------------------------------------------------------------------------------


def byte_encodings(raw: bytes) -> dict[str, bytes]:
    out = {"raw": raw, "hex": raw.hex().encode(), "HEX": raw.hex().upper().encode()}
    for shift in range(3):
        out[f"base64/{shift}"] = _base64_fragment(raw, shift, urlsafe=False)
        out[f"base64url/{shift}"] = _base64_fragment(raw, shift, urlsafe=True)
    return out


def slices(data: bytes, label: str, skip: int = 64, size: int = 48) -> dict[str, bytes]:
    """Three slices of `data` (past its first `skip` bytes: a PNG's signature and header
    are the same for every picture of the same size), labelled."""
    assert len(data) > skip + 3 * size, label
    span = len(data) - skip - size
    starts = [skip + span * i // 2 for i in range(3)]
    return {f"{label} @{start}": data[start : start + size] for start in starts}


@dataclass
class RawNeedles:
    by_label: dict[str, bytes] = field(default_factory=dict)

    def add(self, needles: dict[str, bytes]) -> None:
        self.by_label.update(needles)

    def scan_bytes(self, data: bytes, where: str) -> list[Hit]:
        return [
            Hit(where, label, name)
            for label, needle in self.by_label.items()
            for name, pattern in byte_encodings(needle).items()
            if pattern in data
        ]

    def scan_file(self, path: Path) -> list[Hit]:
        try:
            data = path.read_bytes()
        except OSError:
            return []
        return self.scan_bytes(data, str(path))

    def search(self, search: Search, db_url: str) -> list[Hit]:
        hits: list[Hit] = []
        seen: set[Path] = set()
        for root, since in search.roots():
            for path in _files(root, since, search.exclude):
                if path not in seen:
                    seen.add(path)
                    hits += self.scan_file(path)
        if not db_url.startswith("sqlite"):
            for table, blob in dump_database(db_url):
                hits += self.scan_bytes(blob, f"database table {table}")
        return hits


def unique_image() -> bytes:
    """A screenshot-sized PNG whose noise makes its bytes (and its thumbnail's) unique."""
    from PIL import Image

    width, height = 800, 500
    picture = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def image_needles(original: bytes, thumbnail: bytes) -> RawNeedles:
    needles = RawNeedles()
    needles.add(slices(original, "image original"))
    needles.add(slices(thumbnail, "image thumbnail"))
    return needles


def assert_no_raw_bytes(needles: RawNeedles, search: Search, db_url: str, control: Path) -> None:
    """The search finds the needles in `control` (which holds them on purpose), and nowhere
    in storage."""
    found = {h.label for h in needles.scan_file(control)}
    assert found == set(needles.by_label), set(needles.by_label) - found
    hits = needles.search(search, db_url)
    report = "\n".join(f"  {h.label!r} found as {h.encoding} in {h.where}" for h in hits)
    assert not hits, f"image bytes reached storage:\n{report}"


# --------------------------------------------------------------------------------------
# The search itself can fail.
# --------------------------------------------------------------------------------------


def _written_as(marker: str, encoding: str) -> bytes:
    """`marker` written out the way `encoding` names, inside other bytes."""
    if encoding.startswith("base64"):
        name, shift = encoding.split("/")
        encode = base64.urlsafe_b64encode if name == "base64url" else base64.b64encode
        before = os.urandom(3 * 5 + int(shift))
        return encode(before + marker.encode("utf-8") + os.urandom(7))
    return encodings(marker)[encoding]


@pytest.mark.parametrize("encoding", sorted(encodings("x")))
def test_the_search_finds_every_encoding(tmp_path: Path, encoding: str) -> None:
    markers = Markers()
    marker = markers.new("probe")
    scanner = Scanner(markers)
    written = _written_as(marker, encoding)
    # Once in the middle of a file, once across the boundary between two read blocks.
    for name, before in (("middle", 1000), ("boundary", CHUNK - len(written) // 2)):
        path = tmp_path / f"{name}.bin"
        path.write_bytes(os.urandom(before) + written + os.urandom(1000))
        found = {(h.label, h.encoding) for h in scanner.scan_file(path)}
        assert ("probe", encoding) in found, (name, found)
    clean = tmp_path / "clean.bin"
    clean.write_bytes(os.urandom(4096) + PREFIX.encode() + os.urandom(4096))
    assert scanner.scan_file(clean) == []


@pytest.mark.parametrize("encoding", sorted(byte_encodings(b"x")))
def test_the_raw_search_finds_image_bytes_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    needles = RawNeedles()
    needles.add(slices(os.urandom(400), "probe"))
    label, needle = next(iter(needles.by_label.items()))
    if encoding.startswith("base64"):
        name, shift = encoding.split("/")
        encode = base64.urlsafe_b64encode if name == "base64url" else base64.b64encode
        written = encode(os.urandom(3 * 5 + int(shift)) + needle + os.urandom(7))
    else:
        written = byte_encodings(needle)[encoding]
    path = tmp_path / "blob.bin"
    path.write_bytes(os.urandom(1000) + written + os.urandom(1000))
    assert (label, encoding) in {(h.label, h.encoding) for h in needles.scan_file(path)}
    path.write_bytes(os.urandom(3000))
    assert needles.scan_file(path) == []


# --------------------------------------------------------------------------------------
# Case and evidence input full of markers.
# --------------------------------------------------------------------------------------


def case_json(markers: Markers) -> dict[str, Any]:
    return {
        "category": "cyberbullying-pupil",
        "summary": f"Summary {markers.new('summary')}",
        "description": f"Description {markers.new('description')}\nsecond line",
        "occurred_at": "2026-11-19T16:00:00+00:00",
        "platform": markers.new("platform"),
        "url": f"https://example.invalid/{markers.new('url')}?p=1",
        "people": [
            {
                "name": markers.new("person 1 name"),
                "kind": "pupil",
                "role": "victim",
                "date_of_birth": "2013-04-02",
                "notes": markers.new("person 1 notes"),
            },
            {"name": markers.new("person 2 name"), "kind": "parent", "role": "reporter"},
        ],
    }


def update_json(markers: Markers) -> dict[str, Any]:
    return {
        "description": f"Updated {markers.new('v2 description')}",
        "outcome": markers.new("v2 outcome"),
        "summary": f"Updated {markers.new('v2 summary')}",
        "people": [{"name": markers.new("v2 person name"), "kind": "staff", "role": "witness"}],
    }


def evidence_file(folder: Path, markers: Markers) -> Path:
    folder.mkdir(exist_ok=True)
    name = markers.new("evidence file name")
    content = markers.new("evidence content")
    path = folder / f"{name}.txt"
    # Past the sniffing window too, and a second copy across the 1 MiB chunk boundary.
    body = f"Chat log {content}\n" + "filler line\n" * 90_000
    path.write_text(body[: 1024 * 1024 - 20] + content + body[1024 * 1024 - 20 :], "utf-8")
    return path


def evidence_meta(markers: Markers) -> dict[str, str]:
    return {
        "source_url": f"https://chat.invalid/{markers.new('evidence source url')}",
        "platform": markers.new("evidence platform"),
        "handle": markers.new("evidence handle"),
        "description": markers.new("evidence description"),
    }


def _search(
    data_dir: Path, tmp_path: Path, started: float, exclude: set[Path], markers: Markers
) -> tuple[list[Hit], Scanner]:
    scanner = Scanner(markers)
    search = Search(data_dir, tmp_path / "home", started, exclude)
    return search.run(scanner), scanner


def _positive_controls(scanner: Scanner, inputs: Iterable[Path], labels: set[str]) -> None:
    """The excluded inputs do hold markers, and the scanner sees them."""
    found = {h.label for path in inputs for h in scanner.scan_file(path)}
    assert labels <= found, labels - found


def _database_hits(db_url: str, scanner: Scanner) -> list[Hit]:
    hits = []
    for table, blob in dump_database(db_url):
        hits += scanner.scan_bytes(blob, f"database table {table}")
    return hits


# --------------------------------------------------------------------------------------
# Through the API.
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_api_writes_no_plaintext(school: Any, db_url: str, data_dir: Path, tmp_path: Path) -> None:
    started = time.time()
    markers = Markers()
    inputs = tmp_path / "inputs"
    dana = school.unlock("Dana DSL")
    reference = add_case(dana, CaseInput.from_json(case_json(markers)))
    assert update_case(dana, reference, update_json(markers)) == 2
    original = evidence_file(inputs, markers)
    evidence_id = add_evidence(dana, reference, original, **evidence_meta(markers))
    # An image: its name carries a marker, its bytes and its thumbnail are searched for.
    image = unique_image()
    image_file = inputs / f"{markers.new('image file name')}.png"
    image_file.write_bytes(image)
    image_id = add_evidence(dana, reference, image_file, description=markers.new("image note"))
    thumbnail = read_thumbnail(dana, reference, image_id)
    assert thumbnail is not None and thumbnail == make_thumbnail(image, "image/png").thumbnail
    _, image_stream = read_evidence(dana, reference, image_id)  # the full-size view
    assert b"".join(image_stream) == image
    # The case workspace: chronology, actions, decisions, escalations (each a new version).
    workspace.add_chronology(dana, reference, markers.new("chronology entry"))
    workspace.add_action(dana, reference, markers.new("action"), markers.new("action owner"))
    action_id = show_case(dana, reference).fields["actions"][0]["id"]
    workspace.complete_action(dana, reference, action_id, markers.new("action done note"))
    workspace.record_decision(dana, reference, markers.new("decision"), markers.new("reason"))
    workspace.record_escalation(
        dana,
        reference,
        "police",
        told=markers.new("escalation told"),
        how=markers.new("escalation how"),
        reference_number=markers.new("police reference"),
        response=markers.new("escalation response"),
    )

    # Read everything back, which is what a user does next (and shows the data is there).
    detail = show_case(dana, reference)
    assert detail.fields["outcome"] == markers.by_label["v2 outcome"]
    assert detail.fields["decisions"][0]["reason"] == markers.by_label["reason"]
    assert (
        detail.fields["escalations"]["police"]["reference"] == markers.by_label["police reference"]
    )
    assert detail.evidence[0].file_name.startswith(markers.by_label["evidence file name"])
    assert [c.summary for c in list_cases(dana)] == [detail.fields["summary"]]
    _, stream = read_evidence(dana, reference, evidence_id)
    assert b"".join(stream) == original.read_bytes()
    extracted = tmp_path / "extracted.out"
    extract_evidence(dana, reference, evidence_id, extracted)
    assert verify_whole_log(dana)["intact"]

    control = tmp_path / "control.bin"
    control.write_bytes(image + thumbnail)
    inputs_excluded = {original, extracted, image_file, control}
    hits, scanner = _search(data_dir, tmp_path, started, inputs_excluded, markers)
    _positive_controls(scanner, [original, extracted], {"evidence content"})
    _positive_controls(scanner, [image_file], {"image file name"})
    if not db_url.startswith("sqlite"):
        hits += _database_hits(db_url, scanner)
    assert_nothing_found(hits, scanner)
    needles = image_needles(image, thumbnail)
    search = Search(data_dir, tmp_path / "home", started, inputs_excluded)
    assert_no_raw_bytes(needles, search, db_url, control)

    # And once the vault is closed (SQLite folds its write-ahead log into the file).
    school.vault.close()
    hits, scanner = _search(data_dir, tmp_path, started, inputs_excluded, markers)
    assert_nothing_found(hits, scanner)
    assert_no_raw_bytes(needles, search, db_url, control)


# --------------------------------------------------------------------------------------
# Through the command line.
# --------------------------------------------------------------------------------------


def _cli(
    data_dir: Path, db_url: str, *args: str, as_name: str = "Dana DSL"
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SAFELOG_INSECURE_TEST_KDF="1", SAFELOG_DATABASE_URL=db_url)
    result = subprocess.run(
        [sys.executable, "-m", "safelog", "--data-dir", str(data_dir), *args, "--as", as_name],
        input=PASSPHRASES[as_name] + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (args, result.returncode, result.stderr)
    return result


@pytest.mark.slow
def test_cli_writes_no_plaintext(school: Any, db_url: str, data_dir: Path, tmp_path: Path) -> None:
    school.vault.close()  # the command line is the only client from here on
    started = time.time()
    markers = Markers()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    case_file = inputs / "case.json"
    case_file.write_text(json.dumps(case_json(markers)), "utf-8")
    change_file = inputs / "change.json"
    change_file.write_text(json.dumps(update_json(markers)), "utf-8")
    original = evidence_file(inputs, markers)
    meta = evidence_meta(markers)

    reference = (
        _cli(data_dir, db_url, "case", "add", "--json", str(case_file), as_name="Sam Staff")
        .stdout.strip()
        .splitlines()[-1]
    )
    evidence_id = (
        _cli(
            data_dir,
            db_url,
            "evidence",
            "add",
            reference,
            str(original),
            "--source-url",
            meta["source_url"],
            "--platform",
            meta["platform"],
            "--handle",
            meta["handle"],
            "--description",
            meta["description"],
            as_name="Sam Staff",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    image = unique_image()
    image_file = inputs / f"{markers.new('image file name')}.png"
    image_file.write_bytes(image)
    image_id = (
        _cli(
            data_dir,
            db_url,
            "evidence",
            "add",
            reference,
            str(image_file),
            "--description",
            markers.new("image note"),
            "--seen-at",
            "2026-11-19T08:00:00+00:00",
            as_name="Sam Staff",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    # The DSL takes it on (the reporter adds nothing after that).
    _cli(data_dir, db_url, "case", "update", reference, "--json", str(change_file))
    shown = json.loads(_cli(data_dir, db_url, "case", "show", reference, "--json").stdout)
    assert shown["outcome"] == markers.by_label["v2 outcome"]
    assert [e["id"] for e in shown["evidence"]] == [evidence_id, image_id]
    assert shown["evidence"][1]["preview"] == "thumbnail"
    listed_evidence = json.loads(
        _cli(data_dir, db_url, "evidence", "list", reference, "--json").stdout
    )
    assert [e["id"] for e in listed_evidence] == [evidence_id, image_id]
    listed = json.loads(
        _cli(data_dir, db_url, "case", "list", "--json", as_name="Sam Staff").stdout
    )
    assert [c["reference"] for c in listed] == [reference]
    extracted = tmp_path / "extracted.out"
    _cli(data_dir, db_url, "evidence", "extract", reference, evidence_id, "--out", str(extracted))
    assert extracted.read_bytes() == original.read_bytes()
    _cli(data_dir, db_url, "audit", "verify", as_name="Chris Chair")

    # The thumbnail SafeLog stored is the one made from these bytes (read in memory).
    thumbnail = make_thumbnail(image, "image/png").thumbnail
    assert thumbnail is not None
    vault = Vault(data_dir, db_url)
    try:
        dana = vault.unlock("Dana DSL", PASSPHRASES["Dana DSL"])
        assert read_thumbnail(dana, reference, image_id) == thumbnail
    finally:
        vault.close()
    control = tmp_path / "control.bin"
    control.write_bytes(image + thumbnail)

    inputs_excluded = {case_file, change_file, original, extracted, image_file, control}
    hits, scanner = _search(data_dir, tmp_path, started, inputs_excluded, markers)
    _positive_controls(
        scanner,
        [case_file, change_file, original, image_file],
        set(markers.by_label)
        - {
            "evidence source url",
            "evidence platform",
            "evidence handle",
            "evidence description",
            "image note",
        },
    )
    if not db_url.startswith("sqlite"):
        hits += _database_hits(db_url, scanner)
    assert_nothing_found(hits, scanner)
    search = Search(data_dir, tmp_path / "home", started, inputs_excluded)
    assert_no_raw_bytes(image_needles(image, thumbnail), search, db_url, control)
