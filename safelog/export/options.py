"""What the export dialog and `safelog export` choose, and what an export reports back.

Light on purpose (no reportlab, pyHanko or Pillow): the GUI imports it to build its dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from safelog.errors import UserFacingError

# progress(done, total, what): `what` is a short plain-words description of the step.
ProgressCallback = Callable[[int, int, str], None]
# cancel() -> True asks the export to stop as soon as it can; nothing is left behind.
CancelCheck = Callable[[], bool]


class ExportCancelled(UserFacingError):
    """The person cancelled the export; no file was written."""


@dataclass(frozen=True)
class ExportOptions:
    include_images: bool = True  # draw image evidence in the file
    embed_originals: bool = True  # attach every original, byte for byte
    pseudonymise: bool = False  # other pupils become "Pupil A", "Pupil B", ...
    password: str | None = None  # AES-256 encryption of the whole file when set
    tsa_url: str | None = None  # RFC 3161 server; None = SAFELOG_TSA_URL, "" = none

    def __repr__(self) -> str:  # never show the password in a log or traceback
        return (
            f"ExportOptions(include_images={self.include_images}, "
            f"embed_originals={self.embed_originals}, pseudonymise={self.pseudonymise}, "
            f"password={'set' if self.password else 'none'}, tsa_url={self.tsa_url!r})"
        )


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str  # of the signed file as written
    size: int
    pages: int
    signer: str
    timestamped: bool  # PAdES B-T (True) or B-B (False)
    attachments: int
    # Plain-words notes for the person exporting (e.g. the timestamp server was unreachable).
    messages: list[str] = field(default_factory=list)
