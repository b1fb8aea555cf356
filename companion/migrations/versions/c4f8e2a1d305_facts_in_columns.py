"""facts in columns: appointment outcomes, pauses, escalation delivery (backfilled)

Until now these facts were read back from the audit log (and the escalation
timeline); they become columns, filled here from those rows. The audit log
stays as it was: it is only read, never changed (its triggers refuse that).

- appointments: outcome, outcome_by_id, outcome_at (the latest
  "appointment.outcome" audit row), first_missed_at (the first one that
  recorded "missed"); an appointment kept or missed with no such row gets
  its outcome from its status, with who and when unknown.
- clients: resumed_at (the latest "client.resumed" audit row); paused_at for
  clients paused now (the latest "client.created"/"client.updated" row that
  set the status with a pause).
- escalations: told_ids and told_at (the timeline's "told" lines),
  nobody_told_count and nobody_told_at (its "no_recipient" lines).

Revision ID: c4f8e2a1d305
Revises: b7d41c0e9a11
Create Date: 2026-12-07 16:00:00

"""
from alembic import op
import sqlalchemy as sa
import companion.models.base


# revision identifiers, used by Alembic.
revision = 'c4f8e2a1d305'
down_revision = 'b7d41c0e9a11'
branch_labels = None
depends_on = None

UTC = companion.models.base.UTCDateTime

audit_events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer),
    sa.column('at', UTC()),
    sa.column('actor_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('subject_type', sa.String),
    sa.column('subject_id', sa.Integer),
    sa.column('details', sa.JSON),
)
escalation_events = sa.table(
    'escalation_events',
    sa.column('id', sa.Integer),
    sa.column('escalation_id', sa.Integer),
    sa.column('at', UTC()),
    sa.column('kind', sa.String),
    sa.column('staff_user_id', sa.Integer),
)
appointments = sa.table(
    'appointments',
    sa.column('id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('outcome', sa.String),
    sa.column('outcome_by_id', sa.Integer),
    sa.column('outcome_at', UTC()),
    sa.column('first_missed_at', UTC()),
)
clients = sa.table(
    'clients',
    sa.column('id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('paused_at', UTC()),
    sa.column('resumed_at', UTC()),
)
escalations = sa.table(
    'escalations',
    sa.column('id', sa.Integer),
    sa.column('told_ids', sa.JSON),
    sa.column('told_at', UTC()),
    sa.column('nobody_told_count', sa.Integer),
    sa.column('nobody_told_at', UTC()),
)

OUTCOMES = ('kept', 'missed')


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.Enum('scheduled', 'confirmed', 'reschedule_requested', 'cancelled', 'kept', 'missed', name='appointmentstatus', native_enum=False, length=24), nullable=True))
        batch_op.add_column(sa.Column('outcome_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome_at', companion.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_missed_at', companion.models.base.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_appointments_outcome_by_id_staff_users'), 'staff_users', ['outcome_by_id'], ['id'])

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', companion.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resumed_at', companion.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('told_ids', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('told_at', companion.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('nobody_told_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('nobody_told_at', companion.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_escalations_nobody_told_at'), ['nobody_told_at'], unique=False)

    bind = op.get_bind()
    _backfill_appointments(bind)
    _backfill_clients(bind)
    _backfill_escalations(bind)


def _audit_rows(bind, actions, subject_type):
    return bind.execute(
        sa.select(
            audit_events.c.at,
            audit_events.c.actor_id,
            audit_events.c.action,
            audit_events.c.subject_id,
            audit_events.c.details,
        )
        .where(
            audit_events.c.action.in_(actions),
            audit_events.c.subject_type == subject_type,
            audit_events.c.subject_id.is_not(None),
        )
        .order_by(audit_events.c.at, audit_events.c.id)
    ).all()


def _backfill_appointments(bind):
    latest = {}
    first_missed = {}
    for row in _audit_rows(bind, ['appointment.outcome'], 'Appointment'):
        outcome = (row.details or {}).get('outcome')
        if outcome not in OUTCOMES:
            continue
        latest[row.subject_id] = row
        if outcome == 'missed':
            first_missed.setdefault(row.subject_id, row.at)
    existing = set(bind.scalars(sa.select(appointments.c.id)))
    for appointment_id, row in latest.items():
        if appointment_id not in existing:
            continue
        bind.execute(
            appointments.update()
            .where(appointments.c.id == appointment_id)
            .values(
                outcome=row.details['outcome'],
                outcome_by_id=row.actor_id,
                outcome_at=row.at,
                first_missed_at=first_missed.get(appointment_id),
            )
        )
    # Kept or missed with no audit row (older data): the outcome is known, who and when not.
    bind.execute(
        appointments.update()
        .where(appointments.c.outcome.is_(None), appointments.c.status.in_(OUTCOMES))
        .values(outcome=appointments.c.status)
    )


def _backfill_clients(bind):
    existing = dict(bind.execute(sa.select(clients.c.id, clients.c.status)).all())
    resumed = {}
    paused = {}
    rows = _audit_rows(bind, ['client.resumed', 'client.created', 'client.updated'], 'Client')
    for row in rows:
        if row.action == 'client.resumed':
            resumed[row.subject_id] = row.at
            paused.pop(row.subject_id, None)
            continue
        details = row.details or {}
        if 'status' in (details.get('fields') or []):
            if details.get('pause'):
                paused[row.subject_id] = row.at
            else:
                paused.pop(row.subject_id, None)
    for client_id, status in existing.items():
        values = {}
        if client_id in resumed:
            values['resumed_at'] = resumed[client_id]
        if status == 'paused' and client_id in paused:
            values['paused_at'] = paused[client_id]
        if values:
            bind.execute(clients.update().where(clients.c.id == client_id).values(**values))


def _backfill_escalations(bind):
    told = {}
    told_at = {}
    nobody = {}
    nobody_at = {}
    rows = bind.execute(
        sa.select(
            escalation_events.c.escalation_id,
            escalation_events.c.at,
            escalation_events.c.kind,
            escalation_events.c.staff_user_id,
        )
        .where(escalation_events.c.kind.in_(['told', 'no_recipient']))
        .order_by(escalation_events.c.at, escalation_events.c.id)
    ).all()
    for row in rows:
        if row.kind == 'told':
            ids = told.setdefault(row.escalation_id, [])
            if row.staff_user_id is not None and row.staff_user_id not in ids:
                ids.append(row.staff_user_id)
            told_at[row.escalation_id] = row.at
        else:
            nobody[row.escalation_id] = nobody.get(row.escalation_id, 0) + 1
            nobody_at[row.escalation_id] = row.at
    for escalation_id in set(told) | set(nobody):
        bind.execute(
            escalations.update()
            .where(escalations.c.id == escalation_id)
            .values(
                told_ids=told.get(escalation_id, []),
                told_at=told_at.get(escalation_id),
                nobody_told_count=nobody.get(escalation_id, 0),
                nobody_told_at=nobody_at.get(escalation_id),
            )
        )


def downgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_nobody_told_at'))
        batch_op.drop_column('nobody_told_at')
        batch_op.drop_column('nobody_told_count')
        batch_op.drop_column('told_at')
        batch_op.drop_column('told_ids')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('resumed_at')
        batch_op.drop_column('paused_at')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointments_outcome_by_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('first_missed_at')
        batch_op.drop_column('outcome_at')
        batch_op.drop_column('outcome_by_id')
        batch_op.drop_column('outcome')
