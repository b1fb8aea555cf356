"""conversation: what each reply answers, flagged check-in answers, call-back due times

- messages.in_reply_to_id, messages.binding: the asking text an inbound reply answers
  (or most likely answers) and how it was bound: bound, late, unbound, ambiguous
  (docs/conversation.md).
- check_ins.flagged: answered with words that needed a person now (still answered).
- tasks.due_at: when staff should have done it (a call-back asked for by text).

Revision ID: f3b7d1c9a2e6
Revises: f3b8d1e6a4c2
Create Date: 2026-12-07 19:00:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'f3b7d1c9a2e6'
down_revision = 'f3b8d1e6a4c2'
branch_labels = None
depends_on = None

UTC = companion.models.base.UTCDateTime


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_reply_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('binding', sa.String(length=12), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_messages_in_reply_to_id'), ['in_reply_to_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_messages_in_reply_to_id_messages'), 'messages', ['in_reply_to_id'], ['id']
        )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('flagged', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', UTC(), nullable=True))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('due_at')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_column('flagged')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_messages_in_reply_to_id_messages'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_in_reply_to_id'))
        batch_op.drop_column('binding')
        batch_op.drop_column('in_reply_to_id')
