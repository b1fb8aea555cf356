"""server-side staff sessions

Revision ID: d9e3a7b5c2f1
Revises: c4f8e2a1d305
Create Date: 2026-12-07 17:15:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'd9e3a7b5c2f1'
down_revision = 'c4f8e2a1d305'
branch_labels = None
depends_on = None


def upgrade():
    # Cookies from before this have no session row: everyone signs in once more.
    op.create_table(
        'staff_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('staff_user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', companion.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', companion.models.base.UTCDateTime(), nullable=False),
        sa.Column('ended_at', companion.models.base.UTCDateTime(), nullable=True),
        sa.Column('ended_reason', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_staff_sessions_staff_user_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_staff_user_id'), ['staff_user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_staff_user_id'))
    op.drop_table('staff_sessions')
