"""retention: when texts and replies were erased, and when a discharge has them erased

- messages.erased_at, check_ins.erased_at: when the body (or the answer's words) was
  erased; indexed with the row's age for the worker's retention pass.
- clients.erase_after (set on discharge), texts_erased_at, erased_at (a legal request);
  clients.phone becomes nullable: a client erased on a legal request has no number.

Revision ID: e5a1c9d2b7f4
Revises: e1f4a8c2b7d3
Create Date: 2026-12-07 18:30:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'e5a1c9d2b7f4'
down_revision = 'e1f4a8c2b7d3'
branch_labels = None
depends_on = None

UTC = companion.models.base.UTCDateTime


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', UTC(), nullable=True))
        batch_op.create_index('ix_messages_unerased', ['erased_at', 'created_at'], unique=False)
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', UTC(), nullable=True))
        batch_op.create_index('ix_check_ins_unerased', ['erased_at', 'answered_at'], unique=False)
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erase_after', UTC(), nullable=True))
        batch_op.add_column(sa.Column('texts_erased_at', UTC(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', UTC(), nullable=True))
        batch_op.create_index(batch_op.f('ix_clients_erase_after'), ['erase_after'], unique=False)
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=True)


def downgrade():
    # A client erased on a legal request has no number; the old schema needs one.
    op.execute("UPDATE clients SET phone = 'erased-' || id WHERE phone IS NULL")
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_index(batch_op.f('ix_clients_erase_after'))
        batch_op.drop_column('erased_at')
        batch_op.drop_column('texts_erased_at')
        batch_op.drop_column('erase_after')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_unerased')
        batch_op.drop_column('erased_at')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_unerased')
        batch_op.drop_column('erased_at')
