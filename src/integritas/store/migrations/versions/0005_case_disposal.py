"""Disposal of closed cases: a disposal record, and the only door through append-only rows.

Notes, timeline events and outcomes stay append-only: UPDATE is always refused. DELETE is
refused too, except for the rows of a case that a ``case_disposals`` row names: retention
writes that record first (what was disposed, when, under which certificate; never who the
case was about) and only then deletes. So a case record can leave the database only through
a recorded, certified disposal.

Revision ID: 0005_case_disposal
Revises: 0004_linkage_review
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_case_disposal"
down_revision = "0004_linkage_review"
branch_labels = None
depends_on = None

APPEND_ONLY = ("case_events", "case_notes", "case_outcomes")
_REFUSED = "case records are append-only"
_UNRECORDED = "case records are append-only: only a recorded disposal (retention) deletes them"


def upgrade() -> None:
    op.create_table(
        "case_disposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False, unique=True),
        sa.Column("case_ref", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(48), nullable=False),
        sa.Column("adverse", sa.Boolean, nullable=False),
        sa.Column("confirms", sa.Boolean, nullable=False),
        sa.Column("closed_at", sa.DateTime, nullable=False),
        sa.Column("retention_days", sa.Integer, nullable=False),
        sa.Column("flags", sa.Text, nullable=False),  # JSON: rule, version, received_at
        sa.Column("certificate_id", sa.String(64), nullable=False, index=True),
        sa.Column("disposed_at", sa.DateTime, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_up()
    else:
        _sqlite_up()


def _sqlite_up() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "WHEN NOT EXISTS (SELECT 1 FROM case_disposals d WHERE d.case_id = OLD.case_id) "
            f"BEGIN SELECT RAISE(ABORT, '{_UNRECORDED}'); END"
        )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER case_disposals_no_{verb.lower()} BEFORE {verb} ON case_disposals "
            f"BEGIN SELECT RAISE(ABORT, 'disposal records are append-only'); END"
        )


def _postgres_up() -> None:
    op.execute(
        "CREATE FUNCTION integritas_cases_delete_if_disposed() RETURNS trigger AS $$ BEGIN "
        "IF NOT EXISTS (SELECT 1 FROM case_disposals d WHERE d.case_id = OLD.case_id) THEN "
        f"RAISE EXCEPTION '{_UNRECORDED} (% on %)', TG_OP, TG_TABLE_NAME; END IF; "
        "RETURN OLD; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE FUNCTION integritas_disposals_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'disposal records are append-only (% on %)', TG_OP, TG_TABLE_NAME; "
        "END $$ LANGUAGE plpgsql"
    )
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION integritas_cases_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_delete_disposed BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION integritas_cases_delete_if_disposed()"
        )
    op.execute(
        "CREATE TRIGGER case_disposals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON case_disposals FOR EACH STATEMENT EXECUTE FUNCTION integritas_disposals_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_disposals_append_only ON case_disposals")
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_delete_disposed ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION integritas_cases_append_only()"
            )
        op.execute("DROP FUNCTION IF EXISTS integritas_cases_delete_if_disposed()")
        op.execute("DROP FUNCTION IF EXISTS integritas_disposals_append_only()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
            )
    op.drop_table("case_disposals")
