"""development clock; random session stamps

Revision ID: b7d41c0e9a11
Revises: eabe94c4fb40
Create Date: 2026-12-07 15:40:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'b7d41c0e9a11'
down_revision = 'eabe94c4fb40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dev_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('offset_seconds', sa.Float(), nullable=False),
        sa.Column('changed_at', companion.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dev_clock')),
    )
    # Sessions remembered a time-based stamp: everyone signs in once more after this.
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_stamp', sa.String(length=32), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_stamp')
    op.drop_table('dev_clock')
