"""held_reason: why the dispatcher held a text at send time (quiet hours, daily cap)

- messages.held_reason: set when a send-time gate returned a claimed row to pending
  with a later send_after (messaging/gates.py); kept once sent, so a late text says why.

Revision ID: f3b8d1e6a4c2
Revises: e5a1c9d2b7f4
Create Date: 2026-12-07 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8d1e6a4c2'
down_revision = 'e5a1c9d2b7f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('held_reason')
