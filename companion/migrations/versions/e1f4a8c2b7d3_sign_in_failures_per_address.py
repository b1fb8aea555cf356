"""sign-in failures per email and client address (growing delays instead of account locks)

Revision ID: e1f4a8c2b7d3
Revises: d9e3a7b5c2f1
Create Date: 2026-12-07 18:30:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'e1f4a8c2b7d3'
down_revision = 'd9e3a7b5c2f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_failures',
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=45), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failed_at', companion.models.base.UTCDateTime(), nullable=False),
        sa.Column('retry_at', companion.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('account', 'address', name=op.f('pk_sign_in_failures')),
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_last_failed_at'), ['last_failed_at'], unique=False)
    # Account-wide locks are gone: whoever was locked may sign in again at once.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('last_failed_sign_in_at')
        batch_op.drop_column('failed_sign_ins')


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_failed_sign_in_at', companion.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked_until', companion.models.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_last_failed_at'))
    op.drop_table('sign_in_failures')
