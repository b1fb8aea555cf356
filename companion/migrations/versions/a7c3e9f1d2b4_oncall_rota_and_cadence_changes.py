"""oncall rota and cadence changes

- oncall_shifts: the weekly on-call clinician rota (services/oncall.py).
- cadence_changes: each step of a client's schedule with who or what rule and why
  (services/risk.py), shown on the client's timeline.

Revision ID: a7c3e9f1d2b4
Revises: b4d2e8f1a6c3
Create Date: 2026-12-07 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1d2b4'
down_revision = 'b4d2e8f1a6c3'
branch_labels = None
depends_on = None

UTC = companion.models.base.UTCDateTime


def upgrade():
    op.create_table(
        'oncall_shifts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('starts', sa.Time(), nullable=False),
        sa.Column('ends', sa.Time(), nullable=False),
        sa.Column('clinician_id', sa.Integer(), nullable=False),
        sa.Column('backup_id', sa.Integer(), nullable=True),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['clinician_id'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['backup_id'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['set_by_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('oncall_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_shifts_clinician_id'), ['clinician_id'])
    op.create_table(
        'cadence_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('at', UTC(), nullable=False),
        sa.Column('from_level', sa.String(length=8), nullable=True),
        sa.Column('to_level', sa.String(length=8), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('rule', sa.String(length=60), nullable=False),
        sa.Column('why', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id']),
        sa.ForeignKeyConstraint(['by_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('cadence_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cadence_changes_client_id'), ['client_id'])


def downgrade():
    with op.batch_alter_table('cadence_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cadence_changes_client_id'))
    op.drop_table('cadence_changes')
    with op.batch_alter_table('oncall_shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oncall_shifts_clinician_id'))
    op.drop_table('oncall_shifts')
