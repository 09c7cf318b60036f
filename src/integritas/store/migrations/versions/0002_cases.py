"""Human review: flags under review, cases, timeline events, notes and outcomes.

Revision ID: 0002_cases
Revises: 0001_access_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_cases"
down_revision = "0001_access_audit"
branch_labels = None
depends_on = None

APPEND_ONLY = ("case_events", "case_notes", "case_outcomes")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(32), nullable=False, unique=True),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("staff_type", sa.String(16), nullable=False),
        sa.Column(
            "investigator_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True
        ),
        sa.Column("opened_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("restricted", sa.Boolean, nullable=False),
        sa.Column("notified_at", sa.DateTime),
        sa.Column("response_deadline", sa.DateTime),
        sa.Column("account_status", sa.String(16)),
        sa.Column("account_recorded_at", sa.DateTime),
    )
    op.create_table(
        "review_flags",
        sa.Column("flag_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("rule", sa.String(100), nullable=False, index=True),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("tier", sa.String(16), nullable=False, index=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("peer_median", sa.Float),
        sa.Column("peer_low", sa.Float),
        sa.Column("peer_high", sa.Float),
        sa.Column("peer_n", sa.Integer),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("scenario", sa.Text, nullable=False),
        sa.Column("unit_id", sa.String(64), index=True),
        sa.Column("line_manager_id", sa.String(64), index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("dismissed_reason", sa.String(32)),
        sa.Column("dismissed_note", sa.Text),
        sa.Column("dismissed_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("dismissed_at", sa.DateTime),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), index=True),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("corrects_id", sa.Integer, sa.ForeignKey("case_notes.id")),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_table(
        "case_outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("outcome", sa.String(48), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("adverse", sa.Boolean, nullable=False),
        sa.Column("confirms", sa.Boolean, nullable=False),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """The database refuses UPDATE and DELETE of notes, timeline events and outcomes."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION integritas_cases_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'case records are append-only (% on %)', TG_OP, TG_TABLE_NAME; "
            "END $$ LANGUAGE plpgsql"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION integritas_cases_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'case records are append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS integritas_cases_append_only()")
    for table in ("case_outcomes", "case_notes", "case_events", "review_flags", "cases"):
        op.drop_table(table)
