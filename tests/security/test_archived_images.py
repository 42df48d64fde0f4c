"""A zipped picture on a concern that may involve indecent images of children (issue 10,
point 8), tried as a member of staff would who has been told pictures are refused: put the
photos in an archive (zip, 7z, rar, tar, gzip, bzip2, xz, zstd) and give it an innocent
name. Each is refused by its content, with the same UKCIS guidance as a picture, and
nothing is kept; so are documents and sound (issue 18: plain text notes only), and archives
are still evidence for other kinds of concern."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from safelog.domain.categories import category_by_code
from safelog.errors import InvalidInput
from safelog.evidence import corpus
from safelog.evidence.intake import ImageImportBlocked
from safelog.vault.case_input import CaseInput
from safelog.vault.cases import add_case
from safelog.vault.evidence import add_evidence, import_stream
from safelog.vault.evidence_reading import list_case_evidence

UKCIS_RULE = "never view, copy, print, share, store or save"
NAMES = ("photos.zip", "homework.txt", "statement.pdf", "no extension")


def report(session: Any, category: str) -> str:
    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": category,
                "summary": "Pictures shared in a group chat",
                "description": "What the pupil told me.",
            }
        ),
    )


def stored(session: Any, data_dir: Path) -> tuple[int, int]:
    """(evidence rows, items with chunks): nothing may be left behind by a refusal."""
    with session.engine.connect() as conn:
        rows = int(conn.exec_driver_sql("SELECT count(*) FROM evidence").scalar_one())
        if session.engine.dialect.name == "sqlite":
            folder = data_dir / "evidence"
            chunks = len(list(folder.iterdir())) if folder.is_dir() else 0
        else:
            chunks = int(
                conn.exec_driver_sql(
                    "SELECT count(DISTINCT evidence_id) FROM evidence_chunks"
                ).scalar_one()
            )
    return rows, chunks


@pytest.mark.parametrize("category", ["nudes-sharing", "indecent-images-adult"])
def test_an_archive_is_refused_like_a_picture_with_the_same_guidance(
    school: Any, data_dir: Path, tmp_path: Path, category: str
) -> None:
    sam = school.unlock("Sam Staff")
    reference = report(sam, category)
    guidance = category_by_code(category).guidance
    for kind, make in corpus.ARCHIVES.items():
        data = make()
        for name in NAMES:
            for route in ("file", "stream"):
                with pytest.raises(ImageImportBlocked) as blocked:
                    if route == "file":
                        folder = tmp_path / kind.replace(".", "-") / route
                        folder.mkdir(parents=True, exist_ok=True)
                        (folder / name).write_bytes(data)
                        add_evidence(sam, reference, folder / name)
                    else:
                        import_stream(sam, reference, io.BytesIO(data), original_name=name)
                message = str(blocked.value)
                assert "archives" in message and "nothing was kept" in message, message
                assert UKCIS_RULE in message.lower()
                assert blocked.value.guidance == guidance  # the same guidance as for images
                assert isinstance(blocked.value, InvalidInput)  # the CLI's exit status 1
    assert stored(sam, data_dir) == (0, 0)
    # Documents (a Word file is a zip container, but a document) and sound are refused too
    # (002 7.2.4: any of them can hold a picture); a plain text note goes in.
    for name, data in (
        ("letter.pdf", corpus.pdf()),
        ("statement.docx", corpus.docx()),
        ("voicemail.wav", corpus.wav()),
    ):
        with pytest.raises(ImageImportBlocked, match="plain text notes"):
            import_stream(sam, reference, io.BytesIO(data), original_name=name)
    import_stream(sam, reference, io.BytesIO(corpus.text()), original_name="messages.txt")
    dana = school.unlock("Dana DSL")
    kept = sorted(item.info.media_type for item in list_case_evidence(dana, reference))
    assert kept == ["text/plain"]

    # Archives stay evidence for kinds of concern where pictures are allowed.
    other = report(dana, "cyberbullying-pupil")
    for kind, make in corpus.ARCHIVES.items():
        import_stream(dana, other, io.BytesIO(make()), original_name=f"export-{kind}")
    types = {item.info.media_type for item in list_case_evidence(dana, other)}
    assert "application/zip" in types and "application/x-7z-compressed" in types
