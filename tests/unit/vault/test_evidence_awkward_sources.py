"""Files that are awkward to import or extract (found by an attack on the storage path,
2026-12-04): a file another program changes while it is read, a pipe, a folder, a name
that is not UTF-8, a full disk, an extract cut short, a stored file replaced by a folder.
Each gets a clear message and leaves nothing behind; none is stored as something it is not."""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safelog.errors import InvalidInput, TamperDetected, UserFacingError
from safelog.vault import evidence_reading
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence_detailed, import_stream_detailed, open_evidence_file
from safelog.vault.evidence_file import CHANGED_MESSAGE
from safelog.vault.evidence_reading import extract_evidence, list_case_evidence, read_evidence
from safelog.vault.filing import Attachment, WhereSeen, import_sources

CASE = {"category": "cyberbullying-pupil", "summary": "Chat", "description": "Seen."}
MiB = 1 << 20


def new_case(session: Any) -> str:
    return add_case(session, CaseInput.from_json(CASE))


def stored_files(school: Any) -> list[str]:
    folder = school.vault.data_dir / "evidence"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_nothing_added(school: Any, session: Any, reference: str, before: list[str]) -> None:
    assert list_case_evidence(session, reference) == []
    assert stored_files(school) == before


def change_shrink(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def change_grow(path: Path) -> None:
    with path.open("ab") as handle:
        handle.write(os.urandom(MiB))


def change_rewrite(path: Path) -> None:
    """The same size, other bytes, a later modification time."""
    size, when = path.stat().st_size, path.stat().st_mtime_ns
    path.write_bytes(os.urandom(size))
    os.utime(path, ns=(when + 2_000_000_000, when + 2_000_000_000))


@pytest.mark.parametrize("size", [3 * MiB + 17, 40_000], ids=["streamed", "in-memory"])
@pytest.mark.parametrize("change", [change_shrink, change_grow, change_rewrite])
def test_a_file_changed_while_it_is_read_is_refused_and_nothing_kept(
    school: Any, tmp_path: Path, size: int, change: Any
) -> None:
    """Opened, then changed by another program before the import has read it all: it was
    stored as a mix of old and new bytes with that mix's SHA-256 as the original's."""
    dana = school.unlock("Dana DSL")
    reference = new_case(dana)
    before = stored_files(school)
    path = tmp_path / "recording.bin"
    path.write_bytes(os.urandom(size))
    with open_evidence_file(path, 2**31) as handle:
        change(path)
        with pytest.raises(InvalidInput) as refused:
            import_stream_detailed(dana, reference, handle, original_name=path.name)
    assert str(refused.value) == f"recording.bin: {CHANGED_MESSAGE}"
    assert_nothing_added(school, dana, reference, before)
    added = add_evidence_detailed(dana, reference, path)  # once it has settled: added
    _info, stream = read_evidence(dana, reference, added.evidence_id)
    assert b"".join(stream) == path.read_bytes()


def in_under_ten_seconds(call: Any) -> BaseException | object:
    """The outcome of `call()` (what it raised, or returned), failing if it waits."""
    outcome: list[BaseException | object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert outcome, "the import waited (on a pipe no one writes to)"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_refused_at_once_by_every_way_in(school: Any, tmp_path: Path) -> None:
    """The add-evidence dialog's batch import waited for ever on a pipe, in open()."""
    dana = school.unlock("Dana DSL")
    reference = new_case(dana)
    pipe = tmp_path / "screen.png"
    os.mkfifo(pipe)
    refused = in_under_ten_seconds(lambda: add_evidence_detailed(dana, reference, pipe))
    assert isinstance(refused, InvalidInput)
    assert "screen.png is not an ordinary file" in str(refused)
    outcomes = in_under_ten_seconds(
        lambda: import_sources(dana, reference, [Attachment("screen.png", path=pipe)], WhereSeen())
    )
    assert isinstance(outcomes, list)
    assert isinstance(outcomes[0], InvalidInput)
    assert list_case_evidence(dana, reference) == []


def test_a_folder_is_named_as_a_folder(school: Any, tmp_path: Path) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana)
    folder = tmp_path / "Screenshots"
    folder.mkdir()
    with pytest.raises(InvalidInput, match="Screenshots is a folder, not a file"):
        add_evidence_detailed(dana, reference, folder)


@pytest.mark.skipif(sys.platform != "linux", reason="names of any bytes: Linux file systems")
def test_a_name_that_is_not_utf8_is_kept_as_far_as_it_reads(school: Any, tmp_path: Path) -> None:
    """It stopped with "an unexpected error" (the name could not be encoded to be signed)."""
    dana = school.unlock("Dana DSL")
    reference = new_case(dana)
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/chat \xff\xfe.txt"))
    path.write_bytes(b"What they said.\n")
    added = add_evidence_detailed(dana, reference, path)
    again = add_evidence_detailed(dana, reference, path)  # seen again: a sighting
    assert again.duplicate and again.evidence_id == added.evidence_id
    (item,) = list_case_evidence(dana, reference)
    assert item.info.file_name == "chat \ufffd\ufffd.txt"


def test_a_full_disk_is_said_in_plain_words_and_nothing_kept(
    school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana = school.unlock("Dana DSL")
    reference = new_case(dana)
    before = stored_files(school)
    path = tmp_path / "video.mp4"
    path.write_bytes(os.urandom(3 * MiB))
    real_write_into = dana.chunks.write_into

    def disk_fills(evidence_id: str, fill: Any, *, durable: bool = True) -> int:
        def filled_then_full(slots: Any) -> None:
            slots.next(1 << 10)
            raise OSError(errno.ENOSPC, "No space left on device")

        return real_write_into(evidence_id, filled_then_full, durable=durable)

    monkeypatch.setattr(dana.chunks, "write_into", disk_fills)
    with pytest.raises(UserFacingError) as refused:
        add_evidence_detailed(dana, reference, path)
    message = str(refused.value)
    assert message.startswith("video.mp4: the disk SafeLog keeps its records on is full.")
    assert "Nothing was added" in message
    assert "Errno" not in message
    monkeypatch.undo()
    assert_nothing_added(school, dana, reference, before)


def stored_clip(school: Any, tmp_path: Path, size: int) -> tuple[Any, str, str, Path]:
    """Dana, her new case, the id of a clip of `size` random bytes added to it, its source."""
    dana = school.unlock("Dana DSL")
    reference = new_case(dana)
    source = tmp_path / "clip.bin"
    source.write_bytes(os.urandom(size))
    return dana, reference, add_evidence_detailed(dana, reference, source).evidence_id, source


def test_an_extract_is_named_only_once_whole(
    school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed extract left a truncated copy under the chosen name, taken for the whole."""
    dana, reference, evidence_id, source = stored_clip(school, tmp_path, 3 * MiB + 5)
    out = tmp_path / "out" / "clip.bin"
    out.parent.mkdir()
    real_read = evidence_reading.read_evidence
    seen_mid_way: list[list[str]] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        info, stream = real_read(*args, **kwargs)

        def chunks() -> Iterator[bytes]:
            for index, chunk in enumerate(stream):
                if index == 1:
                    seen_mid_way.append(sorted(p.name for p in out.parent.iterdir()))
                yield chunk

        return info, chunks()

    monkeypatch.setattr(evidence_reading, "read_evidence", watched)
    extract_evidence(dana, reference, evidence_id, out)
    assert seen_mid_way == [["clip.bin.partial"]]  # never under its own name until whole
    assert out.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in out.parent.iterdir()) == ["clip.bin"]


def test_an_extract_that_fails_leaves_neither_name(
    school: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dana, reference, evidence_id, _source = stored_clip(school, tmp_path, 2 * MiB + 5)
    real_read = evidence_reading.read_evidence

    def broken(*args: Any, **kwargs: Any) -> Any:
        info, stream = real_read(*args, **kwargs)

        def chunks() -> Iterator[bytes]:
            yield next(iter(stream))
            raise TamperDetected("A chunk of this item does not check out.")

        return info, chunks()

    monkeypatch.setattr(evidence_reading, "read_evidence", broken)
    out = tmp_path / "out" / "clip.bin"
    out.parent.mkdir()
    with pytest.raises(TamperDetected):
        extract_evidence(dana, reference, evidence_id, out)
    assert list(out.parent.iterdir()) == []


def test_a_stored_file_replaced_by_a_folder_reads_as_tampering(school: Any, tmp_path: Path) -> None:
    if school.vault.engine.dialect.name != "sqlite":
        pytest.skip("chunks are rows on a server; the embedded vault keeps them as files")
    dana, reference, evidence_id, _source = stored_clip(school, tmp_path, MiB + 5)
    stored = school.vault.data_dir / "evidence" / evidence_id
    stored.unlink()
    stored.mkdir()
    out = tmp_path / "copy.bin"
    with pytest.raises(TamperDetected):
        extract_evidence(dana, reference, evidence_id, out)
    assert not out.exists()
    assert not out.with_name("copy.bin.partial").exists()
