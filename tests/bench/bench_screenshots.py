"""Importing full-HD screenshots, against raw SHA-256 + AES-GCM over the same bytes, in the
same run (DESIGN §7 states no budget for many small files: reported for information).

Fifty 1920x1080 PNG screenshots are generated (chat bubbles, text-like strokes, an avatar,
noise, and on every other one a photo-like picture, so they compress like real ones: about
0.5 to 2 MB each) and written to a temporary folder. Then, best of N, interleaved:

- baseline: each file read, hashed (SHA-256) and encrypted (AES-256-GCM, 1 MiB chunks);
- import: the fifty files dropped on a fresh case of one SQLite vault, as the add-evidence
  dialog does it (vault/filing.py `import_sources`): for each, sniffing, the
  decompression-bomb check (the header), the chunk file and its fsync; then one transaction
  recording every signed row and audit entry. That is the path the user waits for (issue
  17: <= 10 ms a file): the items are in the list when it returns.
- thumbnails after: `make_pending_thumbnails`, which the dialog starts in the worker once the
  import is shown: each original decrypted and decoded in memory, the signed thumbnail rows
  in one transaction. Reported for information, as is the thumbnail alone (Pillow).

The ratio is baseline time / import time (the share of raw throughput the import reaches).

    python tests/bench/bench_screenshots.py [--count 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("SAFELOG_INSECURE_TEST_KDF", "1")

CHUNK = 1024 * 1024
WIDTH, HEIGHT = 1920, 1080
PASSPHRASE = "dana correct horse"


def make_screenshots(folder: Path, count: int) -> list[Path]:
    from PIL import Image, ImageFilter

    from safelog.evidence.corpus import screenshot

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        picture = screenshot(WIDTH, HEIGHT, seed=index + 1)
        if index % 2:
            # A photo in the post: smooth colour with fine grain, which PNG cannot squeeze.
            side = 640
            rnd = os.urandom(side * side * 3 // 64)
            small = Image.frombytes("RGB", (side // 8, side // 8), rnd)
            photo = small.resize((side, side), Image.Resampling.BICUBIC)
            grain = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
            photo = Image.blend(photo, grain.filter(ImageFilter.GaussianBlur(1)), 0.12)
            picture.paste(photo, (WIDTH // 2 - side // 2, HEIGHT // 2 - side // 2))
        out = io.BytesIO()
        picture.save(out, "PNG")
        path = folder / f"Screenshot {index + 1:02d}.png"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def baseline(paths: list[Path]) -> float:
    """Read, SHA-256 and AES-256-GCM (1 MiB chunks) every file: the least an import does."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    start = time.perf_counter()
    for path in paths:
        aead = AESGCM(AESGCM.generate_key(bit_length=256))
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            index = 0
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                aead.encrypt(index.to_bytes(12, "big"), chunk, b"baseline")
                index += 1
        digest.hexdigest()
    return time.perf_counter() - start


def _new_case(session: Any, label: str) -> str:
    from safelog.vault.case_input import CaseInput
    from safelog.vault.cases import add_case

    return add_case(
        session,
        CaseInput.from_json(
            {
                "category": "cyberbullying-pupil",
                "summary": f"Screenshots {label}",
                "description": "Screenshot import benchmark.",
            }
        ),
    )


def import_all(session: Any, paths: list[Path], label: str) -> tuple[float, float, str]:
    """(seconds the user waits for the import, seconds of thumbnails after, case)."""
    from safelog.vault.evidence_thumbnails import make_pending_thumbnails
    from safelog.vault.filing import Attachment, added_ids, import_sources

    reference = _new_case(session, label)
    sources = [Attachment(path.name, path=path) for path in paths]
    start = time.perf_counter()
    outcomes = import_sources(session, reference, sources, {"platform": "Chat"})
    waited = time.perf_counter() - start
    assert len(added_ids(outcomes)) == len(paths), outcomes
    start = time.perf_counter()
    made = make_pending_thumbnails(session, reference)
    after = time.perf_counter() - start
    assert set(made.values()) == {"thumbnail"} and len(made) == len(paths)
    return waited, after, reference


def thumbnails_only(paths: list[Path]) -> float:
    from safelog.evidence.images import make_thumbnail

    datas = [path.read_bytes() for path in paths]
    start = time.perf_counter()
    for data in datas:
        assert make_thumbnail(data, "image/png").thumbnail
    return time.perf_counter() - start


def measure_screenshots(root: Path, count: int = 50, runs: int = 3) -> dict[str, Any]:
    from safelog.vault.evidence_reading import list_case_evidence
    from safelog.vault.vault import Vault

    work = Path(tempfile.mkdtemp(prefix="screenshots-", dir=root))
    try:
        paths = make_screenshots(work / "in", count)
        total = sum(p.stat().st_size for p in paths)
        vault = Vault(work / "vault")
        try:
            session = vault.create("Ravens Wood School", "Dana DSL", PASSPHRASE).session
            import_all(session, paths[:2], "warm-up")  # imports, Pillow, first fsyncs
            base_runs, import_runs, after_runs = [], [], []
            for run in range(runs):
                base_runs.append(baseline(paths))
                seconds, after, reference = import_all(session, paths, f"run {run + 1}")
                import_runs.append(seconds)
                after_runs.append(after)
            items = list_case_evidence(session, reference, thumbnails=True)
            assert len(items) == count and all(i.thumbnail for i in items)
            thumbs = min(thumbnails_only(paths) for _ in range(runs))
            session.lock()
        finally:
            vault.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    import_best, base_best = min(import_runs), min(base_runs)
    return {
        "count": count,
        "bytes": total,
        "mean_file_MiB": total / count / CHUNK,
        "import_s": import_best,
        "baseline_s": base_best,
        "ratio": base_best / import_best,
        "import_ms_per_file": 1000 * import_best / count,
        "baseline_ms_per_file": 1000 * base_best / count,
        "thumbnail_ms_per_file": 1000 * thumbs / count,
        "thumbnails_after_ms_per_file": 1000 * min(after_runs) / count,
        "import_runs_s": import_runs,
        "baseline_runs_s": base_runs,
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="safelog-bench-"))
    try:
        result = measure_screenshots(root, args.count, args.runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
