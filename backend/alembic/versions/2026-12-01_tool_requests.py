"""tool requests: imported OpenAPI operations keep how each argument is sent

`tools.request_spec` (JSON, null for hand-made tools) says where each argument goes (path,
query, header, cookie, body), its style/explode, the body's media type and an operation's own
server. Existing imported tools keep null and today's mapping until imported again.

Revision ID: 0004_tool_requests
Revises: 0003_invitations
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_tool_requests"
down_revision: str | None = "0003_invitations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tools", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "request_spec",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tools", schema=None) as batch_op:
        batch_op.drop_column("request_spec")
