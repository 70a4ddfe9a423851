"""Every table, imported in one place so `Base.metadata` is complete (Alembic, tests)."""

from app.agents.models import Agent
from app.auth.models import ApiKey, Invitation, Membership, RefreshToken, User, Workspace
from app.conversations.models import Conversation, Message
from app.credentials.models import EncryptedCredential
from app.database import Base
from app.deployments.models import Deployment
from app.integrations.models import Integration, Tool
from app.traces.models import ExecutionTrace

__all__ = [
    "Agent",
    "ApiKey",
    "Base",
    "Conversation",
    "Deployment",
    "EncryptedCredential",
    "ExecutionTrace",
    "Integration",
    "Invitation",
    "Membership",
    "Message",
    "RefreshToken",
    "Tool",
    "User",
    "Workspace",
]
