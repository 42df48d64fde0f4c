"""`safelog db upgrade`: bring a shared PostgreSQL database's tables up to this version of
SafeLog, run by whoever looks after the server with the owner role's URL. SafeLog's own
login has no right to change tables (packaging/server/setup-postgres.sh), so it never
does this itself; it says to run this instead. Needs no SafeLog user or passphrase: the
tables hold ciphertext, and creating or altering them reads none of it."""

from __future__ import annotations

import argparse
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, say


def cmd_db_upgrade(args: argparse.Namespace, _reader: PassphraseReader) -> int:
    from safelog.store.engine import SCHEMA_HEAD, current_revision, make_engine, upgrade_schema
    from safelog.vault.paths import check_database_url

    check_database_url(args.database_url)
    engine = make_engine(args.database_url)
    try:
        before = current_revision(engine)
        upgrade_schema(engine)
    finally:
        engine.dispose()
    if before == SCHEMA_HEAD:
        say(f"The database is already up to date (schema {SCHEMA_HEAD}).")
    else:
        say(f"The database is up to date: schema {before or 'none'} → {SCHEMA_HEAD}.")
    return 0


def add_database_commands(sub: Any) -> None:
    group = command_group(sub, "db", "the shared PostgreSQL database itself (for IT)")
    p = command(
        group,
        "upgrade",
        cmd_db_upgrade,
        "create or upgrade SafeLog's tables, with the owner role's URL",
    )
    p.add_argument("--database-url", required=True, help="postgresql://OWNER@SERVER/DATABASE")
