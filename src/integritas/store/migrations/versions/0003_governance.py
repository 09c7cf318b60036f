"""Governance: disposal certificates, disputes, objections, DPO sign-offs, activations,
fairness checks and justifications.

Revision ID: 0003_governance
Revises: 0002_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_governance"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def upgrade() -> None:
    op.create_table(
        "retention_certificates",
        _id(),
        sa.Column("certificate_id", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("rows_disposed", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "rights_disputes",
        _id(),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=False),
        sa.Column("row_number", sa.BigInteger, nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.Text, nullable=False),
        sa.Column("resolved_by", sa.String(200), nullable=False),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("notify", sa.Text, nullable=False),
    )
    op.create_table(
        "rights_objections",
        _id(),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.DateTime),
    )
    op.create_table(
        "governance_signoffs",
        _id(),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("item_name", sa.String(100), nullable=False, index=True),
        sa.Column("item_version", sa.String(32), nullable=False),
        sa.Column("signed_by", sa.String(200), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("signed_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "governance_activations",
        _id(),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("item_name", sa.String(100), nullable=False, index=True),
        sa.Column("item_version", sa.String(32), nullable=False),
        sa.Column("activated_by", sa.String(200), nullable=False),
        sa.Column("activated_at", sa.DateTime, nullable=False),
        sa.Column("suspended_at", sa.DateTime),
        sa.Column("suspended_reason", sa.Text, nullable=False),
    )
    op.create_table(
        "fairness_checks",
        _id(),
        sa.Column("rule", sa.String(100), nullable=False, index=True),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("run_by", sa.String(200), nullable=False),
        sa.Column("run_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "fairness_justifications",
        _id(),
        sa.Column("rule", sa.String(100), nullable=False, index=True),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("dimension", sa.String(64), nullable=False),
        sa.Column("group_value", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "fairness_justifications",
        "fairness_checks",
        "governance_activations",
        "governance_signoffs",
        "rights_objections",
        "rights_disputes",
        "retention_certificates",
    ):
        op.drop_table(table)
