"""Provider API keys stored per workspace, used ahead of the environment's keys.

Each is an encrypted credential of kind `provider_key` (one per provider and workspace); its
metadata holds the provider, the optional base URL and the masked key, so listing never
decrypts.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.schemas import ProviderKeyPublic, ProviderKeyPut, ProviderKeysPublic
from app.credentials import service as credentials
from app.credentials.models import EncryptedCredential
from app.exceptions import NotFoundError
from app.llm.names import ProviderName
from app.tools.egress import EgressGuard
from app.tools.egress_transport import check_server_url

logger = logging.getLogger(__name__)

KIND = "provider_key"


async def _stored(session: AsyncSession, workspace_id: uuid.UUID) -> dict[str, EncryptedCredential]:
    rows = await session.scalars(
        select(EncryptedCredential)
        .where(EncryptedCredential.workspace_id == workspace_id, EncryptedCredential.kind == KIND)
        .order_by(EncryptedCredential.updated_at)
    )
    # Newest wins should two ever exist for one provider.
    return {str((row.credential_metadata or {}).get("provider")): row for row in rows}


async def workspace_provider_key(
    session: AsyncSession, workspace_id: uuid.UUID, provider: str
) -> tuple[str | None, str | None]:
    """(api_key, base_url) the workspace stored for `provider`, or (None, None)."""
    credential = (await _stored(session, workspace_id)).get(provider)
    if credential is None:
        return None, None
    base_url = (credential.credential_metadata or {}).get("base_url") or None
    try:
        secret = await credentials.reveal_secret(session, credential)
    except Exception as exc:
        # A key that no longer decrypts (lost ENCRYPTION_KEYS) falls back to the environment's.
        logger.warning("provider key for %s does not decrypt (%s)", provider, type(exc).__name__)
        return None, base_url
    return secret.get("api_key") or None, base_url


async def workspace_configured_providers(
    session: AsyncSession, workspace_id: uuid.UUID
) -> frozenset[str]:
    """Providers the workspace stored a key for."""
    return frozenset(await _stored(session, workspace_id))


def _public(provider: ProviderName, credential: EncryptedCredential | None) -> ProviderKeyPublic:
    if credential is None:
        return ProviderKeyPublic(
            provider=provider, configured=False, masked_key=None, base_url=None, updated_at=None
        )
    metadata = credential.credential_metadata or {}
    return ProviderKeyPublic(
        provider=provider,
        configured=True,
        masked_key=metadata.get("masked_key"),
        base_url=metadata.get("base_url"),
        updated_at=credential.updated_at,
    )


async def list_provider_keys(session: AsyncSession, workspace_id: uuid.UUID) -> ProviderKeysPublic:
    stored = await _stored(session, workspace_id)
    return ProviderKeysPublic(items=[_public(p, stored.get(p.value)) for p in ProviderName])


async def put_provider_key(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    provider: ProviderName,
    data: ProviderKeyPut,
    egress: EgressGuard,
) -> ProviderKeyPublic:
    """Store the key; a base URL is checked first like every model server URL (422 for an odd
    IP spelling, 400 `egress_blocked` for a private or loopback host not on
    TOOL_ALLOWED_PRIVATE_HOSTS; a name that does not resolve now is accepted)."""
    if data.base_url:
        await check_server_url(egress, data.base_url)
    api_key = data.api_key.get_secret_value()
    existing = (await _stored(session, workspace_id)).get(provider.value)
    credential = await credentials.store_secret(
        session,
        workspace_id,
        KIND,
        {"api_key": api_key},
        {
            "provider": provider.value,
            "base_url": data.base_url,
            "masked_key": credentials.mask(api_key),
        },
        credential_id=existing.id if existing else None,
    )
    await session.commit()
    await session.refresh(credential)
    return _public(provider, credential)


async def delete_provider_key(
    session: AsyncSession, workspace_id: uuid.UUID, provider: ProviderName
) -> None:
    credential = (await _stored(session, workspace_id)).get(provider.value)
    if credential is None:
        raise NotFoundError("provider_key", provider.value)
    await session.delete(credential)
    await session.commit()
