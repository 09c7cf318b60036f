"""Clerical review decisions on linkage candidates (append-only: the latest row wins).

Revision ID: 0004_linkage_review
Revises: 0003_governance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_linkage_review"
down_revision = "0003_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_review_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("candidate_id", sa.String(19), nullable=False),
        sa.Column("registry", sa.String(100), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("match_probability", sa.Float, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("reviewer_role", sa.String(100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_linkage_review_candidate", "linkage_review_decisions", ["candidate_id", "decided_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_linkage_review_candidate", table_name="linkage_review_decisions")
    op.drop_table("linkage_review_decisions")
