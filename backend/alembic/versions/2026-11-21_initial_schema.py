"""initial schema: the eight tables of the design

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 21:06:26.840377
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# JSONB on PostgreSQL, JSON elsewhere: the same type the models use.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('system_prompt', sa.Text(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('model_config', JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents'))
    )
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agents_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_agents_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_agents_workspace_id_created_at', ['workspace_id', 'created_at'], unique=False)

    op.create_table('encrypted_credentials',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('nonce', sa.LargeBinary(), nullable=False),
    sa.Column('key_version', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('credential_metadata', JSON, nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_encrypted_credentials'))
    )
    with op.batch_alter_table('encrypted_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encrypted_credentials_key_version'), ['key_version'], unique=False)
        batch_op.create_index(batch_op.f('ix_encrypted_credentials_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('conversations',
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('conversation_metadata', JSON, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_conversations_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_agent_id_updated_at', ['agent_id', 'updated_at'], unique=False)

    op.create_table('deployments',
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('config', JSON, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('public_key_hash', sa.String(length=128), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_deployments_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployments')),
    sa.UniqueConstraint('public_key_hash', name=op.f('uq_deployments_public_key_hash'))
    )
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployments_agent_id'), ['agent_id'], unique=False)

    op.create_table('integrations',
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('base_url', sa.String(length=2048), nullable=True),
    sa.Column('auth_type', sa.String(length=32), nullable=False),
    sa.Column('auth_config', JSON, nullable=False),
    sa.Column('credential_id', sa.Uuid(), nullable=True),
    sa.Column('openapi_spec', JSON, nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_integrations_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['credential_id'], ['encrypted_credentials.id'], name=op.f('fk_integrations_credential_id_encrypted_credentials'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations'))
    )
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrations_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrations_credential_id'), ['credential_id'], unique=False)

    op.create_table('messages',
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('tool_calls', JSON, nullable=True),
    sa.Column('tool_call_id', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('message_metadata', JSON, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('conversation_id', 'seq', name=op.f('uq_messages_conversation_id_seq'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('tools',
    sa.Column('integration_id', sa.Uuid(), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=2048), nullable=False),
    sa.Column('input_schema', JSON, nullable=False),
    sa.Column('output_schema', JSON, nullable=True),
    sa.Column('timeout_s', sa.Float(), nullable=False),
    sa.Column('preprocess', sa.Text(), nullable=True),
    sa.Column('postprocess', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_tools_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_tools_integration_id_integrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tools')),
    sa.UniqueConstraint('agent_id', 'name', name=op.f('uq_tools_agent_id_name'))
    )
    with op.batch_alter_table('tools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tools_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tools_integration_id'), ['integration_id'], unique=False)

    op.create_table('execution_traces',
    sa.Column('conversation_id', sa.Uuid(), nullable=False),
    sa.Column('message_id', sa.Uuid(), nullable=True),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('input', JSON, nullable=True),
    sa.Column('output', JSON, nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latency_ms', sa.Float(), nullable=True),
    sa.Column('ttft_ms', sa.Float(), nullable=True),
    sa.Column('input_tokens', sa.Integer(), nullable=True),
    sa.Column('output_tokens', sa.Integer(), nullable=True),
    sa.Column('cost_usd', sa.Numeric(precision=14, scale=8, asdecimal=False), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_execution_traces_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_execution_traces_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['execution_traces.id'], name=op.f('fk_execution_traces_parent_id_execution_traces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_execution_traces'))
    )
    with op.batch_alter_table('execution_traces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_execution_traces_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_traces_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_execution_traces_parent_id'), ['parent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('execution_traces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_execution_traces_parent_id'))
        batch_op.drop_index(batch_op.f('ix_execution_traces_message_id'))
        batch_op.drop_index(batch_op.f('ix_execution_traces_conversation_id'))

    op.drop_table('execution_traces')
    with op.batch_alter_table('tools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tools_integration_id'))
        batch_op.drop_index(batch_op.f('ix_tools_agent_id'))

    op.drop_table('tools')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_conversation_id'))

    op.drop_table('messages')
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrations_credential_id'))
        batch_op.drop_index(batch_op.f('ix_integrations_agent_id'))

    op.drop_table('integrations')
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deployments_agent_id'))

    op.drop_table('deployments')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_agent_id_updated_at')

    op.drop_table('conversations')
    with op.batch_alter_table('encrypted_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_encrypted_credentials_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_encrypted_credentials_key_version'))

    op.drop_table('encrypted_credentials')
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_index('ix_agents_workspace_id_created_at')
        batch_op.drop_index(batch_op.f('ix_agents_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_agents_status'))

    op.drop_table('agents')
