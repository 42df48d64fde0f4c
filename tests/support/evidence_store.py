"""What a vault holds of evidence, counted the way each database keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def stored_items(session: Any, data_dir: Path) -> int:
    """How many items have ciphertext stored: chunk files beside SQLite, or distinct items
    in evidence_chunks on PostgreSQL."""
    if session.engine.dialect.name == "sqlite":
        folder = data_dir / "evidence"
        return len(list(folder.iterdir())) if folder.is_dir() else 0
    with session.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT count(DISTINCT evidence_id) FROM evidence_chunks"
            ).scalar_one()
        )


def evidence_rows(session: Any) -> int:
    with session.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM evidence").scalar_one())
