"""Alembic environment: runs on the connection SafeLog hands it (see store/engine.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from safelog.store.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    # `alembic` run by hand against a URL, for development.
    with create_engine(config.get_main_option("sqlalchemy.url") or "").begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
