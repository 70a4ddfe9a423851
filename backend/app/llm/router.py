"""/api/v1/providers: which model providers this server can use, and their known models."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth.deps import CurrentPrincipal
from app.auth.provider_keys import workspace_configured_providers
from app.config import Settings
from app.database import SessionDep
from app.llm.registry import ProvidersPublic, list_providers

router = APIRouter(prefix="/api/v1/providers", tags=["providers"])


@router.get("", response_model=ProvidersPublic)
async def list_model_providers(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> ProvidersPublic:
    """Each provider, whether it is configured (by the environment or this workspace), how to
    configure it, and its known models with prices in USD per million tokens."""
    settings: Settings = request.app.state.settings
    stored = await workspace_configured_providers(session, principal.workspace_id)
    return ProvidersPublic(items=list_providers(settings, stored))
