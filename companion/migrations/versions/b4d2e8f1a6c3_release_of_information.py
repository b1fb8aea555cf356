"""release of information per category; what an alert to the officer relied on

- releases: one row per client, category and change (attendance, adherence, channel,
  clinical, supervision), granted or not, signed and expiry dates, who recorded it.
- escalations.release_id / release_basis: the release an officer's alert relied on.
- Existing clients keep their behaviour: the officer heard of missed check-ins and
  missed sessions (attendance, adherence: granted), of channel changes only under the
  old flag clients.roi_officer_contact (channel: that flag), and supervision matters by
  the terms of supervision (granted). Clinical risk was never released (not granted):
  the officer no longer hears of self-harm by climbing, which issue 15 calls a fault.
  Each row's note says it came from the old flag, for the provider to confirm.

Revision ID: b4d2e8f1a6c3
Revises: a7c3e9f1b2d4
Create Date: 2026-12-07 22:40:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'b4d2e8f1a6c3'
down_revision = 'a7c3e9f1b2d4'
branch_labels = None
depends_on = None

UTC = companion.models.base.UTCDateTime
NOTE = "from the earlier single release flag: please confirm on the release page"


def upgrade():
    op.create_table(
        'releases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', UTC(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('expiry_noted_at', UTC(), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'],
                                name=op.f('fk_releases_client_id_clients')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_users.id'],
                                name=op.f('fk_releases_recorded_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    )
    op.create_index('ix_releases_client_category', 'releases',
                    ['client_id', 'category', 'id'], unique=False)
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('release_basis', sa.String(length=120),
                                      server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_escalations_release_id_releases'),
                                    'releases', ['release_id'], ['id'])

    bind = op.get_bind()
    clients = bind.execute(sa.text(
        "SELECT id, created_at, roi_officer_contact FROM clients")).fetchall()
    now = datetime.now(timezone.utc)
    releases = sa.table(
        'releases', sa.column('client_id', sa.Integer), sa.column('category', sa.String),
        sa.column('granted', sa.Boolean), sa.column('signed_on', sa.Date),
        sa.column('expires_on', sa.Date), sa.column('recorded_by_id', sa.Integer),
        sa.column('recorded_at', UTC()), sa.column('note', sa.String),
    )
    rows = []
    for client_id, created_at, roi in clients:
        if isinstance(created_at, str):  # SQLite hands back text
            created_at = datetime.fromisoformat(created_at)
        signed = (created_at or now).date()
        for category, granted in (
            ('attendance', True), ('adherence', True), ('channel', bool(roi)),
            ('clinical', False), ('supervision', True),
        ):
            rows.append({
                'client_id': client_id, 'category': category, 'granted': granted,
                'signed_on': signed, 'expires_on': None, 'recorded_by_id': None,
                'recorded_at': now, 'note': NOTE,
            })
    if rows:
        op.bulk_insert(releases, rows)


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_escalations_release_id_releases'),
                                 type_='foreignkey')
        batch_op.drop_column('release_basis')
        batch_op.drop_column('release_id')
    op.drop_index('ix_releases_client_category', table_name='releases')
    op.drop_table('releases')
