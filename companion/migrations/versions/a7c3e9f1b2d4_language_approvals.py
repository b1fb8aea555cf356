"""language approvals: which drafted text languages an admin approved for sending

- language_approvals: one row per language an admin decided about (approved or
  withdrawn, by whom, when, a note). In production a drafted language without an
  approval is not sent: the client gets the fallback language (issue 16, item 6).

Revision ID: a7c3e9f1b2d4
Revises: f3b7d1c9a2e6
Create Date: 2026-12-07 22:40:00

"""
from alembic import op
import sqlalchemy as sa

import companion.models.base


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = 'f3b7d1c9a2e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'language_approvals',
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('approved', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', companion.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['approved_by_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('language'),
    )


def downgrade():
    op.drop_table('language_approvals')
