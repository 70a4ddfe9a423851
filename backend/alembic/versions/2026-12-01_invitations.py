"""invitations: joining a workspace needs the person's own consent

Invitations get their own table; a membership exists only once an invitation is accepted.
Accounts that were waiting for an invite under the old scheme (no password yet, a token on the
user row) become invitations: the first workspace keeps the old token (its link still works),
other workspaces get an invitation to re-send. Those password-less accounts and their
memberships go away; each person gets them back by accepting.

Downgrade drops the table (open invitations are lost) and restores the two user columns.

Revision ID: 0003_invitations
Revises: 0002
Create Date: 2026-12-01 20:30:00
"""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0003_invitations'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    invitations = op.create_table('invitations',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by', sa.Uuid(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invited_by'], ['users.id'], name=op.f('fk_invitations_invited_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_invitations_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_invitations_workspace_id'), ['workspace_id'], unique=False)

    _pending_accounts_to_invitations(invitations)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_invite_token_hash'), type_='unique')
        batch_op.drop_column('invite_expires_at')
        batch_op.drop_column('invite_token_hash')


def _pending_accounts_to_invitations(invitations: sa.Table) -> None:
    bind = op.get_bind()
    users = sa.table(
        'users',
        sa.column('id', sa.Uuid()),
        sa.column('email', sa.String()),
        sa.column('password_hash', sa.String()),
        sa.column('invite_token_hash', sa.String()),
        sa.column('invite_expires_at', sa.DateTime(timezone=True)),
    )
    memberships = sa.table(
        'memberships',
        sa.column('user_id', sa.Uuid()),
        sa.column('workspace_id', sa.Uuid()),
        sa.column('role', sa.String()),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    pending = bind.execute(
        sa.select(users.c.id, users.c.email, users.c.invite_token_hash, users.c.invite_expires_at)
        .where(users.c.password_hash.is_(None))
    ).all()
    rows = []
    for user_id, email, token_hash, expires_at in pending:
        joined = bind.execute(
            sa.select(memberships.c.workspace_id, memberships.c.role, memberships.c.created_at)
            .where(memberships.c.user_id == user_id)
            .order_by(memberships.c.created_at)
        ).all()
        for index, (workspace_id, role, created_at) in enumerate(joined):
            # One token existed per account; it keeps working for the first workspace. The
            # others get a hash nobody holds: an admin re-sends them for a usable link.
            usable = index == 0 and token_hash is not None
            rows.append({
                'id': uuid.uuid4(),
                'workspace_id': workspace_id,
                'email': email,
                'role': role,
                'token_hash': token_hash if usable else hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                'invited_by': None,
                'expires_at': (expires_at or now) if usable else now,
                'created_at': created_at or now,
                'updated_at': now,
            })
        bind.execute(sa.delete(memberships).where(memberships.c.user_id == user_id))
        bind.execute(sa.delete(users).where(users.c.id == user_id))
    if rows:
        op.bulk_insert(invitations, rows)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('invite_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_invite_token_hash'), ['invite_token_hash'])

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_invitations_email'))

    op.drop_table('invitations')
